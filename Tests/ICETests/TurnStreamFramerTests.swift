import MediaCore
import STUN
import TURN
import Testing

/// TURN over TCP/TLS: messages cut from a byte stream however it is split (RFC 8656 §12.5).
@Suite struct TurnStreamFramerTests {
    let stun = StunMessage(method: .allocate, messageClass: .request, transactionID: StunMessage.newTransactionID(),
                           attributes: [.requestedTransport(17), .software("termcall")]).encode()
    /// ChannelData with a 5-byte payload: 4 + 5, padded to 12 on a stream.
    let channel: [UInt8] = [0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]

    @Test func messagesComeOutWholeHoweverTheStreamIsCut() throws {
        let stream = stun + channel + stun + channel
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            var framer = TurnStreamFramer(), out: [[UInt8]] = [], i = 0
            while i < stream.count {
                let n = min(stream.count - i, 1 + Int(rng.next() % 17))
                framer.append(Array(stream[i..<(i + n)]))
                i += n
                while let m = try framer.next() { out.append(m) }
            }
            #expect(out == [stun, channel, stun, channel])
            #expect(framer.bufferedBytes == 0)
        }
    }

    @Test func aPaddedChannelDataFrameStillUnwrapsToItsPayload() throws {
        var framer = TurnStreamFramer()
        framer.append(channel)
        #expect(try framer.next() == channel)
        #expect(try framer.next() == nil)
    }

    @Test(arguments: [[0x80, 0, 0, 4], [0xC0, 1, 2, 3], [0x17, 0xFE, 0xFD, 0x00], [0x16, 0x03, 0x01, 0x00], [0x50, 0, 0, 4]] as [[UInt8]])
    func bytesThatAreNotTurnStopTheStream(_ head: [UInt8]) {
        var framer = TurnStreamFramer()
        framer.append(head + [UInt8](repeating: 0, count: 40))
        #expect(throws: TurnStreamFramer.FramingError.notTurn(firstByte: head[0])) { try framer.next() }
        // It stays stopped: a stream that lost its framing cannot be trusted again.
        #expect(throws: TurnStreamFramer.FramingError.self) { try framer.next() }
    }

    @Test func aStunLengthThatCannotBeIsRefused() {
        var framer = TurnStreamFramer()
        framer.append([0x01, 0x01, 0x00, 0x07, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 0, count: 30))
        #expect(throws: TurnStreamFramer.FramingError.badLength(7)) { try framer.next() }
    }

    /// Arbitrary bytes: every frame handed out is exactly as long as its header says, nothing is
    /// buffered beyond one frame's worth of input, and nothing traps.
    @Test func arbitraryBytesNeverTrap() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<2_000 {
            var framer = TurnStreamFramer()
            let bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            framer.append(bytes)
            var consumed = 0
            while true {
                guard let frame = try? framer.next() else { break }
                let length = Int(frame[2]) << 8 | Int(frame[3])
                #expect(frame.count == (frame[0] < 0x40 ? 20 + length : 4 + (length + 3) / 4 * 4))
                consumed += frame.count
            }
            #expect(consumed + framer.bufferedBytes == bytes.count)
        }
    }
}

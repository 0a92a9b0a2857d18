import MediaCore
import RTP
import Testing

/// RED (RFC 2198): the payload layout, what does not fit, and hostile bytes.
@Suite struct RedPayloadTests {
    /// Two redundant frames and a primary: 4-byte headers with the 14-bit offset and 10-bit
    /// length split across bytes, the 1-byte primary header, then the data, oldest first.
    @Test func layoutMatchesTheRfc() throws {
        let red = RedPayload(redundant: [.init(payloadType: 111, timestampOffset: 1_920, data: [1, 2, 3]),
                                         .init(payloadType: 111, timestampOffset: 960, data: Array(repeating: 7, count: 300))],
                             primaryPayloadType: 111, primary: [9, 9])
        let bytes = red.serialized
        // F=1|111, offset 1920 = 0b00011110_000000 (8 + 6 bits), length 3 (2 + 8 bits).
        #expect(Array(bytes[0..<4]) == [0xEF, 0x1E, 0x00, 0x03])
        // offset 960 = 0x3C0 → 0x0F, 0x00 | (300 >> 8 = 1); length low byte 300 & 0xFF = 0x2C.
        #expect(Array(bytes[4..<8]) == [0xEF, 0x0F, 0x01, 0x2C])
        #expect(bytes[8] == 111 && Array(bytes[9..<12]) == [1, 2, 3] && Array(bytes.suffix(2)) == [9, 9])
        #expect(bytes.count == 9 + 3 + 300 + 2)
        #expect(try RedPayload.parse(bytes) == red)
    }

    @Test func aPrimaryAloneIsOneHeaderByte() throws {
        let red = RedPayload(redundant: [], primaryPayloadType: 111, primary: [0xF8, 0xFF, 0xFE])
        #expect(red.serialized == [111, 0xF8, 0xFF, 0xFE])
        #expect(try RedPayload.parse(red.serialized) == red)
    }

    /// A block too long for 10 bits or too old for 14 is left out; the primary always goes.
    @Test func whatDoesNotFitTheHeaderIsLeftOut() throws {
        let red = RedPayload(redundant: [.init(payloadType: 111, timestampOffset: 960, data: Array(repeating: 1, count: 1_024)),
                                         .init(payloadType: 111, timestampOffset: 0x4000, data: [1])],
                             primaryPayloadType: 111, primary: [5])
        #expect(try RedPayload.parse(red.serialized) == RedPayload(redundant: [], primaryPayloadType: 111, primary: [5]))
    }

    @Test func truncatedOrOverlongPayloadsAreRefused() {
        #expect(throws: RtpParseError.tooShort) { try RedPayload.parse([]) }
        #expect(throws: RtpParseError.tooShort) { try RedPayload.parse([0xEF, 0x0F]) }           // a header cut short
        #expect(throws: RtpParseError.tooShort) { try RedPayload.parse([0xEF, 0x0F, 0x00, 0x01]) } // no primary header
        #expect(throws: RtpParseError.badLength) { try RedPayload.parse([0xEF, 0x0F, 0x00, 0x05, 111, 1, 2]) } // block longer than what is left
        #expect(throws: RtpParseError.malformedBody) { try RedPayload.parse([UInt8](repeating: 0xEF, count: 200)) } // headers without end
    }

    /// Random bytes: never a trap; whatever parses serialises back to the same payload.
    @Test func arbitraryBytesNeverTrapAndRoundTrip() throws {
        var random = SplitMix64(seed: 2198)
        var parsed = 0
        for _ in 0..<20_000 {
            let count = Int(random.next() % 64)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Bias towards the shapes RED has: a header or two with small lengths.
            if count > 9, random.next() % 2 == 0 { bytes[0] |= 0x80; bytes[2] &= 0xFC; bytes[3] %= 8; bytes[4] &= 0x7F }
            guard let red = try? RedPayload.parse(bytes) else { continue }
            parsed += 1
            #expect(try RedPayload.parse(red.serialized) == red)
        }
        #expect(parsed > 1_000)
    }
}

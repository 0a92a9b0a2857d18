import MediaCore
import RTP
import Testing

@Suite struct SequenceAndRetransmissionTests {
    @Test func unwrapsAcrossTheWrap() {
        var unwrapper = SequenceUnwrapper()
        let sequence: [UInt16] = [65_534, 65_535, 0, 1]
        var extended: [Int64] = []
        for number in sequence { extended.append(unwrapper.unwrap(number)) }
        #expect(extended == [65_534, 65_535, 65_536, 65_537])
        #expect(unwrapper.highest == 65_537)
    }

    @Test func reorderedAndLatePacketsKeepTheirPlace() {
        var unwrapper = SequenceUnwrapper()
        let arrivals: [UInt16] = [65_535, 1, 0, 65_534, 2]
        var extended: [Int64] = []
        for number in arrivals { extended.append(unwrapper.unwrap(number)) }
        #expect(extended == [65_535, 65_537, 65_536, 65_534, 65_538])
        #expect(unwrapper.peek(3) == 65_539)
        #expect(unwrapper.highest == 65_538)

        var early = SequenceUnwrapper()
        let first = early.unwrap(5), older = early.unwrap(65_533)
        #expect(first == 5)
        #expect(older == -3)   // from before the first packet
        #expect(early.highest == 5)
    }

    @Test func unwrappingALongStreamIsMonotonic() {
        var unwrapper = SequenceUnwrapper()
        var sequence: UInt16 = 40_000
        var mismatches = 0
        for expected in Int64(40_000)..<Int64(40_000 + 200_000) {
            if unwrapper.unwrap(sequence) != expected { mismatches += 1 }
            sequence &+= 1
        }
        #expect(mismatches == 0)
    }

    @Test func retransmissionWrapsAndUnwraps() throws {
        let original = RtpPacket(marker: true, payloadType: 96, sequenceNumber: 0xABCD, timestamp: 123_456, ssrc: 0x1111,
                                 csrcs: [9], extensions: [RtpHeaderExtension(id: 3, data: [0, 7])], payload: [1, 2, 3, 4, 5])
        let rtx = RtxPayload.wrap(original, rtxSsrc: 0x2222, rtxPayloadType: 97, rtxSequenceNumber: 5)
        #expect(rtx.ssrc == 0x2222 && rtx.payloadType == 97 && rtx.sequenceNumber == 5)
        #expect(rtx.timestamp == original.timestamp && rtx.marker && rtx.extensions == original.extensions)
        #expect(rtx.payload == [0xAB, 0xCD, 1, 2, 3, 4, 5])
        let received = try RtpPacket.parse(rtx.serialized())
        #expect(try RtxPayload.unwrap(received, originalSsrc: 0x1111, originalPayloadType: 96) == original)
        var probe = rtx
        probe.payload = [0xAB]
        #expect(throws: RtpParseError.tooShort) { try RtxPayload.unwrap(probe, originalSsrc: 1, originalPayloadType: 96) }
    }

    @Test func opusConstants() {
        #expect(OpusRtp.clockRate == 48_000)
        #expect(OpusRtp.timestampIncrementPer20Milliseconds == 960)
        #expect(OpusRtp.timestampIncrement(milliseconds: 20) == OpusRtp.timestampIncrementPer20Milliseconds)
        #expect(OpusRtp.timestampIncrement(milliseconds: 10) == 480)
        #expect(OpusRtp.formatParameters == "minptime=10;useinbandfec=1")
        #expect(OpusRtp.rtpmap == "opus/48000/2")
    }
}

import MediaCore
import RTP
import Testing

@Suite struct RtpPacketTests {
    @Test func oneByteExtensionsCsrcsAndPaddingSurviveARoundTrip() throws {
        let packet = RtpPacket(marker: true, payloadType: 111, sequenceNumber: 0xFFFE, timestamp: 0xDEAD_BEEF, ssrc: 0x1234_5678,
                               csrcs: [1, 2, 3], extensions: [RtpHeaderExtension(id: 1, data: [0x9E]),
                                                              RtpHeaderExtension(id: 14, data: Array(1...16))],
                               payload: [0xAA, 0xBB, 0xCC], paddingLength: 5)
        let bytes = packet.serialized()
        #expect(bytes[0] == 0x80 | 0x20 | 0x10 | 3)
        #expect(bytes[1] == 0x80 | 111)
        #expect(Array(bytes[24..<26]) == [0xBE, 0xDE])   // after 12 header bytes and 3 CSRCs
        #expect(bytes.last == 5)
        #expect(try RtpPacket.parse(bytes) == packet)
    }

    @Test func elementsThatDoNotFitOneByteSelectTheTwoByteForm() throws {
        for element in [RtpHeaderExtension(id: 20, data: [1]), RtpHeaderExtension(id: 3, data: Array(repeating: 7, count: 17)),
                        RtpHeaderExtension(id: 3, data: [])] {
            let packet = RtpPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3,
                                   extensions: [RtpHeaderExtension(id: 1, data: [5, 6]), element], payload: [1])
            let bytes = packet.serialized()
            #expect(Array(bytes[12..<14]) == [0x10, 0x00])
            #expect(try RtpPacket.parse(bytes) == packet)
        }
    }

    @Test func oneByteParsingSkipsPaddingAndStopsAtIdFifteen() throws {
        let bytes: [UInt8] = [0x90, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2,
                              0xBE, 0xDE, 0x00, 0x03,
                              0x11, 0xAA, 0xBB, 0x00, 0x21, 0xCC, 0xDD, 0xF0, 0x33, 0, 0, 0,
                              1, 2, 3]
        let packet = try RtpPacket.parse(bytes)
        #expect(packet.extensions == [RtpHeaderExtension(id: 1, data: [0xAA, 0xBB]), RtpHeaderExtension(id: 2, data: [0xCC, 0xDD])])
        #expect(packet.payloadType == 96 && packet.sequenceNumber == 0x1234 && packet.timestamp == 1 && packet.ssrc == 2)
        #expect(packet.payload == [1, 2, 3])
        #expect(!packet.marker)
    }

    @Test func twoByteParsingReadsLongAndEmptyElements() throws {
        let bytes: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                              0x10, 0x07, 0x00, 0x02,   // appbits 7 are allowed (RFC 8285 §4.3)
                              0x20, 0x00, 0x00, 0xFF, 0x02, 0x01, 0x02, 0x00,
                              9]
        let packet = try RtpPacket.parse(bytes)
        #expect(packet.extensions == [RtpHeaderExtension(id: 0x20, data: []), RtpHeaderExtension(id: 0xFF, data: [1, 2])])
        #expect(packet.payload == [9])
    }

    @Test func unknownExtensionProfilesAreKeptRaw() throws {
        let packet = RtpPacket(payloadType: 0, sequenceNumber: 9, timestamp: 9, ssrc: 9,
                               rawExtension: RtpRawHeaderExtension(profile: 0xABAC, data: [1, 2, 3, 4, 5, 6, 7, 8]), payload: [])
        let parsed = try RtpPacket.parse(packet.serialized())
        #expect(parsed == packet)
        #expect(parsed.extensions.isEmpty)
    }

    @Test func malformedHeadersThrow() {
        let valid = RtpPacket(payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: [1, 2, 3, 4]).serialized()
        #expect(throws: RtpParseError.tooShort) { try RtpPacket.parse(Array(valid.prefix(11))) }
        var wrongVersion = valid
        wrongVersion[0] = 0x40
        #expect(throws: RtpParseError.badVersion) { try RtpPacket.parse(wrongVersion) }
        var zeroPadding = valid
        zeroPadding[0] |= 0x20
        zeroPadding[zeroPadding.count - 1] = 0
        #expect(throws: RtpParseError.badPadding) { try RtpPacket.parse(zeroPadding) }
        var overlongPadding = valid
        overlongPadding[0] |= 0x20
        overlongPadding[overlongPadding.count - 1] = 5   // only 4 bytes follow the header
        #expect(throws: RtpParseError.badPadding) { try RtpPacket.parse(overlongPadding) }
        var missingCsrcs = valid
        missingCsrcs[0] |= 0x02
        #expect(throws: RtpParseError.tooShort) { try RtpPacket.parse(missingCsrcs) }
        let overrunningBlock: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0x00, 0x02, 0x10, 0]
        #expect(throws: RtpParseError.badExtension) { try RtpPacket.parse(overrunningBlock) }
        let overrunningElement: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0x00, 0x01, 0x15, 1, 2, 3]
        #expect(throws: RtpParseError.badExtension) { try RtpPacket.parse(overrunningElement) }
    }

    @Test func typedExtensionsThroughANegotiatedMap() throws {
        let map = RtpExtensionMap(kinds: [1: .audioLevel, 2: .absSendTime, 3: .transportSequenceNumber, 4: .mid])
        #expect(map.id(of: .mid) == 4)
        #expect(map.kind(of: 3) == .transportSequenceNumber)
        var packet = RtpPacket(payloadType: 111, sequenceNumber: 7, timestamp: 960, ssrc: 42, payload: [0xFC])
        var written: [Bool] = []
        written.append(packet.setAudioLevel(AudioLevel(voiceActivity: true, level: 30), in: map))
        written.append(packet.setAbsSendTime(AbsSendTime(microseconds: 1_500_000), in: map))
        written.append(packet.setTransportSequenceNumber(0xBEEF, in: map))
        written.append(packet.setMid("audio0", in: map))
        #expect(written == [true, true, true, true])
        packet.setTransportSequenceNumber(0xBEF0, in: map)   // replaces, does not duplicate
        #expect(packet.extensions.count == 4)

        let parsed = try RtpPacket.parse(packet.serialized())
        #expect(parsed.audioLevel(in: map) == AudioLevel(voiceActivity: true, level: 30))
        let sendTime = try #require(parsed.absSendTime(in: map))
        #expect(abs(sendTime.microseconds - 1_500_000) <= 4)
        #expect(parsed.transportSequenceNumber(in: map) == 0xBEF0)
        #expect(parsed.mid(in: map) == "audio0")
        #expect(parsed.extensionData(id: 1) == [0x80 | 30])

        let unmapped = RtpExtensionMap()
        let writtenUnmapped = packet.setMid("x", in: unmapped)
        #expect(!writtenUnmapped)
        #expect(parsed.mid(in: unmapped) == nil)
    }

    @Test func absSendTimeIsSixPointEighteenSecondsWrappingAt64() {
        #expect(AbsSendTime(microseconds: 1_000_000).raw == 1 << 18)
        #expect(AbsSendTime(microseconds: 65_000_000).raw == 1 << 18)
        #expect(AbsSendTime(microseconds: -63_000_000).raw == 1 << 18)
        #expect(AbsSendTime(ntpTimestamp: UInt64(3) << 32 | UInt64(1) << 31).raw == 3 << 18 | 1 << 17)
        #expect(AbsSendTime(raw: 0x12_3456).bytes == [0x12, 0x34, 0x56])
    }
}

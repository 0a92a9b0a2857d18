import MediaCore
import RTP
import Testing

@Suite struct RtcpPacketTests {
    static let block = ReportBlock(ssrc: 0xAAAA_0001, fractionLost: 25, cumulativeLost: -5, extendedHighestSequenceNumber: 0x0001_0203,
                                   jitter: 480, lastSenderReport: 0x3344_5566, delaySinceLastSenderReport: 32_768)
    static let twcc = TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65_530, referenceTime: -3,
                                        feedbackPacketCount: 9, receiveDeltas: [4, nil, 1000, -2, 0, 255])

    static let everyKind: [RtcpPacket] = [
        .senderReport(SenderReport(ssrc: 0x1111, ntpTimestamp: 0xE000_0000_8000_0000, rtpTimestamp: 96_000, packetCount: 50,
                                   octetCount: 6000, reports: [block, ReportBlock(ssrc: 7)], profileExtension: [1, 2, 3, 4])),
        .senderReport(SenderReport(ssrc: 0x1112, ntpTimestamp: 1, rtpTimestamp: 2, packetCount: 3, octetCount: 4)),
        .receiverReport(ReceiverReport(ssrc: 0x2222, reports: [block])),
        .receiverReport(ReceiverReport(ssrc: 0x2223)),
        .sourceDescription([SdesChunk(ssrc: 0x1111, items: [.cname("user@host"), SdesItem(.tool, "termcall")]),
                            SdesChunk(ssrc: 0x3333, items: [.cname("é✓")]), SdesChunk(ssrc: 4, items: [])]),
        .goodbye(ssrcs: [0x1111, 0x3333], reason: "call ended"),
        .goodbye(ssrcs: [0x1111], reason: nil),
        .genericNack(sender: 0x2222, media: 0x1111, lost: [100, 101, 105, 116, 117, 200, 65_535, 0]),
        .pictureLossIndication(sender: 0x2222, media: 0x1111),
        .fullIntraRequest(sender: 0x2222, entries: [FirEntry(ssrc: 0x1111, sequenceNumber: 3), FirEntry(ssrc: 0x4444, sequenceNumber: 255)]),
        .remb(sender: 0x2222, bitrate: 1_500_000, ssrcs: [0x1111, 0x3333]),
        .transportFeedback(twcc),
        .unknown(packetType: 204, format: 1, payload: [0, 0, 0, 9] + Array("name".utf8) + [1, 2, 3]),
        .unknown(packetType: 206, format: 15, payload: [0, 0, 0, 1, 0, 0, 0, 0] + Array("ABCD".utf8)),
    ]

    @Test func everyPacketKindSurvivesARoundTrip() throws {
        for packet in Self.everyKind {
            let bytes = packet.serialized()
            #expect(bytes.count % 4 == 0)
            #expect(try RtcpPacket.parseCompound(bytes) == [packet])
        }
    }

    @Test func aCompoundPacketSurvivesARoundTrip() throws {
        let bytes = RtcpPacket.serializeCompound(Self.everyKind)
        #expect(RtcpPacket.looksLikeRtcp(bytes))
        #expect(try RtcpPacket.parseCompound(bytes) == Self.everyKind)
    }

    @Test func reducedSizeFeedbackAloneIsAccepted() throws {
        let pli = RtcpPacket.pictureLossIndication(sender: 5, media: 6)
        let bytes = pli.serialized()
        #expect(bytes == [0x81, 206, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6])
        #expect(try RtcpPacket.parseCompound(bytes) == [pli])
    }

    @Test func malformedCompoundsThrow() throws {
        let valid = RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 1, reports: [Self.block])), .pictureLossIndication(sender: 1, media: 2)])
        #expect(throws: RtpParseError.tooShort) { try RtcpPacket.parseCompound([0x80, 201, 0]) }
        #expect(throws: RtpParseError.badLength) { try RtcpPacket.parseCompound(Array(valid.dropLast(4))) }
        #expect(throws: RtpParseError.tooShort) { try RtcpPacket.parseCompound(valid + [0x80, 201]) }
        var version = valid
        version[0] = 0x01
        #expect(throws: RtpParseError.badVersion) { try RtcpPacket.parseCompound(version) }
        var blockCount = valid
        blockCount[0] = 0x82   // two report blocks announced, one present
        #expect(throws: RtpParseError.badLength) { try RtcpPacket.parseCompound(blockCount) }
        var padding = valid
        padding[0] |= 0x20      // padding announced, count octet (a report byte) too large
        padding[31] = 200
        #expect(throws: RtpParseError.badPadding) { try RtcpPacket.parseCompound(padding) }
    }

    @Test func cumulativeLossIsClampedToTwentyFourSignedBits() throws {
        var block = Self.block
        block.cumulativeLost = 10_000_000
        let high = try RtcpPacket.parseCompound(RtcpPacket.receiverReport(ReceiverReport(ssrc: 1, reports: [block])).serialized())
        guard case let .receiverReport(report) = try #require(high.first) else { Issue.record("not an RR"); return }
        #expect(report.reports.first?.cumulativeLost == 0x7F_FFFF)
        block.cumulativeLost = -10_000_000
        let low = try RtcpPacket.parseCompound(RtcpPacket.receiverReport(ReceiverReport(ssrc: 1, reports: [block])).serialized())
        guard case let .receiverReport(lowReport) = try #require(low.first) else { Issue.record("not an RR"); return }
        #expect(lowReport.reports.first?.cumulativeLost == -0x80_0000)
    }

    @Test func moreThanThirtyOneBlocksContinueInReceiverReports() throws {
        let blocks = (0..<40).map { ReportBlock(ssrc: UInt32($0)) }
        let sr = SenderReport(ssrc: 9, ntpTimestamp: 1, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: blocks)
        let parsed = try RtcpPacket.parseCompound(RtcpPacket.senderReport(sr).serialized())
        var first = sr
        first.reports = Array(blocks.prefix(31))
        #expect(parsed == [.senderReport(first), .receiverReport(ReceiverReport(ssrc: 9, reports: Array(blocks.dropFirst(31))))])
    }

    @Test func nackPidAndBlpExpand() throws {
        // RFC 4585 §6.2.1: PID 1000, BLP bits 0, 2 and 15 → 1000, 1001, 1003, 1016.
        let bytes: [UInt8] = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0xE8, 0x80, 0x05]
        #expect(try RtcpPacket.parseCompound(bytes) == [.genericNack(sender: 1, media: 2, lost: [1000, 1001, 1003, 1016])])
        #expect(NackEntry(packetId: 65_535, lostBitmask: 1).sequenceNumbers == [65_535, 0])
        #expect(NackEntry.compress([5, 6, 7, 30]) == [NackEntry(packetId: 5, lostBitmask: 0b11), NackEntry(packetId: 30)])
        #expect(NackEntry.compress([10, 26, 27]) == [NackEntry(packetId: 10, lostBitmask: 1 << 15), NackEntry(packetId: 27)])
        let serialized = RtcpPacket.genericNack(sender: 1, media: 2, lost: [1000, 1001, 1003, 1016]).serialized()
        #expect(serialized == bytes)
    }

    @Test func nackCompressionKeepsAnyListIntact() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let start = UInt16.random(in: 0...UInt16.max, using: &random)
            let lost = (0..<Int.random(in: 0...40, using: &random)).map { _ in start &+ UInt16.random(in: 0...40, using: &random) }
            #expect(NackEntry.expand(NackEntry.compress(lost)) == lost)
        }
    }

    @Test func rembEncodesExponentAndMantissa() throws {
        let bytes = RtcpPacket.remb(sender: 1, bitrate: 300_000, ssrcs: [0xABCD]).serialized()
        #expect(bytes[1] == 206 && bytes[0] & 0x1F == 15)
        #expect(Array(bytes[12..<16]) == Array("REMB".utf8))
        #expect(bytes[16] == 1)
        let field = UInt32(bytes[17]) << 16 | UInt32(bytes[18]) << 8 | UInt32(bytes[19])
        #expect(field >> 18 == 1 && field & 0x3_FFFF == 150_000)
        // Values beyond 18 bits of mantissa lose their low bits.
        let large = try RtcpPacket.parseCompound(RtcpPacket.remb(sender: 1, bitrate: 1_000_000_007, ssrcs: []).serialized())
        guard case let .remb(_, bitrate, _) = try #require(large.first) else { Issue.record("not REMB"); return }
        #expect(bitrate <= 1_000_000_007 && bitrate > 1_000_000_007 - (1 << 12))
    }

    @Test func textIsCutToTwoHundredFiftyFiveOctets() throws {
        let long = String(repeating: "é", count: 200)   // 400 octets
        let parsed = try RtcpPacket.parseCompound(RtcpPacket.goodbye(ssrcs: [1], reason: long).serialized())
        guard case let .goodbye(_, reason) = try #require(parsed.first) else { Issue.record("not BYE"); return }
        #expect(reason == String(repeating: "é", count: 127))
    }
}

import PeerConnection
import RTP
import Testing

/// RTCP for a call on a virtual clock: reports on schedule, the round trip from LSR/DLSR,
/// keyframe requests both ways, hostile input counted.
@Suite struct RtcpSessionTests {
    static let ntpAtZero: UInt64 = 0xE000_0000_0000_0000

    func session() -> RtcpSession {
        var s = RtcpSession(cname: "cname-1", receiverSsrc: 99, ntpAtZero: Self.ntpAtZero, interval: 1_000, seed: 7)
        s.addSender(ssrc: 1, kind: .audio)
        s.addSender(ssrc: 2, kind: .video)
        return s
    }

    func packet(ssrc: UInt32, sequence: UInt16, timestamp: UInt32, size: Int = 100) -> RtpPacket {
        RtpPacket(payloadType: 111, sequenceNumber: sequence, timestamp: timestamp, ssrc: ssrc, payload: [UInt8](repeating: 0, count: size))
    }

    @Test func sendsSenderReportsWithReportBlocksAndCname() throws {
        var s = session()
        #expect(s.poll(now: 10_000).isEmpty) // nothing sent or received: nothing to report
        for i in 0..<50 {
            s.sent(packet(ssrc: 1, sequence: UInt16(i), timestamp: UInt32(i * 960)), now: Int64(i * 20))
            s.received(packet(ssrc: 77, sequence: UInt16(i), timestamp: UInt32(i * 960)), kind: .audio, now: Int64(i * 20))
        }
        // The first report is due within 0.5–1.5 intervals of the first packet.
        var compounds: [[UInt8]] = []
        var now: Int64 = 0
        while compounds.isEmpty, now <= 1_500 { compounds = s.poll(now: now); now += 10 }
        let packets = try RtcpPacket.parseCompound(try #require(compounds.first))
        guard case let .senderReport(sr) = packets.first else { Issue.record("no SR first: \(packets)"); return }
        #expect(sr.ssrc == 1 && sr.packetCount > 0 && sr.octetCount == sr.packetCount * 100)
        #expect(sr.reports.map(\.ssrc) == [77])
        guard case let .sourceDescription(chunks) = packets.last else { Issue.record("no SDES last: \(packets)"); return }
        #expect(chunks.map(\.ssrc) == [1] && chunks[0].items == [.cname("cname-1")])
        // Video sent too: a second compound for its SSRC, without the blocks.
        s.sent(packet(ssrc: 2, sequence: 1, timestamp: 0), now: now)
        var more: [[UInt8]] = []
        while more.isEmpty, now <= 5_000 { more = s.poll(now: now); now += 10 }
        let reports = try more.map { try RtcpPacket.parseCompound($0) }
        #expect(reports.count == 2 && reports.allSatisfy { $0.count == 2 })
        guard case let .senderReport(video) = reports[1][0] else { Issue.record("\(reports)"); return }
        #expect(video.ssrc == 2 && video.reports.isEmpty)
    }

    @Test func roundTripComesFromTheBlockAboutOurStream() throws {
        var s = session()
        s.sent(packet(ssrc: 2, sequence: 1, timestamp: 0), now: 0)
        // Our SR went out at t = 1000 ms (NTP middle 32 bits); the peer held it 50 ms (DLSR) and
        // its RR arrives at t = 1080 ms: 30 ms on the wire both ways.
        let lsr = UInt32(truncatingIfNeeded: (Self.ntpAtZero + (1 << 32)) >> 16)
        let block = ReportBlock(ssrc: 2, fractionLost: 64, cumulativeLost: 3, extendedHighestSequenceNumber: 10, jitter: 900,
                                lastSenderReport: lsr, delaySinceLastSenderReport: 50 * 65_536 / 1000)
        let rr = RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 55, reports: [block]))])
        #expect(s.receivedCompound(rr, now: 1_080) == [.reportReceived(ssrc: 2)]) // the rate controller hears of it
        let stream = try #require(s.outbound[2])
        #expect(abs((stream.roundTripTime ?? 0) - 0.030) < 0.001)
        #expect(stream.remotePacketsLost == 3 && stream.remoteFractionLost == 0.25 && stream.remoteJitter == 0.01)
    }

    @Test func keyframeRequestsBothWays() throws {
        var s = session()
        // The peer's PLI or FIR on our video asks for a keyframe; on audio it means nothing.
        let pli = RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 55)), .pictureLossIndication(sender: 55, media: 2)])
        #expect(s.receivedCompound(pli, now: 0) == [.keyframe(ssrc: 2)])
        let fir = RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 55)), .fullIntraRequest(sender: 55, entries: [FirEntry(ssrc: 2, sequenceNumber: 1)])])
        #expect(s.receivedCompound(fir, now: 0) == [.keyframe(ssrc: 2)])
        let audioPli = RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 55)), .pictureLossIndication(sender: 55, media: 1)])
        #expect(s.receivedCompound(audioPli, now: 0).isEmpty)
        #expect(s.outbound[2]?.pliReceived == 1 && s.outbound[2]?.firReceived == 1)
        // We ask for one when a frame of theirs broke, at most once per 250 ms.
        s.received(packet(ssrc: 88, sequence: 1, timestamp: 0), kind: .video, now: 0)
        s.requestKeyframe(ssrc: 88, now: 100)
        s.requestKeyframe(ssrc: 88, now: 200)
        let sent = s.poll(now: 200).flatMap { (try? RtcpPacket.parseCompound($0)) ?? [] }
        #expect(sent.contains(.pictureLossIndication(sender: 1, media: 88)))
        #expect(s.inbound[88]?.pliSent == 1)
        s.requestKeyframe(ssrc: 88, now: 350)
        #expect(s.inbound[88]?.pliSent == 2)
    }

    @Test func hostileInputIsCountedAndBounded() {
        var s = session()
        #expect(s.receivedCompound([0x80, 0xC9, 0x00], now: 0).isEmpty)
        #expect(s.receivedCompound([], now: 0).isEmpty)
        #expect(s.malformed == 2)
        for ssrc in UInt32(100)..<UInt32(200) { s.received(packet(ssrc: ssrc, sequence: 1, timestamp: 0), kind: .audio, now: 0) }
        #expect(s.inbound.count == RtcpSession.maximumInbound)
        // Random bytes never trap.
        var seed: UInt64 = 1
        for _ in 0..<2_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let bytes = (0..<Int(seed >> 58)).map { UInt8(truncatingIfNeeded: (seed >> UInt64($0 % 8 * 8)) &+ UInt64($0)) }
            _ = s.receivedCompound([0x81, 0xC9] + bytes, now: 0)
        }
    }
}

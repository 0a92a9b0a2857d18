import MediaCore
import RTP
import Testing

@Suite struct StreamProcessorTests {
    static func packet(_ sequence: UInt16, ssrc: UInt32 = 0xABC) -> RtpPacket {
        RtpPacket(payloadType: 96, sequenceNumber: sequence, timestamp: UInt32(sequence) * 3000, ssrc: ssrc, payload: [0])
    }

    static func nackGenerator(retries: Int = 3) -> NackGenerator {
        var configuration = NackGenerator.Configuration(senderSsrc: 1)
        configuration.retryInterval = 100
        configuration.firstRequestDelay = 0 // these tests pin the retry schedule, not the initial patience
        configuration.maximumRetries = retries
        configuration.maximumAge = 1_000
        return NackGenerator(configuration: configuration)
    }

    @Test func nacksMissingPacketsUntilTheyArriveOrRetriesRunOut() {
        var nacks = Self.nackGenerator()
        for sequence: UInt16 in [10, 11, 14] { nacks.incoming(Self.packet(sequence), now: 0) }
        nacks.incoming(Self.packet(500, ssrc: 0xDEF), now: 0)   // another stream: ignored
        #expect(nacks.missingSequenceNumbers == [12, 13])
        #expect(nacks.nextTimeout == 0)
        let polled1 = nacks.poll(now: 0)
        #expect(polled1 == [.genericNack(sender: 1, media: 0xABC, lost: [12, 13])])
        #expect(nacks.nextTimeout == 100)
        let polled2 = nacks.poll(now: 50)
        #expect(polled2 == [])
        nacks.incoming(Self.packet(12), now: 60)                 // retransmission arrived
        let polled3 = nacks.poll(now: 100)
        #expect(polled3 == [.genericNack(sender: 1, media: 0xABC, lost: [13])])
        let polled4 = nacks.poll(now: 200)
        #expect(polled4 == [.genericNack(sender: 1, media: 0xABC, lost: [13])])
        #expect(nacks.nextTimeout == nil)                        // three requests made: given up
        let polled5 = nacks.poll(now: 300)
        #expect(polled5 == [])
    }

    @Test func nacksAcrossTheWrapAndGivesUpOldPackets() {
        var nacks = Self.nackGenerator(retries: 100)
        nacks.incoming(Self.packet(65_534), now: 0)
        nacks.incoming(Self.packet(1), now: 0)
        let polled6 = nacks.poll(now: 0)
        #expect(polled6 == [.genericNack(sender: 1, media: 0xABC, lost: [65_535, 0])])
        let polled7 = nacks.poll(now: 1_001)
        #expect(polled7 == [])
        #expect(nacks.missingSequenceNumbers.isEmpty)
    }

    @Test func hugeGapsAreBoundedAndSplitAcrossPackets() {
        var nacks = Self.nackGenerator()
        nacks.incoming(Self.packet(1), now: 0)
        nacks.incoming(Self.packet(5000), now: 0)
        #expect(nacks.missingSequenceNumbers.count == 1000)
        #expect(nacks.missingSequenceNumbers.first == 4000)
        let requests = nacks.poll(now: 0)
        #expect(requests.count == 4)   // 256 + 256 + 256 + 232
        let lost = requests.flatMap { packet -> [UInt16] in
            guard case let .genericNack(_, _, lost) = packet else { return [] }
            return lost
        }
        #expect(lost == Array(UInt16(4000)..<UInt16(5000)))
        // With a maximum gap, an outage's worth is not asked for at all.
        var config = NackGenerator.Configuration(senderSsrc: 1, mediaSsrc: 2)
        config.maximumGap = 100
        var bounded = NackGenerator(configuration: config)
        bounded.incoming(RtpPacket(payloadType: 96, sequenceNumber: 10, timestamp: 0, ssrc: 2, payload: []), now: 0)
        bounded.incoming(RtpPacket(payloadType: 96, sequenceNumber: 500, timestamp: 0, ssrc: 2, payload: []), now: 1)
        #expect(bounded.missingSequenceNumbers.isEmpty && bounded.gapsTooLong == 1)
        bounded.incoming(RtpPacket(payloadType: 96, sequenceNumber: 503, timestamp: 0, ssrc: 2, payload: []), now: 2)
        #expect(bounded.missingSequenceNumbers == [501, 502])
    }
}

@Suite struct SenderReportSchedulerTests {
    @Test func reportsCountTheStreamAndMapNtpToRtpTime() throws {
        var scheduler = SenderReportScheduler(ssrc: 0xABCD, clockRate: 48_000, ntpAtZero: 0xE000_0000 << 32, seed: 5)
        var reports: [SenderReport] = []
        for i in 0..<500 { // 10 s of 20 ms Opus packets
            let now = Int64(i * 20)
            var packet = RtpPacket(payloadType: 111, sequenceNumber: UInt16(i), timestamp: UInt32(i * 960), ssrc: 0xABCD, payload: [UInt8](repeating: 1, count: 80))
            scheduler.outgoing(&packet, now: now)
            for case let .senderReport(r) in scheduler.poll(now: now + 5) { reports.append(r) }
        }
        // Every 0.5–1.5 s: 7 to 20 reports in 10 s.
        #expect((7...20).contains(reports.count), "\(reports.count) reports")
        let last = try #require(reports.last)
        #expect(last.ssrc == 0xABCD && last.octetCount == last.packetCount * 80)
        // NTP and RTP timestamps describe the same instant: seconds since zero agree.
        let ntpSeconds = Double((last.ntpTimestamp &- (0xE000_0000 << 32))) / 4_294_967_296
        let rtpSeconds = Double(last.rtpTimestamp) / 48_000
        #expect(abs(ntpSeconds - rtpSeconds) < 0.001, "ntp \(ntpSeconds) s, rtp \(rtpSeconds) s")
    }
}

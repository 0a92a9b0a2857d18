import MediaCore
import RTP
import Testing

@Suite struct ReceiveStatisticsTests {
    /// 1001 Opus packets 20 ms apart starting near the sequence wrap, every tenth lost, and the
    /// received ones arriving alternately on time and 10 ms late: |D| is 10 ms = 480 ticks for
    /// every consecutive pair, so the §A.8 estimate converges to 480.
    @Test func lossAndConstantJitterOnASyntheticStream() throws {
        var statistics = ReceiveStatistics(ssrc: 0x5151, clockRate: 48_000)
        let start: UInt16 = 65_000
        var received = 0
        for index in 0...1000 where index % 10 != 9 {
            let arrival = Int64(index * 20 + (received % 2 == 0 ? 0 : 10))
            statistics.record(sequenceNumber: start &+ UInt16(index), rtpTimestamp: 1_000 &+ UInt32(index * 960), now: arrival)
            received += 1
        }
        #expect(received == 901)
        #expect(statistics.packetsExpected == 1001)
        #expect(statistics.packetsReceived == 901)
        #expect(statistics.cumulativeLost == 100)
        #expect(abs(statistics.jitter - 480) < 1)

        let block = statistics.makeReportBlock(now: 20_000)
        #expect(block.ssrc == 0x5151)
        #expect(block.fractionLost == UInt8((100 << 8) / 1001))
        #expect(block.cumulativeLost == 100)
        #expect(block.extendedHighestSequenceNumber == 66_000)   // one cycle, sequence number 464
        #expect(block.jitter == 480)
        #expect(block.lastSenderReport == 0 && block.delaySinceLastSenderReport == 0)

        // The next interval: nothing lost, so the fraction is 0 while the cumulative count stays.
        for index in 1001...1010 {
            statistics.record(sequenceNumber: start &+ UInt16(index), rtpTimestamp: 1_000 &+ UInt32(index * 960), now: Int64(index * 20))
        }
        let next = statistics.makeReportBlock(now: 21_000)
        #expect(next.fractionLost == 0)
        #expect(next.cumulativeLost == 100)
    }

    @Test func lastSenderReportAndDelaySinceIt() {
        var statistics = ReceiveStatistics(ssrc: 1, clockRate: 90_000)
        statistics.record(sequenceNumber: 1, rtpTimestamp: 0, now: 900)
        statistics.senderReportReceived(ntpTimestamp: 0x1122_3344_5566_7788, now: 1_000)
        let block = statistics.makeReportBlock(now: 1_500)
        #expect(block.lastSenderReport == 0x3344_5566)
        #expect(block.delaySinceLastSenderReport == 32_768)   // 0.5 s in 1/65536 s
    }

    @Test func duplicatesMakeLossNegative() {
        var statistics = ReceiveStatistics(ssrc: 1, clockRate: 48_000)
        for (sequence, now) in [(10, 0), (11, 20), (11, 21), (12, 40)] as [(UInt16, Int64)] {
            statistics.record(sequenceNumber: sequence, rtpTimestamp: UInt32(sequence) * 960, now: now)
        }
        #expect(statistics.cumulativeLost == -1)
        let block = statistics.makeReportBlock(now: 50)
        #expect(block.cumulativeLost == -1)
    }

    @Test func reorderingIsNotLoss() {
        var statistics = ReceiveStatistics(ssrc: 1, clockRate: 48_000)
        for sequence: UInt16 in [65_534, 0, 65_535, 1, 2] {
            statistics.record(sequenceNumber: sequence, rtpTimestamp: 0, now: 0)
        }
        #expect(statistics.cumulativeLost == 0)
        #expect(statistics.highestSequenceNumber == 65_538)
        let block = statistics.makeReportBlock(now: 0)
        #expect(block.fractionLost == 0)
    }
}

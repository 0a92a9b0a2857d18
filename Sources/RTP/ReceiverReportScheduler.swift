/// Sends receiver reports for the sources of a stream (RFC 3550 §6.4.2) every `interval` scaled by
/// a random factor in [0.5, 1.5) (§6.3.1's randomisation, without the group-size computation: a
/// call has two participants). Seeded, so a test sees the same schedule every run.
public struct ReceiverReportScheduler: RtpStreamProcessor, Equatable {
    /// One RR's worth; packets from further SSRCs are not tracked.
    public static let maximumSources = 31

    public let senderSsrc: UInt32
    public let clockRate: Int
    /// The nominal interval in milliseconds (kept within 1 ms … 1 day).
    public let interval: Int64
    public private(set) var statistics: [UInt32: ReceiveStatistics] = [:]
    public private(set) var nextReportAt: Int64?
    private var random: SeededRandom

    public init(senderSsrc: UInt32, clockRate: Int, interval: Int64 = 1_000, seed: UInt64) {
        self.senderSsrc = senderSsrc
        self.clockRate = clockRate
        self.interval = min(max(interval, 1), 86_400_000)
        self.random = SeededRandom(seed: seed)
    }

    public mutating func incoming(_ packet: RtpPacket, now: Int64) {
        if statistics[packet.ssrc] == nil {
            guard statistics.count < Self.maximumSources else { return }
            statistics[packet.ssrc] = ReceiveStatistics(ssrc: packet.ssrc, clockRate: clockRate)
        }
        statistics[packet.ssrc]?.record(packet, now: now)
        if nextReportAt == nil { nextReportAt = now &+ randomizedInterval() }
    }

    /// Remembers SRs so the next report carries LSR and DLSR (§6.4.1).
    public mutating func incomingRtcp(_ packet: RtcpPacket, now: Int64) {
        guard case let .senderReport(report) = packet else { return }
        statistics[report.ssrc]?.senderReportReceived(ntpTimestamp: report.ntpTimestamp, now: now)
    }

    public mutating func poll(now: Int64) -> [RtcpPacket] {
        guard let due = nextReportAt, now >= due else { return [] }
        var blocks: [ReportBlock] = []
        for ssrc in statistics.keys.sorted() {
            guard var source = statistics[ssrc] else { continue }
            blocks.append(source.makeReportBlock(now: now))
            statistics[ssrc] = source
        }
        nextReportAt = now &+ randomizedInterval()
        return [.receiverReport(ReceiverReport(ssrc: senderSsrc, reports: blocks))]
    }

    public var nextTimeout: Int64? { nextReportAt }

    private mutating func randomizedInterval() -> Int64 {
        max(1, Int64((Double(interval) * (0.5 + random.unit())).rounded()))
    }
}

/// xorshift64*: a few lines of deterministic randomness so this module needs no other target.
struct SeededRandom: Sendable, Equatable {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}

import MediaCore

/// Sends sender reports for one outgoing stream (RFC 3550 §6.4.1) on the same randomised schedule
/// as receiver reports: packet and octet counts, and the NTP and RTP timestamps of one instant so
/// the receiver can line audio up with video and measure the round trip (LSR/DLSR).
public struct SenderReportScheduler: RtpStreamProcessor, Equatable {
    public let ssrc: UInt32
    public let clockRate: Int
    public let interval: Int64
    /// NTP time (64-bit 32.32, seconds since 1900) at `now == 0`: the owner maps its monotonic
    /// clock onto wall-clock time once, at start.
    public let ntpAtZero: UInt64
    public private(set) var packetCount: UInt32 = 0
    public private(set) var octetCount: UInt32 = 0
    public private(set) var nextReportAt: Int64?
    private var lastTimestamp: UInt32 = 0
    private var lastSentAt: Int64 = 0
    private var random: SplitMix64

    public init(ssrc: UInt32, clockRate: Int, ntpAtZero: UInt64, interval: Int64 = 1_000, seed: UInt64) {
        self.ssrc = ssrc
        self.clockRate = max(1, clockRate)
        self.ntpAtZero = ntpAtZero
        self.interval = min(max(interval, 1), 86_400_000)
        random = SplitMix64(seed: seed)
    }

    public mutating func outgoing(_ packet: inout RtpPacket, now: Int64) {
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: packet.payload.count) // payload octets only (§6.4.1)
        lastTimestamp = packet.timestamp
        lastSentAt = now
        if nextReportAt == nil { nextReportAt = now &+ randomizedInterval() }
    }

    public mutating func poll(now: Int64) -> [RtcpPacket] {
        guard let due = nextReportAt, now >= due else { return [] }
        nextReportAt = now &+ randomizedInterval()
        return [.senderReport(report(now: now))]
    }

    /// The SR for `now`, off the schedule (an owner that keeps one timer for several streams):
    /// the RTP timestamp of `now` extrapolated from the last packet at the media clock rate.
    public func report(now: Int64, blocks: [ReportBlock] = []) -> SenderReport {
        let elapsed = Int64(clockRate) * max(0, now - lastSentAt) / 1000
        let rtp = lastTimestamp &+ UInt32(truncatingIfNeeded: elapsed)
        return SenderReport(ssrc: ssrc, ntpTimestamp: Self.ntp(now, atZero: ntpAtZero), rtpTimestamp: rtp,
                            packetCount: packetCount, octetCount: octetCount, reports: blocks)
    }

    /// NTP time (32.32) of `now` (ms on the owner's clock), given NTP time at its zero.
    public static func ntp(_ now: Int64, atZero ntpAtZero: UInt64) -> UInt64 {
        let ms = UInt64(max(0, now))
        return ntpAtZero &+ ((ms / 1000) << 32) &+ ((ms % 1000) << 32) / 1000
    }

    public var nextTimeout: Int64? { nextReportAt }

    private mutating func randomizedInterval() -> Int64 {
        max(1, Int64((Double(interval) * (0.5 + random.unit())).rounded()))
    }
}

import RTP

/// Send-side bandwidth estimation from transport-wide feedback (the delay-based half of GCC,
/// draft-ietf-rmcat-gcc-02 §5): every packet we send carries a transport-wide sequence number
/// and is logged; the far end reports when each arrived; arrival groups, the delay trend and the
/// overuse detector turn that into "a queue is building" well before the queue overflows, and
/// AIMD turns that into the rate the whole transport may use. Sans-IO: send times and `now` in
/// ms on the owner's clock, arrival times as the feedback gives them.
public struct SendSideEstimator: Sendable {
    public private(set) var log = SentPacketLog()
    private var groups = InterArrivalGroups()
    private var trend = TrendlineEstimator()
    private var acknowledged = AcknowledgedBitrate()
    private var rate: AimdRateControl
    public private(set) var usage = BandwidthUsage.normal
    /// Feedback reports read, packets they reported lost, and packets reported at all.
    public private(set) var feedbackReceived = 0, packetsReportedLost = 0, packetsReported = 0

    /// Where the transport's estimate starts, audio and video together, before any feedback: a
    /// start above the path fills its queue just as speech begins, and the voice pays for it.
    public static let startBitrate = 300_000

    public init(start: Int = SendSideEstimator.startBitrate, minimum: Int = 80_000, maximum: Int = 2_500_000) {
        rate = AimdRateControl(start: Double(start), minimum: Double(minimum), maximum: Double(maximum))
    }

    /// Bits per second the transport may carry now (audio, video and retransmissions together).
    public var estimate: Int { Int(rate.estimate) }

    /// Where the path's limit was last found (bit/s): what got through when the delay signal
    /// last cut; nil before any cut, or once the path has carried well past it.
    public var knownLimit: Int? { rate.knownLimit.map { Int($0) } }

    /// Stops growth at `bitsPerSecond` while set (nil: grow as the path allows), without
    /// lowering the estimate: for an owner that must not have the limit probed now.
    public mutating func holdGrowth(below bitsPerSecond: Int?) { rate.growthCeiling = bitsPerSecond.map(Double.init) }

    /// Speech is about to start after a pause, in which the estimate may have climbed to the
    /// path's limit and filled its queue (a probe): it goes to 70 % of the known limit at once,
    /// so that queue drains in about half a second instead of delaying the first words, and
    /// climbs back from there (to 85 % while the speech lasts: see the owner's ceiling).
    public mutating func makeRoomForSpeech(now: Int64) {
        guard let limit = knownLimit else { return }
        rate.lower(to: Double(limit) * 0.7, now: now)
    }

    /// What the far end has acknowledged receiving, bits per second, once known.
    public var acknowledgedBitrate: Int? { acknowledged.bitsPerSecond.map { Int($0) } }

    /// The low 16 bits to write into the next packet's transport-wide sequence number.
    public var nextSequenceNumber: UInt16 { log.nextWireSequenceNumber }
    /// The same, extended (as `PacketResult.sequenceNumber` gives it back).
    public var nextExtendedSequenceNumber: Int64 { log.nextSequenceNumber }

    /// The packet stamped with `nextSequenceNumber` left at `now` (ms), `size` bytes on the wire.
    public mutating func sent(size: Int, now: Int64) {
        log.sent(sendTime: now * 1_000, size: size)
    }

    /// The latest round trip (seconds): how fast growth may be.
    public mutating func roundTrip(_ seconds: Double) { rate.roundTrip = seconds * 1_000 }

    /// Transport-wide feedback from the far end; returns what it said of each packet we still
    /// know of (for whoever wants per-packet fates, such as audio redundancy).
    @discardableResult
    public mutating func received(_ feedback: TransportFeedback, now: Int64) -> [PacketResult] {
        feedbackReceived += 1
        let results = log.results(of: feedback)
        var sawDelta = false
        for result in results {
            packetsReported += 1
            guard let arrival = result.arrivalTime else { packetsReportedLost += 1; continue }
            acknowledged.add(arrivalTime: arrival, size: result.size)
            if let delta = groups.add(sendTime: result.sendTime, arrivalTime: arrival) {
                usage = trend.update(delta)
                sawDelta = true
                // Overuse acts at once: waiting for the end of the report lets the queue grow.
                if usage == .overusing { rate.update(.overusing, acknowledged: acknowledged.bitsPerSecond, now: now) }
            }
        }
        if sawDelta, usage != .overusing { rate.update(usage, acknowledged: acknowledged.bitsPerSecond, now: now) }
        return results
    }

    /// Cuts made so far on the delay signal.
    public var decreases: Int { rate.decreases }
}

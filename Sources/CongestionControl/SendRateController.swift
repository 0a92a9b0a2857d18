/// How fast to send video, from what the peer's RTCP says about the path: the loss-based half of
/// GCC (draft-ietf-rmcat-gcc-02 §6: over 10 % loss cut, under 2 % grow 8 %), with a delay signal
/// from the RTCP round trip standing in for its delay-based half (a round trip well above the
/// lowest seen means a queue is building: back off before it overflows). The lowest round trip
/// starts from ICE's connectivity checks, made before any media could queue (a path already full
/// when the first report comes would otherwise look normal). A cut goes to 0.85 × what got
/// through, as GCC's does; 2–10 % loss with no queue (a lossy radio link) holds the rate, or,
/// when the delay-based half sees room, grows slowly toward it. Capped by the peer's own estimate
/// when it sends one (REMB).
/// With transport-wide feedback, the delay-based estimate (`SendSideEstimator`) replaces the
/// round-trip stand-in: the target is the lower of it and the loss-based rate, and the loss-based
/// rate grows no further than it (GCC §6). Sans-IO: one call per report, time passed in.
public struct SendRateController: Sendable, Equatable {
    public let minimum: Int, maximum: Int
    /// Bits per second for video now: the loss-based rate under the delay-based limit.
    public var target: Int {
        guard let delay = activeDelayLimit else { return lossBased }
        // No loss to speak of: the delay-based half alone decides, up as well as down (its own
        // growth is the paced one); a second 8 %/s climb after each of its cuts would keep
        // the picture under the room for seconds.
        if lossIsLow { return max(minimum, min(delay, remoteLimit ?? maximum, maximum)) }
        return max(minimum, min(lossBased, delay))
    }
    /// The last receiver report's loss was under 2 %.
    private var lossIsLow = false
    /// The peer's REMB while fresh.
    private var remoteLimit: Int? { remoteEstimate.flatMap { now - $0.at < 5_000 ? $0.bps : nil } }
    /// The loss-based half's rate.
    private var lossBased: Int
    private var delayLimit: (bps: Int, at: Int64)?
    private var now: Int64 = 0
    private var baseRoundTrip: Double?
    private var baseSince: Int64 = 0
    private var remoteEstimate: (bps: Int, at: Int64)?
    private var lastDecreaseAt: Int64?
    private var previousRoundTrip: Double?
    /// The rate at the last cut: the path's limit as last seen. Near it or above it, growth is
    /// additive for 15 s after the cut (GCC's near-convergence rule), so a probe overshoots little.
    private var lastCutFrom: Double?


    public init(start: Int = 260_000, minimum: Int = 60_000, maximum: Int = 2_000_000) {
        self.minimum = minimum
        self.maximum = maximum
        lossBased = min(max(start, minimum), maximum)
    }

    /// The delay-based estimate for video (bit/s): what the transport may carry less audio.
    public mutating func delayBasedLimit(_ bps: Int, now: Int64) {
        self.now = max(self.now, now)
        delayLimit = (bps, now)
    }

    /// How far the delay-based estimate stands above the target (bit/s): room the path shows no
    /// queue for that the loss-based half leaves unused. Nil without a current delay-based estimate.
    public var delayBasedHeadroom: Int? { activeDelayLimit.map { max(0, $0 - target) } }

    /// A delay-based limit heard within the last 2 s (feedback comes every 50–100 ms; one that
    /// stops leaves the loss-based half in charge again).
    private var activeDelayLimit: Int? {
        guard let limit = delayLimit, now - limit.at < 2_000 else { return nil }
        return limit.bps
    }

    /// A receiver report block on our video: the loss fraction (0...1) since the last one, the
    /// round trip in seconds if it could be measured, and what we actually sent (bit/s, video with
    /// its retransmissions) over the last second, when known.
    public mutating func report(fractionLost: Double, roundTrip: Double?, sentBitrate: Int? = nil, now: Int64) {
        self.now = max(self.now, now)
        let delay = activeDelayLimit
        // Loss takes over again from wherever the delay-based half had put the rate.
        if lossIsLow, delay != nil { lossBased = target }
        lossIsLow = fractionLost < 0.02
        // The round-trip stand-in only while there is no delay-based estimate.
        let queueing = delay == nil && (roundTrip.map { queueBuilding(roundTrip: $0, fractionLost: fractionLost, now: now) } ?? false)
        var next = Double(lossBased)
        if fractionLost > 0.10 || queueing {
            // Overuse: back to a little under what got through (GCC's 0.85 × the incoming rate),
            // and never less of a cut than the loss-based rule's.
            // What actually left, not the target: an encoder below its target would otherwise be
            // "cut" to a rate it still exceeds nothing by, and the queue stays full.
            let through = Double(sentBitrate.map { min($0, lossBased) } ?? lossBased)
            lastCutFrom = through
            next = min(next * (1 - 0.5 * fractionLost), 0.85 * through * (1 - fractionLost))
            lastDecreaseAt = now
        } else if fractionLost < 0.02 {
            // Grow more carefully right after a cut: the path just said where its limit is.
            let recentlyCut = lastDecreaseAt.map { now - $0 < 4_000 } ?? false
            let sinceCut = lastDecreaseAt.map { now - $0 } ?? .max
            if let limit = lastCutFrom, next > 0.9 * limit, sinceCut < 15_000 {
                // Near (or past) the last limit, and it was recent: creep up, a packet or so per
                // report, so the queue fills slowly enough for the round trip to show it first.
                next += 8_000
            } else {
                next = max(next * (recentlyCut ? 1.03 : 1.08), next + 10_000)
            }
            // Never far ahead of what the encoder really sends (GCC: 1.5 × the acknowledged rate):
            // a target the picture does not need would hide the path's limit until it is hit hard.
            if let sent = sentBitrate, sent > 0 { next = min(next, max(Double(lossBased), 1.5 * Double(sent) + 20_000)) }
            // Nor past the delay-based limit (GCC §6: the loss-based rate follows it up).
            if let delay { next = min(next, Double(delay)) }
        } else if let delay, Double(delay) > next * 1.1 {
            // 2–10 % loss while the delay-based half sees no queue: the path loses packets at
            // random (radio, a lossy hop), not from overflow — holding forever would leave the
            // picture at whatever rate the loss began. Grow gently toward the delay-based limit;
            // a queue would show in the delay first, and loss past 10 % still cuts.
            next = min(next * 1.05, Double(delay))
            if let sent = sentBitrate, sent > 0 { next = min(next, max(Double(lossBased), 1.5 * Double(sent) + 20_000)) }
        }
        if let remote = remoteEstimate, now - remote.at < 5_000 { next = min(next, Double(remote.bps)) }
        lossBased = Int(min(Double(maximum), max(Double(minimum), next)))
    }

    /// A far end that sends no receiver reports (some stacks by default) leaves no loss figure:
    /// then the round trip of ICE's consent checks (seconds) is the only signal. It can cut the
    /// rate when a queue builds, as in `report`, but never grow it: growth needs the far end to
    /// say what got through.
    public mutating func roundTripWithoutReports(_ roundTrip: Double, sentBitrate: Int? = nil, now: Int64) {
        self.now = max(self.now, now)
        guard activeDelayLimit == nil, queueBuilding(roundTrip: roundTrip, fractionLost: 0, now: now) else { return }
        let through = Double(sentBitrate.map { min($0, lossBased) } ?? lossBased)
        lastCutFrom = through
        lastDecreaseAt = now
        var next = min(Double(lossBased), 0.85 * through)
        if let remote = remoteEstimate, now - remote.at < 5_000 { next = min(next, Double(remote.bps)) }
        lossBased = Int(min(Double(maximum), max(Double(minimum), next)))
    }

    /// The delay signal: is a queue building on the path? The lowest round trip seen is the path
    /// without a queue. It only falls: a queue kept full would otherwise become the new "normal".
    /// Only when the round trip stays high at the lowest rate without loss for 10 s (the route
    /// itself got longer) is it taken anew. Jitter moves single samples by tens of ms; a queue
    /// keeps them all high. So the signal is the lower of the last two samples above the base by
    /// max(80 ms, half the base), or one sample far above it.
    private mutating func queueBuilding(roundTrip rtt: Double, fractionLost: Double, now: Int64) -> Bool {
        if baseRoundTrip == nil || rtt < baseRoundTrip! { baseRoundTrip = rtt; baseSince = now }
        let threshold = max(0.08, baseRoundTrip! * 0.5)
        let lower = min(rtt, previousRoundTrip ?? rtt)
        var queueing = (previousRoundTrip != nil && lower > baseRoundTrip! + threshold) || rtt > baseRoundTrip! + 2 * threshold
        previousRoundTrip = rtt
        if queueing, fractionLost < 0.02, lossBased == minimum {
            if now - baseSince > 10_000 { baseRoundTrip = rtt; baseSince = now; queueing = false }
        } else if !queueing {
            baseSince = now
        }
        return queueing
    }

    /// A round trip (seconds) measured without media queued: ICE's checks.
    public mutating func pathRoundTrip(_ seconds: Double, now: Int64) {
        if baseRoundTrip == nil || seconds < baseRoundTrip! { baseRoundTrip = seconds; baseSince = now }
    }

    /// The peer's receive estimate (REMB), bits per second.
    public mutating func remoteEstimate(_ bps: Int, now: Int64) {
        remoteEstimate = (bps, now)
        self.now = max(self.now, now)
        lossBased = max(minimum, min(lossBased, bps))
    }

    public static func == (a: SendRateController, b: SendRateController) -> Bool {
        a.target == b.target && a.baseRoundTrip == b.baseRoundTrip && a.lastDecreaseAt == b.lastDecreaseAt
    }
}

/// How fast to send video, from what the peer's RTCP says about the path: the loss-based half of
/// GCC (draft-ietf-rmcat-gcc-02 §6: over 10 % loss cut, under 2 % grow 8 %), with a delay signal
/// from the RTCP round trip standing in for its delay-based half (a round trip well above the
/// lowest seen means a queue is building: back off before it overflows). The lowest round trip
/// starts from ICE's connectivity checks, made before any media could queue (a path already full
/// when the first report comes would otherwise look normal). A cut goes to 0.85 × what got
/// through, as GCC's does; 2–10 % loss with no queue (a lossy radio link) holds the rate. Capped by the peer's own estimate when it sends one (REMB). Sans-IO: one call per report, time passed in.
public struct SendRateController: Sendable, Equatable {
    public let minimum: Int, maximum: Int
    /// Bits per second for video now.
    public private(set) var target: Int
    private var baseRoundTrip: Double?
    private var baseSince: Int64 = 0
    private var remoteEstimate: (bps: Int, at: Int64)?
    private var lastDecreaseAt: Int64?
    private var previousHigh = false


    public init(start: Int = 300_000, minimum: Int = 60_000, maximum: Int = 2_000_000) {
        self.minimum = minimum
        self.maximum = maximum
        target = min(max(start, minimum), maximum)
    }

    /// A receiver report block on our video: the loss fraction (0...1) since the last one, and the
    /// round trip in seconds if it could be measured.
    public mutating func report(fractionLost: Double, roundTrip: Double?, now: Int64) {
        var queueing = false
        if let rtt = roundTrip {
            // The lowest round trip seen is the path without a queue. It only falls: a queue kept
            // full would otherwise become the new "normal". Only when the round trip stays high at
            // the lowest rate without loss for 10 s (the route itself got longer) is it taken anew.
            if baseRoundTrip == nil || rtt < baseRoundTrip! { baseRoundTrip = rtt; baseSince = now }
            // Jitter moves single samples by tens of ms; a queue keeps them all high. So the
            // signal is two reports in a row above the base by max(100 ms, half the base), or one
            // far above it.
            let threshold = max(0.1, baseRoundTrip! * 0.5)
            let high = rtt > baseRoundTrip! + threshold
            queueing = (high && previousHigh) || rtt > baseRoundTrip! + 1.5 * threshold
            previousHigh = high
            if queueing, fractionLost < 0.02, target == minimum {
                if now - baseSince > 10_000 { baseRoundTrip = rtt; baseSince = now; queueing = false }
            } else if !queueing {
                baseSince = now
            }
        }
        var next = Double(target)
        if fractionLost > 0.10 || queueing {
            // Overuse: back to a little under what got through (GCC's 0.85 × the incoming rate),
            // and never less of a cut than the loss-based rule's.
            next = min(next * (1 - 0.5 * fractionLost), 0.85 * next * (1 - fractionLost))
            lastDecreaseAt = now
        } else if fractionLost < 0.02 {
            // Grow more carefully right after a cut: the path just said where its limit is.
            let recentlyCut = lastDecreaseAt.map { now - $0 < 4_000 } ?? false
            next = max(next * (recentlyCut ? 1.03 : 1.08), next + 10_000)
        }
        if let remote = remoteEstimate, now - remote.at < 5_000 { next = min(next, Double(remote.bps)) }
        target = Int(min(Double(maximum), max(Double(minimum), next)))
    }

    /// A round trip (seconds) measured without media queued: ICE's checks.
    public mutating func pathRoundTrip(_ seconds: Double, now: Int64) {
        if baseRoundTrip == nil || seconds < baseRoundTrip! { baseRoundTrip = seconds; baseSince = now }
    }

    /// The peer's receive estimate (REMB), bits per second.
    public mutating func remoteEstimate(_ bps: Int, now: Int64) {
        remoteEstimate = (bps, now)
        target = max(minimum, min(target, bps))
    }

    public static func == (a: SendRateController, b: SendRateController) -> Bool {
        a.target == b.target && a.baseRoundTrip == b.baseRoundTrip && a.lastDecreaseAt == b.lastDecreaseAt
    }
}

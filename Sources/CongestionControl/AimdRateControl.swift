#if canImport(Glibc)
import Glibc
#endif

/// The rate the delay signal allows (draft-ietf-rmcat-gcc-02 §5.5): additive increase near the
/// path's known limit, multiplicative far from it, multiplicative decrease to 0.85 × what got
/// through on overuse, and hold while a queue drains. Time in ms.
public struct AimdRateControl: Sendable {
    enum State: Sendable { case hold, increase, decrease }

    public let minimum: Double, maximum: Double
    public private(set) var estimate: Double
    private var state = State.increase
    private var lastUpdate: Int64?
    /// Lowers the estimate to `bitsPerSecond` if it is above it (the owner knows of a queue the
    /// delay signal has not reported yet), and holds until the delay says what came of it.
    public mutating func lower(to bitsPerSecond: Double, now: Int64) {
        guard bitsPerSecond < estimate else { return }
        estimate = max(bitsPerSecond, minimum)
        state = .hold
        lastDecreaseAt = now
    }

    /// The acknowledged rate at recent cuts, as a mean and a normalised variance (kbit/s): where
    /// the path's limit lies. Near it growth is additive, a packet or so per response time.
    private var limitMean: Double?
    private var limitVariance = 0.4
    public private(set) var decreases = 0
    private var lastDecreaseAt: Int64?
    /// The round trip (ms), for how fast growth may be.
    public var roundTrip = 200.0
    /// While set, growth stops here (bit/s): the owner does not want the path's limit probed
    /// now. It never lowers the estimate.
    public var growthCeiling: Double?
    /// Where the path's limit was seen (bit/s): the mean of the acknowledged rate at recent cuts.
    public var knownLimit: Double? { limitMean.map { $0 * 1_000 } }

    static let beta = 0.85
    static let multiplicativeGrowthPerSecond = 0.08

    public init(start: Double, minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = maximum
        estimate = min(max(start, minimum), maximum)
    }

    /// The detector's latest verdict and the acknowledged rate (bit/s) if known.
    public mutating func update(_ usage: BandwidthUsage, acknowledged: Double?, now: Int64) {
        let elapsed = Double(min(max(now - (lastUpdate ?? now), 0), 1_000))
        lastUpdate = now
        switch usage {
        case .overusing: state = .decrease
        case .underusing: state = .hold
        case .normal: if state == .hold { state = .increase }
        }
        switch state {
        case .hold:
            break
        case .increase:
            if let acknowledged, let mean = limitMean, acknowledged / 1_000 > mean + 3 * deviation(mean) {
                // Well past the old limit: the path changed, forget it.
                limitMean = nil
                limitVariance = 0.4
            }
            var next = estimate
            if let mean = limitMean, abs(estimate / 1_000 - mean) <= 3 * deviation(mean) {
                next += additiveIncrease(elapsed: elapsed)
            } else {
                next += max(1_000, estimate * (pow1p(Self.multiplicativeGrowthPerSecond, elapsed / 1_000) - 1))
            }
            // Never far ahead of what the path has been seen to carry.
            if let acknowledged { next = min(next, max(estimate, 1.5 * acknowledged + 10_000)) }
            if let ceiling = growthCeiling { next = min(next, max(estimate, ceiling)) }
            estimate = next
        case .decrease:
            // One cut per round trip: the queue the last cut emptied shows in the delay that late.
            if let last = lastDecreaseAt, Double(now - last) < max(roundTrip, 100) { state = .hold; break }
            // To a little under what got through. Where that is no lower than the estimate (the
            // acknowledged rate lags a cut already made), the estimate stands: cutting it again
            // by β each round trip while the queue drains would take it to a fraction of the path.
            let next = Self.beta * (acknowledged ?? estimate / Self.beta)
            state = .hold
            guard next < estimate else { break }
            lastDecreaseAt = now
            if let acknowledged { noteLimit(acknowledged / 1_000) }
            estimate = next
            decreases += 1
        }
        estimate = min(max(estimate, minimum), maximum)
    }

    /// About one packet per response time (round trip + 100 ms), scaled to the frame size at
    /// this rate: fast enough to follow a cap that lifts, slow enough that a queue shows in the
    /// delay before it overflows.
    private func additiveIncrease(elapsed: Double) -> Double {
        let responseTime = roundTrip + 100
        let bitsPerFrame = estimate / 30
        let packetsPerFrame = (bitsPerFrame / (1_200 * 8)).rounded(.up)
        let packetBits = bitsPerFrame / max(packetsPerFrame, 1)
        return max(1_000, max(4_000, packetBits) * elapsed / responseTime)
    }

    private func deviation(_ mean: Double) -> Double { (limitVariance * mean).squareRoot() }

    private mutating func noteLimit(_ kbps: Double) {
        guard let mean = limitMean else { limitMean = kbps; return }
        let alpha = 0.05
        let updated = (1 - alpha) * mean + alpha * kbps
        let normaliser = max(updated, 1)
        limitVariance = (1 - alpha) * limitVariance + alpha * (updated - kbps) * (updated - kbps) / normaliser
        limitVariance = min(max(limitVariance, 0.4), 2.5)
        limitMean = updated
    }

    /// (1 + rate)^exponent.
    private func pow1p(_ rate: Double, _ exponent: Double) -> Double { exp(exponent * log1p(rate)) }
}

/// A token bucket (time passed in, milliseconds): `capacity` messages at once, refilled at
/// `perSecond`. Signalling is bursty (an offer and a dozen candidates) but never sustained.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let perSecond: Double
    private var tokens: Double
    private var last: Int64?

    public init(capacity: Double, perSecond: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        tokens = capacity
    }

    /// Takes one token if there is one.
    public mutating func take(now: Int64) -> Bool {
        guard hasToken(now: now) else { return false }
        tokens -= 1
        return true
    }

    /// Whether a token is there, without taking it.
    public mutating func hasToken(now: Int64) -> Bool {
        if let last, now > last { tokens = min(capacity, tokens + Double(now - last) * perSecond / 1000) }
        last = max(last ?? now, now)
        return tokens >= 1
    }
}

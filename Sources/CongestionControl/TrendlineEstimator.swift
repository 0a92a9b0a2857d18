/// What the delay signal says of the path (draft-ietf-rmcat-gcc-02 §5.5).
public enum BandwidthUsage: String, Sendable, Equatable {
    /// Delay is steady: no queue is building.
    case normal
    /// Delay is rising: a queue is building, we send more than the path carries.
    case overusing
    /// Delay is falling: a queue is draining.
    case underusing
}

/// The delay gradient (draft-ietf-rmcat-gcc-02 §5.3, with a least-squares trend in place of its
/// Kalman filter, as browsers do today): the accumulated one-way delay variation of the last
/// `windowSize` groups, smoothed, and the slope of its line against arrival time. A slope above
/// zero means each group waits a little longer than the one before: a queue is filling. Jitter
/// moves single points but hardly the slope of twenty; the overuse detector's adaptive threshold
/// absorbs what is left.
public struct TrendlineEstimator: Sendable {
    public static let windowSize = 20
    static let smoothing = 0.9
    /// Scales the slope to the detector's units (ms of delay change over the window).
    static let gain = 4.0
    /// The slope counts for at most this many deltas' worth (a long window is not more certain).
    static let deltaCap = 60

    private var firstArrival: Double?
    private var accumulated = 0.0
    private var smoothed = 0.0
    private var points: [(x: Double, y: Double)] = []
    private var deltas = 0
    public private(set) var slope = 0.0
    public private(set) var detector = OveruseDetector()

    public init() {}

    /// One group delta; returns the usage as now detected.
    public mutating func update(_ delta: GroupDelta) -> BandwidthUsage {
        deltas = min(deltas + 1, Self.deltaCap)
        if firstArrival == nil { firstArrival = delta.arrivalTime }
        accumulated += delta.arrivalDelta - delta.sendDelta
        smoothed = Self.smoothing * smoothed + (1 - Self.smoothing) * accumulated
        points.append((delta.arrivalTime - firstArrival!, smoothed))
        if points.count > Self.windowSize { points.removeFirst() }
        if points.count == Self.windowSize, let fitted = Self.leastSquaresSlope(points) { slope = fitted }
        let modified = Double(deltas) * slope * Self.gain
        return detector.detect(modifiedTrend: modified, sendDelta: delta.sendDelta, now: delta.arrivalTime)
    }

    static func leastSquaresSlope(_ points: [(x: Double, y: Double)]) -> Double? {
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.x } / n, meanY = points.reduce(0) { $0 + $1.y } / n
        var numerator = 0.0, denominator = 0.0
        for p in points {
            numerator += (p.x - meanX) * (p.y - meanY)
            denominator += (p.x - meanX) * (p.x - meanX)
        }
        return denominator == 0 ? nil : numerator / denominator
    }
}

/// Compares the delay trend with an adaptive threshold (draft-ietf-rmcat-gcc-02 §5.4): above it
/// for more than 10 ms and still rising is overuse, below its negative is underuse. The
/// threshold follows the trend's own size, slowly up and faster down, so a jittery path (wifi,
/// a busy link's cross traffic) does not read as congestion while a real queue still does.
public struct OveruseDetector: Sendable {
    public private(set) var threshold = 12.5
    public private(set) var usage = BandwidthUsage.normal
    static let thresholdRange = 6.0...600.0
    /// Per-ms adaptation rates: towards a trend below the threshold, towards one above it.
    static let down = 0.039, up = 0.0087
    /// A trend this far past the threshold is an outlier: the threshold does not chase it.
    static let outlier = 15.0
    /// How long (ms) the trend must stay over the threshold before it counts as overuse.
    static let overuseTime = 10.0

    private var overusingFor = -1.0
    private var overuseCount = 0
    private var previousTrend = 0.0
    private var lastUpdate: Double?

    public init() {}

    mutating func detect(modifiedTrend trend: Double, sendDelta: Double, now: Double) -> BandwidthUsage {
        if trend > threshold {
            overusingFor = overusingFor < 0 ? sendDelta / 2 : overusingFor + sendDelta
            overuseCount += 1
            if overusingFor > Self.overuseTime, overuseCount > 1, trend >= previousTrend {
                overusingFor = 0
                overuseCount = 0
                usage = .overusing
            }
        } else if trend < -threshold {
            overusingFor = -1
            overuseCount = 0
            usage = .underusing
        } else {
            overusingFor = -1
            overuseCount = 0
            usage = .normal
        }
        previousTrend = trend
        adaptThreshold(trend, now: now)
        return usage
    }

    private mutating func adaptThreshold(_ trend: Double, now: Double) {
        defer { lastUpdate = now }
        guard let last = lastUpdate else { return }
        if abs(trend) > threshold + Self.outlier { return }
        let rate = abs(trend) < threshold ? Self.down : Self.up
        let elapsed = min(max(now - last, 0), 100)
        threshold += rate * (abs(trend) - threshold) * elapsed
        threshold = min(max(threshold, Self.thresholdRange.lowerBound), Self.thresholdRange.upperBound)
    }
}

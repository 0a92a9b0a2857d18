/// Estimates how much buffering the network needs, in the spirit of NetEQ's delay manager: for each
/// packet, its *relative delay* — how much later it arrived than the earliest-arriving packet of the
/// recent past would predict from RTP timestamps — goes into a histogram that slowly forgets, and the
/// target is a high quantile of it. One late burst raises the target at once; it decays over seconds.
public struct DelayEstimator: Sendable {
    /// Width of a histogram bucket, in milliseconds.
    public let bucketMilliseconds = 5
    /// 0.98 by default: under bursty loss a burst's RED copies arrive 20–80 ms behind their slots
    /// and are only a few percent of packets, so a 95th percentile left them to be waited for
    /// (a concealed slot and a delay step each) rather than played in time.
    public let quantile: Double
    /// Weight kept by old observations per new one (0.998: about 500 packets = 10 s of memory).
    public let forgetting: Double
    private var buckets: [Double]
    /// Arrival time minus RTP time (ms) of the earliest-arriving packet, over a sliding window.
    private var window: [(arrival: Int64, offset: Int64)] = []
    private let windowMilliseconds: Int64 = 2000
    private var observations = 0

    public init(maxDelayMilliseconds: Int = 400, quantile: Double = 0.98, forgetting: Double = 0.998) {
        self.quantile = quantile
        self.forgetting = forgetting
        buckets = [Double](repeating: 0, count: maxDelayMilliseconds / 5 + 1)
        buckets[0] = 1
    }

    /// Records one packet: when it arrived (receiver clock, ms) and its RTP timestamp in ms.
    public mutating func observe(arrivalMilliseconds: Int64, mediaMilliseconds: Int64) {
        let offset = arrivalMilliseconds - mediaMilliseconds
        window.removeAll { arrivalMilliseconds - $0.arrival > windowMilliseconds }
        // A timestamp jump (sender restart, a stray packet) is not network delay: start the
        // reference window again instead of reading it as seconds of jitter.
        if let fastest = window.map(\.offset).min(), abs(offset - fastest) > Int64(buckets.count * bucketMilliseconds) {
            window = [(arrivalMilliseconds, offset)]
            return
        }
        window.append((arrivalMilliseconds, offset))
        let fastest = window.map(\.offset).min() ?? offset
        let relative = Int(max(0, offset - fastest))
        let bucket = min(buckets.count - 1, relative / bucketMilliseconds)
        // At first every packet counts equally (a running average), so the estimate is useful after a
        // handful of packets; then the fixed forgetting takes over.
        observations += 1
        let keep = min(forgetting, 1 - 1 / Double(observations))
        for i in buckets.indices { buckets[i] *= keep }
        buckets[bucket] += 1 - keep
    }

    /// The relative delay (ms) that covers `quantile` of recent packets.
    public var jitterMilliseconds: Int {
        let total = buckets.reduce(0, +)
        var sum = 0.0
        for (i, weight) in buckets.enumerated() {
            sum += weight
            if sum >= quantile * total { return (i + 1) * bucketMilliseconds } // the bucket's upper edge
        }
        return (buckets.count - 1) * bucketMilliseconds
    }
}

/// What the far end says it received, per second (bits), over the last `window` of arrival time:
/// the rate the path really carried. A cut goes to a fraction of this, not of what we meant to
/// send, and growth may not run far ahead of it. Times in microseconds, receiver's clock.
public struct AcknowledgedBitrate: Sendable {
    public static let window: Int64 = 500_000
    /// A rate over less than this much arrival time says too little.
    static let minimumSpan: Int64 = 150_000
    private var samples: [(arrival: Int64, bytes: Int)] = []
    private var start = 0
    private var bytesInWindow = 0

    public init() {}

    public mutating func add(arrivalTime: Int64, size: Int) {
        // Feedback comes in sequence order; a reordered arrival only stretches the window a little.
        samples.append((arrivalTime, size))
        bytesInWindow += size
        let newest = samples.last!.arrival
        while start < samples.count, samples[start].arrival < newest - Self.window {
            bytesInWindow -= samples[start].bytes
            start += 1
        }
        if start > 512 { samples.removeFirst(start); start = 0 }
    }

    /// Bits per second, or nil before enough has arrived.
    public var bitsPerSecond: Double? {
        guard start < samples.count else { return nil }
        let span = samples.last!.arrival - samples[start].arrival
        guard span >= Self.minimumSpan else { return nil }
        return Double(bytesInWindow) * 8 * 1_000_000 / Double(max(span, Self.window))
    }
}

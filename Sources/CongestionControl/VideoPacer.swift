/// Spreads video packets over time instead of sending a frame as one burst (a keyframe is
/// tens of packets): a bottleneck's queue then absorbs the frame rather than dropping its tail,
/// and audio, sent at once, never waits behind a burst. Packets leave at `pacingFactor` × the
/// target rate (GCC paces at 2.5×; a slow path with a short queue needs less), with a small
/// budget so a normal delta frame still goes out whole. Generic over what waits, because a
/// packet is given its transport-wide sequence number (and so its SRTP protection) only as it
/// leaves: the send time the estimator reads is the real one. Sans-IO: time in ms.
public struct VideoPacer<Packet: Sendable>: Sendable {
    public var pacingFactor = 1.5
    /// Packets waiting, oldest first, with their size on the wire (bytes).
    private var queue: [(packet: Packet, size: Int)] = []
    private var queueStart = 0
    /// Bytes we may send now without waiting.
    private var budget = 0.0
    private var lastRefill: Int64?

    public init() {}

    public var isEmpty: Bool { queueStart >= queue.count }
    /// Bytes waiting.
    public private(set) var queuedBytes = 0

    /// Queues `packet`, which will take `size` bytes on the wire.
    public mutating func enqueue(_ packet: Packet, size: Int) {
        queue.append((packet, size))
        queuedBytes += size
    }

    /// How long (ms) what waits takes to leave at a target of `bitsPerSecond`.
    public func queueDelay(bitsPerSecond: Int) -> Int64 {
        Int64(Double(queuedBytes) * 8_000 / max(1, Double(bitsPerSecond) * pacingFactor))
    }

    /// Packets due at `now` for a target of `bitsPerSecond`.
    public mutating func poll(now: Int64, bitsPerSecond: Int) -> [Packet] {
        let bytesPerMs = Double(bitsPerSecond) * pacingFactor / 8000
        if let last = lastRefill { budget = min(budget + Double(now - last) * bytesPerMs, max(1_500, bytesPerMs * 20)) }
        lastRefill = now
        var out: [Packet] = []
        while queueStart < queue.count, budget > 0 {
            let next = queue[queueStart]
            queueStart += 1
            budget -= Double(next.size)
            queuedBytes -= next.size
            out.append(next.packet)
        }
        if queueStart >= queue.count { queue.removeAll(keepingCapacity: true); queueStart = 0 }
        else if queueStart > 256 { queue.removeFirst(queueStart); queueStart = 0 }
        return out
    }

    /// When the next packet may leave (nil when nothing waits).
    public func nextTimeout(now: Int64, bitsPerSecond: Int) -> Int64? {
        guard !isEmpty else { return nil }
        if budget > 0 { return now }
        let bytesPerMs = max(1, Double(bitsPerSecond) * pacingFactor / 8000)
        return now + Int64((-budget / bytesPerMs).rounded(.up)) + 1
    }
}

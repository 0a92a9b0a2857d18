/// Puts a video stream's RTP packets back in sequence order before frame assembly, waiting a
/// bounded time for the ones missing: NACK and RTX (RFC 4585 §6.2.1, RFC 4588) usually bring a lost
/// packet back within a round trip or two, and a frame assembled after that wait decodes instead of
/// costing a keyframe. When the wait runs out, the gap is skipped — the depacketizer then sees it,
/// drops the frame and the caller asks for a keyframe. Sans-IO: times in ms on the owner's clock.
public struct VideoPacketBuffer: Sendable {
    /// How long a gap is waited for, counted from when a packet after it arrived. The owner sets
    /// it from the round trip (a retransmission needs about one, a second try two).
    public var maximumWait: Int64
    /// Packets held at most; beyond it the oldest gap is skipped (a bound for hostile input).
    public let capacity: Int

    public struct Statistics: Sendable, Equatable {
        /// Packets that arrived after later ones and were put back in place.
        public var reordered = 0
        /// Gaps given up on (their frames are lost).
        public var gapsSkipped = 0
        public var packetsSkipped = 0
        /// Duplicates and packets older than what was already delivered.
        public var discarded = 0
    }
    public private(set) var statistics = Statistics()

    private var unwrapper = SequenceUnwrapper()
    /// Extended sequence number → packet and when it arrived.
    private var held: [Int64: (packet: RtpPacket, arrival: Int64)] = [:]
    /// The next extended sequence number to deliver.
    private var next: Int64?
    /// When the oldest packet held behind the current gap arrived.
    private var waitingSince: Int64?

    public init(maximumWait: Int64 = 200, capacity: Int = 2_048) {
        self.maximumWait = maximumWait
        self.capacity = max(16, capacity)
    }

    /// Number of packets held (waiting behind a gap).
    public var count: Int { held.count }

    /// Takes one packet; returns the packets now deliverable, in order.
    public mutating func insert(_ packet: RtpPacket, now: Int64) -> [RtpPacket] {
        let extended = unwrapper.unwrap(packet.sequenceNumber)
        if next == nil { next = extended }
        guard let expected = next, extended >= expected, held[extended] == nil else {
            statistics.discarded += 1
            return []
        }
        if extended > expected, waitingSince == nil { waitingSince = now }
        if extended < (held.keys.max() ?? extended) { statistics.reordered += 1 }
        held[extended] = (packet, now)
        var out = drain()
        if held.count > capacity { out += skipGap() }
        return out
    }

    /// Packets released because a gap waited too long; call on every turn (and at `nextTimeout`).
    public mutating func poll(now: Int64) -> [RtpPacket] {
        var out: [RtpPacket] = []
        while let since = waitingSince, now - since >= maximumWait { out += skipGap() }
        return out
    }

    /// When `poll` may next release something.
    public var nextTimeout: Int64? { waitingSince.map { $0 + maximumWait } }

    /// Sequence numbers missing below the newest held packet (what NACKs should be asking for).
    public var missing: [UInt16] {
        guard let next, let newest = held.keys.max() else { return [] }
        return (next..<newest).filter { held[$0] == nil }.map { UInt16(truncatingIfNeeded: $0) }
    }

    private mutating func drain() -> [RtpPacket] {
        var out: [RtpPacket] = []
        while let n = next, let entry = held.removeValue(forKey: n) {
            out.append(entry.packet)
            next = n + 1
        }
        // The wait restarts from the oldest packet still held behind the (next) gap.
        waitingSince = held.isEmpty ? nil : held.values.map(\.arrival).min()
        return out
    }

    /// Gives up on the gap at `next`: jumps to the oldest held packet and delivers from there.
    private mutating func skipGap() -> [RtpPacket] {
        guard let n = next, let oldest = held.keys.min(), oldest > n else {
            waitingSince = nil
            return []
        }
        statistics.gapsSkipped += 1
        statistics.packetsSkipped += Int(oldest - n)
        next = oldest
        return drain()
    }
}

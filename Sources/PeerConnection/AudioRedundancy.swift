import RTP

/// What RED (RFC 2198) repeats in each audio packet: the last `depth` Opus frames before this
/// one, so that a lost packet is rebuilt from the next one that arrives. Opus's in-band FEC covers
/// one lost packet at lower quality; RED covers bursts of up to `depth` at full quality, at the
/// cost of sending each frame `depth + 1` times. One frame always (as Chromium does), two from
/// 5 % loss on our audio, three from 15 % — the deeper levels only while the path has room (the
/// video rate above its floor): congestion's losses are not repaired by sending more.
struct AudioRedundancy: Sendable {
    private var history: [(timestamp: UInt32, payload: [UInt8])] = []
    private(set) var depth = 1
    static let maximumDepth = 3

    /// The RED payload for `opus` (payload type `payloadType`) at `timestamp`; `loss` is the far
    /// end's windowed loss on our audio (nil before its first report).
    mutating func wrap(_ opus: [UInt8], payloadType: UInt8, timestamp: UInt32, loss: Double?, roomToSpare: Bool) -> [UInt8] {
        let lost = loss ?? 0
        depth = !roomToSpare ? 1 : lost >= 0.15 ? 3 : lost >= 0.05 ? 2 : 1
        let blocks = history.suffix(depth).compactMap { frame -> RedPayload.Block? in
            let offset = timestamp &- frame.timestamp
            guard offset > 0, offset <= UInt32(RedPayload.maximumTimestampOffset) else { return nil }
            return RedPayload.Block(payloadType: payloadType, timestampOffset: UInt16(offset), data: frame.payload)
        }
        history.append((timestamp, opus))
        if history.count > Self.maximumDepth { history.removeFirst(history.count - Self.maximumDepth) }
        return RedPayload(redundant: blocks, primaryPayloadType: payloadType, primary: opus).serialized
    }
}

/// Which of the last 128 sequence numbers of a stream have arrived: a RED block is played only
/// for a packet that never came, and a late original after its RED copy is not played twice.
struct ArrivalWindow: Sendable {
    private var seen = [Int32](repeating: -1, count: 128)

    /// True the first time `sequence` is seen (and notes it).
    mutating func firstArrival(_ sequence: UInt16) -> Bool {
        let slot = Int(sequence & 127)
        guard seen[slot] != Int32(sequence) else { return false }
        seen[slot] = Int32(sequence)
        return true
    }
}

import CongestionControl
import RTP

/// What RED (RFC 2198) repeats in each audio packet: the last `depth` Opus frames before this
/// one, so that a lost packet is rebuilt from the next one that arrives. Opus's in-band FEC covers
/// one lost packet at lower quality; RED covers bursts of up to `depth` at full quality, at the
/// cost of sending each frame `depth + 1` times.
///
/// The depth follows the bursts our own audio meets. With transport-wide feedback every audio
/// packet's fate is known (`sent(transportSequence:)`, `observe(_:)`), so the depth is the
/// smallest that would have left at most `residualGoal` of the last `window` packets unrebuilt:
/// random loss of a few percent needs one repeat, bursts of three need four. Without that
/// feedback the far end's receiver reports stand in: one repeat always (as Chromium), two from 5 %
/// loss, three from 15 %. The deeper levels only while the path has room (the video rate above
/// its floor, or the delay-based estimate well above what we send): congestion's losses are not
/// repaired by sending more.
struct AudioRedundancy: Sendable {
    /// The frames just before the next one, oldest first, each ending where the next begins.
    private var history: [(timestamp: UInt32, payload: [UInt8])] = []
    /// Where the newest frame in `history` ends on the RTP clock.
    private var historyEnd: UInt32?
    private(set) var depth = 1
    static let maximumDepth = 4
    /// Audio packets the burst measure looks back over (5 s at 20 ms).
    static let window = 250
    /// Share of packets a depth may leave unrebuilt (the rest is Opus FEC's and concealment's).
    static let residualGoal = 0.005
    /// Fewest reported packets before the measured bursts decide.
    static let minimumReported = 50
    /// Delay-based room (bit/s) that lets the deeper levels in even with video at its floor: the
    /// deepest adds three copies of a 40 kbit/s stream with their headers, over 100 kbit/s.
    static let headroomForDeepRedundancy = 150_000

    /// Our recent audio packets by transport-wide sequence number, oldest first: nil until
    /// feedback reports them, then whether they arrived (a later report wins: reordering).
    private var fates: [(sequence: Int64, arrived: Bool?)] = []
    /// The depth the measured bursts call for; nil without enough feedback.
    private(set) var measuredDepth: Int?

    /// The RED payload for `opus` (payload type `payloadType`) at `timestamp`; `loss` is the far
    /// end's windowed loss on our audio (nil before its first report).
    /// `duration` is the frame's length on the RTP clock (960 for 20 ms).
    ///
    /// Only frames that run up to this one without a gap are repeated. After a pause (DTX frames
    /// not sent, or packets not sent at all) the frames before it were not lost, and a receiver
    /// that plays comfort noise through the pause may take their copies for new audio: Chromium's
    /// NetEq then plays them, its buffer grows, and it shortens speech for seconds to catch up.
    mutating func wrap(_ opus: [UInt8], payloadType: UInt8, timestamp: UInt32, duration: UInt32 = 960,
                       loss: Double?, roomToSpare: Bool) -> [UInt8] {
        let lost = loss ?? 0
        depth = !roomToSpare ? 1 : measuredDepth ?? (lost >= 0.15 ? 3 : lost >= 0.05 ? 2 : 1)
        if historyEnd != timestamp { history.removeAll() }
        let blocks = history.suffix(depth).compactMap { frame -> RedPayload.Block? in
            let offset = timestamp &- frame.timestamp
            guard offset > 0, offset <= UInt32(RedPayload.maximumTimestampOffset) else { return nil }
            return RedPayload.Block(payloadType: payloadType, timestampOffset: UInt16(offset), data: frame.payload)
        }
        history.append((timestamp, opus))
        historyEnd = timestamp &+ duration
        if history.count > Self.maximumDepth { history.removeFirst(history.count - Self.maximumDepth) }
        return RedPayload(redundant: blocks, primaryPayloadType: payloadType, primary: opus).serialized
    }

    /// The audio packet just sent carried transport-wide sequence number `transportSequence`.
    mutating func sent(transportSequence: Int64) {
        fates.append((transportSequence, nil))
        if fates.count > 2 * Self.window { fates.removeFirst(fates.count - Self.window) }
    }

    /// Feedback's results (all media, in sequence order): our audio packets' fates, then the depth.
    mutating func observe(_ results: [PacketResult]) {
        guard let first = results.first, !fates.isEmpty else { return }
        // Both are in sequence order: walk them together from the first result's place.
        var i = lowerBound(first.sequenceNumber)
        for result in results {
            while i < fates.count, fates[i].sequence < result.sequenceNumber { i += 1 }
            guard i < fates.count else { break }
            if fates[i].sequence == result.sequenceNumber { fates[i].arrived = result.arrivalTime != nil }
        }
        measuredDepth = Self.depth(for: fates.suffix(Self.window).compactMap(\.arrived))
    }

    /// The smallest depth whose unrebuilt share of `arrivals` (in order) is within the goal: a
    /// run of `n` lost packets leaves `n - depth` of them when the packet after it arrives.
    static func depth(for arrivals: [Bool]) -> Int? {
        guard arrivals.count >= minimumReported else { return nil }
        var runs: [Int] = [], run = 0
        for arrived in arrivals {
            if arrived { if run > 0 { runs.append(run) }; run = 0 } else { run += 1 }
        }
        if run > 0 { runs.append(run) }
        for depth in 1..<maximumDepth {
            let unrebuilt = runs.reduce(0) { $0 + max(0, $1 - depth) }
            if Double(unrebuilt) <= residualGoal * Double(arrivals.count) { return depth }
        }
        return maximumDepth
    }

    private func lowerBound(_ sequence: Int64) -> Int {
        var low = 0, high = fates.count
        while low < high {
            let mid = (low + high) / 2
            if fates[mid].sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low
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

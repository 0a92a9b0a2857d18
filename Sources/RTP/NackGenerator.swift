/// The receiver side of RFC 4585 §6.2.1 Generic NACK: notes sequence numbers skipped by arriving
/// packets and asks for them again every `retryInterval` until they arrive (directly or via RTX),
/// have been asked for `maximumRetries` times, or are older than `maximumAge`.
public struct NackGenerator: RtpStreamProcessor, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Our SSRC, the NACK's packet sender.
        public var senderSsrc: UInt32
        /// The stream watched; nil learns it from the first packet. Other SSRCs are ignored.
        public var mediaSsrc: UInt32?
        /// Wait before the first request, so mildly reordered packets are not requested.
        /// A little patience first: most "missing" packets on a real path are only reordered.
        public var firstRequestDelay: Int64 = 10
        /// Between requests for the same packet; about one round trip.
        public var retryInterval: Int64 = 100
        public var maximumRetries = 10
        /// A packet missing longer than this is given up (it would be too late to play).
        public var maximumAge: Int64 = 1_000
        /// Only this many sequence numbers behind the newest are tracked; a larger jump (a sender
        /// restart, say) tracks just the most recent ones.
        public var maximumTracked: Int64 = 1_000
        /// A gap longer than this is not asked for at all (an outage): hundreds of retransmissions
        /// would queue ahead of new frames, and a keyframe repairs the picture sooner.
        public var maximumGap: Int64 = .max
        /// Sequence numbers per NACK packet, keeping each well inside one MTU.
        public var maximumPerPacket = 256

        public init(senderSsrc: UInt32, mediaSsrc: UInt32? = nil) {
            self.senderSsrc = senderSsrc
            self.mediaSsrc = mediaSsrc
        }
    }

    private struct MissingPacket: Sendable, Equatable {
        var detectedAt: Int64
        var nextRequestAt: Int64
        var requests: Int
    }

    /// The owner may retune retry interval and age as the round trip changes.
    public var configuration: Configuration
    public private(set) var mediaSsrc: UInt32?
    private var unwrapper = SequenceUnwrapper()
    /// Keyed by extended sequence number.
    private var missing: [Int64: MissingPacket] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.mediaSsrc = configuration.mediaSsrc
    }

    /// Gaps not asked for because they were longer than `maximumGap`.
    public private(set) var gapsTooLong = 0

    /// Sequence numbers currently awaited, oldest first.
    public var missingSequenceNumbers: [UInt16] {
        missing.keys.sorted().map { UInt16(truncatingIfNeeded: $0) }
    }

    public mutating func incoming(_ packet: RtpPacket, now: Int64) {
        if mediaSsrc == nil { mediaSsrc = packet.ssrc }
        guard packet.ssrc == mediaSsrc else { return }
        let previousHighest = unwrapper.highest
        let extended = unwrapper.unwrap(packet.sequenceNumber)
        guard let previousHighest else { return }
        let tracked = max(configuration.maximumTracked, 1)
        if extended > previousHighest &+ 1 {
            guard extended &- previousHighest &- 1 <= configuration.maximumGap else {
                gapsTooLong += 1
                return
            }
            let from = max(previousHighest &+ 1, extended &- tracked)
            for sequence in from..<extended {
                missing[sequence] = MissingPacket(detectedAt: now, nextRequestAt: now &+ configuration.firstRequestDelay, requests: 0)
            }
            let oldestKept = extended &- tracked
            missing = missing.filter { $0.key >= oldestKept }
        } else if extended <= previousHighest {
            missing[extended] = nil   // late, or recovered by retransmission
        }
    }

    public mutating func poll(now: Int64) -> [RtcpPacket] {
        missing = missing.filter { now &- $0.value.detectedAt <= configuration.maximumAge }
        let due = missing.filter { $0.value.nextRequestAt <= now }.keys.sorted()
        guard !due.isEmpty, let mediaSsrc else { return [] }
        for sequence in due {
            guard var entry = missing[sequence] else { continue }
            entry.requests += 1
            entry.nextRequestAt = now &+ configuration.retryInterval
            missing[sequence] = entry.requests >= configuration.maximumRetries ? nil : entry
        }
        let perPacket = max(configuration.maximumPerPacket, 1)
        return stride(from: 0, to: due.count, by: perPacket).map { start -> RtcpPacket in
            let lost = due[start..<min(start + perPacket, due.count)].map { UInt16(truncatingIfNeeded: $0) }
            return .genericNack(sender: configuration.senderSsrc, media: mediaSsrc, lost: lost)
        }
    }

    public var nextTimeout: Int64? {
        missing.values.lazy.map(\.nextRequestAt).min()
    }
}

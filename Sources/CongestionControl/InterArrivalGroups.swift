/// Two consecutive packet groups compared (draft-ietf-rmcat-gcc-02 §5.2): how far apart they
/// left and how far apart they arrived. A queue growing on the path makes the arrival gap the
/// larger; the difference is the one-way delay variation the trend estimator follows.
public struct GroupDelta: Sendable, Equatable {
    /// Milliseconds between the groups' last packets leaving (our clock).
    public var sendDelta: Double
    /// Milliseconds between their last packets arriving (the receiver's clock).
    public var arrivalDelta: Double
    /// When the newer group's last packet arrived (ms, receiver's clock).
    public var arrivalTime: Double
}

/// Groups packets sent within a burst (5 ms: one frame's packets, or what the pacer lets out at
/// once) and yields a `GroupDelta` each time a group is complete (§5.2). A group that left later
/// but arrived in a burst with the one before (arrival gap ≤ 5 ms and shorter than the send gap:
/// it sat in a queue that then drained) joins that group, so a draining queue is not read as the
/// path speeding up. Times in microseconds.
public struct InterArrivalGroups: Sendable {
    struct Group: Sendable {
        var firstSend: Int64, lastSend: Int64, firstArrival: Int64, lastArrival: Int64
    }

    public static let burstMicroseconds: Int64 = 5_000
    /// A burst joins at most this long a group (µs), so a long queue drain still yields deltas.
    static let maximumBurstMicroseconds: Int64 = 100_000
    /// Arrival gaps beyond this (µs) mean the receiver's clock or the path changed: start over.
    static let resetMicroseconds: Int64 = 3_000_000

    private var current: Group?
    private var previous: Group?

    public init() {}

    /// One received packet, in sequence (so send) order.
    public mutating func add(sendTime: Int64, arrivalTime: Int64) -> GroupDelta? {
        guard var group = current else {
            current = Group(firstSend: sendTime, lastSend: sendTime, firstArrival: arrivalTime, lastArrival: arrivalTime)
            return nil
        }
        // Sent before the group began (a retransmission's original order): no information.
        if sendTime < group.firstSend { return nil }
        if belongs(sendTime: sendTime, arrivalTime: arrivalTime, to: group) {
            group.lastSend = max(group.lastSend, sendTime)
            group.lastArrival = max(group.lastArrival, arrivalTime)
            current = group
            return nil
        }
        var delta: GroupDelta?
        if let previous {
            let arrivalGap = group.lastArrival - previous.lastArrival
            if arrivalGap > Self.resetMicroseconds || arrivalGap < -Self.resetMicroseconds {
                self.previous = nil
                current = Group(firstSend: sendTime, lastSend: sendTime, firstArrival: arrivalTime, lastArrival: arrivalTime)
                return nil
            }
            delta = GroupDelta(sendDelta: Double(group.lastSend - previous.lastSend) / 1_000,
                               arrivalDelta: Double(arrivalGap) / 1_000,
                               arrivalTime: Double(group.lastArrival) / 1_000)
        }
        previous = group
        current = Group(firstSend: sendTime, lastSend: sendTime, firstArrival: arrivalTime, lastArrival: arrivalTime)
        return delta
    }

    private func belongs(sendTime: Int64, arrivalTime: Int64, to group: Group) -> Bool {
        if sendTime - group.firstSend <= Self.burstMicroseconds { return true }
        let arrivalGap = arrivalTime - group.lastArrival
        let sendGap = sendTime - group.lastSend
        return arrivalGap <= Self.burstMicroseconds && arrivalGap - sendGap < 0
            && arrivalTime - group.firstArrival < Self.maximumBurstMicroseconds
    }
}

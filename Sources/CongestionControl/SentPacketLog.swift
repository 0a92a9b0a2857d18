import RTP

/// One packet as transport-wide feedback describes it, joined with what we recorded when we
/// sent it. Times in microseconds: `sendTime` on our clock, `arrivalTime` on the receiver's.
public struct PacketResult: Sendable, Equatable {
    public var sequenceNumber: Int64
    public var sendTime: Int64
    public var size: Int
    /// Nil: reported as not received.
    public var arrivalTime: Int64?

    public init(sequenceNumber: Int64, sendTime: Int64, size: Int, arrivalTime: Int64?) {
        self.sequenceNumber = sequenceNumber
        self.sendTime = sendTime
        self.size = size
        self.arrivalTime = arrivalTime
    }
}

/// Every packet we stamped with a transport-wide sequence number (draft-holmer-rmcat-transport-
/// wide-cc-extensions-01 §2): when it left and how big it was. Feedback says only when each
/// arrived; joined with this it becomes delays and rates. A ring of the last `capacity` packets
/// (4 s at 1 000 packets a second; feedback comes within a round trip or two): feedback on
/// anything older is ignored.
public struct SentPacketLog: Sendable {
    private struct Entry: Sendable {
        var sequenceNumber: Int64 = -1
        var sendTime: Int64 = 0
        var size = 0
        /// Reported as arrived already: a later report of it (feedback overlaps) is not counted twice.
        var acknowledged = false
    }

    public static let capacity = 4_096
    /// Filled at the first packet, not at creation: a connection that sends no media (or has not
    /// yet) costs nothing, and call setup does not pay for 4 096 entries twice.
    private var ring: [Entry] = []
    /// The extended number the next packet gets.
    public private(set) var nextSequenceNumber: Int64 = 1

    public init() {}

    /// The number to write into the next packet's header extension (its low 16 bits).
    public var nextWireSequenceNumber: UInt16 { UInt16(truncatingIfNeeded: nextSequenceNumber) }

    /// Records the packet stamped with `nextWireSequenceNumber`, sent at `sendTime` (µs) with
    /// `size` bytes on the wire, and moves on to the next number.
    public mutating func sent(sendTime: Int64, size: Int) {
        if ring.isEmpty { ring = [Entry](repeating: Entry(), count: Self.capacity) }
        ring[Int(nextSequenceNumber % Int64(Self.capacity))] = Entry(sequenceNumber: nextSequenceNumber, sendTime: sendTime, size: size)
        nextSequenceNumber += 1
    }

    /// The extended number of a 16-bit one from feedback: the one nearest to what we sent last.
    public func extend(_ wire: UInt16) -> Int64 {
        let newest = nextSequenceNumber - 1
        let step = Int64(Int16(bitPattern: wire &- UInt16(truncatingIfNeeded: newest)))
        return newest + step
    }

    /// The packets `feedback` describes that we still know of, in sequence order. A packet
    /// reported as arrived twice comes back only the first time; one reported lost and later
    /// as arrived (feedback after a reordering) comes back both times.
    public mutating func results(of feedback: TransportFeedback) -> [PacketResult] {
        var results: [PacketResult] = []
        results.reserveCapacity(feedback.receiveDeltas.count)
        let base = extend(feedback.baseSequenceNumber)
        for (offset, arrival) in feedback.arrivalTimes.enumerated() {
            let sequence = base + Int64(offset)
            let slot = Int(((sequence % Int64(Self.capacity)) + Int64(Self.capacity)) % Int64(Self.capacity))
            guard !ring.isEmpty, ring[slot].sequenceNumber == sequence, !ring[slot].acknowledged else { continue }
            if arrival.microseconds != nil { ring[slot].acknowledged = true }
            results.append(PacketResult(sequenceNumber: sequence, sendTime: ring[slot].sendTime, size: ring[slot].size, arrivalTime: arrival.microseconds))
        }
        return results
    }
}

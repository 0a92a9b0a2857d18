/// The packets a stream sent lately, kept for retransmission (RFC 4588): NACKed sequence numbers
/// are looked up here. A ring indexed by sequence number; each entry remembers when it was last
/// resent, so a burst of NACKs for one packet inside a round trip costs one retransmission.
public struct RtpPacketHistory: Sendable {
    /// Allocated at the first packet: a connection that never sends this kind pays nothing.
    private var slots: [(packet: RtpPacket, sentAt: Int64, resentAt: Int64?)?] = []
    private let capacity: Int
    /// Packets older than this are not resent: the receiver has given up on them by then.
    public var maximumAge: Int64 = 1_000

    public init(capacity: Int = 1_024) {
        self.capacity = max(16, capacity)
    }

    public mutating func sent(_ packet: RtpPacket, now: Int64) {
        if slots.isEmpty { slots = Array(repeating: nil, count: capacity) }
        slots[Int(packet.sequenceNumber) % slots.count] = (packet, now, nil)
    }

    /// The packet to resend for `sequenceNumber`, or nil when it is gone from the history, older
    /// than `maximumAge`, or was resent less than `minimumInterval` ms ago.
    public mutating func resend(_ sequenceNumber: UInt16, now: Int64, minimumInterval: Int64) -> RtpPacket? {
        guard !slots.isEmpty else { return nil }
        let index = Int(sequenceNumber) % slots.count
        guard let slot = slots[index], slot.packet.sequenceNumber == sequenceNumber, now - slot.sentAt <= maximumAge else { return nil }
        if let last = slot.resentAt, now - last < minimumInterval { return nil }
        slots[index] = (slot.packet, slot.sentAt, now)
        return slot.packet
    }
}

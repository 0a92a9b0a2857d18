/// Extends 16-bit RTP sequence numbers to a monotonic count (RFC 3550 §A.1 keeps the cycle count
/// in `cycles`; this does the same by distance). Each number is placed within ±32767 of the highest
/// seen so far, so reordered and late packets get their true position, across wraps; a packet from
/// before the first one may come out negative.
public struct SequenceUnwrapper: Sendable, Equatable {
    /// The highest extended number returned so far; nil before the first.
    public private(set) var highest: Int64?

    public init() {}

    public mutating func unwrap(_ sequenceNumber: UInt16) -> Int64 {
        let extended = peek(sequenceNumber)
        if extended > highest ?? Int64.min { highest = extended }
        return extended
    }

    /// What `unwrap` would return, without moving the reference.
    public func peek(_ sequenceNumber: UInt16) -> Int64 {
        guard let highest else { return Int64(sequenceNumber) }
        let step = Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest))
        return highest &+ Int64(step)
    }
}

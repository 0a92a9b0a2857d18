/// Cuts the byte stream from a TURN server over TCP or TLS into messages (RFC 8656 §12.5): a STUN
/// message (first two bits 00, and the magic cookie) is 20 bytes of header plus the length it
/// states; ChannelData (0x40–0x4F) is 4 bytes plus its length, padded to a multiple of four. Anything else means the
/// stream is not TURN (or lost its framing) and cannot be resynchronised: the caller closes it.
public struct TurnStreamFramer: Sendable {
    public enum FramingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The first byte of a frame is neither STUN nor ChannelData.
        case notTurn(firstByte: UInt8)
        /// A STUN length that is not a multiple of four (RFC 8489 §5) cannot be a message.
        case badLength(Int)

        public var description: String {
            switch self {
            case let .notTurn(b): return "the server sent something that is not TURN (first byte 0x\(String(b, radix: 16)))"
            case let .badLength(n): return "the server sent a STUN message of impossible length \(n)"
            }
        }
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Whole frames returned so far, and bytes waiting for the rest of a frame.
    public private(set) var framesDecoded = 0
    public var bufferedBytes: Int { buffer.count - start }

    public init() {}

    public mutating func append(_ bytes: [UInt8]) {
        if start > 0, start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        buffer += bytes
    }

    /// The next whole message, nil while one is still incomplete. After an error the framer is
    /// stuck (every call throws again): a stream without framing is done.
    public mutating func next() throws(FramingError) -> [UInt8]? {
        guard buffer.count - start >= 4 else { return nil }
        let first = buffer[start]
        let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        let total: Int
        switch first {
        case 0x00...0x3F:
            // The magic cookie (RFC 8489 §5) tells STUN from a stream that only starts like it
            // (a TLS record on a plain connection begins 0x16 or 0x17).
            guard buffer.count - start >= 8 else { return nil }
            guard Array(buffer[(start + 4)..<(start + 8)]) == [0x21, 0x12, 0xA4, 0x42] else { throw .notTurn(firstByte: first) }
            guard length % 4 == 0 else { throw .badLength(length) }
            total = 20 + length
        case 0x40...0x4F: // channel numbers 0x4000–0x4FFF (RFC 8656 §12)
            total = 4 + (length + 3) / 4 * 4
        default:
            throw .notTurn(firstByte: first)
        }
        guard buffer.count - start >= total else { return nil }
        let frame = Array(buffer[start..<(start + total)])
        start += total
        if start > 65_536 { buffer.removeFirst(start); start = 0 } // keep memory bounded by the largest frame
        framesDecoded += 1
        return frame
    }
}

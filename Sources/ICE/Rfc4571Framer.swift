/// RFC 4571 framing, which ICE-TCP uses for everything on a connection (RFC 6544 §3): each
/// STUN, DTLS or SRTP packet is preceded by its length in two bytes. `frame` wraps one packet;
/// the reader cuts them out of the stream however the reads split it. A zero length is legal
/// (and skipped); nothing else can be malformed, so a peer can only waste our buffer, bounded
/// by one frame of 65 535 bytes.
public struct Rfc4571Framer: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    public private(set) var framesDecoded = 0
    public var bufferedBytes: Int { buffer.count - start }

    public init() {}

    /// `payload` with its two-byte length; nil when it does not fit in one frame.
    public static func frame(_ payload: [UInt8]) -> [UInt8]? {
        guard payload.count <= 0xFFFF else { return nil }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    public mutating func append(_ bytes: [UInt8]) {
        if start > 0, start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        buffer += bytes
    }

    /// The next whole packet, nil while one is incomplete.
    public mutating func next() -> [UInt8]? {
        while buffer.count - start >= 2 {
            let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
            guard buffer.count - start >= 2 + length else { return nil }
            let packet = Array(buffer[(start + 2)..<(start + 2 + length)])
            start += 2 + length
            if start > 65_536 { buffer.removeFirst(start); start = 0 }
            if packet.isEmpty { continue }
            framesDecoded += 1
            return packet
        }
        return nil
    }
}

/// Network byte order (RFC 3550 §4: "all integer fields are carried in network byte order").
/// Local to the module so RTP needs no other target; every read checks its length first.

/// Reads big-endian fields from a window of a byte array; a read past the window throws instead of trapping.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    /// The window is clamped to the array so a bad `end` can never index out of range.
    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        let upper = min(max(end ?? bytes.count, 0), bytes.count)
        self.end = upper
        self.position = min(max(start, 0), upper)
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    mutating func readUInt8() throws(RtpParseError) -> UInt8 {
        guard remaining >= 1 else { throw .tooShort }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16() throws(RtpParseError) -> UInt16 {
        guard remaining >= 2 else { throw .tooShort }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func readUInt24() throws(RtpParseError) -> UInt32 {
        guard remaining >= 3 else { throw .tooShort }
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    mutating func readUInt32() throws(RtpParseError) -> UInt32 {
        guard remaining >= 4 else { throw .tooShort }
        defer { position += 4 }
        return UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
            | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
    }

    mutating func readUInt64() throws(RtpParseError) -> UInt64 {
        let high = try readUInt32()
        let low = try readUInt32()
        return UInt64(high) << 32 | UInt64(low)
    }

    mutating func readBytes(_ count: Int) throws(RtpParseError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .tooShort }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func skip(_ count: Int) throws(RtpParseError) {
        guard count >= 0, remaining >= count else { throw .tooShort }
        position += count
    }

    /// Everything left in the window.
    mutating func readRest() -> [UInt8] {
        defer { position = end }
        return Array(bytes[position..<end])
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt24(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendUInt64(_ value: UInt64) {
        appendUInt32(UInt32(truncatingIfNeeded: value >> 32))
        appendUInt32(UInt32(truncatingIfNeeded: value))
    }

    /// Zero bytes up to the next multiple of four (RTP and RTCP count lengths in 32-bit words).
    mutating func padToWordBoundary() {
        while count % 4 != 0 { append(0) }
    }
}

/// The RTCP common header (RFC 3550 §6.4.1): V=2, P, a 5-bit count or format, the packet type,
/// and the length in 32-bit words minus one.
enum RtcpFraming {
    static let headerLength = 4
    /// The largest body whose length still fits the 16-bit word count.
    static let maximumBodyLength = 65_535 * 4

    /// Appends one packet. A body that is not a whole number of words is completed with RFC 3550
    /// padding (P bit, count in the last octet) so the length field stays exact.
    static func append(format: UInt8, packetType: UInt8, body: [UInt8], to out: inout [UInt8]) {
        let body = body.count > maximumBodyLength - 4 ? Array(body.prefix(maximumBodyLength - 4)) : body
        let padding = (4 - body.count % 4) % 4
        let total = headerLength + body.count + padding
        out.append(RtpPacket.version << 6 | (padding > 0 ? 0x20 : 0) | format & 0x1F)
        out.append(packetType)
        out.appendUInt16(UInt16(truncatingIfNeeded: total / 4 - 1))
        out += body
        if padding > 0 {
            out += [UInt8](repeating: 0, count: padding - 1)
            out.append(UInt8(padding))
        }
    }
}

/// Free text in SDES items and BYE reasons (RFC 3550 §6.5: UTF-8, at most 255 octets). Decoding is
/// lossy and both directions cut at 255 octets on a character boundary, so a parsed value always
/// serialises back to the same value.
enum RtcpText {
    static let maximumOctets = 255

    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if out.count + width > maximumOctets { break }
            out += Array(String(scalar).utf8)
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.utf8.count <= maximumOctets { return text }
        return String(decoding: encode(text), as: UTF8.self)
    }
}

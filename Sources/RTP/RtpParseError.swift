/// Why bytes are not an RTP or RTCP packet (or not a payload we understand). Callers drop and count
/// such datagrams; nothing in this module traps on input.
public enum RtpParseError: Error, Sendable, Equatable {
    /// Fewer bytes than a header or a field needs.
    case tooShort
    /// The version field is not 2 (RFC 3550 §5.1, §6.4.1).
    case badVersion
    /// The P bit is set but the count octet is 0 or larger than what it pads (RFC 3550 §5.1).
    case badPadding
    /// A header extension block or element overruns its length (RFC 8285 §4).
    case badExtension
    /// A length field disagrees with the bytes present (RFC 3550 §6.4.1 "length").
    case badLength
    /// A known packet or payload whose body breaks its own format (reserved symbols, FCI sizes, …).
    case malformedBody
}

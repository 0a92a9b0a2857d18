import COpenSSL

/// Unpredictable bytes from libcrypto's CSPRNG: transaction IDs, ICE credentials and tie-breakers,
/// SRTP keys all come from here, never from a seeded generator.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&out, Int32(count)) == 1, "libcrypto's random generator failed")
        return out
    }

    public static func uint64() -> UInt64 {
        bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A string of `count` characters from the ICE alphabet (RFC 8839 §5.4: ALPHA / DIGIT / "+" / "/").
    public static func iceString(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        return String(decoding: bytes(count).map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }
}

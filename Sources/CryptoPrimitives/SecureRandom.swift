import COpenSSL
import Synchronization

/// Unpredictable bytes from libcrypto's CSPRNG: transaction IDs, ICE credentials and tie-breakers,
/// SRTP keys all come from here, never from a seeded generator.
public enum SecureRandom {
    /// Small requests are served from bytes drawn 256 at a time: each RAND_bytes call costs
    /// microseconds of OpenSSL 3's generator bookkeeping (its lookup, locks and fork check), and a
    /// call setup asks a dozen times. Served bytes are wiped from the pool, so each exists once. A
    /// forked child would have to start its own pool; termcall only ever spawns with exec.
    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 256)
        var used = 256
    }
    private static let pool = Mutex(Pool())
    private static let pooledAtMost = 64

    public static func bytes(_ count: Int) -> [UInt8] {
        guard count <= pooledAtMost else { return drawn(count) }
        return pool.withLock { pool in
            if pool.used + count > pool.bytes.count {
                pool.bytes = drawn(pool.bytes.count)
                pool.used = 0
            }
            let range = pool.used..<(pool.used + count)
            let out = Array(pool.bytes[range])
            for i in range { pool.bytes[i] = 0 }
            pool.used += count
            return out
        }
    }

    private static func drawn(_ count: Int) -> [UInt8] {
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

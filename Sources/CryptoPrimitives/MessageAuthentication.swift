import COpenSSL

/// The hash functions protocols ask for by name (STUN: HMAC-SHA1, HMAC-SHA256, MD5 for long-term
/// keys; DTLS fingerprints: SHA-256/384/512). libcrypto computes them; this file and
/// `SecureRandom` are the only places termcall calls libcrypto's primitives.
public enum HashFunction: Sendable {
    case md5, sha1, sha256, sha384, sha512

    var evp: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    public var outputBytes: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// The digest of `data`.
    public func digest<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputBytes)
        var length: UInt32 = 0
        let ok = data.withContiguousStorageIfAvailable { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, evp, nil)
        } ?? Array(data).withUnsafeBufferPointer { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, evp, nil)
        }
        precondition(ok == 1 && Int(length) == outputBytes, "libcrypto digest failed")
        return out
    }

    /// HMAC (RFC 2104) of `data` under `key`.
    public func authenticationCode<Bytes: Collection<UInt8>>(key: [UInt8], _ data: Bytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputBytes)
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { k in
            data.withContiguousStorageIfAvailable { input in
                HMAC(evp, k.baseAddress, Int32(k.count), input.baseAddress, input.count, &out, &length)
            } ?? Array(data).withUnsafeBufferPointer { input in
                HMAC(evp, k.baseAddress, Int32(k.count), input.baseAddress, input.count, &out, &length)
            }
        }
        precondition(result != nil && Int(length) == outputBytes, "libcrypto HMAC failed")
        return out
    }
}

/// Compares two byte strings in time that depends only on their length (MAC checks).
@inlinable // specialised at each caller: the generic form walked the bytes through witness tables
public func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}

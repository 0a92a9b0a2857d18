import COpenSSL
import CryptoPrimitives

/// Our DTLS identity: an ECDSA P-256 key and a self-signed certificate (WebRTC authenticates by
/// the fingerprint in the SDP, RFC 8122 / RFC 8827, not by a CA). One per run: `ofThisRun` is made
/// at first use and shared by every connection of the process, as an application may share one
/// RTCCertificate between its RTCPeerConnections (`RTCConfiguration.certificates`). Making one costs about half a
/// millisecond of OpenSSL 3's encoders, which every call setup paid twice before. Calls made by one
/// run show the same fingerprint; the next run has a new one.
public final class DtlsCertificate: @unchecked Sendable {
    // @unchecked: the key and certificate are never modified after init; OpenSSL reference-counts
    // them and allows concurrent read-only use.
    let key: OpaquePointer
    let certificate: OpaquePointer

    public init(commonName: String = "termcall") throws(DtlsError) {
        // Made in the library context the handshakes run in, so signing never converts the key.
        let library = DtlsContext.shared.library
        guard let key = tc_evp_ec_p256_generate(library) else { throw .setup("EC P-256 key generation") }
        guard let x509 = X509_new_ex(library, nil) else { EVP_PKEY_free(key); throw .setup("X509_new") }
        func fail(_ what: String) -> DtlsError {
            X509_free(x509)
            EVP_PKEY_free(key)
            return .setup(what)
        }
        let serial = SecureRandom.bytes(8).reduce(0) { $0 << 8 | UInt64($1) } >> 1
        guard X509_set_version(x509, 2) == 1,
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1,
              tc_x509_set_validity(x509, -86_400, 30 * 86_400) == 1,
              X509_set_pubkey(x509, key) == 1 else { throw fail("certificate fields") }
        let name = X509_get_subject_name(x509)
        _ = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0)
        guard X509_set_issuer_name(x509, name) == 1, X509_sign(x509, key, EVP_sha256()) > 0 else { throw fail("certificate signature") }
        guard let fingerprint = DtlsFingerprint(of: x509, algorithm: .sha256) else { throw fail("certificate fingerprint") }
        self.key = key
        certificate = x509
        self.fingerprint = fingerprint
    }

    private static let made = Result { () throws(DtlsError) -> DtlsCertificate in try DtlsCertificate() }

    /// This run's certificate (made at the first call; a failure is remembered and rethrown).
    public static func ofThisRun() throws(DtlsError) -> DtlsCertificate { try made.get() }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    /// `sha-256 AB:CD:…` as SDP's `a=fingerprint` carries it.
    public let fingerprint: DtlsFingerprint
}

/// A certificate fingerprint (RFC 8122 §5): hash algorithm and digest of the DER certificate.
public struct DtlsFingerprint: Sendable, Equatable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1 = "sha-1", sha224 = "sha-224", sha256 = "sha-256", sha384 = "sha-384", sha512 = "sha-512"

        var evp: OpaquePointer? {
            switch self {
            case .sha1: return EVP_sha1()
            case .sha224: return EVP_sha224()
            case .sha256: return EVP_sha256()
            case .sha384: return EVP_sha384()
            case .sha512: return EVP_sha512()
            }
        }
    }

    public var algorithm: Algorithm
    public var digest: [UInt8]

    public init(algorithm: Algorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Parses the attribute value `sha-256 AB:CD:…` (algorithm names are case-insensitive).
    public init?(sdp value: String) {
        let parts = value.utf8.split(separator: UInt8(ascii: " "))
        guard parts.count == 2, let algorithm = Algorithm(rawValue: String(decoding: parts[0], as: UTF8.self).lowercased()) else { return nil }
        // Hex pairs separated by colons, on bytes: `AB:CD:…`.
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        let hex = Array(parts[1])
        guard hex.count % 3 == 2, hex.count <= 64 * 3 - 1 else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity((hex.count + 1) / 3)
        for at in stride(from: 0, to: hex.count, by: 3) {
            guard let high = nibble(hex[at]), let low = nibble(hex[at + 1]), at + 2 == hex.count || hex[at + 2] == UInt8(ascii: ":") else { return nil }
            digest.append(high << 4 | low)
        }
        self.init(algorithm: algorithm, digest: digest)
    }

    init?(of certificate: OpaquePointer, algorithm: Algorithm) {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard X509_digest(certificate, algorithm.evp, &out, &length) == 1 else { return nil }
        self.init(algorithm: algorithm, digest: Array(out.prefix(Int(length))))
    }

    public var description: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text = Array(algorithm.rawValue.utf8) + [UInt8(ascii: " ")]
        text.reserveCapacity(text.count + digest.count * 3)
        for (i, byte) in digest.enumerated() {
            if i > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

public enum DtlsError: Error, Sendable, Equatable, CustomStringConvertible {
    case setup(String)
    case handshake(String)
    case fingerprintMismatch(expected: [String])

    public var description: String {
        switch self {
        case let .setup(what): return "DTLS setup failed: \(what)"
        case let .handshake(reason): return "DTLS handshake failed: \(reason)"
        case let .fingerprintMismatch(expected):
            let algorithms = expected.compactMap { $0.split(separator: " ").first }.joined(separator: ", ")
            return "the peer's DTLS certificate does not match the fingerprint it signalled (\(algorithms.isEmpty ? "none" : algorithms)): the call was refused"
        }
    }
}

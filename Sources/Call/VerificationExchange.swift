import CryptoPrimitives

/// The short authentication string two people read to each other to learn that no one in the
/// middle — the signalling server included — swapped DTLS keys (SECURITY.md).
///
/// The code covers both DTLS certificate fingerprints, as each end saw them in its handshake. A
/// fingerprint-only code could be ground by a man in the middle: it answers last, so it can make
/// certificates until its two legs' codes agree (20 bits take seconds). So each end also adds a
/// fresh 32-byte nonce, exchanged commit-then-reveal inside DTLS (as ZRTP does, RFC 6189 §4.4.1.1):
/// the committer (the DTLS client) sends SHA-256 of its nonce, the responder sends its nonce, the
/// committer reveals. Whoever is in the middle must fix its own nonce on each leg before it learns
/// the other end's, so its two codes agree by chance only: one in a million per call.
///
/// Sans-IO: messages in, messages out, no clock. Owned by the call's thread.
public struct VerificationExchange: Sendable {
    public enum Role: Sendable { case committer, responder }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The revealed nonce does not hash to the commitment: a party in the middle changed its mind.
        case brokenCommitment
        /// A message out of order or malformed.
        case unexpected(String)

        public var description: String {
            switch self {
            case .brokenCommitment: return "the far end's verification broke its commitment: someone may be in the middle; hang up and call again"
            case let .unexpected(what): return "verification: unexpected \(what)"
            }
        }
    }

    public let role: Role
    private let localFingerprint: [UInt8]
    private let remoteFingerprint: [UInt8]
    private let nonce: [UInt8]
    private var remoteCommitment: [UInt8]?
    private var remoteNonce: [UInt8]?
    private var sentNonce = false
    /// Six digits in two groups ("482 913"), once the exchange finished.
    public private(set) var code: String?
    public private(set) var failure: Failure?

    static let label = Array("termcall verification v1".utf8)

    /// - Parameters:
    ///   - localFingerprint, remoteFingerprint: SHA-256 digests of our certificate and of the
    ///     one the far end presented in the DTLS handshake.
    ///   - nonce: 32 random bytes (tests pass fixed ones).
    public init(role: Role, localFingerprint: [UInt8], remoteFingerprint: [UInt8], nonce: [UInt8] = SecureRandom.bytes(32)) {
        self.role = role
        self.localFingerprint = localFingerprint
        self.remoteFingerprint = remoteFingerprint
        self.nonce = nonce
    }

    /// The first message: the committer's commitment; nothing for the responder.
    public func start() -> ControlMessage? {
        role == .committer ? ControlMessage(type: .verifyCommit, value: Self.hex(HashFunction.sha256.digest(nonce))) : nil
    }

    /// Takes the far end's message; returns what to send back, if anything.
    public mutating func handle(_ message: ControlMessage) -> ControlMessage? {
        guard code == nil, failure == nil else { return nil }
        guard let value = message.value.flatMap(Self.bytes), value.count == 32 else {
            failure = .unexpected("\(message.type.rawValue) without a 32-byte value")
            return nil
        }
        switch (role, message.type) {
        case (.responder, .verifyCommit) where remoteCommitment == nil:
            remoteCommitment = value
            sentNonce = true
            return ControlMessage(type: .verifyNonce, value: Self.hex(nonce))
        case (.committer, .verifyNonce) where remoteNonce == nil:
            remoteNonce = value
            code = Self.code(committerFingerprint: localFingerprint, responderFingerprint: remoteFingerprint, committerNonce: nonce, responderNonce: value)
            return ControlMessage(type: .verifyReveal, value: Self.hex(nonce))
        case (.responder, .verifyReveal) where sentNonce:
            guard let commitment = remoteCommitment, constantTimeEqual(HashFunction.sha256.digest(value), commitment) else {
                failure = .brokenCommitment
                return nil
            }
            remoteNonce = value
            code = Self.code(committerFingerprint: remoteFingerprint, responderFingerprint: localFingerprint, committerNonce: value, responderNonce: nonce)
            return nil
        default:
            failure = .unexpected(message.type.rawValue)
            return nil
        }
    }

    static func code(committerFingerprint: [UInt8], responderFingerprint: [UInt8], committerNonce: [UInt8], responderNonce: [UInt8]) -> String {
        let digest = HashFunction.sha256.digest(label + committerFingerprint + responderFingerprint + committerNonce + responderNonce)
        let number = (UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])) % 1_000_000
        let digits = String(number)
        let padded = String(repeating: "0", count: 6 - digits.count) + digits
        return padded.prefix(3) + " " + padded.suffix(3)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0, chars.count <= 128 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

import CSRTP
import Synchronization

/// One direction of SRTP/SRTCP (RFC 3711, RFC 7714 for GCM) with libsrtp2: `outbound` protects what
/// we send, `inbound` unprotects what we receive, with replay protection (a 1024-packet window).
/// Failures are returned, counted by the caller and the packet dropped — never fatal. The only
/// place libsrtp is called. Owned by one thread.
public final class SrtpSession {
    public enum Direction: Sendable { case outbound, inbound }

    public enum Failure: Error, Sendable, Equatable {
        case authentication   // tampered, or the wrong key
        case replay           // seen before, or too old for the window
        case malformed
        /// protect on an inbound session or unprotect on an outbound one.
        case wrongDirection
        case library(Int32)
    }

    public let profile: SrtpProfile
    public let direction: Direction
    private var session: srtp_t?
    private var buffer: [UInt8]

    public init(profile: SrtpProfile, key: [UInt8], salt: [UInt8], direction: Direction) throws(Failure) {
        guard key.count == profile.keyLength, salt.count == profile.saltLength else { throw .malformed }
        SrtpLibrary.initialize()
        session = try Self.create(profile: profile, key: key, salt: salt, direction: direction)
        self.profile = profile
        self.direction = direction
        buffer = [UInt8](repeating: 0, count: 1500 + Int(SRTP_MAX_TRAILER_LEN))
    }

    deinit { if let session { srtp_dealloc(session) } }

    /// A libsrtp2 session for one direction; the key is wiped from our copy once libsrtp has it.
    fileprivate static func create(profile: SrtpProfile, key: [UInt8], salt: [UInt8], direction: Direction) throws(Failure) -> srtp_t {
        var policy = srtp_policy_t()
        switch profile {
        case .aesCm128HmacSha1_80: tc_srtp_policy_aes_cm_128_hmac_sha1_80(&policy)
        case .aeadAes128Gcm: tc_srtp_policy_aead_aes_128_gcm(&policy)
        }
        tc_srtp_policy_direction(&policy, direction == .outbound ? 1 : 0)
        policy.window_size = 1024
        // No repeated packet indexes: with GCM a resend under the same index but a changed header
        // would reuse the nonce and reveal the authentication key. Resends go through RTX (RFC 4588).
        policy.allow_repeat_tx = 0
        var master = key + salt
        var created: srtp_t?
        let status = master.withUnsafeMutableBufferPointer { keyBytes -> srtp_err_status_t in
            policy.key = keyBytes.baseAddress
            return srtp_create(&created, &policy)
        }
        for i in master.indices { master[i] = 0 }
        guard status == srtp_err_status_ok, let created else { throw .library(Int32(status.rawValue)) }
        return created
    }

    public func protect(_ packet: [UInt8]) throws(Failure) -> [UInt8] { try run(packet, rtcp: false, outbound: true) }
    public func unprotect(_ packet: [UInt8]) throws(Failure) -> [UInt8] { try run(packet, rtcp: false, outbound: false) }
    public func protectRTCP(_ packet: [UInt8]) throws(Failure) -> [UInt8] { try run(packet, rtcp: true, outbound: true) }
    public func unprotectRTCP(_ packet: [UInt8]) throws(Failure) -> [UInt8] { try run(packet, rtcp: true, outbound: false) }

    private func run(_ packet: [UInt8], rtcp: Bool, outbound: Bool) throws(Failure) -> [UInt8] {
        guard outbound == (direction == .outbound) else { throw .wrongDirection }
        guard packet.count >= (rtcp ? 8 : 12) else { throw .malformed }
        let needed = packet.count + Int(SRTP_MAX_TRAILER_LEN)
        if buffer.count < needed { buffer += [UInt8](repeating: 0, count: needed - buffer.count) }
        for i in packet.indices { buffer[i] = packet[i] }
        var length = Int32(packet.count)
        let status = buffer.withUnsafeMutableBytes { raw -> srtp_err_status_t in
            switch (direction, rtcp) {
            case (.outbound, false): return srtp_protect(session, raw.baseAddress, &length)
            case (.inbound, false): return srtp_unprotect(session, raw.baseAddress, &length)
            case (.outbound, true): return srtp_protect_rtcp(session, raw.baseAddress, &length)
            case (.inbound, true): return srtp_unprotect_rtcp(session, raw.baseAddress, &length)
            }
        }
        switch status {
        case srtp_err_status_ok: return Array(buffer[0..<Int(length)])
        case srtp_err_status_auth_fail: throw .authentication
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: throw .replay
        case srtp_err_status_bad_param, srtp_err_status_parse_err: throw .malformed
        default: throw .library(Int32(status.rawValue))
        }
    }
}

/// libsrtp2's global initialisation, once per process.
///
/// Debian's libsrtp2 does its crypto with NSS, and opens an NSS context for every cipher it
/// allocates; when the last one closes NSS shuts down and unloads its soft token, so the next call
/// loads it again (a dozen files, relocations, RNG seeding: milliseconds of every call setup). One
/// session made here and never freed keeps one context open for the life of the process.
enum SrtpLibrary {
    private static let initialized: Bool = {
        guard srtp_init() == srtp_err_status_ok else { return false }
        ResidentSession.shared.touch()
        return true
    }()
    static func initialize() { _ = initialized }
}

/// The session that keeps NSS loaded; never used to protect anything, never freed.
private final class ResidentSession: @unchecked Sendable {
    static let shared = ResidentSession()
    private let session: srtp_t?

    private init() {
        let profile = SrtpProfile.aeadAes128Gcm
        session = try? SrtpSession.create(profile: profile, key: [UInt8](repeating: 0, count: profile.keyLength),
                                          salt: [UInt8](repeating: 0, count: profile.saltLength), direction: .outbound)
    }

    func touch() {}
}

/// The DTLS-SRTP protection profiles termcall offers (RFC 5764 §4.1.2, RFC 7714 §14.2), GCM first.
public enum SrtpProfile: String, Sendable, Equatable, CaseIterable {
    case aeadAes128Gcm = "AEAD_AES_128_GCM"
    case aesCm128HmacSha1_80 = "AES_CM_128_HMAC_SHA1_80"

    /// The profile's number in the use_srtp extension (what OpenSSL reports).
    public init?(openSSLID: UInt) {
        switch openSSLID {
        case 0x0007: self = .aeadAes128Gcm
        case 0x0001: self = .aesCm128HmacSha1_80
        default: return nil
        }
    }

    public var keyLength: Int { 16 }
    /// Master salt: 14 bytes for AES-CM (RFC 3711), 12 for GCM (RFC 7714 §14.2).
    public var saltLength: Int { self == .aeadAes128Gcm ? 12 : 14 }
}

/// Keys for both directions from the DTLS exporter (RFC 5764 §4.2): the exported block is
/// client key, server key, client salt, server salt; each side sends with its own.
public struct SrtpKeyingMaterial: Sendable, Equatable {
    public var profile: SrtpProfile
    public var localKey: [UInt8], localSalt: [UInt8]
    public var remoteKey: [UInt8], remoteSalt: [UInt8]

    public init(profile: SrtpProfile, exported m: [UInt8], localIsClient: Bool) {
        let k = profile.keyLength, s = profile.saltLength
        let clientKey = Array(m[0..<k]), serverKey = Array(m[k..<(2 * k)])
        let clientSalt = Array(m[(2 * k)..<(2 * k + s)]), serverSalt = Array(m[(2 * k + s)..<(2 * k + 2 * s)])
        self.profile = profile
        (localKey, localSalt, remoteKey, remoteSalt) = localIsClient
            ? (clientKey, clientSalt, serverKey, serverSalt) : (serverKey, serverSalt, clientKey, clientSalt)
    }

    public init(profile: SrtpProfile, localKey: [UInt8], localSalt: [UInt8], remoteKey: [UInt8], remoteSalt: [UInt8]) {
        self.profile = profile
        self.localKey = localKey
        self.localSalt = localSalt
        self.remoteKey = remoteKey
        self.remoteSalt = remoteSalt
    }
}

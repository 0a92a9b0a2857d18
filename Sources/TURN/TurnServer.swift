import CryptoPrimitives
import STUN

/// How we reach a TURN server (RFC 8656 §3.1 client-to-server transports). The relayed side is
/// UDP in every case: only the leg between us and the server changes.
public enum TurnTransport: String, Sendable, Hashable, CaseIterable {
    case udp, tcp, tls

    /// RFC 8445 §5.1.2.1 local preference bits for relayed candidates: UDP before TCP before TLS,
    /// as browsers rank them, so a relay over a stream is used only when UDP to the server fails.
    public var relayPreference: UInt32 {
        switch self {
        case .udp: return 2
        case .tcp: return 1
        case .tls: return 0
        }
    }
}

/// A TURN server to allocate a relayed address on (RFC 8656), with long-term credentials —
/// either a fixed user or REST-style ones made by `TurnServer.restCredentials`.
public struct TurnServer: Sendable, Hashable, CustomStringConvertible {
    public var address: TransportAddress
    public var username: String
    public var password: String
    public var transport: TurnTransport
    /// The name the server's TLS certificate must carry (and the SNI we send); nil when the URL
    /// named an IP address, which the certificate must then carry instead.
    public var serverName: String?

    public init(address: TransportAddress, username: String, password: String, transport: TurnTransport = .udp, serverName: String? = nil) {
        self.address = address
        self.username = username
        self.password = password
        self.transport = transport
        self.serverName = serverName
    }

    /// As the user would name it: the address, then the transport unless it is UDP.
    public var description: String {
        let name = serverName.map { "\($0) (\(address))" } ?? "\(address)"
        return transport == .udp ? name : "\(name) over \(transport.rawValue.uppercased())"
    }

    /// The "TURN REST API" convention coturn implements (`use-auth-secret`): username
    /// `expiry:name`, password base64(HMAC-SHA1(secret, username)).
    public static func restCredentials(secret: String, name: String, expiresAt unixSeconds: Int) -> (username: String, password: String) {
        let username = "\(unixSeconds):\(name)"
        let mac = HashFunction.sha1.authenticationCode(key: Array(secret.utf8), Array(username.utf8))
        return (username, Base64.encode(mac))
    }
}

public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0xF) << 2 | b2 >> 6)] : "=")
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : "=")
            i += 3
        }
        return out
    }
}

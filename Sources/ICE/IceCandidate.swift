import STUN
import TURN

/// One ICE candidate (RFC 8445 §5.1) as SDP carries it (RFC 8839 §5.1):
/// `candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host` (+ `raddr`/`rport`, extensions kept).
public struct IceCandidate: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case host, srflx, prflx, relay

        /// RFC 8445 §5.1.2.2 recommended type preferences.
        var typePreference: UInt32 {
            switch self {
            case .host: return 126
            case .prflx: return 110
            case .srflx: return 100
            case .relay: return 0
            }
        }
    }

    public var foundation: String
    public var component: Int
    public var priority: UInt32
    /// The address, or nil when `hostname` holds an unresolved mDNS name (`<uuid>.local`).
    public var address: TransportAddress?
    public var hostname: String?
    public var port: UInt16
    public var kind: Kind
    public var relatedAddress: TransportAddress?

    public init(foundation: String, component: Int = 1, priority: UInt32, address: TransportAddress, kind: Kind, relatedAddress: TransportAddress? = nil) {
        self.foundation = foundation
        self.component = component
        self.priority = priority
        self.address = address
        self.port = address.port
        self.kind = kind
        self.relatedAddress = relatedAddress
    }

    /// RFC 8445 §5.1.2.1: (2^24)·type preference + (2^8)·local preference + (256 − component).
    public static func priority(kind: Kind, localPreference: UInt32, component: Int = 1) -> UInt32 {
        (kind.typePreference << 24) | ((localPreference & 0xFFFF) << 8) | UInt32(256 - component)
    }

    /// The `candidate:` attribute value (no `a=`).
    public var description: String {
        let host = address.map { "\($0.ip)" } ?? hostname ?? "0.0.0.0"
        var text = "candidate:\(foundation) \(component) udp \(priority) \(host) \(port) typ \(kind.rawValue)"
        if let related = relatedAddress { text += " raddr \(related.ip) rport \(related.port)" }
        return text
    }

    public enum ParseError: Error, Equatable, Sendable {
        case malformed(String)
        /// A well-formed candidate on a transport this agent does not check (ICE-TCP, RFC 6544,
        /// which browsers send beside their UDP candidates): skipped, not an error.
        case unsupportedTransport(String)
    }

    /// Parses an SDP candidate attribute (with or without `a=` / `candidate:`). TCP candidates and
    /// other transports are refused; unknown extension pairs are ignored (RFC 8839 §5.1).
    public init(sdp text: String) throws(ParseError) {
        var body = Substring(text.trimmingSpaces)
        if body.hasPrefix("a=") { body = body.dropFirst(2) }
        if body.hasPrefix("candidate:") { body = body.dropFirst("candidate:".count) }
        let fields = body.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count >= 8, fields[6] == "typ" else { throw .malformed(text) }
        guard fields[2].lowercased() == "udp" else { throw .unsupportedTransport(fields[2]) }
        guard !fields[0].isEmpty, fields[0].count <= 32, let component = Int(fields[1]), (1...256).contains(component),
              let priority = UInt32(fields[3]), let port = UInt16(fields[5]), let kind = Kind(rawValue: fields[7]) else {
            throw .malformed(text)
        }
        foundation = fields[0]
        self.component = component
        self.priority = priority
        self.port = port
        self.kind = kind
        if let ip = TransportAddress.IP(fields[4]) {
            address = TransportAddress(ip: ip, port: port)
        } else if fields[4].hasSuffix(".local"), fields[4].count <= 255 {
            hostname = fields[4] // RFC 8839 §5.1 / mDNS ICE candidates: resolved later, or reached as prflx
        } else {
            throw .malformed(text)
        }
        var i = 8
        var raddr: TransportAddress.IP?, rport: UInt16?
        while i + 1 < fields.count {
            switch fields[i] {
            case "raddr": raddr = TransportAddress.IP(fields[i + 1])
            case "rport": rport = UInt16(fields[i + 1])
            default: break
            }
            i += 2
        }
        if let raddr, let rport { relatedAddress = TransportAddress(ip: raddr, port: rport) }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\r" || f == "\n" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\r" || l == "\n" || l == "\t" { s = s.dropLast() }
        return s
    }
}

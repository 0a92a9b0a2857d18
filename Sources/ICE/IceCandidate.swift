import STUN
import TURN

/// One ICE candidate (RFC 8445 §5.1) as SDP carries it (RFC 8839 §5.1):
/// `candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host` (+ `raddr`/`rport`, extensions kept),
/// or over TCP (RFC 6544 §4.5): `candidate:2 1 tcp 1518280447 192.0.2.7 9 typ host tcptype active`.
public struct IceCandidate: Hashable, Sendable, CustomStringConvertible {
    /// RFC 6544 §4.1: who opens the connection. Active candidates carry port 9 (they connect
    /// from ephemeral ports); passive ones listen; simultaneous-open ones do both (not used here).
    public enum TcpType: String, Sendable, Hashable { case active, passive, so }

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
    /// Nil for UDP; the TCP role for an ICE-TCP candidate (RFC 6544).
    public var tcpType: TcpType?

    public init(foundation: String, component: Int = 1, priority: UInt32, address: TransportAddress, kind: Kind,
                relatedAddress: TransportAddress? = nil, tcpType: TcpType? = nil) {
        self.foundation = foundation
        self.component = component
        self.priority = priority
        self.address = address
        self.port = address.port
        self.kind = kind
        self.relatedAddress = relatedAddress
        self.tcpType = tcpType
    }

    public var isTCP: Bool { tcpType != nil }

    /// RFC 6544 §4.2 with what browsers send: TCP below every UDP type but relay (so a UDP path
    /// wins when both work), active before passive within the direction bits.
    public static func tcpPriority(kind: Kind, tcpType: TcpType, otherPreference: UInt32, component: Int = 1) -> UInt32 {
        let typePreference: UInt32 = kind == .host ? 90 : kind == .prflx ? 80 : 0
        let direction: UInt32 = tcpType == .active ? 6 : tcpType == .passive ? 4 : 2
        return (typePreference << 24) | ((direction << 13 | (otherPreference & 0x1FFF)) << 8) | UInt32(256 - component)
    }

    /// RFC 8445 §5.1.2.1: (2^24)·type preference + (2^8)·local preference + (256 − component).
    public static func priority(kind: Kind, localPreference: UInt32, component: Int = 1) -> UInt32 {
        (kind.typePreference << 24) | ((localPreference & 0xFFFF) << 8) | UInt32(256 - component)
    }

    /// The `candidate:` attribute value (no `a=`).
    public var description: String {
        let host = address.map { "\($0.ip)" } ?? hostname ?? "0.0.0.0"
        var text = "candidate:\(foundation) \(component) \(isTCP ? "tcp" : "udp") \(priority) \(host) \(port) typ \(kind.rawValue)"
        if let related = relatedAddress { text += " raddr \(related.ip) rport \(related.port)" }
        if let tcpType { text += " tcptype \(tcpType.rawValue)" }
        return text
    }

    public enum ParseError: Error, Equatable, Sendable {
        /// Why, in a few words ("no typ", "port out of range"), for the one line the user sees.
        case malformed(String)
        /// A well-formed candidate on a transport ICE does not define (neither UDP nor TCP,
        /// RFC 8839 §5.1): skipped, not an error.
        case unsupportedTransport(String)
    }

    /// Parses an SDP candidate attribute (with or without `a=` / `candidate:`). UDP, and TCP with a
    /// `tcptype` (RFC 6544); other transports are refused as unsupported; unknown extension pairs
    /// are ignored (RFC 8839 §5.1).
    public init(sdp text: String) throws(ParseError) {
        var body = Substring(text.trimmingSpaces)
        if body.hasPrefix("a=") { body = body.dropFirst(2) }
        if body.hasPrefix("candidate:") { body = body.dropFirst("candidate:".count) }
        // Split on UTF-8 bytes: by Character, every byte would go through grapheme breaking.
        let fields = body.utf8.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count >= 8 else { throw .malformed("\(fields.count) of the 8 fields a candidate needs") }
        guard fields[6] == "typ" else { throw .malformed("no \"typ\" where the candidate type belongs") }
        let transport = fields[2].lowercased()
        guard transport == "udp" || transport == "tcp" else { throw .unsupportedTransport(fields[2]) }
        guard !fields[0].isEmpty, fields[0].count <= 32 else { throw .malformed("a foundation of 1 to 32 characters") }
        guard let component = Int(fields[1]), (1...256).contains(component) else { throw .malformed("component \"\(fields[1].prefix(8))\" is not 1 to 256") }
        guard let priority = UInt32(fields[3]) else { throw .malformed("priority \"\(fields[3].prefix(12))\" is not a 32-bit number") }
        guard let port = UInt16(fields[5]) else { throw .malformed("port \"\(fields[5].prefix(8))\" is not 0 to 65535") }
        guard let kind = Kind(rawValue: fields[7]) else { throw .malformed("unknown candidate type \"\(fields[7].prefix(8))\"") }
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
            throw .malformed("\"\(fields[4].prefix(40))\" is neither an IP address nor a .local name")
        }
        var i = 8
        var raddr: TransportAddress.IP?, rport: UInt16?, tcpTypeText: String?
        while i + 1 < fields.count {
            switch fields[i] {
            case "raddr": raddr = TransportAddress.IP(fields[i + 1])
            case "rport": rport = UInt16(fields[i + 1])
            case "tcptype": tcpTypeText = fields[i + 1]
            default: break
            }
            i += 2
        }
        if let raddr, let rport { relatedAddress = TransportAddress(ip: raddr, port: rport) }
        if transport == "tcp" {
            // RFC 6544 §4.5: a TCP candidate says which end connects; without it there is no way to use it.
            guard let type = tcpTypeText.flatMap(TcpType.init(rawValue:)) else { throw .malformed("a TCP candidate without a valid tcptype") }
            tcpType = type
        }
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

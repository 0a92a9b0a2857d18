import STUN
import TURN

/// One STUN or TURN server URL as RTCIceServer carries it: `stun:host[:port]` (RFC 7064) and
/// `turn:host[:port][?transport=udp|tcp]`, `turns:host[:port]` (RFC 7065). Pure parsing: the host
/// stays a name until `IceServerResolver` (UDPTransport) looks it up.
public struct IceServerURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case stun, stuns, turn, turns
    }

    public var scheme: Scheme
    /// A DNS name, an IPv4 address, or an IPv6 address without its brackets.
    public var host: String
    public var port: UInt16
    /// For TURN: how we reach the server (`turns:` is TLS over TCP, RFC 7065 §3). Nil for STUN.
    public var transport: TurnTransport?

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(ParseError) {
        func fail(_ why: String) -> ParseError { ParseError(description: "ICE server URL \"\(text.prefix(120))\": \(why)") }
        guard let colon = text.firstIndex(of: ":") else { throw fail("expected stun:, turn: or turns: HOST[:PORT]") }
        guard let scheme = Scheme(rawValue: text[..<colon].lowercased()) else {
            throw fail("unknown scheme \"\(text[..<colon])\" (use stun:, turn: or turns:)")
        }
        self.scheme = scheme
        var rest = text[text.index(after: colon)...]
        // RFC 7064/7065 URIs have no authority part, but "turn://host" is a common slip: accept it.
        if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
        var query: Substring?
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        let secure = scheme == .stuns || scheme == .turns
        var port: UInt16 = secure ? 5349 : 3478 // RFC 7064 §3.1, RFC 7065 §3
        var host: Substring, bracketed = false
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw fail("an IPv6 address needs its closing ]") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = UInt16(rest.dropFirst()), p > 0 else { throw fail("the port must be a number from 1 to 65535") }
                port = p
            }
            guard let ip = TransportAddress.IP(String(host)), !ip.isIPv4 else { throw fail("\"\(host)\" is not an IPv6 address") }
            host = Substring("\(ip)") // one spelling per address, so equal URLs compare equal
            bracketed = true
        } else if let portColon = rest.lastIndex(of: ":") {
            host = rest[..<portColon]
            guard let p = UInt16(rest[rest.index(after: portColon)...]), p > 0 else { throw fail("the port must be a number from 1 to 65535") }
            port = p
        } else {
            host = rest
        }
        // An IPv6 address must be bracketed (RFC 3986 IP-literal): "a:b:c" is never a name.
        guard !host.isEmpty, host.count <= 253, bracketed || host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
            throw fail("\"\(host)\" is not a host name or address (an IPv6 address goes in brackets)")
        }
        self.host = String(host)
        self.port = port
        switch scheme {
        case .stun, .stuns:
            guard query == nil else { throw fail("a STUN URL takes no ?transport=") }
            transport = nil
        case .turn, .turns:
            var transport: TurnTransport = scheme == .turns ? .tls : .udp
            if let query {
                let pair = query.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].lowercased() == "transport" else { throw fail("the only query TURN URLs take is ?transport=udp or ?transport=tcp") }
                switch pair[1].lowercased() {
                case "tcp": transport = scheme == .turns ? .tls : .tcp
                case "udp":
                    // turns:…?transport=udp would be DTLS to the server (RFC 7350), which no common server offers.
                    guard scheme == .turn else { throw fail("TURN over DTLS (turns: with transport=udp) is not supported; use turns: alone for TLS") }
                    transport = .udp
                default: throw fail("unknown transport \"\(pair[1])\" (udp or tcp)")
                }
            }
            self.transport = transport
        }
    }

    /// Whether `host` is an address literal (no lookup needed, and no TLS server name to check).
    public var hostIsAddress: Bool { TransportAddress.IP(host) != nil }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        switch (scheme, transport) {
        case (.turn, .tcp?): return "turn:\(h):\(port)?transport=tcp"
        default: return "\(scheme.rawValue):\(h):\(port)"
        }
    }
}

/// RTCIceServer (W3C webrtc-pc §4.2.4): URLs sharing one set of TURN credentials.
public struct IceServer: Sendable, Hashable, Codable {
    public var urls: [String]
    public var username: String?
    public var credential: String?

    public init(urls: [String], username: String? = nil, credential: String? = nil) {
        self.urls = urls
        self.username = username
        self.credential = credential
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ICE
import STUN
import Synchronization
import TURN

/// Turns RTCIceServer entries (from the command line, the config file or the signalling server)
/// into an ICE agent's server list. Names are looked up all at once on their own threads with one
/// deadline, before the call's loop starts, so a dead resolver costs at most `timeoutMilliseconds`
/// and never stalls the loop; what cannot be used is said, one line per URL.
public enum IceServerResolver {
    public struct Result: Sendable, Equatable {
        public var stunServers: [TransportAddress] = []
        public var turnServers: [TurnServer] = []
        /// One line per URL that was skipped, saying why.
        public var problems: [String] = []
    }

    public static func resolve(_ servers: [IceServer], timeoutMilliseconds: Int = 3_000,
                               lookUp: @escaping @Sendable (String) -> [TransportAddress.IP] = lookUpAddresses) -> Result {
        var result = Result()
        var parsed: [(url: IceServerURL, server: IceServer)] = []
        for server in servers {
            for text in server.urls {
                do throws(IceServerURL.ParseError) {
                    parsed.append((try IceServerURL(text), server))
                } catch {
                    result.problems.append(error.description)
                }
            }
        }
        let names = Set(parsed.map(\.url).filter { !$0.hostIsAddress }.map(\.host))
        let found = Mutex<[String: [TransportAddress.IP]]>([:])
        let group = DispatchGroup()
        for name in names {
            group.enter()
            DispatchQueue.global().async {
                let ips = lookUp(name)
                found.withLock { $0[name] = ips }
                group.leave()
            }
        }
        _ = group.wait(timeout: .now() + .milliseconds(timeoutMilliseconds))
        let addresses = found.withLock { $0 }
        for (url, server) in parsed {
            let ips: [TransportAddress.IP]
            if let ip = TransportAddress.IP(url.host) { ips = [ip] } else {
                guard let looked = addresses[url.host] else {
                    let waited = timeoutMilliseconds >= 1000 ? "\(timeoutMilliseconds / 1000) s" : "\(timeoutMilliseconds) ms"
                    result.problems.append("ICE server \(url): no answer for \(url.host) within \(waited); skipped")
                    continue
                }
                guard !looked.isEmpty else {
                    result.problems.append("ICE server \(url): \(url.host) does not resolve; skipped")
                    continue
                }
                ips = looked
            }
            // One address per family: the agent pairs each server with the sockets of its family.
            var families = Set<Bool>()
            for ip in ips where families.insert(ip.isIPv4).inserted {
                let address = TransportAddress(ip: ip, port: url.port)
                switch url.scheme {
                case .stun:
                    if !result.stunServers.contains(address) { result.stunServers.append(address) }
                case .stuns:
                    if families.count == 1 { result.problems.append("ICE server \(url): STUN over TLS finds no UDP mapping; use stun: instead") }
                case .turn, .turns:
                    guard let username = server.username, let password = server.credential else {
                        if families.count == 1 { result.problems.append("ICE server \(url): a TURN server needs a username and password (--turn-user, --turn-password)") }
                        continue
                    }
                    let turn = TurnServer(address: address, username: username, password: password, transport: url.transport ?? .udp,
                                          serverName: url.hostIsAddress ? nil : url.host)
                    if !result.turnServers.contains(turn) { result.turnServers.append(turn) }
                }
            }
        }
        return result
    }

    /// Adds what `resolve` found to `configuration`, keeping servers already there first.
    public static func apply(_ result: Result, to configuration: inout IceConfiguration) {
        for s in result.stunServers where !configuration.stunServers.contains(s) { configuration.stunServers.append(s) }
        for t in result.turnServers where !configuration.turnServers.contains(t) { configuration.turnServers.append(t) }
    }

    /// The system resolver (getaddrinfo: /etc/hosts, DNS), IPv4 first.
    @Sendable public static func lookUpAddresses(_ host: String) -> [TransportAddress.IP] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var out: [TransportAddress.IP] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            if let address = entry.pointee.ai_addr, let decoded = SocketAddress.decode(address), !out.contains(decoded.ip) { out.append(decoded.ip) }
        }
        return out.filter(\.isIPv4) + out.filter { !$0.isIPv4 }
    }
}

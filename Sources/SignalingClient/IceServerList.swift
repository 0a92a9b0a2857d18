import Foundation
import ICE
import STUN
import Signaling
import TURN

/// The STUN and TURN servers a signalling server hands out (RTCIceServer shape) as an ICE agent's
/// configuration. `stun:HOST[:PORT]` and `turn:HOST[:PORT][?transport=udp]` are used; `turns:` and
/// TCP transports are skipped (termcall's TURN client speaks UDP). Host names are resolved once,
/// here, to IPv4 or IPv6 addresses.
public enum IceServerList {
    public static func apply(_ servers: [SignalingMessage.IceServer], to configuration: inout IceConfiguration) {
        for server in servers {
            for url in server.urls {
                guard let (scheme, address) = parse(url) else { continue }
                if scheme == "stun" { configuration.stunServers.append(address) }
                if scheme == "turn", let username = server.username, let password = server.credential {
                    configuration.turnServers.append(TurnServer(address: address, username: username, password: password))
                }
            }
        }
    }

    static func parse(_ url: String) -> (scheme: String, address: TransportAddress)? {
        let parts = url.split(separator: "?", maxSplits: 1)
        if parts.count == 2, parts[1].lowercased().contains("transport=tcp") { return nil }
        let main = parts[0]
        guard let colon = main.firstIndex(of: ":") else { return nil }
        let scheme = main[..<colon].lowercased()
        guard scheme == "stun" || scheme == "turn" else { return nil }
        var rest = main[main.index(after: colon)...]
        var host: Substring, port: UInt16 = 3478
        if rest.hasPrefix("[") { // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { guard let p = UInt16(rest.dropFirst()) else { return nil }; port = p }
        } else if let portColon = rest.lastIndex(of: ":") {
            host = rest[..<portColon]
            guard let p = UInt16(rest[rest.index(after: portColon)...]) else { return nil }
            port = p
        } else {
            host = rest
        }
        guard let ip = TransportAddress.IP(String(host)) ?? resolve(String(host)) else { return nil }
        return (scheme, TransportAddress(ip: ip, port: port))
    }

    private static func resolve(_ host: String) -> TransportAddress.IP? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return TransportAddress.IP(text)
    }
}

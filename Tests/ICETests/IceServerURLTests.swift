import Glibc
import ICE
import MediaCore
import STUN
import TURN
import Testing
import UDPTransport

/// RTCIceServer URLs (RFC 7064, RFC 7065) and how they become an agent's servers.
@Suite struct IceServerURLTests {
    @Test(arguments: [
        ("stun:stun.example.org", IceServerURL.Scheme.stun, "stun.example.org", UInt16(3478), TurnTransport?.none),
        ("stun:192.0.2.1:19302", .stun, "192.0.2.1", 19302, nil),
        ("turn:turn.example.org", .turn, "turn.example.org", 3478, .udp),
        ("turn:turn.example.org:3479?transport=udp", .turn, "turn.example.org", 3479, .udp),
        ("turn:turn.example.org?transport=tcp", .turn, "turn.example.org", 3478, .tcp),
        ("TURN:Turn.Example.org:80?Transport=TCP", .turn, "Turn.Example.org", 80, .tcp),
        ("turns:turn.example.org", .turns, "turn.example.org", 5349, .tls),
        ("turns:turn.example.org:443?transport=tcp", .turns, "turn.example.org", 443, .tls),
        ("turn:[2001:db8::1]:3478?transport=tcp", .turn, "2001:db8::1", 3478, .tcp),
        ("stun:[2001:db8::7]", .stun, "2001:db8::7", 3478, nil),
        ("turn://turn.example.org:3478", .turn, "turn.example.org", 3478, .udp),
    ] as [(String, IceServerURL.Scheme, String, UInt16, TurnTransport?)])
    func parses(_ text: String, scheme: IceServerURL.Scheme, host: String, port: UInt16, transport: TurnTransport?) throws {
        let url = try IceServerURL(text)
        #expect(url.scheme == scheme && url.host == host && url.port == port && url.transport == transport)
        // The printed form parses back to the same thing.
        #expect(try IceServerURL(url.description) == url)
    }

    @Test(arguments: [
        "stun.example.org", "http://stun.example.org", "stun:", "stun:host:0", "stun:host:99999", "stun:host:port",
        "stun:host?transport=tcp", "turn:host?transport=sctp", "turn:host?foo=bar", "turns:host?transport=udp",
        "turn:[2001:db8::1", "turn:[not-v6]:3478", "turn:bad host", "turn:a/b",
        "turns:turn0example.org:4:3", "stun:2001:db8::1", "stun:héllo.example",
    ])
    func refusesWithAReason(_ text: String) {
        #expect(throws: IceServerURL.ParseError.self) { try IceServerURL(text) }
        do { _ = try IceServerURL(text) } catch {
            #expect(error.description.hasPrefix("ICE server URL \"\(text)\":"), "\(error.description)")
        }
    }

    @Test func arbitraryTextNeverTraps() {
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("stunr:[]?=/.0123456789abcdef-_: tcpudp")
        for _ in 0..<5_000 {
            let text = String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            if let url = try? IceServerURL(text) { #expect((try? IceServerURL(url.description)) == url, "\(text)") }
        }
    }

    @Test func resolvesNamesOnceAndKeepsCredentialsWithTheirServer() {
        let servers = [
            IceServer(urls: ["stun:stun.test", "turn:relay.test?transport=tcp", "turns:relay.test:443"], username: "u", credential: "p"),
            IceServer(urls: ["turn:192.0.2.9"], username: "v", credential: "q"),
            IceServer(urls: ["turn:nocreds.test"]),
            IceServer(urls: ["stun:missing.test", "bogus"]),
        ]
        let table: [String: [TransportAddress.IP]] = ["stun.test": [TransportAddress.IP("192.0.2.1")!],
                                                      "relay.test": [TransportAddress.IP("192.0.2.2")!, TransportAddress.IP("2001:db8::2")!],
                                                      "nocreds.test": [TransportAddress.IP("192.0.2.3")!]]
        let result = IceServerResolver.resolve(servers) { table[$0] ?? [] }
        #expect(result.stunServers == [address("192.0.2.1:3478")])
        let relay = TransportAddress.IP("192.0.2.2")!, relay6 = TransportAddress.IP("2001:db8::2")!
        #expect(result.turnServers == [
            TurnServer(address: TransportAddress(ip: relay, port: 3478), username: "u", password: "p", transport: .tcp, serverName: "relay.test"),
            TurnServer(address: TransportAddress(ip: relay6, port: 3478), username: "u", password: "p", transport: .tcp, serverName: "relay.test"),
            TurnServer(address: TransportAddress(ip: relay, port: 443), username: "u", password: "p", transport: .tls, serverName: "relay.test"),
            TurnServer(address: TransportAddress(ip: relay6, port: 443), username: "u", password: "p", transport: .tls, serverName: "relay.test"),
            TurnServer(address: address("192.0.2.9:3478"), username: "v", password: "q"),
        ])
        #expect(result.problems.count == 3, "\(result.problems)")
        #expect(result.problems.contains { $0.contains("nocreds.test") && $0.contains("username and password") })
        #expect(result.problems.contains { $0.contains("missing.test does not resolve") })
        #expect(result.problems.contains { $0.contains("\"bogus\"") })
    }

    /// A resolver that never answers costs the deadline, not the call.
    @Test func aResolverThatHangsIsGivenUpOn() {
        let result = IceServerResolver.resolve([IceServer(urls: ["stun:slow.test", "stun:192.0.2.4"])], timeoutMilliseconds: 50) { _ in
            usleep(2_000_000) // a resolver that is stuck for longer than the call will wait
            return []
        }
        #expect(result.stunServers == [address("192.0.2.4:3478")])
        #expect(result.problems == ["ICE server stun:slow.test:3478: no answer for slow.test within 50 ms; skipped"])
    }
}

import Foundation
import ICE
import TestSupport
import STUN
import Testing
import TURN
import UDPTransport

/// A running coturn (Tests/Interop/coturn.sh), stopped when released.
final class Coturn {
    let pid: String
    let directory = NSTemporaryDirectory() + "termcall-coturn-\(UUID().uuidString)"

    /// `tlsPort`: also a TLS listener there, its certificate (turn.termcall.test, 127.0.0.1)
    /// signed by the test CA at `caFile`.
    init(mode: String, port: Int, tlsPort: Int? = nil) throws {
        var environment = ["TURN_PORT": "\(port)", "TURN_MIN_PORT": "\(port + 100)", "TURN_MAX_PORT": "\(port + 200)"]
        if let tlsPort { environment["TURN_TLS_PORT"] = "\(tlsPort)" }
        let result = try spawn("/bin/bash", [InteropEnvironment.coturn, "start", directory, mode], environment: environment)
        pid = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0, !pid.isEmpty else { throw SpawnError(description: "coturn did not start: \(result.stderr)") }
    }

    var caFile: String { directory + "/ca.pem" }

    deinit {
        _ = try? spawn("/bin/bash", [InteropEnvironment.coturn, "stop", pid])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Two transports in this process, stepped in turn, candidates exchanged as they trickle.
struct LocalCall {
    let a: IceTransport, b: IceTransport
    var received: [[[UInt8]]] = [[], []]
    var events: [[IceEvent]] = [[], []]

    init(_ a: IceTransport, _ b: IceTransport) {
        self.a = a
        self.b = b
        a.setRemoteCredentials(b.agent.localCredentials)
        b.setRemoteCredentials(a.agent.localCredentials)
    }

    mutating func step() {
        for (i, (me, other)) in [(a, b), (b, a)].enumerated() {
            for event in me.step(maximumWait: 2) {
                switch event {
                case let .ice(e):
                    events[i].append(e)
                    if case let .localCandidate(c) = e { other.addRemoteCandidate(c) }
                    if case .gatheringComplete = e { other.remoteCandidatesComplete() }
                case let .data(bytes, _):
                    received[i].append(bytes)
                case .interfacesChanged:
                    break
                }
            }
        }
    }

    /// Steps until both have selected a pair (bounded by `limit` ms as a failure guard); returns the time it took.
    mutating func connect(limit: Int64 = 10_000) -> Int64 {
        let start = a.now
        while a.now - start < limit {
            step()
            if a.agent.selectedCandidates != nil && b.agent.selectedCandidates != nil { break }
        }
        return a.now - start
    }
}

@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct CoturnInteropTests {
    let loopback = [TransportAddress.IP("127.0.0.1")!]

    func relayedCall(_ server: TurnServer, caFile: String? = nil) throws -> (LocalCall, Int64) {
        var relayOnly = IceConfiguration()
        relayOnly.turnServers = [server]
        relayOnly.relayOnly = true
        relayOnly.turnCAFile = caFile
        let a = try IceTransport(agent: IceAgent(role: .controlling, configuration: relayOnly), addresses: loopback)
        let b = try IceTransport(agent: IceAgent(role: .controlled), addresses: loopback)
        var call = LocalCall(a, b)
        let took = call.connect()
        return (call, took)
    }

    func exchangesData(_ call: inout LocalCall) {
        for i in 0..<20 { call.a.send([0x17, UInt8(i)]); call.b.send([0x80, UInt8(i)]) }
        let start = call.a.now
        while (call.received[0].count < 20 || call.received[1].count < 20) && call.a.now - start < 5_000 { call.step() }
        #expect(call.received[1] == (0..<20).map { [0x17, UInt8($0)] }, "through the relay, A to B")
        #expect(call.received[0] == (0..<20).map { [0x80, UInt8($0)] }, "through the relay, B to A")
    }

    @Test func relayWithLongTermCredentials() throws {
        let coturn = try Coturn(mode: "lt", port: 3478)
        var (call, took) = try relayedCall(TurnServer(address: TransportAddress(host: "127.0.0.1", port: 3478)!, username: "alice", password: "s3cret"))
        withExtendedLifetime(coturn) {}
        #expect(call.a.agent.selectedCandidates?.local.kind == .relay, "not relayed after \(took) ms: \(call.events[0])")
        exchangesData(&call)
        withExtendedLifetime(coturn) {}
    }

    @Test func relayWithRESTCredentials() throws {
        let coturn = try Coturn(mode: "rest", port: 3578)
        let (user, password) = TurnServer.restCredentials(secret: "termcall-secret", name: "termcall", expiresAt: Int(Date().timeIntervalSince1970) + 3600)
        var (call, _) = try relayedCall(TurnServer(address: TransportAddress(host: "127.0.0.1", port: 3578)!, username: user, password: password))
        #expect(call.a.agent.selectedCandidates?.local.kind == .relay)
        exchangesData(&call)
        withExtendedLifetime(coturn) {}
    }

    @Test func wrongCredentialsSayWhatIsWrongQuickly() throws {
        let coturn = try Coturn(mode: "lt", port: 3678)
        var config = IceConfiguration()
        config.turnServers = [TurnServer(address: TransportAddress(host: "127.0.0.1", port: 3678)!, username: "alice", password: "wrong")]
        config.relayOnly = true
        let a = try IceTransport(agent: IceAgent(role: .controlling, configuration: config), addresses: loopback)
        var problem: String?, complete = false
        let start = a.now
        while !(complete && problem != nil), a.now - start < 5_000 {
            for event in a.step(maximumWait: 20) {
                if case let .ice(.problem(p)) = event { problem = p }
                if case .ice(.gatheringComplete) = event { complete = true }
            }
        }
        #expect(problem == "TURN server 127.0.0.1:3678 refused user \"alice\": check the TURN username and password")
        #expect(complete && a.now - start < 2_000, "took \(a.now - start) ms")
        withExtendedLifetime(coturn) {}
    }

    // MARK: TURN over TCP and TLS (RFC 8656 §3.1)

    @Test(arguments: [(TurnTransport.tcp, String?.none), (.tls, "turn.termcall.test"), (.tls, nil)] as [(TurnTransport, String?)])
    func relayOverAStream(_ transport: TurnTransport, serverName: String?) throws {
        let coturn = try Coturn(mode: "lt", port: 4078, tlsPort: 4079)
        let port: UInt16 = transport == .tls ? 4079 : 4078
        let server = TurnServer(address: TransportAddress(host: "127.0.0.1", port: port)!, username: "alice", password: "s3cret",
                                transport: transport, serverName: serverName)
        var (call, took) = try relayedCall(server, caFile: coturn.caFile)
        #expect(call.a.agent.selectedCandidates?.local.kind == .relay, "not relayed after \(took) ms: \(call.events[0])")
        #expect(call.a.agent.selectedRelayTransport == transport)
        exchangesData(&call)
        // Bigger than one TCP segment's worth of small messages: framing across reads.
        for i in 0..<200 { call.a.send([0x17] + [UInt8](repeating: UInt8(i), count: 1_000)) }
        let start = call.a.now
        while call.received[1].count < 220 && call.a.now - start < 5_000 { call.step() }
        #expect(call.received[1].suffix(200) == (0..<200).map { [0x17] + [UInt8](repeating: UInt8($0), count: 1_000) })
        withExtendedLifetime(coturn) {}
    }

    /// The first problem line the transport reports within `limit` ms.
    func firstProblem(_ server: TurnServer, caFile: String? = nil, limit: Int64 = 8_000) throws -> String? {
        var config = IceConfiguration()
        config.turnServers = [server]
        config.relayOnly = true
        config.turnCAFile = caFile
        let a = try IceTransport(agent: IceAgent(role: .controlling, configuration: config), addresses: loopback)
        let start = a.now
        while a.now - start < limit {
            for case let .ice(.problem(p)) in a.step(maximumWait: 20) { return p }
        }
        return nil
    }

    @Test func aTlsServerWithAnotherNameIsRefusedWithOneLine() throws {
        let coturn = try Coturn(mode: "lt", port: 4378, tlsPort: 4379)
        let address = TransportAddress(host: "127.0.0.1", port: 4379)!
        let wrongName = try firstProblem(TurnServer(address: address, username: "alice", password: "s3cret", transport: .tls, serverName: "other.termcall.test"),
                                         caFile: coturn.caFile)
        #expect(wrongName == "TURN server other.termcall.test (127.0.0.1:4379) over TLS: other.termcall.test is not who it claims to be (hostname mismatch); for a server with a private CA, pass --ca-file")
        // Without the test CA, the system's roots do not vouch for it.
        let untrusted = try firstProblem(TurnServer(address: address, username: "alice", password: "s3cret", transport: .tls, serverName: "turn.termcall.test"))
        #expect(untrusted?.contains("turn.termcall.test is not who it claims to be") == true, "\(untrusted ?? "no problem reported")")
        withExtendedLifetime(coturn) {}
    }

    /// Servers that break the stream: each gets one clear line, the process goes on.
    @Test(arguments: [("close", "the server closed the connection"),
                      ("garbage", "the server sent something that is not TURN (first byte 0xff)"),
                      ("badlength", "the server sent a STUN message of impossible length 7"),
                      ("huge", "the server closed the connection")])
    func aHostileStreamIsOneLineNotACrash(_ mode: String, expected: String) throws {
        let server = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/hostile_turn.py", mode])
        let port = try #require(server.readJSON(timeoutMilliseconds: 5_000)?["port"] as? Int, "\(server.errorLog)")
        let address = TransportAddress(host: "127.0.0.1", port: UInt16(port))!
        let problem = try firstProblem(TurnServer(address: address, username: "alice", password: "s3cret", transport: .tcp))
        #expect(problem == "TURN server \(address) over TCP: \(expected)")
    }

    @Test func nobodyListeningIsOneLine() throws {
        let problem = try firstProblem(TurnServer(address: TransportAddress(host: "127.0.0.1", port: 9)!, username: "a", password: "b", transport: .tcp))
        #expect(problem == "TURN server 127.0.0.1:9 over TCP: could not connect (Connection refused)")
    }
}

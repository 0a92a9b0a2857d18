import ICE
import STUN
import TURN
import Testing

/// Two agents, each behind its own NAT, with a STUN server and a TURN server on the "internet"
/// between them: the direct path must win wherever one exists, and the relay must carry the call
/// where none does (RFC 8445 §2, the reason ICE exists).
@Suite struct NatTraversalTests {
    let stun = address("192.0.2.100:3478"), relay = address("192.0.2.200:3478")

    func lab(symmetricA: Bool = false, symmetricB: Bool = false, seed: UInt64 = 7) -> VirtualNetwork {
        var config = IceConfiguration()
        config.stunServers = [stun]
        config.turnServers = [TurnServer(address: relay, username: "alice", password: "s3cret")]
        var net = VirtualNetwork(IceAgent(role: .controlling, configuration: config, tieBreaker: 2),
                                 IceAgent(role: .controlled, configuration: config, tieBreaker: 1),
                                 socketsA: [address("10.0.1.2:5000")], socketsB: [address("10.0.2.2:6000")])
        net.stunServer = stun
        net.turnServer = TurnServerSimulator(address: relay, username: "alice", password: "s3cret")
        net.nats[0] = .init(publicIP: TransportAddress.IP("198.51.100.2")!, restrictive: true, symmetric: symmetricA)
        net.nats[1] = .init(publicIP: TransportAddress.IP("203.0.113.2")!, restrictive: true, symmetric: symmetricB)
        return net
    }

    /// Both ends settled on the same path, and how it runs.
    func selected(_ net: VirtualNetwork) throws -> (a: (local: IceCandidate, remote: IceCandidate), b: (local: IceCandidate, remote: IceCandidate)) {
        (try #require(net.agents[0].selectedCandidates), try #require(net.agents[1].selectedCandidates))
    }

    @Test func twoConeNATsTalkDirectlyThoughARelayIsOnOffer() throws {
        var net = lab()
        net.start()
        net.run(until: 10_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        let (a, b) = try selected(net)
        #expect(a.local.kind != .relay && b.local.kind != .relay, "A \(a.local) ↔ \(a.remote); B \(b.local) ↔ \(b.remote)")
        #expect(a.remote.address?.ip == TransportAddress.IP("203.0.113.2") && b.remote.address?.ip == TransportAddress.IP("198.51.100.2"))
        // Data flows on it both ways.
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 50)
        #expect(net.applicationData[0].contains([0x80, 1]) && net.applicationData[1].contains([0x80, 0]))
    }

    /// Whichever side learns the other's candidates late, the call ends on the direct path: the
    /// relayed pair may be valid first and carry the first packets, but the controlling side moves
    /// the call to the direct pair once that is valid, and the far end follows.
    @Test(arguments: [[0, 0], [0, 400], [400, 0], [150, 150], [30, 900], [900, 30]] as [[Int64]])
    func twoConeNATsEndOnTheDirectPathWhateverTheSignallingDelays(_ delays: [Int64]) throws {
        var net = lab()
        net.signallingDelay = delays
        net.start()
        net.run(until: 12_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        let (a, b) = try selected(net)
        #expect(a.local.kind != .relay && b.local.kind != .relay, "A \(a.local) ↔ \(a.remote); B \(b.local) ↔ \(b.remote)")
        #expect(a.remote.address == b.local.address.map { _ in a.remote.address! } && b.remote.address?.ip == TransportAddress.IP("198.51.100.2"))
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 50)
        #expect(net.applicationData[0].contains([0x80, 1]) && net.applicationData[1].contains([0x80, 0]))
    }

    /// The direct path works only after the relay already carries the call (the first checks were
    /// lost): the controlling side nominates the better pair when it becomes valid, and both ends
    /// move to it — instead of staying on the relay for the whole call.
    @Test func aCallThatStartedOnTheRelayMovesToTheDirectPath() throws {
        var net = lab()
        net.directBlockedUntil = 1_500
        net.start()
        var relayedFirst = false
        net.run(until: 1_400) { n in
            if n.agents[0].selectedCandidates?.local.kind == .relay || n.agents[1].selectedCandidates?.local.kind == .relay { relayedFirst = true }
            return false
        }
        #expect(relayedFirst && net.bothConnected, "the relay did not carry the call first")
        net.run(until: 20_000)
        let (a, b) = try selected(net)
        #expect(a.local.kind != .relay && a.remote.kind != .relay && b.local.kind != .relay && b.remote.kind != .relay,
                "A \(a.local) ↔ \(a.remote); B \(b.local) ↔ \(b.remote)")
        #expect(a.remote.address?.ip == TransportAddress.IP("203.0.113.2") && b.remote.address?.ip == TransportAddress.IP("198.51.100.2"))
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 50)
        #expect(net.applicationData[0].contains([0x80, 1]) && net.applicationData[1].contains([0x80, 0]))
    }

    @Test func twoSymmetricNATsMeetAtTheRelay() throws {
        var net = lab(symmetricA: true, symmetricB: true)
        net.start()
        net.run(until: 15_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        let (a, b) = try selected(net)
        #expect(a.local.kind == .relay || b.local.kind == .relay, "A \(a.local) ↔ \(a.remote); B \(b.local) ↔ \(b.remote)")
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 100)
        #expect(net.applicationData[0].contains([0x80, 1]) && net.applicationData[1].contains([0x80, 0]))
    }
}

/// TURN over TCP and TLS (RFC 8656 §3.1): the way out of a firewall that drops UDP, ranked below
/// a UDP relay as browsers rank it, and a broken stream costs that relay only.
@Suite struct TurnOverStreamTests {
    let relay = address("192.0.2.200:3478")

    func network(servers: [TurnTransport], relayOnly: Bool = false) -> VirtualNetwork {
        var config = IceConfiguration()
        config.turnServers = servers.map { TurnServer(address: relay, username: "alice", password: "s3cret", transport: $0) }
        config.relayOnly = relayOnly
        var plain = IceConfiguration()
        plain.turnServers = [TurnServer(address: relay, username: "alice", password: "s3cret")]
        var net = VirtualNetwork(IceAgent(role: .controlling, configuration: config, tieBreaker: 2),
                                 IceAgent(role: .controlled, configuration: plain, tieBreaker: 1),
                                 socketsA: [address("10.0.1.2:5000")], socketsB: [address("10.0.2.2:6000")])
        net.turnServer = TurnServerSimulator(address: relay, username: "alice", password: "s3cret")
        net.nats[0] = .init(publicIP: TransportAddress.IP("198.51.100.2")!, restrictive: true)
        net.nats[1] = .init(publicIP: TransportAddress.IP("203.0.113.2")!, restrictive: true)
        return net
    }

    @Test(arguments: [TurnTransport.tcp, .tls])
    func aFirewallThatDropsUDPIsCrossedByTurnOverAStream(_ transport: TurnTransport) throws {
        var net = network(servers: [.udp, transport])
        net.udpBlocked = [0]
        net.start()
        net.run(until: 15_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1)); \(net.events[0].filter { if case .problem = $0 { return true }; return false })")
        #expect(net.agents[0].selectedCandidates?.local.kind == .relay)
        #expect(net.agents[0].selectedRelayTransport == transport)
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 100)
        #expect(net.applicationData[0].contains([0x80, 1]) && net.applicationData[1].contains([0x80, 0]))
        // The UDP servers never answer, but with the stream relay up gathering is done after a
        // second, not at the 5 s deadline (a pasted offer is not held back for it).
        let done = try #require(net.events[0].firstIndex(of: .gatheringComplete))
        #expect(net.agents[0].gatheringDone && done > 0)
        var doneAt = VirtualNetwork(IceAgent(role: .controlling, configuration: net.agents[0].configuration), IceAgent(role: .controlled),
                                    socketsA: [address("10.0.1.2:5000")], socketsB: [address("10.0.2.2:6000")])
        doneAt.turnServer = TurnServerSimulator(address: relay, username: "alice", password: "s3cret")
        doneAt.udpBlocked = [0]
        doneAt.start()
        doneAt.run(until: 6_000) { $0.agents[0].gatheringDone }
        #expect(doneAt.agents[0].gatheringDone && doneAt.now <= 1_100, "gathering done at \(doneAt.now) ms")
    }

    @Test func relaysRankUDPThenTCPThenTLS() throws {
        var net = network(servers: [.tls, .tcp, .udp], relayOnly: true)
        net.start()
        net.run(until: 3_000)
        let relays = net.events[0].compactMap { e -> IceCandidate? in if case let .localCandidate(c) = e, c.kind == .relay { return c }; return nil }
        #expect(relays.count == 3)
        let byPriority = relays.sorted { $0.priority > $1.priority }
        #expect(net.agents[0].selectedRelayTransport == .udp)
        // Three distinct preferences, UDP's highest.
        #expect(Set(relays.map(\.priority)).count == 3 && byPriority.first?.priority == relays.map(\.priority).max())
    }

    @Test func aBrokenStreamEndsThatRelayAndTheCallGoesOnAnotherPath() throws {
        var net = network(servers: [.tcp])
        net.nats[0] = nil // A is reachable directly too
        net.sockets[0] = [address("192.0.2.50:5000")]
        net.start()
        net.run(until: 5_000)
        #expect(net.bothConnected)
        net.breakTurnStream(of: 0, to: TurnServer(address: relay, username: "alice", password: "s3cret", transport: .tcp), reason: "the server closed the connection")
        net.run(until: net.now + 8_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        #expect(net.agents[0].selectedCandidates?.local.kind != .relay)
        #expect(net.events[0].contains { if case let .problem(p) = $0 { return p.contains("over TCP: the server closed the connection") }; return false })
        // The dead relay is no longer offered (an ICE restart would not name it).
        #expect(!net.agents[0].localCandidateList.contains { $0.kind == .relay })
    }

    /// The selected pair ran on the stream relay; when the stream breaks the call moves to the
    /// UDP relay that was valid too, instead of ending.
    @Test func theCallLeavesABrokenStreamRelayForAValidOne() throws {
        var net = network(servers: [.tcp, .udp], relayOnly: true)
        // UDP to the server is blocked at first, so the TCP relay carries the call.
        net.udpBlocked = [0]
        net.start()
        net.run(until: 2_000)
        #expect(net.agents[0].selectedRelayTransport == .tcp)
        net.udpBlocked = []
        net.run(until: 12_000) // the UDP allocation's retransmissions get through; its pairs are checked
        net.breakTurnStream(of: 0, to: TurnServer(address: relay, username: "alice", password: "s3cret", transport: .tcp), reason: "the connection broke")
        net.run(until: net.now + 8_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        #expect(net.agents[0].selectedRelayTransport == .udp)
    }
}

@Suite struct StreamFailureDuringChecksTests {
    @Test(arguments: [50, 150, 300, 600, 1_000] as [Int64])
    func aStreamRelayThatDiesWhileChecksRunLeavesTheOthersChecking(_ at: Int64) throws {
        let stun = address("192.0.2.100:3478"), relay = address("192.0.2.200:3478")
        var config = IceConfiguration()
        config.stunServers = [stun]
        config.turnServers = [TurnServer(address: relay, username: "alice", password: "s3cret"),
                              TurnServer(address: relay, username: "alice", password: "s3cret", transport: .tcp)]
        var net = VirtualNetwork(IceAgent(role: .controlling, configuration: config, tieBreaker: 2),
                                 IceAgent(role: .controlled, configuration: config, tieBreaker: 1),
                                 socketsA: [address("10.0.1.2:5000")], socketsB: [address("10.0.2.2:6000")])
        net.stunServer = stun
        net.turnServer = TurnServerSimulator(address: relay, username: "alice", password: "s3cret")
        net.nats[0] = .init(publicIP: TransportAddress.IP("198.51.100.2")!, restrictive: true)
        net.nats[1] = .init(publicIP: TransportAddress.IP("203.0.113.2")!, restrictive: true)
        net.signallingDelay = [40, 40]
        net.start()
        net.run(until: at)
        for i in 0..<2 { net.breakTurnStream(of: i, to: config.turnServers[1], reason: "the connection broke") }
        net.run(until: 10_000)
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
    }
}

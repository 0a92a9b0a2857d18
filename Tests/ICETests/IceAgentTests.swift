import ICE
import STUN
import TURN
import Testing

func address(_ text: String) -> TransportAddress {
    let parts = text.split(separator: ":")
    return TransportAddress(host: String(parts[0]), port: UInt16(parts[1])!)!
}

@Suite struct IceAgentTests {
    func pair(configA: IceConfiguration = .init(), configB: IceConfiguration = .init(),
              tieA: UInt64 = 2, tieB: UInt64 = 1, roleB: IceRole = .controlled) -> VirtualNetwork {
        VirtualNetwork(IceAgent(role: .controlling, configuration: configA, tieBreaker: tieA),
                       IceAgent(role: roleB, configuration: configB, tieBreaker: tieB),
                       socketsA: [address("198.51.100.1:5000")], socketsB: [address("198.51.100.2:6000")])
    }

    @Test func hostCandidatesConnectAndBothSidesSelectTheSamePair() throws {
        var net = pair()
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1))")
        let a = try #require(net.agents[0].selectedCandidates), b = try #require(net.agents[1].selectedCandidates)
        #expect(a.local.address == b.remote.address && a.remote.address == b.local.address)
        #expect(net.now <= 200, "connected after \(net.now) ms of virtual time")
        // Data flows both ways on the selected path.
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x80, UInt8(i)])), from: i) }
        net.run(until: net.now + 50)
        #expect(net.applicationData[0] == [[0x80, 1]] && net.applicationData[1] == [[0x80, 0]])
        net.run(until: 20_000)
        #expect(net.state(0) == .completed && net.state(1) == .completed)
    }

    @Test func serverReflexiveCandidatesThroughANAT() throws {
        var config = IceConfiguration()
        config.stunServers = [address("192.0.2.100:3478")]
        var net = pair(configA: config, configB: config)
        net.stunServer = address("192.0.2.100:3478")
        net.sockets[0] = [address("10.0.0.5:5000")]
        net.nats[0] = .init(publicIP: TransportAddress.IP("203.0.113.1")!)
        net.start()
        net.run(until: 10_000) { $0.bothConnected }
        #expect(net.bothConnected)
        let a = try #require(net.events[0].compactMap { if case let .localCandidate(c) = $0, c.kind == .srflx { return c }; return nil }.first)
        #expect(a.address?.ip == TransportAddress.IP("203.0.113.1") && a.relatedAddress == address("10.0.0.5:5000"))
        // B reaches A at its NAT address (the srflx one, or the same address learnt as peer-reflexive).
        #expect(net.agents[1].selectedCandidates?.remote.address?.ip == TransportAddress.IP("203.0.113.1"))
    }

    /// Two relay-only agents through the simulated TURN server, run until both connect.
    func relayedPair() -> VirtualNetwork {
        var config = IceConfiguration()
        config.turnServers = [TurnServer(address: address("192.0.2.200:3478"), username: "alice", password: "s3cret")]
        config.relayOnly = true
        var net = pair(configA: config, configB: config)
        net.turnServer = TurnServerSimulator(address: address("192.0.2.200:3478"), username: "alice", password: "s3cret")
        net.start()
        net.run(until: 10_000) { $0.bothConnected }
        return net
    }

    @Test func relayedCandidatesWhenOnlyTheRelayWorks() throws {
        var net = relayedPair()
        #expect(net.bothConnected, "states \(net.state(0)) \(net.state(1)); events \(net.events[0])")
        #expect(net.agents[0].selectedCandidates?.local.kind == .relay && net.agents[1].selectedCandidates?.local.kind == .relay)
        // Only relayed candidates were offered.
        #expect(net.events[0].allSatisfy { if case let .localCandidate(c) = $0 { return c.kind == .relay }; return true })
        // Data through the relay (ChannelData once the channel is bound).
        net.run(until: net.now + 100)
        for i in 0..<2 { net.send(try #require(net.agents[i].transmitApplicationData([0x17, 0xFE, UInt8(i)])), from: i) }
        net.run(until: net.now + 100)
        #expect(net.applicationData[0].contains([0x17, 0xFE, 1]) && net.applicationData[1].contains([0x17, 0xFE, 0]))
    }

    /// Closing the agent (a hung-up call) deletes its allocations on the server at once, rather
    /// than leaving them to count against the user's quota until they expire.
    @Test func closingReleasesTheRelayAllocations() throws {
        var net = relayedPair()
        #expect(net.turnServer?.allocations.count == 2)
        net.agents[0].close(now: net.now)
        net.run(until: net.now + 200)
        #expect(net.turnServer?.allocations.count == 1)
    }

    @Test func wrongTurnCredentialsAreOneClearProblemNotAHang() {
        var config = IceConfiguration()
        config.turnServers = [TurnServer(address: address("192.0.2.200:3478"), username: "alice", password: "wrong")]
        config.relayOnly = true
        var net = pair(configA: config)
        net.turnServer = TurnServerSimulator(address: address("192.0.2.200:3478"), username: "alice", password: "s3cret")
        net.start()
        net.run(until: 5_000)
        let problems = net.events[0].compactMap { if case let .problem(p) = $0 { return p }; return nil }
        #expect(problems.contains { $0.contains("refused user \"alice\"") }, "\(problems)")
        #expect(net.events[0].contains(.gatheringComplete))
    }

    @Test func unresolvedMDNSCandidatesStillConnectThroughPeerReflexive() throws {
        // B (a browser) hides its address behind `<uuid>.local`; A cannot resolve it, but B's checks
        // reveal the address and A answers them as a peer-reflexive candidate.
        var net = pair()
        net.hidesHostAddresses = [1]
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        #expect(net.bothConnected)
        #expect(net.agents[0].selectedCandidates?.remote.kind == .prflx)
        #expect(net.agents[0].selectedCandidates?.remote.address == address("198.51.100.2:6000"))
    }

    @Test func aResolvedMDNSCandidateIsPairedDirectly() throws {
        var net = pair()
        net.hidesHostAddresses = [1]
        net.start()
        net.agents[0].resolveRemoteHostname("5e1f-6000.local", to: TransportAddress.IP("198.51.100.2")!, now: net.now)
        net.run(until: 5_000) { $0.bothConnected }
        #expect(net.bothConnected)
        #expect(net.agents[0].selectedCandidates?.remote.address == address("198.51.100.2:6000"))
    }

    @Test func aRoleConflictIsRepaired() throws {
        // Both start controlling; the larger tie-breaker stays controlling (RFC 8445 §7.3.1.1).
        var net = pair(tieA: 5, tieB: 9, roleB: .controlling)
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        #expect(net.bothConnected)
        #expect(net.agents[0].role == .controlled && net.agents[1].role == .controlling)
        #expect(net.agents[0].statistics.roleConflicts + net.agents[1].statistics.roleConflicts >= 1)
    }

    @Test func twentyPercentLossStillConnects() {
        var connected = 0
        for seed in 1...10 as ClosedRange<UInt64> {
            var net = pair()
            net.lossRate = 0.2
            net.rng = .init(seed: seed)
            net.start()
            net.run(until: 30_000) { $0.bothConnected }
            if net.bothConnected { connected += 1 }
        }
        #expect(connected == 10)
    }

    @Test func aDeadPeerIsDetectedByConsentFailure() {
        var net = pair()
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        #expect(net.bothConnected)
        let died = net.now
        net.dead = [1]
        net.run(until: died + 60_000) { $0.state(0) == .failed }
        #expect(net.state(0) == .failed)
        let disconnectedAt = net.events[0].firstIndex(of: .connectionState(.disconnected))
        #expect(disconnectedAt != nil)
        // Consent expires 30 s after the last answer (RFC 7675 §5.1) — not sooner, not much later.
        #expect(net.now - died >= 25_000 && net.now - died <= 31_000, "failed \(net.now - died) ms after the peer died")
    }

    @Test func incomingChecksAloneKeepThePathAlive() {
        // Chrome may stop answering our consent checks but keeps sending its own: proof of life.
        var net = pair()
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        let start = net.now
        net.filter = { agent, bytes in // B answers nothing from now on, but still checks A
            agent == 1 && (try? StunMessage.decode(bytes).message.messageClass) == .success
        }
        net.run(until: start + 60_000)
        #expect(net.state(0) == .connected || net.state(0) == .completed, "\(net.state(0))")
        #expect(net.agents[0].statistics.consentChecksSent >= 8)
        // Without B's checks A has nothing left: consent expires.
        net.filter = { agent, _ in agent == 1 }
        net.run(until: net.now + 40_000) { $0.state(0) == .failed }
        #expect(net.state(0) == .failed)
    }

    @Test func anIceRestartConnectsAgainWithNewCredentials() throws {
        var net = pair()
        net.start()
        net.run(until: 5_000) { $0.bothConnected }
        let before = net.agents[0].localCredentials
        net.agents[0].restart(now: net.now)
        net.agents[1].restart(now: net.now)
        for i in 0..<2 { net.agents[1 - i].setRemoteCredentials(net.agents[i].localCredentials, now: net.now) }
        let selections = net.events.map { $0.filter { if case .selectedPair = $0 { return true }; return false }.count }
        net.pump()
        net.run(until: net.now + 5_000) { n in n.events.enumerated().allSatisfy { i, e in e.filter { if case .selectedPair = $0 { return true }; return false }.count > selections[i] } }
        #expect(net.agents[0].localCredentials != before)
        #expect(net.bothConnected)
        for i in 0..<2 {
            #expect(net.events[i].filter { if case .selectedPair = $0 { return true }; return false }.count == selections[i] + 1)
        }
    }

    @Test func checksWithWrongCredentialsAreRefused() {
        var agent = IceAgent(role: .controlled, tieBreaker: 1)
        agent.addLocalSocket(address("198.51.100.2:6000"), now: 0)
        let forged = StunMessage(method: .binding, messageClass: .request, transactionID: StunMessage.newTransactionID(),
                                 attributes: [.username("\(agent.localCredentials.ufrag):x"), .iceControlling(1)])
            .encode(credentials: .shortTerm(password: "not-the-password"), fingerprint: true)
        agent.handleDatagram(forged, from: address("198.51.100.9:1"), local: address("198.51.100.2:6000"), now: 0)
        let reply = agent.pollTransmit()
        #expect(reply.flatMap { try? StunMessage.decode($0.bytes).message.errorCode?.code } == 401)
        #expect(agent.statistics.unauthenticated == 1)
        #expect(agent.selectedCandidates == nil)
    }
}

@Suite struct IceAgentHostileInputTests {
    @Test func aFloodOfChecksFromSpoofedSourcesCannotGrowTheAgentWithoutBound() {
        var agent = IceAgent(role: .controlled, tieBreaker: 1)
        let base = address("198.51.100.2:6000")
        agent.addLocalSocket(base, now: 0)
        agent.setRemoteCredentials(IceCredentials(ufrag: "peer", password: "peer-password-0123456789"), now: 0)
        // One valid check, replayed from 1 000 different source addresses.
        let check = StunMessage(method: .binding, messageClass: .request, transactionID: StunMessage.newTransactionID(),
                                attributes: [.username("\(agent.localCredentials.ufrag):peer"), .priority(1), .iceControlling(9)])
            .encode(credentials: .shortTerm(password: agent.localCredentials.password), fingerprint: true)
        for i in 0..<1_000 {
            agent.handleDatagram(check, from: TransportAddress(ip: .v4(0xC633_6400 | UInt32(i & 0xFF) << 8 | UInt32(i >> 8)), port: 9), local: base, now: Int64(i))
            while agent.pollTransmit() != nil {}
        }
        var checks = 0
        for t in stride(from: 1_000, to: 60_000, by: 50) as StrideTo<Int64> {
            agent.handleTimeout(now: t)
            while agent.pollTransmit() != nil { checks += 1 }
        }
        // At most 100 candidates/pairs, each checked at most 7 times (RFC 8445 §6.1.2.5 cap).
        #expect(checks <= 100 * 7, "\(checks) datagrams sent to spoofed sources")
    }

    @Test func arbitrarySignallingNeverTraps() {
        var agent = IceAgent(role: .controlling, tieBreaker: 1)
        agent.addLocalSocket(address("198.51.100.1:5000"), now: 0)
        for line in ["candidate:1 1 udp 4294967295 255.255.255.255 65535 typ relay raddr x rport y", "candidate:a 256 udp 0 ::ffff:1.2.3.4 1 typ prflx",
                     "candidate:x 1 udp 1 fe80::1 9 typ host", "candidate:\u{0} 1 udp 1 1.1.1.1 0 typ srflx generation"] {
            if let c = try? IceCandidate(sdp: line) { agent.addRemoteCandidate(c, now: 0) }
        }
        agent.resolveRemoteHostname("nothing.local", to: TransportAddress.IP("1.2.3.4")!, now: 0)
        agent.handleTimeout(now: 100)
        #expect(agent.state != .closed)
    }
}

@Suite struct IceCandidateTests {
    @Test func parsesAndPrintsSDPCandidates() throws {
        let c = try IceCandidate(sdp: "a=candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 10.0.0.5 rport 51234 generation 0 network-cost 999")
        #expect(c.kind == .srflx && c.priority == 1_677_729_535 && c.address == address("203.0.113.7:51234") && c.relatedAddress == address("10.0.0.5:51234"))
        #expect(c.description == "candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 10.0.0.5 rport 51234")
        let mdns = try IceCandidate(sdp: "candidate:1 1 UDP 2122194687 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54321 typ host")
        #expect(mdns.address == nil && mdns.hostname == "1f4712db-ea17-4bcf-a596-105139dfd8bf.local")
        // ICE-TCP candidates (RFC 6544) as browsers send them; other transports are told apart from garbage.
        let active = try IceCandidate(sdp: "candidate:3 1 TCP 1518280447 192.0.2.4 9 typ host tcptype active")
        #expect(active.tcpType == .active && active.port == 9 && active.description == "candidate:3 1 tcp 1518280447 192.0.2.4 9 typ host tcptype active")
        #expect(try IceCandidate(sdp: "candidate:4 1 tcp 1518214911 192.0.2.4 50123 typ host tcptype passive generation 0").tcpType == .passive)
        #expect(throws: IceCandidate.ParseError.malformed("a TCP candidate without a valid tcptype")) {
            try IceCandidate(sdp: "candidate:1 1 tcp 1 1.2.3.4 9 typ host")
        }
        #expect(throws: IceCandidate.ParseError.unsupportedTransport("ssltcp")) { try IceCandidate(sdp: "candidate:1 1 ssltcp 1 1.2.3.4 443 typ host") }
        for bad in ["", "candidate:", "candidate:1 1 udp x 1.2.3.4 9 typ host", "candidate:1 1 udp 1 1.2.3.4 99999 typ host", "candidate:1 1 udp 1 nothost 9 typ host"] {
            #expect(throws: IceCandidate.ParseError.self) { try IceCandidate(sdp: bad) }
        }
        // The reason is the user's one line: which field is wrong, not "malformed".
        #expect(throws: IceCandidate.ParseError.malformed("port \"99999\" is not 0 to 65535")) { try IceCandidate(sdp: "candidate:1 1 udp 1 1.2.3.4 99999 typ host") }
        #expect(throws: IceCandidate.ParseError.malformed("\"nothost\" is neither an IP address nor a .local name")) { try IceCandidate(sdp: "candidate:1 1 udp 1 nothost 9 typ host") }
    }

    @Test func prioritiesFollowTheRFCFormula() {
        #expect(IceCandidate.priority(kind: .host, localPreference: 65535) == 2_130_706_431)
        #expect(IceCandidate.priority(kind: .relay, localPreference: 0) == 255)
    }
}

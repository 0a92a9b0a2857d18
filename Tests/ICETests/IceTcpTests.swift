import ICE
import STUN
import Testing

/// ICE-TCP's passive side (RFC 6544): a peer whose UDP is blocked connects to our listener from
/// an active candidate and checks over that connection; we answer on it, check back on it, and
/// carry the call on it once nominated — while the port-9 active candidate it signalled is never
/// something we try to reach.
@Suite struct IceTcpTests {
    let listener = address("192.0.2.10:40000"), udp = address("192.0.2.10:5000")
    /// The far end of the peer's connection (its ephemeral port, not the 9 it signalled).
    let peer = address("198.51.100.7:51515")
    let theirs = IceCredentials(ufrag: "peer", password: "peer-password-0123456789")

    func passiveAgent() -> IceAgent {
        var agent = IceAgent(role: .controlled, credentials: IceCredentials(ufrag: "ours", password: "our-password-0123456789ab"), tieBreaker: 1)
        agent.addLocalSocket(udp, now: 0)
        agent.addLocalListener(listener, now: 0)
        agent.localSocketsComplete(now: 0)
        agent.setRemoteCredentials(theirs, now: 0)
        return agent
    }

    func check(from agent: IceAgent, nominate: Bool) -> (id: [UInt8], bytes: [UInt8]) {
        let id = StunMessage.newTransactionID()
        var attributes: [StunAttribute] = [.username("\(agent.localCredentials.ufrag):\(theirs.ufrag)"), .priority(IceCandidate.tcpPriority(kind: .prflx, tcpType: .active, otherPreference: 0)),
                                           .iceControlling(99)]
        if nominate { attributes.append(.useCandidate) }
        let bytes = StunMessage(method: .binding, messageClass: .request, transactionID: id, attributes: attributes)
            .encode(credentials: .shortTerm(password: agent.localCredentials.password), fingerprint: true)
        return (id, bytes)
    }

    func drain(_ agent: inout IceAgent) -> (transmits: [IceTransmit], events: [IceEvent]) {
        var t: [IceTransmit] = [], e: [IceEvent] = []
        while let x = agent.pollTransmit() { t.append(x) }
        while let x = agent.pollEvent() { e.append(x) }
        return (t, e)
    }

    @Test func aPassiveCandidateIsOfferedBelowUDP() {
        var agent = passiveAgent()
        let (_, events) = drain(&agent)
        let candidates = events.compactMap { if case let .localCandidate(c) = $0 { return c }; return nil }
        let tcp = candidates.first { $0.isTCP }
        #expect(tcp?.description.hasSuffix("192.0.2.10 40000 typ host tcptype passive") == true, "\(candidates)")
        #expect((tcp?.priority ?? .max) < candidates.first { !$0.isTCP && $0.kind == .host }!.priority)
    }

    @Test func checksOverAnAcceptedConnectionAreAnsweredOnItAndCarryTheCall() throws {
        var agent = passiveAgent()
        // The port-9 active candidate it signals is never a destination.
        agent.addRemoteCandidate(try IceCandidate(sdp: "candidate:1 1 tcp 1518280447 198.51.100.7 9 typ host tcptype active"), now: 0)
        agent.handleTimeout(now: 100)
        #expect(!drain(&agent).transmits.contains { $0.destination.port == 9 })

        let first = check(from: agent, nominate: false)
        agent.handleTcpMessage(first.bytes, from: peer, local: listener, now: 200)
        let (out, _) = drain(&agent)
        // The answer, and our triggered check, both go back on that connection.
        let answer = try #require(out.first { (try? StunMessage.decode($0.bytes))?.message.transactionID == first.id })
        #expect(answer.tcp && answer.local == listener && answer.destination == peer)
        #expect((try StunMessage.decode(answer.bytes)).message.xorMappedAddress == peer)
        let triggered = try #require(out.first { $0.bytes != answer.bytes })
        #expect(triggered.tcp && triggered.destination == peer)

        // The peer answers our check and nominates the pair: it carries the call, over TCP.
        let request = try StunMessage.decode(triggered.bytes).message
        let success = StunMessage(method: .binding, messageClass: .success, transactionID: request.transactionID, attributes: [.xorMappedAddress(listener)])
            .encode(credentials: .shortTerm(password: theirs.password), fingerprint: true)
        agent.handleTcpMessage(success, from: peer, local: listener, now: 230)
        agent.handleTcpMessage(check(from: agent, nominate: true).bytes, from: peer, local: listener, now: 240)
        let (_, events) = drain(&agent)
        #expect(events.contains { if case let .selectedPair(local, remote) = $0 { return local.tcpType == .passive && remote.address == peer && remote.isTCP }; return false })
        let media = try #require(agent.transmitApplicationData([0x80, 1, 2]))
        #expect(media.tcp && media.local == listener && media.destination == peer)
        #expect(agent.isRemoteCandidate(peer))

        // The connection closes: that path is gone.
        agent.tcpConnectionClosed(from: peer, local: listener, now: 300)
        #expect(agent.selectedCandidates == nil && agent.transmitApplicationData([0x80]) == nil)
    }

    @Test func aCheckOnTheUDPSocketIsNotTakenForTheTCPOne() throws {
        var agent = passiveAgent()
        let probe = check(from: agent, nominate: false)
        agent.handleDatagram(probe.bytes, from: peer, local: udp, now: 10)
        let (out, _) = drain(&agent)
        #expect(out.allSatisfy { !$0.tcp && $0.local == udp }, "\(out.map { ($0.local, $0.tcp) })")
    }

    @Test func rfc4571FramesSurviveAnySplit() {
        let packets: [[UInt8]] = [[0, 1, 2], [], Array(repeating: 7, count: 1_300), [0x80]]
        let stream = packets.flatMap { Rfc4571Framer.frame($0)! }
        for cut in 1...17 {
            var framer = Rfc4571Framer(), out: [[UInt8]] = []
            for start in stride(from: 0, to: stream.count, by: cut) {
                framer.append(Array(stream[start..<min(stream.count, start + cut)]))
                while let p = framer.next() { out.append(p) }
            }
            #expect(out == packets.filter { !$0.isEmpty } && framer.bufferedBytes == 0)
        }
        #expect(Rfc4571Framer.frame([UInt8](repeating: 0, count: 65_536)) == nil)
    }
}

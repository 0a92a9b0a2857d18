import ICE
import STUN
import Testing

/// A network change in the agent: the shell retires the socket whose address went away; that
/// host candidate is no longer offered, and a restart announces only what is left and what is new.
@Suite struct NetworkChangeTests {
    @Test func aRetiredAddressIsNeitherOfferedNorAnnouncedAgain() throws {
        var agent = IceAgent(role: .controlling, configuration: IceConfiguration())
        let old = TransportAddress(ip: TransportAddress.IP("10.77.0.1")!, port: 5000)
        let new = TransportAddress(ip: TransportAddress.IP("10.77.0.3")!, port: 5002)
        agent.addLocalSocket(old, now: 0)
        agent.localSocketsComplete(now: 0)
        #expect(agent.localCandidateList.map(\.address) == [old])
        agent.removeLocalSocket(old)
        agent.addLocalSocket(new, now: 10)
        while agent.pollEvent() != nil {}
        agent.restart(now: 20)
        var announced: [TransportAddress?] = []
        while let event = agent.pollEvent() { if case let .localCandidate(c) = event { announced.append(c.address) } }
        #expect(agent.localCandidateList.map(\.address) == [new])
        #expect(announced == [new])
    }
}

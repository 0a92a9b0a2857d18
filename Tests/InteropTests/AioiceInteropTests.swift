import Foundation
import ICE
import STUN
import Testing
import UDPTransport

/// termcall's ICE agent against aioice 0.13 (aiortc's ICE), over real UDP on loopback.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"))
struct AioiceInteropTests {
    struct Outcome {
        var connectMilliseconds: Int64
        var selected: (local: IceCandidate, remote: IceCandidate)?
    }

    /// Gathers, swaps descriptions with the peer (non-trickle, like aiortc), and steps the transport
    /// until a pair is selected. `during` runs every step after that until it returns true.
    func connect(_ transport: IceTransport, to peer: PeerProcess) throws -> Outcome {
        var ours: [IceCandidate] = [], gathered = false
        let start = transport.now
        while !gathered, transport.now - start < 5_000 {
            for event in transport.step(maximumWait: 50) {
                if case let .ice(.localCandidate(c)) = event { ours.append(c) }
                if case .ice(.gatheringComplete) = event { gathered = true }
            }
        }
        #expect(gathered)
        let theirs = try #require(peer.readJSON(), "aioice gave no description: \(peer.errorLog)")
        try peer.send(["ufrag": transport.agent.localCredentials.ufrag, "pwd": transport.agent.localCredentials.password,
                       "candidates": ours.map(\.description)])
        let connectStart = transport.now
        transport.setRemoteCredentials(IceCredentials(ufrag: theirs["ufrag"] as! String, password: theirs["pwd"] as! String))
        for line in theirs["candidates"] as? [String] ?? [] { transport.addRemoteCandidate(try IceCandidate(sdp: line)) }
        transport.remoteCandidatesComplete()
        var selected = false
        while !selected, transport.now - connectStart < 10_000 {
            for event in transport.step(maximumWait: 50) { if case .ice(.selectedPair) = event { selected = true } }
        }
        return Outcome(connectMilliseconds: transport.now - connectStart, selected: transport.agent.selectedCandidates)
    }

    /// The peer's next JSON line, stepping our transport meanwhile (bounded: a failure guard).
    func nextLine(from peer: PeerProcess, while transport: IceTransport, limit: Int64 = 15_000) -> [String: Any]? {
        let start = transport.now
        while transport.now - start < limit {
            _ = transport.step(maximumWait: 10)
            if let line = peer.readJSON(timeoutMilliseconds: 1) { return line }
        }
        return nil
    }

    @Test func weControlAioiceFollowsAndEchoes() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.peer, "--role", "controlled", "--echo", "--verbose"])
        let transport = try IceTransport(agent: IceAgent(role: .controlling), addresses: [TransportAddress.IP("127.0.0.1")!])
        let outcome = try connect(transport, to: peer)
        #expect(outcome.selected != nil, "no pair selected in \(outcome.connectMilliseconds) ms: \(peer.errorLog)")
        // Keep our side running while aioice finishes: it still needs answers to its own checks.
        let connected = try #require(nextLine(from: peer, while: transport),
                                     "aioice did not connect; our state \(transport.agent.state), stats \(transport.agent.statistics); aioice log: \(peer.errorLog.suffix(3000))")
        #expect(connected["event"] as? String == "connected")
        // Data round trip on the selected pair (first byte 0x17: RFC 7983's DTLS range).
        var echoed: [[UInt8]] = []
        for i in 0..<5 { #expect(transport.send([0x17] + Array("hello-\(i)".utf8))) }
        let start = transport.now
        while echoed.count < 5, transport.now - start < 5_000 {
            for event in transport.step(maximumWait: 50) { if case let .data(bytes, _) = event { echoed.append(bytes) } }
        }
        #expect(echoed == (0..<5).map { [0x17] + Array("hello-\($0)".utf8) })
        #expect(transport.agent.state == .connected || transport.agent.state == .completed)
    }

    @Test func aioiceControlsWeFollowAndEcho() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.peer, "--role", "controlling", "--send", "5", "--dtls-prefix"])
        let transport = try IceTransport(agent: IceAgent(role: .controlled), addresses: [TransportAddress.IP("127.0.0.1")!])
        let outcome = try connect(transport, to: peer)
        #expect(outcome.selected != nil, "no pair selected: \(peer.errorLog)")
        #expect(transport.agent.role == .controlled)
        // Echo aioice's pings until it reports how many came back.
        var done: [String: Any]?
        let start = transport.now
        while done == nil, transport.now - start < 10_000 {
            for event in transport.step(maximumWait: 20) { if case let .data(bytes, _) = event { transport.send(bytes) } }
            var pfdReady = false
            repeat {
                pfdReady = false
                if let line = peer.readJSON(timeoutMilliseconds: 1) {
                    pfdReady = true
                    if line["event"] as? String == "done" { done = line }
                }
            } while pfdReady && done == nil
        }
        #expect(done?["received"] as? Int == 5, "aioice: \(String(describing: done)) \(peer.errorLog)")
    }
}

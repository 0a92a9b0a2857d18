import Foundation
import TestSupport
import Testing

/// Calls across the NAT lab (NatLab, Tests/Interop/nat_lab.py): each scenario checks that both ends
/// decode video and play audio, chat crosses both ways, and the path ICE chose is the one a person
/// would want — direct wherever a direct path exists, the relay (over UDP, TCP or TLS) only where
/// none does.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct NatLabTests {
    static let termcall = BuiltProducts.termcall

    /// `termcall serve` on the lab's public host, handing out STUN (its own port), and TURN over
    /// UDP, TCP and TLS at the lab's coturn with REST credentials.
    func serve(_ lab: NatLab) throws -> PeerProcess {
        let server = try lab.spawn(on: .pub, Self.termcall, [
            "serve", "--host", "0.0.0.0", "--port", "8080", "--turn-secret", lab.turnSecret,
            "--turn-url", "turn:\(lab.serverAddress):3478", "--turn-url", "turn:\(lab.serverAddress):3478?transport=tcp",
            "--turn-url", "turns:turn.termcall.test:443",
        ])
        _ = try #require(server.readTextLine(timeoutMilliseconds: 10_000), "serve printed nothing: \(server.errorLog)")
        return server
    }

    func terminal(_ lab: NatLab, on host: NatLab.Host, room: String, _ extra: [String] = []) throws -> PeerProcess {
        try lab.spawn(on: host, Self.termcall, ["call", room, "--server", "ws://\(lab.serverAddress):8080", "--ca-file", lab.caFile] + extra)
    }

    func stats(_ call: PeerProcess) throws -> [String: Any] {
        try call.send(["cmd": "stats"])
        return call.waitFor(milliseconds: 3_000) { $0["event"] as? String == "stats" } ?? [:]
    }

    /// Waits (bounded) until both ends decode video and play audio from each other, sends a chat
    /// line each way, and returns each end's statistics.
    func talk(_ alice: PeerProcess, _ bob: PeerProcess, limit: TimeInterval = 25) throws -> (alice: [String: Any], bob: [String: Any]) {
        var a: [String: Any] = [:], b: [String: Any] = [:]
        func flowing(_ s: [String: Any]) -> Bool { (s["video_frames_decoded"] as? Int ?? 0) >= 10 && (s["audio_played"] as? Int ?? 0) >= 20 }
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline, !(flowing(a) && flowing(b)) {
            a = try stats(alice)
            b = try stats(bob)
        }
        #expect(flowing(a), "alice: \(a)\n\(alice.errorLog)")
        #expect(flowing(b), "bob: \(b)\n\(bob.errorLog)")
        try alice.send(["chat": "from alice"])
        try bob.send(["chat": "from bob"])
        #expect(bob.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from alice")
        #expect(alice.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from bob")
        return (a, b)
    }

    /// Alice waits in the room, Bob joins (and offers).
    func roomCall(_ lab: NatLab, room: String, aliceExtra: [String] = [], bobExtra: [String] = []) throws -> (PeerProcess, PeerProcess, [String: Any], [String: Any]) {
        let alice = try terminal(lab, on: .a, room: room, aliceExtra)
        #expect(alice.waitFor(milliseconds: 10_000) { $0["event"] as? String == "joined" } != nil, "alice did not join: \(alice.errorLog)")
        let bob = try terminal(lab, on: .b, room: room, bobExtra)
        let (a, b) = try talk(alice, bob)
        return (alice, bob, a, b)
    }

    func path(_ s: [String: Any]) -> String {
        "\(s["local_candidate_type"] ?? "?")→\(s["remote_candidate_type"] ?? "?")\((s["relay_protocol"] as? String).map { $0.isEmpty ? "" : " via TURN/\($0)" } ?? "")"
    }

    @Test func twoHomeNATsTalkDirectly() throws {
        let lab = try NatLab(a: "cone", b: "cone")
        let server = try serve(lab)
        let (alice, bob, a, b) = try roomCall(lab, room: "cone-cone")
        // Direct: neither end on a relay; each reaches the other at its router's public address.
        #expect(a["local_candidate_type"] as? String != "relay" && a["remote_candidate_type"] as? String != "relay", "alice \(path(a))")
        #expect(b["local_candidate_type"] as? String != "relay" && b["remote_candidate_type"] as? String != "relay", "bob \(path(b))")
        #expect((a["selected_pair"] as? String ?? "").contains("203.0.113.2"), "\(a["selected_pair"] ?? "")")
        #expect((b["selected_pair"] as? String ?? "").contains("198.51.100.2"), "\(b["selected_pair"] ?? "")")
        withExtendedLifetime((server, alice, bob)) {}
    }

    @Test func twoSymmetricNATsMeetAtTheRelay() throws {
        let lab = try NatLab(a: "symmetric", b: "symmetric")
        let server = try serve(lab)
        let (alice, bob, a, b) = try roomCall(lab, room: "symmetric")
        #expect(a["local_candidate_type"] as? String == "relay" || a["remote_candidate_type"] as? String == "relay", "alice \(path(a))")
        #expect(a["relay_protocol"] as? String == "udp" || b["relay_protocol"] as? String == "udp", "alice \(path(a)), bob \(path(b))")
        withExtendedLifetime((server, alice, bob)) {}
    }

    @Test func aFirewallThatDropsUDPIsCrossedByTurnOverTCP() throws {
        let lab = try NatLab(a: "udp-blocked", b: "cone")
        let server = try serve(lab)
        let (alice, bob, a, b) = try roomCall(lab, room: "udp-blocked")
        #expect(a["local_candidate_type"] as? String == "relay" && a["relay_protocol"] as? String == "tcp", "alice \(path(a)), bob \(path(b))")
        withExtendedLifetime((server, alice, bob)) {}
    }

    /// Signalling through the test (`--signal stdio`): only the media has to get through the lab.
    /// Alice offers; each side's ICE servers come from its own command line.
    func stdioCall(_ lab: NatLab, alice aliceExtra: [String], bob bobExtra: [String]) throws -> (PeerProcess, PeerProcess, [String: Any], [String: Any]) {
        let alice = try lab.spawn(on: .a, Self.termcall, ["call", "--signal", "stdio", "--offer", "--ca-file", lab.caFile] + aliceExtra)
        let bob = try lab.spawn(on: .b, Self.termcall, ["call", "--signal", "stdio", "--ca-file", lab.caFile] + bobExtra)
        let offer = try #require(alice.waitFor(milliseconds: 15_000) { $0["type"] as? String == "offer" }, "no offer: \(alice.errorLog)")
        try bob.send(offer)
        let answer = try #require(bob.waitFor(milliseconds: 15_000) { $0["type"] as? String == "answer" }, "no answer: \(bob.errorLog)")
        try alice.send(answer)
        let (a, b) = try talk(alice, bob)
        return (alice, bob, a, b)
    }

    /// TURN REST credentials for the lab's coturn, as `--turn-user`/`--turn-password`.
    func turnCredentials(_ lab: NatLab, name: String) throws -> [String] {
        try lab.lab.send(["cmd": "credentials", "name": name, "ttl": 3600])
        let line = try #require(lab.lab.waitFor(milliseconds: 5_000) { $0["event"] as? String == "credentials" })
        return ["--turn-user", try #require(line["username"] as? String), "--turn-password", try #require(line["password"] as? String)]
    }

    @Test func aFirewallThatLetsOnlyTLSOutIsCrossedByTurnOverTLS() throws {
        let lab = try NatLab(a: "tls-only", b: "cone")
        let stun = "stun:\(lab.serverAddress):3478"
        let (alice, bob, a, b) = try stdioCall(lab,
            alice: ["--ice-server", stun, "--ice-server", "turn:\(lab.serverAddress):3478?transport=tcp", "--ice-server", "turns:turn.termcall.test:443"]
                + (try turnCredentials(lab, name: "alice")),
            bob: ["--ice-server", stun])
        #expect(a["local_candidate_type"] as? String == "relay" && a["relay_protocol"] as? String == "tls", "alice \(path(a)), bob \(path(b))")
        // What the firewall turned away: the UDP and the TCP-3478 attempts.
        let dropped = try lab.statistics()
        #expect(((dropped["router_a"] as? [String: Any])?["blocked"] as? [String: Any])?["packets"] as? Int ?? 0 > 0, "\(dropped)")
        withExtendedLifetime((alice, bob)) {}
    }

    /// No signalling server at all: two people paste one line each way, and name a STUN server.
    @Test func pastedLinesAndAStunServerCrossTwoHomeNATs() throws {
        let lab = try NatLab(a: "cone", b: "cone")
        let stun = ["--ice-server", "stun:\(lab.serverAddress):3478"]
        let alice = try lab.spawn(on: .a, Self.termcall, ["call", "--signal", "paste", "--offer"] + stun)
        let bob = try lab.spawn(on: .b, Self.termcall, ["call", "--signal", "paste"] + stun)
        let offer = try #require(alice.readTextLine(timeoutMilliseconds: 15_000), "\(alice.errorLog)")
        #expect(offer.hasPrefix("termcall1:o:"))
        bob.sendText(offer + "\n")
        let answer = try #require(bob.readTextLine(timeoutMilliseconds: 15_000), "\(bob.errorLog)")
        alice.sendText(answer + "\n")
        let (a, b) = try talk(alice, bob)
        #expect(a["local_candidate_type"] as? String != "relay" && b["local_candidate_type"] as? String != "relay", "alice \(path(a)), bob \(path(b))")
        #expect((a["selected_pair"] as? String ?? "").contains("203.0.113.2") && (b["selected_pair"] as? String ?? "").contains("198.51.100.2"))
    }
}

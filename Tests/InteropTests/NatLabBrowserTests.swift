import Foundation
import TestSupport
import Testing

/// Headless Chromium in the NAT lab, on the page `termcall serve` hands out, calling a terminal
/// on the other LAN: the paths a browser behind an office firewall takes to a terminal user.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct NatLabBrowserTests {
    static let termcall = BuiltProducts.termcall

    /// The page on `host`, browser first (it joins, the terminal arrives and offers). The page is
    /// plain http on a lab address, so Chromium is told to treat it as secure (camera, mic).
    struct Browser {
        let page: PeerProcess
        init(_ lab: NatLab, on host: NatLab.Host, room: String) throws {
            let origin = "http://\(lab.serverAddress):8080"
            page = try lab.spawn(on: host, "/usr/bin/env", ["CHROMIUM_FLAGS=--unsafely-treat-insecure-origin-as-secure=\(origin)", InteropEnvironment.python,
                                                           InteropEnvironment.root + "/Tests/Interop/chromium_page.py", "\(origin)/\(room)"])
            #expect(page.waitFor(milliseconds: 20_000) { $0["event"] as? String == "ready" } != nil, "\(page.errorLog.suffix(600))")
            let joinedBy = Date().addingTimeInterval(15)
            while Date() < joinedBy, !(try evaluate("window.termcall && termcall.id", errorsExpected: true) is String) {}
        }

        func evaluate(_ expression: String, errorsExpected: Bool = false) throws -> Any? {
            try page.send(["cmd": "eval", "expr": expression])
            let reply = page.waitFor(milliseconds: 10_000) { $0["result"] != nil || $0["error"] != nil }
            if let error = reply?["error"], !errorsExpected { Issue.record("page: \(error)") }
            return reply?["result"]
        }

        /// Chromium's selected candidate pair (getStats): local type, protocol, relayProtocol; remote type.
        func selectedPair() throws -> [String: Any] {
            let js = """
            (async () => { for (const [id, p] of peers) { const r = await p.pc.getStats(); let t = null;
              r.forEach((x) => { if (x.type === 'transport') t = x; });
              const pair = t && r.get(t.selectedCandidatePairId);
              const l = pair && r.get(pair.localCandidateId), m = pair && r.get(pair.remoteCandidateId);
              return { local: l ? l.candidateType : '', protocol: l ? l.protocol : '', relayProtocol: (l && l.relayProtocol) || '',
                       remote: m ? m.candidateType : '' }; } return {}; })()
            """
            return try evaluate(js) as? [String: Any] ?? [:]
        }
    }

    /// Both decode each other (bounded wait), chat crosses; the terminal's statistics.
    func talk(_ browser: Browser, _ terminal: PeerProcess) throws -> [String: Any] {
        var theirs: [String: Any] = [:], ours: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(25)
        while Date() < deadline {
            theirs = (try browser.evaluate("termcall.stats()") as? [[String: Any]])?.first ?? [:]
            try terminal.send(["cmd": "stats"])
            ours = terminal.waitFor(milliseconds: 3_000) { $0["event"] as? String == "stats" } ?? [:]
            if (theirs["framesDecoded"] as? Int ?? 0) >= 10, (ours["video_frames_decoded"] as? Int ?? 0) >= 10, (ours["audio_played"] as? Int ?? 0) >= 20 { break }
        }
        #expect((theirs["framesDecoded"] as? Int ?? 0) >= 10, "browser: \(theirs)")
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= 10 && (ours["audio_played"] as? Int ?? 0) >= 20, "terminal: \(ours)\n\(terminal.errorLog)")
        try terminal.send(["chat": "to the browser"])
        #expect(try browser.evaluate("termcall.say('to the terminal')") as? Int == 1)
        #expect(terminal.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "to the terminal")
        return ours
    }

    @Test func aBrowserBehindAFirewallThatDropsUDPReachesATerminalThroughTurnOverTCP() throws {
        let lab = try NatLab(a: "udp-blocked", b: "cone")
        let server = try lab.spawn(on: .pub, Self.termcall, [
            "serve", "--host", "0.0.0.0", "--port", "8080", "--turn-secret", lab.turnSecret,
            "--turn-url", "turn:\(lab.serverAddress):3478", "--turn-url", "turn:\(lab.serverAddress):3478?transport=tcp",
        ])
        _ = try #require(server.readTextLine(timeoutMilliseconds: 10_000), "\(server.errorLog)")
        let browser = try Browser(lab, on: .a, room: "office")
        let terminal = try lab.spawn(on: .b, Self.termcall, ["call", "office", "--server", "ws://\(lab.serverAddress):8080"])
        let ours = try talk(browser, terminal)
        let pair = try browser.selectedPair()
        #expect(pair["local"] as? String == "relay" && pair["relayProtocol"] as? String == "tcp", "Chromium's pair \(pair); ours \(ours["selected_pair"] ?? "")")
        try browser.page.send(["cmd": "close"])
        withExtendedLifetime(server) {}
    }

    /// No TURN server at all: the terminal has a public address, the browser's UDP is blocked, and
    /// the only way in is ICE-TCP — Chromium's active candidate connecting to our passive one.
    @Test func aBrowserWhoseUDPIsBlockedReachesAnOpenTerminalOverICETCP() throws {
        let lab = try NatLab(a: "udp-blocked", b: "open")
        let server = try lab.spawn(on: .pub, Self.termcall, ["serve", "--host", "0.0.0.0", "--port", "8080"])
        _ = try #require(server.readTextLine(timeoutMilliseconds: 10_000), "\(server.errorLog)")
        let browser = try Browser(lab, on: .a, room: "ice-tcp")
        let terminal = try lab.spawn(on: .b, Self.termcall, ["call", "ice-tcp", "--server", "ws://\(lab.serverAddress):8080"])
        let ours = try talk(browser, terminal)
        #expect(ours["candidate_protocol"] as? String == "tcp" && ours["local_candidate_type"] as? String == "host", "\(ours["selected_pair"] ?? "")")
        let pair = try browser.selectedPair()
        // Chromium sees our passive candidate as host; its own end, behind its NAT, as peer-reflexive.
        #expect(pair["protocol"] as? String == "tcp" && pair["remote"] as? String == "host", "Chromium's pair \(pair)")
        try browser.page.send(["cmd": "close"])
        withExtendedLifetime(server) {}
    }
}

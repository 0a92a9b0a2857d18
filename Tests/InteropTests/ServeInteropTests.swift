import Foundation
import TestSupport
import Testing

/// Calls through `termcall serve`: two terminals, and a terminal with headless Chromium on the
/// served page (Tests/Interop/chromium_page.py drives it over the DevTools pipe and reads the
/// page's `termcall.stats()` — Chromium's own getStats). Trickle ICE throughout: the page sends
/// its description before gathering, so every browser candidate reaches termcall trickled.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct ServeInteropTests {
    static let termcall = BuiltProducts.termcall

    func waitFor(_ peer: PeerProcess, milliseconds: Int, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline {
            if let line = peer.readJSON(timeoutMilliseconds: 100), match(line) { return line }
        }
        return nil
    }

    /// `termcall serve --port 0`, and the port it printed.
    func startServer(_ extra: [String] = []) throws -> (PeerProcess, Int) {
        let server = try PeerProcess(Self.termcall, ["serve", "--port", "0"] + extra)
        let line = try #require(server.readTextLine(timeoutMilliseconds: 10_000), "serve printed nothing: \(server.errorLog)")
        let port = try #require(line.split(separator: ":").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? line.components(separatedBy: "127.0.0.1:").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        return (server, port)
    }

    func terminal(room: String, port: Int) throws -> PeerProcess {
        try PeerProcess(Self.termcall, ["call", room, "--server", "ws://127.0.0.1:\(port)", "--loopback"])
    }

    func stats(_ call: PeerProcess) throws -> [String: Any]? {
        try call.send(["cmd": "stats"])
        return waitFor(call, milliseconds: 3_000) { $0["event"] as? String == "stats" }
    }

    /// Alice waits in `room`, Bob joins and offers; returns once both have the chat channel.
    func twoInARoom(_ room: String, port: Int) throws -> (alice: PeerProcess, bob: PeerProcess) {
        let alice = try terminal(room: room, port: port)
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "joined" }?["others"] as? Int == 0)
        let bob = try terminal(room: room, port: port)
        #expect(waitFor(bob, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(bob.errorLog)")
        #expect(waitFor(alice, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(alice.errorLog)")
        return (alice, bob)
    }

    @Test func twoTerminalsMeetInARoom() throws {
        let (server, port) = try startServer()
        let (alice, bob) = try twoInARoom("two-terminals", port: port)
        try alice.send(["chat": "hi bob"])
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "hi bob")
        var bobStats: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (bobStats["video_frames_decoded"] as? Int ?? 0) < 20 || (bobStats["audio_played"] as? Int ?? 0) < 40 {
            bobStats = try #require(try stats(bob))
        }
        #expect((bobStats["video_frames_decoded"] as? Int ?? 0) >= 20 && (bobStats["audio_played"] as? Int ?? 0) >= 40, "\(bobStats)")
        // Both show the same verification code.
        let aliceStats = try #require(try stats(alice))
        #expect(bobStats["verification"] as? String != nil && bobStats["verification"] as? String == aliceStats["verification"] as? String)
        try alice.send(["cmd": "hangup"])
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "closed" }?["by"] as? String == "peer")
        _ = server
    }

    /// Three terminals in one room: a full mesh (each has two legs with pictures and sound from
    /// both others), chat reaches everyone, and one leaving leaves the other two talking.
    @Test func threeTerminalsMakeAGroupCall() throws {
        let (server, port) = try startServer()
        let (alice, bob) = try twoInARoom("three", port: port)
        let carol = try terminal(room: "three", port: port)
        #expect(waitFor(carol, milliseconds: 5_000) { $0["event"] as? String == "joined" }?["others"] as? Int == 2)
        #expect(waitFor(alice, milliseconds: 10_000) { $0["event"] as? String == "peer-joined" } != nil, "\(alice.errorLog)")
        /// Each leg's decoded frames and played audio, once every leg has enough (or the deadline).
        func legs(_ peer: PeerProcess, count: Int) throws -> [[String: Any]] {
            var legs: [[String: Any]] = []
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline {
                legs = (try stats(peer)?["legs"] as? [[String: Any]] ?? []).filter { $0["closed"] as? Bool == false }
                if legs.count == count, legs.allSatisfy({ ($0["video_frames_decoded"] as? Int ?? 0) >= 10 && ($0["audio_played"] as? Int ?? 0) >= 40 }) { break }
            }
            return legs
        }
        for (name, peer) in [("alice", alice), ("bob", bob), ("carol", carol)] {
            let found = try legs(peer, count: 2)
            let flowing = found.count == 2 && found.allSatisfy { ($0["video_frames_decoded"] as? Int ?? 0) >= 10 && ($0["audio_played"] as? Int ?? 0) >= 40 }
            #expect(flowing, "\(name): \(found) \(peer.errorLog.suffix(400))")
        }
        try carol.send(["chat": "hello both"])
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "hello both")
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "hello both")
        // Carol leaves: the others are told, and their call goes on between the two of them.
        try carol.send(["cmd": "hangup"])
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "peer-left" || $0["event"] as? String == "closed" }?["event"] as? String == "peer-left")
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "peer-left" || $0["event"] as? String == "closed" }?["event"] as? String == "peer-left")
        let before = try legs(alice, count: 1).first?["video_frames_decoded"] as? Int ?? 0
        try bob.send(["chat": "still here"])
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "still here")
        let deadline = Date().addingTimeInterval(10)
        var after = before
        while Date() < deadline, after < before + 10 { after = try legs(alice, count: 1).first?["video_frames_decoded"] as? Int ?? 0 }
        #expect(after >= before + 10, "alice stopped receiving bob's video after carol left: \(before) -> \(after)")
        try alice.send(["cmd": "hangup"])
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "closed" }?["by"] as? String == "peer")
        _ = server
    }

    /// The served page's browsers: Chromium (DevTools pipe) and Firefox ESR (WebDriver BiDi).
    enum Browser: String, CaseIterable, CustomTestStringConvertible {
        case chromium, firefox
        var testDescription: String { rawValue }
        var driver: String { InteropEnvironment.root + "/Tests/Interop/\(rawValue)_page.py" }
        var installed: Bool { self == .chromium || firefoxInstalled }
    }

    @Test(arguments: Browser.allCases, [true, false])
    func aBrowserAndATerminalCall(in browserKind: Browser, terminalOffers: Bool) throws {
        guard browserKind.installed else { return }
        // Firefox gathers nothing without a default route.
        let route = browserKind == .firefox ? try LoopbackDefaultRoute() : nil
        defer { _ = route }
        let (server, port) = try startServer()
        let room = "\(browserKind)-" + (terminalOffers ? "browser-first" : "terminal-first")
        var call: PeerProcess?
        if !terminalOffers {
            call = try terminal(room: room, port: port)
            #expect(waitFor(call!, milliseconds: 5_000) { $0["event"] as? String == "joined" } != nil)
        }
        let page = try PeerProcess(InteropEnvironment.python, [browserKind.driver, "http://127.0.0.1:\(port)/\(room)"])
        #expect(waitFor(page, milliseconds: 20_000) { $0["event"] as? String == "ready" } != nil, "\(page.errorLog.suffix(600))")
        func evaluate(_ expression: String, errorsExpected: Bool = false) throws -> Any? {
            try page.send(["cmd": "eval", "expr": expression])
            let reply = waitFor(page, milliseconds: 10_000) { $0["result"] != nil || $0["error"] != nil }
            if let error = reply?["error"], !errorsExpected { Issue.record("page: \(error)") }
            return reply?["result"]
        }
        if terminalOffers {
            // The page has joined (its id is set) before the terminal arrives and offers.
            let joinedAt = Date().addingTimeInterval(10)
            // (`termcall` is undefined until app.js has run: those errors are expected.)
            while Date() < joinedAt, !(try evaluate("window.termcall && termcall.id", errorsExpected: true) is String) {}
            call = try terminal(room: room, port: port)
        }
        let terminal = try #require(call)
        #expect(waitFor(terminal, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(terminal.errorLog)")
        try terminal.send(["chat": "hello browser"])
        #expect(try evaluate("termcall.say('hello terminal ✓')") as? Int == 1)
        #expect(waitFor(terminal, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "hello terminal ✓")
        // Both decode the other's audio and video: the browser's getStats, and ours.
        var browser: [String: Any] = [:], ours: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            browser = (try evaluate("termcall.stats()") as? [[String: Any]])?.first ?? [:]
            ours = try #require(try stats(terminal))
            if (browser["framesDecoded"] as? Int ?? 0) >= 20, (browser["audioSamplesReceived"] as? Int ?? 0) >= 48_000,
               (ours["video_frames_decoded"] as? Int ?? 0) >= 20, (ours["audio_played"] as? Int ?? 0) >= 40 { break }
        }
        #expect((browser["framesDecoded"] as? Int ?? 0) >= 20 && (browser["audioSamplesReceived"] as? Int ?? 0) >= 48_000, "\(browser)")
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= 20 && (ours["audio_played"] as? Int ?? 0) >= 40, "\(ours)")
        #expect(browser["dtlsCipher"] as? String == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        // The page (verify.js) and the terminal computed the same verification code, whichever was the DTLS client.
        let codeDeadline = Date().addingTimeInterval(5)
        while Date() < codeDeadline, browser["verification"] as? String == nil || ours["verification"] as? String == nil {
            browser = (try evaluate("termcall.stats()") as? [[String: Any]])?.first ?? [:]
            ours = try #require(try stats(terminal))
        }
        #expect(browser["verification"] as? String != nil && browser["verification"] as? String == ours["verification"] as? String, "page \(browser["verification"] ?? "none"), terminal \(ours["verification"] ?? "none")")
        let chat = try evaluate("JSON.stringify(termcall.chatLog)") as? String ?? ""
        #expect(chat.contains("hello browser"), "\(chat)")
        // The browser hangs up: the terminal's call ends.
        _ = try evaluate("termcall.hangUp()")
        #expect(waitFor(terminal, milliseconds: 5_000) { $0["event"] as? String == "closed" }?["by"] as? String == "peer")
        try page.send(["cmd": "close"])
        _ = server
    }

    /// The server dies mid-call: the media carries on, both clients reconnect to the restarted
    /// server on their own (resuming their ids), and a renegotiation then goes through it.
    @Test func aServerRestartDoesNotDropTheCall() throws {
        var (server, port) = try startServer()
        let (alice, bob) = try twoInARoom("restart", port: port)
        server.process.terminate()
        let gone = Date().addingTimeInterval(5) // (Process.waitUntilExit can hang in tests: poll instead)
        while server.process.isRunning, Date() < gone { usleep(10_000) }
        #expect(waitFor(bob, milliseconds: 5_000) { ($0["text"] as? String)?.contains("lost") == true } != nil)
        let before = try #require(try stats(bob))["video_frames_decoded"] as? Int ?? 0
        _ = waitFor(bob, milliseconds: 1_000) { _ in false }
        let during = try #require(try stats(bob))["video_frames_decoded"] as? Int ?? 0
        #expect(during >= before + 10, "media stopped with the server: \(before) → \(during)")
        server = try PeerProcess(Self.termcall, ["serve", "--port", String(port)])
        _ = server.readTextLine(timeoutMilliseconds: 10_000)
        // Back in the room: both see each other again under the same ids (a `joined` follows a reconnection).
        #expect(waitFor(bob, milliseconds: 10_000) { $0["event"] as? String == "rejoined" } != nil, "\(bob.errorLog)")
        #expect(waitFor(alice, milliseconds: 10_000) { $0["event"] as? String == "rejoined" } != nil, "\(alice.errorLog)")
        try alice.send(["cmd": "camera", "on": false])
        #expect(waitFor(bob, milliseconds: 10_000) { $0["event"] as? String == "track-ended" && $0["kind"] as? String == "video" } != nil)
        try alice.send(["cmd": "hangup"])
        _ = server
    }

    /// Glare: both turn their cameras off (or on) at once, so both offer. The polite side (the
    /// greater id) rolls back and answers, the other ignores the offer it receives; both changes
    /// still land (an answer always says what its side sends now), and each sees the other's video
    /// end (or come back).
    @Test func bothOfferingAtOnceIsSettled() throws {
        let (server, port) = try startServer()
        let (alice, bob) = try twoInARoom("glare", port: port)
        // Whether the two offers cross in flight depends on timing: toggle both cameras until
        // they do (almost always the first time), checking each round that both changes landed.
        var crossed: Set<String> = []
        for round in 0..<6 where crossed.count < 2 {
            let on = round % 2 == 1
            try alice.send(["cmd": "camera", "on": on])
            try bob.send(["cmd": "camera", "on": on])
            let event = on ? "track" : "track-ended"
            let landed: ([String: Any]) -> Bool = { line in
                if let text = line["text"] as? String, text.hasPrefix("offers crossed") { crossed.insert(text) }
                return line["event"] as? String == event && line["kind"] as? String == "video"
            }
            #expect(waitFor(alice, milliseconds: 10_000, landed) != nil, "round \(round): \(alice.errorLog)")
            #expect(waitFor(bob, milliseconds: 10_000, landed) != nil, "round \(round): \(bob.errorLog)")
        }
        // The offers did cross, and the two sides took the two roles.
        #expect(crossed == ["offers crossed: ours rolled back, theirs answered", "offers crossed: theirs ignored, ours stands"], "\(crossed)")
        // Both settle in stable, and the call still carries chat. Settle: the polite side's own
        // change follows its rollback as a fresh offer, which may still be on its way when the
        // other side has already seen it land, so ask until stable (or 5 s).
        func settles(_ call: PeerProcess) throws -> Bool {
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline { if try stats(call)?["signaling"] as? String == "stable" { return true } }
            return false
        }
        #expect(try settles(alice) && settles(bob))
        try bob.send(["chat": "after the glare"])
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "after the glare")
        try alice.send(["cmd": "hangup"])
        _ = server
    }

    /// TURN credentials minted by the server: with `--turn-secret` it hands each client a
    /// time-limited coturn username/password; two terminals that may only use relayed candidates
    /// (`--relay-only`) reach each other through coturn with nothing else.
    @Test func relayedThroughTurnWithTheServersCredentials() throws {
        let coturn = try Coturn(mode: "rest", port: 3_878)
        let server = try PeerProcess(Self.termcall, ["serve", "--port", "0", "--turn-secret", "termcall-secret", "--turn-url", "turn:127.0.0.1:3878"])
        let line = try #require(server.readTextLine(timeoutMilliseconds: 10_000))
        let port = try #require(line.components(separatedBy: "127.0.0.1:").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) })
        let alice = try PeerProcess(Self.termcall, ["call", "turn-room", "--server", "ws://127.0.0.1:\(port)", "--relay-only", "--loopback"])
        _ = waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "joined" }
        let bob = try PeerProcess(Self.termcall, ["call", "turn-room", "--server", "ws://127.0.0.1:\(port)", "--relay-only", "--loopback"])
        #expect(waitFor(bob, milliseconds: 15_000) { $0["event"] as? String == "chat-open" } != nil, "\(bob.errorLog)")
        let stats = try #require(try stats(bob))
        #expect((stats["selected_pair"] as? String ?? "").hasPrefix("relay"), "\(stats)")
        try bob.send(["chat": "relayed"])
        #expect(waitFor(alice, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "relayed")
        try alice.send(["cmd": "hangup"])
        withExtendedLifetime(coturn) {}
    }

    /// Server-less: the offer and the answer each cross as one pasted line.
    @Test func aCallWithPastedLines() throws {
        let alice = try PeerProcess(Self.termcall, ["call", "--signal", "paste", "--offer", "--loopback"])
        let bob = try PeerProcess(Self.termcall, ["call", "--signal", "paste", "--loopback"])
        let offer = try #require(alice.readTextLine(timeoutMilliseconds: 10_000), "\(alice.errorLog)")
        #expect(offer.hasPrefix("termcall1:o:") && offer.count < 3_000, "\(offer.count) characters")
        bob.sendText("not a termcall line\n" + offer + "\n")
        let answer = try #require(bob.readTextLine(timeoutMilliseconds: 10_000), "\(bob.errorLog)")
        #expect(answer.hasPrefix("termcall1:a:"))
        #expect(bob.errorLog.contains("that is not a termcall line"))
        alice.sendText(answer + "\n")
        #expect(waitFor(alice, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(alice.errorLog)")
        try alice.send(["chat": "pasted"])
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "pasted")
        try alice.send(["cmd": "hangup"])
        #expect(waitFor(bob, milliseconds: 5_000) { $0["event"] as? String == "closed" } != nil)
    }

    /// `termcall serve` over TLS with a certificate from our own CA, and a room with a passphrase:
    /// an address instead of a name is refused with a line that says why (TLS checks the name);
    /// a terminal that does not trust the CA stops at once with a line that says what to do; one
    /// with the wrong passphrase is refused by the server; one with both gets in, and the two
    /// terminals show the same verification code.
    @Test func tlsSignallingWithOurOwnCAAndARoomPassphrase() throws {
        let dir = NSTemporaryDirectory() + "termcall-wss-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try spawn("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                                                  "-subj", "/CN=termcall test", "-addext", "subjectAltName=DNS:localhost",
                                                  "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        #expect(made.status == 0, "\(made.stderr)")
        try "open sesame\n".write(toFile: dir + "/pass", atomically: true, encoding: .utf8)
        try "open sesam\n".write(toFile: dir + "/wrong", atomically: true, encoding: .utf8)
        let (server, port) = try startServer(["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        let url = "wss://localhost:\(port)", room = "locked-room"
        func join(_ extra: [String]) throws -> PeerProcess {
            try PeerProcess(Self.termcall, ["call", room, "--server", url, "--loopback"] + extra)
        }
        let alice = try join(["--ca-file", dir + "/cert.pem", "--passphrase-file", dir + "/pass"])
        try #require(waitFor(alice, milliseconds: 10_000) { $0["event"] as? String == "joined" } != nil, "\(alice.errorLog)")
        // No --ca-file: the system's roots do not know our CA. The client stops (no 10 s of retries).
        /// Reads `peer`'s output until its error log says `text` (the bound is a failure guard).
        func saysOnStderr(_ peer: PeerProcess, _ text: String) -> Bool {
            let deadline = Date().addingTimeInterval(8)
            while Date() < deadline, !peer.errorLog.contains(text) { _ = peer.readJSON(timeoutMilliseconds: 100) }
            return peer.errorLog.contains(text)
        }
        let byAddress = try PeerProcess(Self.termcall, ["call", room, "--server", "wss://127.0.0.1:\(port)", "--loopback", "--ca-file", dir + "/cert.pem"])
        #expect(saysOnStderr(byAddress, "needs the server's name"), "\(byAddress.errorLog)")
        let stranger = try join(["--passphrase-file", dir + "/pass"])
        #expect(saysOnStderr(stranger, "did not prove its identity") && stranger.errorLog.contains("--ca-file"), "\(stranger.errorLog)")
        let mallory = try join(["--ca-file", dir + "/cert.pem", "--passphrase-file", dir + "/wrong"])
        #expect(saysOnStderr(mallory, "needs its passphrase"), "\(mallory.errorLog)")
        let bob = try join(["--ca-file", dir + "/cert.pem", "--passphrase-file", dir + "/pass"])
        try #require(waitFor(bob, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(bob.errorLog)")
        var aliceCode: String?, bobCode: String?
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, aliceCode == nil || bobCode == nil {
            aliceCode = try stats(alice)?["verification"] as? String
            bobCode = try stats(bob)?["verification"] as? String
        }
        #expect(aliceCode != nil && aliceCode == bobCode)
        try alice.send(["cmd": "hangup"])
        try bob.send(["cmd": "hangup"])
        _ = server
    }
}

import TestSupport
import Foundation
import Testing

/// `termcall call --signal stdio` against a whole real WebRTC peer, aiortc's RTCPeerConnection or
/// headless Chromium, in both directions: the test relays offer and answer between the two
/// processes, then checks chat, audio, video and hang-up. Both peers speak the same JSON lines
/// (Tests/Interop/aiortc_pc_peer.py, Tests/Interop/chromium_peer.py). One case at a time: four
/// calls with two browsers at once starve a debug build's 10 ms audio tick on two cores.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"))
struct HeadlessCallInteropTests {
    static let termcall = BuiltProducts.termcall

    enum Peer: String, CaseIterable, CustomTestStringConvertible {
        case aiortc, chromium
        var testDescription: String { rawValue }
        var script: String { InteropEnvironment.root + (self == .aiortc ? "/Tests/Interop/aiortc_pc_peer.py" : "/Tests/Interop/chromium_peer.py") }
    }

    /// Reads lines from `peer` until one satisfies `match`, for at most `milliseconds`.
    func waitFor(_ peer: PeerProcess, milliseconds: Int, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline {
            if let line = peer.readJSON(timeoutMilliseconds: 100), match(line) { return line }
        }
        return nil
    }

    /// Asks `process` for a stats line and returns it.
    func statistics(_ process: PeerProcess) throws -> [String: Any]? {
        try process.send(["cmd": "stats"])
        return waitFor(process, milliseconds: 3_000) { $0["event"] as? String == "stats" }
    }

    @Test(.serialized, arguments: Peer.allCases, [true, false])
    func aHeadlessCallCarriesChatAudioAndVideo(with peerKind: Peer, termcallOffers: Bool) throws {
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"] + (termcallOffers ? ["--offer"] : []))
        let peer = try PeerProcess(InteropEnvironment.python, [peerKind.script, termcallOffers ? "--answer" : "--offer", "--audio", "--video"])
        let hasSDP: ([String: Any]) -> Bool = { $0["sdp"] is String }
        if termcallOffers {
            let offer = try #require(waitFor(call, milliseconds: 10_000, hasSDP), "termcall printed no offer: \(call.errorLog)")
            #expect(offer["type"] as? String == "offer")
            try peer.send(["sdp": offer["sdp"] as! String])
            let answer = try #require(waitFor(peer, milliseconds: 20_000, hasSDP)?["sdp"] as? String, "\(peerKind): \(peer.errorLog.suffix(800))")
            try call.send(["type": "answer", "sdp": answer])
        } else {
            let offer = try #require(waitFor(peer, milliseconds: 20_000, hasSDP)?["sdp"] as? String, "\(peerKind): \(peer.errorLog.suffix(800))")
            try call.send(["type": "offer", "sdp": offer])
            let answer = try #require(waitFor(call, milliseconds: 10_000, hasSDP), "termcall printed no answer: \(call.errorLog)")
            #expect(answer["type"] as? String == "answer")
            try peer.send(["sdp": answer["sdp"] as! String])
        }
        #expect(waitFor(call, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog)")
        try call.send(["chat": "hello from the terminal ✓"])
        let echoed = waitFor(call, milliseconds: 5_000) { $0["event"] as? String == "chat" }
        #expect(echoed?["text"] as? String == "hello from the terminal ✓")
        // Two seconds of media, then both sides report.
        _ = waitFor(call, milliseconds: 2_000) { _ in false }
        var stats = try #require(try statistics(call))
        var theirs = try #require(try statistics(peer))
        // RTCP both ways: a round trip needs an SR and the report answering it (0.5–1.5 s each),
        // so ask again until both sides have one, within ten seconds.
        let rttDeadline = Date().addingTimeInterval(10)
        while Date() < rttDeadline, stats["rtt_source"] as? String != "rtcp" || (peerKind == .chromium && !(theirs["audio_remote_rtt"] is Double && theirs["video_remote_rtt"] is Double)) {
            _ = waitFor(call, milliseconds: 300) { _ in false }
            stats = try #require(try statistics(call))
            theirs = try #require(try statistics(peer))
        }
        #expect(stats["rtt_ms"] is Double && stats["rtt_source"] as? String == "rtcp", "our RTCP found no round trip: \(stats)")
        #expect((stats["audio_packets_received"] as? Int ?? 0) >= 50, "\(stats)")
        // Through the jitter buffer: played, and little concealed on a clean loopback path.
        #expect((stats["audio_played"] as? Int ?? 0) >= 40 && (stats["audio_concealed"] as? Int ?? 99) <= 10, "\(stats)")
        // ≥ 10 fps over the two seconds.
        #expect((stats["video_frames_decoded"] as? Int ?? 0) >= 20, "\(stats)")
        #expect((theirs["audio_frames_received"] as? Int ?? 0) >= 50, "\(theirs)")
        #expect((theirs["video_frames_received"] as? Int ?? 0) >= 20, "\(theirs)")
        if peerKind == .chromium {
            #expect(theirs["video_remote_rtt"] is Double && theirs["audio_remote_rtt"] is Double, "Chromium found no RTT in our receiver reports: \(theirs)")
            // Chromium's own getStats: it decoded our Opus and VP8 with the ciphers we agreed.
            #expect(theirs["audio_codec"] as? String == "audio/opus" && theirs["video_codec"] as? String == "video/VP8", "\(theirs)")
            #expect((theirs["audio_samples_received"] as? Int ?? 0) > 48_000, "\(theirs)")
            #expect(theirs["dtls_cipher"] as? String == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "\(theirs)")
        }
        // Hang up: our DTLS close_notify and SCTP shutdown reach the peer.
        try call.send(["cmd": "hangup"])
        #expect(waitFor(call, milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        if peerKind == .aiortc {
            #expect(waitFor(peer, milliseconds: 5_000) { $0["event"] as? String == "state" && $0["state"] as? String == "closed" } != nil)
        } else {
            // Chromium keeps its connection state (the spec's "closed" means close() was called) but closes the channel.
            #expect(waitFor(peer, milliseconds: 5_000) { $0["event"] as? String == "datachannel-closed" } != nil)
        }
        try peer.send(["cmd": "close"])
        #expect(waitFor(peer, milliseconds: 5_000) { $0["event"] as? String == "closed" } != nil)
    }

    /// Waits for an offer from `offerer`, hands it to `answerer`, and its answer back; returns
    /// the other lines the answerer printed meanwhile (events may come before the answer).
    @discardableResult
    func relayOffer(from offerer: PeerProcess, to answerer: PeerProcess) throws -> [[String: Any]] {
        let offer = try #require(waitFor(offerer, milliseconds: 10_000) { $0["type"] as? String == "offer" }, "no re-offer: \(offerer.errorLog.suffix(600))")
        try answerer.send(["type": "offer", "sdp": offer["sdp"] as! String])
        var passed: [[String: Any]] = []
        let answer = try #require(waitFor(answerer, milliseconds: 10_000) { line in
            if line["type"] as? String == "answer" { return true }
            passed.append(line)
            return false
        }, "no answer: \(answerer.errorLog.suffix(600))")
        try offerer.send(["type": "answer", "sdp": answer["sdp"] as! String])
        return passed
    }

    /// Renegotiation on a live call with Chromium, both ways: each side turns its camera off and
    /// on again with a new offer over the same ICE/DTLS transport, and the other side's track
    /// ends and comes back with frames decoded again.
    @Test func cameraOffAndOnRenegotiatesWithChromium() throws {
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback", "--offer"])
        let peer = try PeerProcess(InteropEnvironment.python, [Peer.chromium.script, "--answer", "--audio", "--video"])
        let offer = try #require(waitFor(call, milliseconds: 10_000) { $0["sdp"] is String })
        try peer.send(["sdp": offer["sdp"] as! String])
        let answer = try #require(waitFor(peer, milliseconds: 20_000) { $0["sdp"] is String }?["sdp"] as? String, "\(peer.errorLog.suffix(800))")
        try call.send(["type": "answer", "sdp": answer])
        #expect(waitFor(call, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog)")

        // Chromium's camera off: its re-offer is answered by termcall, whose video track ends.
        try peer.send(["cmd": "stop-video"])
        try relayOffer(from: peer, to: call)
        #expect(waitFor(call, milliseconds: 5_000) { $0["event"] as? String == "track-ended" && $0["kind"] as? String == "video" } != nil)
        // … and on again: the track returns and frames decode on the same transport.
        let before = try #require(try statistics(call), "no stats: \(call.errorLog.split(separator: "\n").filter { $0.contains("Fatal") || $0.contains(" at /work/main") }.prefix(12).joined(separator: "\n")) running: \(call.process.isRunning)")["video_frames_decoded"] as? Int ?? 0
        try peer.send(["cmd": "start-video"])
        try relayOffer(from: peer, to: call)
        #expect(waitFor(call, milliseconds: 5_000) { $0["event"] as? String == "track" && $0["kind"] as? String == "video" } != nil)
        var after = before
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, after < before + 10 { after = try #require(try statistics(call), "no stats: \(call.errorLog.split(separator: "\n").filter { $0.contains("Fatal") || $0.contains(" at /work/main") }.prefix(12).joined(separator: "\n")) running: \(call.process.isRunning)")["video_frames_decoded"] as? Int ?? 0 }
        #expect(after >= before + 10, "frames decoded \(before) → \(after)")

        // termcall's camera off: our re-offer is answered by Chromium, whose track mutes, then unmutes.
        func isVideo(_ event: String) -> ([String: Any]) -> Bool { { $0["event"] as? String == event && $0["kind"] as? String == "video" } }
        try call.send(["cmd": "camera", "on": false])
        let duringOff = try relayOffer(from: call, to: peer)
        #expect(duringOff.contains(where: isVideo("track-muted")) || waitFor(peer, milliseconds: 5_000, isVideo("track-muted")) != nil)
        try call.send(["cmd": "camera", "on": true])
        let duringOn = try relayOffer(from: call, to: peer)
        #expect(duringOn.contains(where: isVideo("track-unmuted")) || waitFor(peer, milliseconds: 5_000, isVideo("track-unmuted")) != nil)
        let stats = try #require(try statistics(call))
        #expect(stats["signaling"] as? String == "stable" && stats["dtls_cipher"] as? String == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "\(stats)")
        try call.send(["cmd": "hangup"])
        #expect(waitFor(call, milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        try peer.send(["cmd": "close"])
    }
}

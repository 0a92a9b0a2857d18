import TestSupport
import Foundation
import Testing

/// Headless Firefox ESR (Tests/Interop/firefox_peer.py, driven over WebDriver BiDi) against
/// `termcall call --signal stdio`: its max-bundle offers (bundle-only sections, port 0), a
/// VP9-only video offer (answered as audio + chat, one line says why), and renegotiation both
/// ways — Firefox's re-added camera comes back in a new bundle-only section, and our re-offer
/// keeps the header extension ids agreed with it (Firefox refuses one that remaps them).
@Suite(.enabled(if: InteropEnvironment.available && firefoxInstalled, "needs scripts/install-interop (firefox-esr) and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct FirefoxInteropTests {
    static let termcall = BuiltProducts.termcall
    static let script = InteropEnvironment.root + "/Tests/Interop/firefox_peer.py"

    /// Asks both sides until `done` holds (15 s at most); returns the last figures.
    func media(_ call: PeerProcess, _ peer: PeerProcess, until done: ([String: Any], [String: Any]) -> Bool) throws -> (ours: [String: Any], theirs: [String: Any]) {
        var ours: [String: Any] = [:], theirs: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        repeat {
            ours = try call.statistics()
            theirs = try peer.statistics()
        } while Date() < deadline && !done(ours, theirs)
        return (ours, theirs)
    }

    func chatBothWays(_ call: PeerProcess, _ peer: PeerProcess) throws {
        #expect(call.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog.suffix(800)) | \(peer.errorLog.suffix(800))")
        try call.send(["chat": "from the terminal ✓"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from the terminal ✓", "Firefox did not echo")
        try peer.send(["cmd": "send", "text": "from firefox", "label": "chat"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from firefox")
    }

    @Test(arguments: ["max-bundle", "balanced"])
    func firefoxOffersWithItsBundlePolicy(_ policy: String) throws {
        let route = try LoopbackDefaultRoute()
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"])
        let peer = try PeerProcess(InteropEnvironment.python, [Self.script, "--offer", "--audio", "--video", "--bundle-policy", policy])
        try peer.offer(to: call)
        try chatBothWays(call, peer)
        let (ours, theirs) = try media(call, peer) { o, t in
            (o["video_frames_decoded"] as? Int ?? 0) >= 20 && (o["audio_played"] as? Int ?? 0) >= 40
                && (t["video_frames_received"] as? Int ?? 0) >= 20 && (t["audio_frames_received"] as? Int ?? 0) >= 40
        }
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= 20 && (ours["audio_played"] as? Int ?? 0) >= 40, "\(ours)")
        #expect((theirs["video_frames_received"] as? Int ?? 0) >= 20 && (theirs["audio_frames_received"] as? Int ?? 0) >= 40, "\(theirs)")
        #expect(!call.errorLog.contains("refused"), "\(call.errorLog)")
        try call.send(["cmd": "hangup"])
        #expect(call.waitFor(milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        try peer.send(["cmd": "close"])
        #expect(peer.waitFor(milliseconds: 5_000) { $0["event"] as? String == "closed" } != nil)
        _ = route
    }

    /// Firefox offers its video as VP9 only: termcall answers audio and chat, refuses the video
    /// section in valid SDP (Firefox accepts the answer), and says why once.
    @Test func aVp9OnlyOfferGetsAudioAndChatAndOneLine() throws {
        let route = try LoopbackDefaultRoute()
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"])
        let peer = try PeerProcess(InteropEnvironment.python, [Self.script, "--offer", "--audio", "--video", "--video-codec", "VP9"])
        try peer.offer(to: call)
        try chatBothWays(call, peer)
        let (ours, theirs) = try media(call, peer) { o, t in (o["audio_played"] as? Int ?? 0) >= 40 && (t["audio_frames_received"] as? Int ?? 0) >= 40 }
        #expect((ours["audio_played"] as? Int ?? 0) >= 40 && (theirs["audio_frames_received"] as? Int ?? 0) >= 40, "\(ours) | \(theirs)")
        #expect(ours["video_frames_decoded"] as? Int == 0)
        let lines = call.errorLog.split(separator: "\n").filter { $0.contains("VP9") }
        #expect(lines.count == 1 && lines[0].contains("no video in this call"), "\(call.errorLog)")
        try call.send(["cmd": "hangup"])
        try peer.send(["cmd": "close"])
        _ = route
    }

    /// termcall offers (max-bundle and balanced), Firefox answers; then each side turns its camera
    /// off and on with a new offer on the same transport.
    @Test(arguments: ["max-bundle", "balanced"])
    func termcallOffersAndBothRenegotiate(_ policy: String) throws {
        let route = try LoopbackDefaultRoute()
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback", "--offer", "--bundle-policy", policy])
        let peer = try PeerProcess(InteropEnvironment.python, [Self.script, "--answer", "--audio", "--video"])
        try call.offer(to: peer)
        try chatBothWays(call, peer)
        // Our camera off and on: Firefox accepts both re-offers (the extension ids are the agreed ones).
        for on in [false, true] {
            try call.send(["cmd": "camera", "on": on])
            try call.offer(to: peer)
        }
        // Firefox's camera off and on: the track returns in a new bundle-only section (mid 3).
        try peer.send(["cmd": "stop-video"])
        try peer.offer(to: call)
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "track-ended" && $0["kind"] as? String == "video" } != nil, "\(call.errorLog)")
        let before = try call.statistics()["video_frames_decoded"] as? Int ?? 0
        try peer.send(["cmd": "start-video"])
        try peer.offer(to: call)
        let (ours, theirs) = try media(call, peer) { o, t in
            (o["video_frames_decoded"] as? Int ?? 0) >= before + 20 && (t["video_frames_received"] as? Int ?? 0) >= 20
        }
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= before + 20, "frames \(before) → \(ours["video_frames_decoded"] ?? 0): \(call.errorLog.suffix(600))")
        #expect((theirs["video_frames_received"] as? Int ?? 0) >= 20, "\(theirs)")
        #expect(ours["signaling"] as? String == "stable" && !peer.errorLog.contains("InvalidAccessError"), "\(peer.errorLog.suffix(600))")
        try call.send(["cmd": "hangup"])
        try peer.send(["cmd": "close"])
        _ = route
    }
}

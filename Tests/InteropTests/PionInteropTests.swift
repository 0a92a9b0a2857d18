import TestSupport
import Foundation
import Testing

/// Pion WebRTC 3.1 (Debian's golang-github-pion-webrtc.v3-dev, Tests/Interop/pion_peer/main.go,
/// built by pion_peer.sh): default codecs and interceptors, media reflected — Pion does not
/// encode, so it sends back each RTP packet it receives, and what termcall decodes is its own
/// audio and video having crossed Pion both ways. Both roles, and our max-bundle offer.
@Suite(.enabled(if: InteropEnvironment.available && pionInstalled, "needs scripts/install-interop (Go and Pion from Debian) and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct PionInteropTests {
    static let termcall = BuiltProducts.termcall
    static let script = InteropEnvironment.root + "/Tests/Interop/pion_peer.sh"

    @Test(arguments: [["--offer"], ["--offer", "--bundle-policy", "max-bundle"], []])
    func aCallThroughPionCarriesChatAudioAndVideo(_ termcallArguments: [String]) throws {
        let termcallOffers = termcallArguments.contains("--offer")
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"] + termcallArguments)
        let peer = try PeerProcess("/bin/bash", [Self.script, termcallOffers ? "--answer" : "--offer"])
        // The first build of the Pion peer may take a minute.
        try (termcallOffers ? call : peer).offer(to: termcallOffers ? peer : call, milliseconds: 120_000)
        #expect(call.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog.suffix(800)) | \(peer.errorLog.suffix(800))")
        try call.send(["chat": "through pion ✓"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "through pion ✓", "Pion did not echo")
        try peer.send(["cmd": "send", "text": "from pion", "label": "chat"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from pion")
        // Our own media, back through Pion: decoded and played here.
        var ours: [String: Any] = [:], theirs: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        repeat {
            ours = try call.statistics()
            theirs = try peer.statistics()
        } while Date() < deadline && ((ours["video_frames_decoded"] as? Int ?? 0) < 20 || (ours["audio_played"] as? Int ?? 0) < 40)
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= 20 && (ours["audio_played"] as? Int ?? 0) >= 40, "\(ours)")
        #expect((theirs["video_packets_received"] as? Int ?? 0) >= 20 && (theirs["audio_packets_received"] as? Int ?? 0) >= 40, "\(theirs)")
        #expect(!call.errorLog.contains("refused") && !call.errorLog.contains("offered"), "\(call.errorLog)")
        try call.send(["cmd": "hangup"])
        #expect(call.waitFor(milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        try peer.send(["cmd": "close"])
        #expect(peer.waitFor(milliseconds: 5_000) { $0["event"] as? String == "closed" } != nil)
    }
}

/// Debian's Go and Pion sources are installed (scripts/install-interop).
let pionInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/go")
    && FileManager.default.fileExists(atPath: "/usr/share/gocode/src/github.com/pion/webrtc")

import Foundation
import Testing

/// Pion WebRTC 3.1 (Debian's golang-github-pion-webrtc.v3-dev, Tests/Interop/pion_peer/main.go,
/// built by pion_peer.sh): default codecs and interceptors, media reflected — Pion does not
/// encode, so it sends back each RTP packet it receives, and what termcall decodes is its own
/// audio and video having crossed Pion both ways. Both roles, and our max-bundle offer.
@Suite(.enabled(if: InteropEnvironment.available && pionInstalled, "needs scripts/install-interop (Go and Pion from Debian) and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct PionInteropTests {
    static let termcall = InteropEnvironment.root + "/.build/debug/termcall"
    static let script = InteropEnvironment.root + "/Tests/Interop/pion_peer.sh"

    func stats(_ p: PeerProcess) throws -> [String: Any] {
        try p.send(["cmd": "stats"])
        return try #require(p.waitFor(milliseconds: 5_000) { $0["event"] as? String == "stats" }, "\(p.errorLog.suffix(600))")
    }

    /// Relays one offer and its answer (the first build of the Pion peer may take a minute).
    func negotiate(offerer: PeerProcess, answerer: PeerProcess) throws {
        let offer = try #require(offerer.waitFor(milliseconds: 120_000) { $0["type"] as? String == "offer" }, "no offer: \(offerer.errorLog.suffix(800))")
        try answerer.send(["type": "offer", "sdp": offer["sdp"] as! String])
        let answer = try #require(answerer.waitFor(milliseconds: 120_000) { $0["type"] as? String == "answer" }, "no answer: \(answerer.errorLog.suffix(800))")
        try offerer.send(["type": "answer", "sdp": answer["sdp"] as! String])
    }

    @Test(arguments: [["--offer"], ["--offer", "--bundle-policy", "max-bundle"], []])
    func aCallThroughPionCarriesChatAudioAndVideo(_ termcallArguments: [String]) throws {
        let termcallOffers = termcallArguments.contains("--offer")
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"] + termcallArguments)
        let peer = try PeerProcess("/bin/bash", [Self.script, termcallOffers ? "--answer" : "--offer"])
        if termcallOffers { try negotiate(offerer: call, answerer: peer) } else { try negotiate(offerer: peer, answerer: call) }
        #expect(call.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog.suffix(800)) | \(peer.errorLog.suffix(800))")
        try call.send(["chat": "through pion ✓"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "through pion ✓", "Pion did not echo")
        try peer.send(["cmd": "send", "text": "from pion", "label": "chat"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from pion")
        // Our own media, back through Pion: decoded and played here.
        var ours: [String: Any] = [:], theirs: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        repeat {
            ours = try stats(call)
            theirs = try stats(peer)
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

import Foundation
import Testing

/// `termcall call --signal stdio` against a whole aiortc RTCPeerConnection: the test relays offer
/// and answer between the two processes, then checks chat, audio, video and hang-up.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"))
struct HeadlessCallInteropTests {
    static let termcall = InteropEnvironment.root + "/.build/debug/termcall"

    /// Reads lines from `peer` until one satisfies `match`, for at most `milliseconds`.
    func waitFor(_ peer: PeerProcess, milliseconds: Int, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline {
            if let line = peer.readJSON(timeoutMilliseconds: 100), match(line) { return line }
        }
        return nil
    }

    @Test func aHeadlessCallWithAiortcCarriesChatAudioAndVideo() throws {
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--offer", "--loopback"])
        let aiortc = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_pc_peer.py", "--answer", "--audio", "--video"])
        let offer = try #require(call.readJSON(), "termcall printed no offer: \(call.errorLog)")
        #expect(offer["type"] as? String == "offer")
        try aiortc.send(["sdp": try #require(offer["sdp"] as? String)])
        let answer = try #require(aiortc.readJSON()?["sdp"] as? String, "aiortc: \(aiortc.errorLog.suffix(800))")
        try call.send(["type": "answer", "sdp": answer])
        #expect(waitFor(call, milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog)")
        try call.send(["chat": "hello from the terminal"])
        let echoed = waitFor(call, milliseconds: 5_000) { $0["event"] as? String == "chat" }
        #expect(echoed?["text"] as? String == "hello from the terminal")
        // Two seconds of media, then both sides report.
        _ = waitFor(call, milliseconds: 2_000) { _ in false }
        try call.send(["cmd": "stats"])
        let stats = try #require(waitFor(call, milliseconds: 3_000) { $0["event"] as? String == "stats" })
        try aiortc.send(["cmd": "stats"])
        let theirs = try #require(waitFor(aiortc, milliseconds: 3_000) { $0["event"] as? String == "stats" })
        #expect((stats["audio_packets_received"] as? Int ?? 0) >= 50, "\(stats)")
        // Through the jitter buffer: played, not concealed, on a clean loopback path.
        #expect((stats["audio_played"] as? Int ?? 0) >= 40 && (stats["audio_concealed"] as? Int ?? 99) <= 5, "\(stats)")
        #expect((stats["video_frames_decoded"] as? Int ?? 0) >= 20, "\(stats)")
        #expect((theirs["audio_frames_received"] as? Int ?? 0) >= 50, "\(theirs)")
        #expect((theirs["video_frames_received"] as? Int ?? 0) >= 20, "\(theirs)")
        // Hang up.
        try call.send(["cmd": "hangup"])
        #expect(waitFor(call, milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        #expect(waitFor(aiortc, milliseconds: 5_000) { $0["event"] as? String == "state" && $0["state"] as? String == "closed" } != nil)
        try aiortc.send(["cmd": "close"])
    }
}

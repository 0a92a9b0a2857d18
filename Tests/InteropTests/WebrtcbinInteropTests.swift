import TestSupport
import Foundation
import Testing

/// GStreamer 1.22's webrtcbin (Tests/Interop/webrtcbin_peer.py, system Python with python3-gi):
/// an RSA certificate, OPUS in capitals, no a=msid. With bundle policy max-bundle it offers
/// port-0 bundle-only sections; its default ("none") bundles nothing. Both roles, media decoded
/// and chat both ways; the unbundled default gets an audio call and one line saying why.
/// GStreamer's WebRTC plugin is there (gstreamer1.0-plugins-bad).
let webrtcbinInstalled = ["x86_64", "aarch64"].contains { FileManager.default.fileExists(atPath: "/usr/lib/\($0)-linux-gnu/gstreamer-1.0/libgstwebrtc.so") }

@Suite(.enabled(if: InteropEnvironment.available && webrtcbinInstalled, "needs scripts/install-interop (GStreamer webrtcbin) and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct WebrtcbinInteropTests {
    static let termcall = BuiltProducts.termcall
    static let script = InteropEnvironment.root + "/Tests/Interop/webrtcbin_peer.py"

    @Test(arguments: [true, false])
    func aMaxBundleWebrtcbinCallCarriesChatAudioAndVideo(termcallOffers: Bool) throws {
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"] + (termcallOffers ? ["--offer"] : []))
        let peer = try PeerProcess("/usr/bin/python3", [Self.script, termcallOffers ? "--answer" : "--offer", "--audio", "--video", "--bundle-policy", "max-bundle"])
        try (termcallOffers ? call : peer).offer(to: termcallOffers ? peer : call)
        #expect(call.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "no chat: \(call.errorLog.suffix(800)) | \(peer.errorLog.suffix(800))")
        // Ours reaches webrtcbin and is echoed; webrtcbin's own reaches us.
        try call.send(["chat": "from the terminal ✓"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from the terminal ✓")
        #expect(peer.waitFor(milliseconds: 10_000) { $0["event"] as? String == "datachannel" && $0["label"] as? String == "chat" } != nil || termcallOffers)
        try peer.send(["cmd": "send", "text": "from gstreamer", "label": "chat"])
        #expect(call.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "from gstreamer")
        var ours: [String: Any] = [:], theirs: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        repeat {
            ours = try call.statistics()
            theirs = try peer.statistics()
        } while Date() < deadline && ((ours["video_frames_decoded"] as? Int ?? 0) < 20 || (ours["audio_played"] as? Int ?? 0) < 40
                                      || (theirs["video_frames_received"] as? Int ?? 0) < 20 || (theirs["audio_frames_received"] as? Int ?? 0) < 40)
        #expect((ours["video_frames_decoded"] as? Int ?? 0) >= 20 && (ours["audio_played"] as? Int ?? 0) >= 40, "\(ours)")
        #expect((theirs["video_frames_received"] as? Int ?? 0) >= 20 && (theirs["audio_frames_received"] as? Int ?? 0) >= 40, "\(theirs)")
        // The DTLS server's certificate picks the suite: webrtcbin's RSA one when it answers our
        // offer as the server, ours (ECDSA) when we are.
        let cipher = ours["dtls_cipher"] as? String ?? ""
        #expect(cipher.hasPrefix(termcallOffers ? "TLS_ECDHE_ECDSA_" : "TLS_ECDHE_RSA_"), "\(ours)")
        try call.send(["cmd": "hangup"])
        #expect(call.waitFor(milliseconds: 3_000) { $0["event"] as? String == "closed" } != nil)
        try peer.send(["cmd": "close"])
        #expect(peer.waitFor(milliseconds: 5_000) { $0["event"] as? String == "closed" } != nil)
    }

    /// webrtcbin's default offer, and its default answer, put every section on a transport of its
    /// own. termcall uses the first (audio) on its one transport, leaves the rest, and says so in
    /// one line.
    @Test(arguments: [false, true])
    func anUnbundledPeerGetsAnAudioCallAndOneLine(termcallOffers: Bool) throws {
        let call = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"] + (termcallOffers ? ["--offer"] : []))
        let peer = try PeerProcess("/usr/bin/python3", [Self.script, termcallOffers ? "--answer" : "--offer", "--audio", "--video"])
        try (termcallOffers ? call : peer).offer(to: termcallOffers ? peer : call)
        var ours: [String: Any] = [:], theirs: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(15)
        repeat {
            ours = try call.statistics()
            theirs = try peer.statistics()
        } while Date() < deadline && ((ours["audio_played"] as? Int ?? 0) < 40 || (theirs["audio_frames_received"] as? Int ?? 0) < 40)
        #expect((ours["audio_played"] as? Int ?? 0) >= 40 && (theirs["audio_frames_received"] as? Int ?? 0) >= 40, "\(ours) | \(theirs)")
        #expect(ours["video_frames_decoded"] as? Int == 0 && theirs["video_frames_received"] as? Int == 0)
        let lines = call.errorLog.split(separator: "\n").filter { $0.contains("no BUNDLE") }
        #expect(lines.count == 1 && lines[0].contains("no video or chat"), "\(call.errorLog)")
        try call.send(["cmd": "hangup"])
        try peer.send(["cmd": "close"])
    }
}

import TestSupport
import Foundation
import Testing

/// Offers shaped as peers in the wild shape them, end to end between two `termcall call
/// --signal stdio` processes: each bundle policy on the offerer, and audio, video and chat flow
/// both ways on the one transport.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct BundlePolicyInteropTests {
    static let termcall = BuiltProducts.termcall

    @Test(arguments: ["max-bundle", "max-compat"])
    func twoTermcallsCallWithTheOfferersBundlePolicy(_ policy: String) throws {
        let alice = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback", "--offer", "--bundle-policy", policy])
        let bob = try PeerProcess(Self.termcall, ["call", "--signal", "stdio", "--loopback"])
        let offer = try #require(alice.waitFor(milliseconds: 10_000) { $0["type"] as? String == "offer" }, "\(alice.errorLog)")
        let sdp = try #require(offer["sdp"] as? String)
        // max-bundle: video and data ride on the first section's transport, port 0 and bundle-only.
        let bundleOnly = sdp.components(separatedBy: "a=bundle-only").count - 1
        #expect(bundleOnly == (policy == "max-bundle" ? 2 : 0), "\(sdp)")
        try bob.send(offer)
        let answer = try #require(bob.waitFor(milliseconds: 10_000) { $0["type"] as? String == "answer" }, "\(bob.errorLog)")
        #expect(!(answer["sdp"] as? String ?? "").contains(" 0 UDP/"), "a section was refused: \(answer)")
        try alice.send(answer)
        #expect(bob.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(bob.errorLog)")
        #expect(alice.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(alice.errorLog)")
        try alice.send(["chat": "bundled \(policy)"])
        try bob.send(["chat": "back ✓"])
        #expect(bob.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "bundled \(policy)")
        #expect(alice.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "back ✓")
        // Media both ways: ask until each has decoded 20 frames and played 40 packets, ten seconds at most.
        func stats(_ p: PeerProcess) throws -> [String: Any] {
            try p.send(["cmd": "stats"])
            return try #require(p.waitFor(milliseconds: 3_000) { $0["event"] as? String == "stats" })
        }
        var a: [String: Any] = [:], b: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(10)
        repeat {
            a = try stats(alice)
            b = try stats(bob)
        } while Date() < deadline && [a, b].contains { ($0["video_frames_decoded"] as? Int ?? 0) < 20 || ($0["audio_played"] as? Int ?? 0) < 40 }
        for s in [a, b] {
            #expect((s["video_frames_decoded"] as? Int ?? 0) >= 20 && (s["audio_played"] as? Int ?? 0) >= 40, "\(s)")
        }
        try alice.send(["cmd": "hangup"])
        #expect(bob.waitFor(milliseconds: 5_000) { $0["event"] as? String == "closed" }?["by"] as? String == "peer")
    }
}

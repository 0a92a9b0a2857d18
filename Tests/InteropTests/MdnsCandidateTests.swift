import Foundation
import TestSupport
import Testing

/// mDNS ICE candidates on a real LAN (Tests/Interop/lan_pair.py: two namespaces on one veth link,
/// multicast DNS on 224.0.0.251:5353): a termcall that hides its host addresses answers for its
/// names, and the far end resolves them and checks the host pair directly — without the multicast
/// answer it could only have found the path as peer-reflexive from the other side's checks.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct MdnsCandidateTests {
    static let termcall = BuiltProducts.termcall

    @Test func hiddenHostAddressesAreResolvedOnTheLAN() throws {
        let lan = try PeerProcess("/usr/bin/python3", [InteropEnvironment.root + "/Tests/Interop/lan_pair.py"])
        let ready = try #require(lan.readJSON(timeoutMilliseconds: 10_000), "lan_pair did not start: \(lan.errorLog)")
        let one = try #require(ready["one"] as? String), two = try #require(ready["two"] as? String)
        defer {
            try? lan.send(["cmd": "close"])
            lan.waitForExit(milliseconds: 5_000)
        }
        let alice = try PeerProcess("/usr/bin/nsenter", ["--net=\(one)", Self.termcall, "call", "--signal", "stdio", "--offer", "--hide-host-addresses"])
        let bob = try PeerProcess("/usr/bin/nsenter", ["--net=\(two)", Self.termcall, "call", "--signal", "stdio"])
        let offer = try #require(alice.waitFor(milliseconds: 10_000) { $0["type"] as? String == "offer" }, "\(alice.errorLog)")
        let sdp = try #require(offer["sdp"] as? String)
        // Only names are offered for the host candidates: the address itself is not in the offer.
        #expect(sdp.contains(".local ") && !sdp.contains("10.88.0.1"), "\(sdp)")
        try bob.send(offer)
        let answer = try #require(bob.waitFor(milliseconds: 10_000) { $0["type"] as? String == "answer" }, "\(bob.errorLog)")
        try alice.send(answer)
        #expect(bob.waitFor(milliseconds: 10_000) { $0["event"] as? String == "chat-open" } != nil, "\(bob.errorLog)")
        try bob.send(["cmd": "stats"])
        let stats = try #require(bob.waitFor(milliseconds: 3_000) { $0["event"] as? String == "stats" })
        #expect(stats["remote_candidate_type"] as? String == "host", "\(stats["selected_pair"] ?? "")")
        #expect((stats["selected_pair"] as? String ?? "").contains("10.88.0.1"))
        try alice.send(["chat": "over the LAN"])
        #expect(bob.waitFor(milliseconds: 5_000) { $0["event"] as? String == "chat" }?["text"] as? String == "over the LAN")
    }
}

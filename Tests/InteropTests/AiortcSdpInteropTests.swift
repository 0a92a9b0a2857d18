import Foundation
import SDP
import Testing

/// Our JSEP answer to a live aiortc offer, handed back to aiortc's setRemoteDescription.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"))
struct AiortcSdpInteropTests {
    @Test func aiortcAcceptsOurAnswer() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_sdp_peer.py"])
        let offerLine = try #require(peer.readJSON(), "aiortc gave no offer: \(peer.errorLog)")
        let offer = try SessionDescription.parse(try #require(offerLine["sdp"] as? String))
        var transport = JsepAnswerer.LocalTransport(iceUfrag: "tcuf", icePassword: "termcall-password-0123456789",
                                                    fingerprint: "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":"))
        transport.candidates = ["candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"]
        transport.candidatesComplete = true
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: .init(audioSSRC: 1111, videoSSRC: 2222, videoRtxSSRC: 2223))
        #expect(agreed.sections.map(\.kind) == ["audio", "video", "application"])
        try peer.send(["sdp": answer.serialized])
        let result = try #require(peer.readJSON(), "aiortc said nothing: \(peer.errorLog)")
        #expect(result["event"] as? String == "accepted", "\(result)")
        let transceivers = result["transceivers"] as? [[Any]] ?? []
        #expect(transceivers.compactMap { $0.last as? String } == ["audio/opus", "video/VP8"], "\(transceivers)")
        #expect(transceivers.compactMap { $0.count > 1 ? $0[1] as? String : nil } == ["sendrecv", "sendrecv"])
    }
}

extension AiortcSdpInteropTests {
    @Test func aiortcAnswersOurOffer() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_sdp_peer.py", "--answer"])
        var transport = JsepAnswerer.LocalTransport(iceUfrag: "tcuf", icePassword: "termcall-password-0123456789",
                                                    fingerprint: "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":"))
        transport.candidates = ["candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"]
        transport.candidatesComplete = true
        let offer = JsepOfferer.offer(transport: transport, tracks: .init(audioSSRC: 1111, videoSSRC: 2222, videoRtxSSRC: 2223))
        try peer.send(["sdp": offer.serialized])
        let line = try #require(peer.readJSON(), "aiortc said nothing: \(peer.errorLog)")
        guard let text = line["sdp"] as? String else { Issue.record("aiortc: \(line)"); return }
        let answer = try SessionDescription.parse(text)
        let agreed = try JsepOfferer.agreement(from: answer)
        #expect(agreed.sections.map(\.accepted) == [true, true, true])
        #expect(agreed.sections[0].payloadType == JsepOfferer.opusPayloadType && agreed.sections[1].payloadType == JsepOfferer.vp8PayloadType)
        #expect(agreed.sections[0].direction == .sendrecv && agreed.sections[1].direction == .sendrecv)
        #expect(!agreed.dtlsClient) // aiortc answers setup:active: we are the DTLS server
        #expect(agreed.remoteFingerprints.count == 3 && !agreed.remoteCandidates.isEmpty)
        #expect(answer.bundleGroups == [["0", "1", "2"]])
    }
}

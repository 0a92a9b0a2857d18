import SDP
import Testing

@Suite struct JsepAnswererTests {
    let transport: JsepAnswerer.LocalTransport = {
        var t = JsepAnswerer.LocalTransport(iceUfrag: "tcuf", icePassword: "termcall-password-0123456789", fingerprint: "sha-256 AB:CD")
        t.candidates = ["candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"]
        t.candidatesComplete = true
        return t
    }()

    @Test func answersChromiumWithOpusVP8AndTheDataChannelBundled() throws {
        let offer = try SessionDescription.parse(try fixture("chromium-156-offer.sdp"))
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: .init(audioSSRC: 11, videoSSRC: 22, videoRtxSSRC: 23))
        #expect(agreed.sections.map(\.accepted) == [true, true, true])
        #expect(answer.bundleGroups == [["0", "1", "2"]])
        #expect(agreed.remoteIceUfrag == "eq29" && agreed.dtlsClient && agreed.remoteFingerprints.count == 1)
        #expect(agreed.remoteMaxMessageSize == 262_144)
        let audio = answer.media[0], video = answer.media[1], data = answer.media[2]
        #expect(audio.codecs.map(\.name) == ["opus"] && audio.codecs[0].payloadType == 111 && audio.codecs[0].parameters["useinbandfec"] == "1")
        #expect(video.codecs.map(\.name) == ["VP8", "rtx"] && video.codecs[1].parameters["apt"] == "96")
        #expect(Set(video.codecs[0].feedback) == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(audio.setup == "active" && audio.direction == .sendrecv && audio.rtcpMux)
        for ext in audio.headerExtensions { #expect(JsepAnswerer.supportedExtensions.contains(ext.uri)) }
        #expect(video.values("ssrc-group") == ["FID 22 23"])
        #expect(data.isDataChannel && data.sctpPort == 5000 && data.maxMessageSize == 262_144)
        #expect(audio.candidates.count == 1 && audio.endOfCandidates)
        // The answer is valid SDP by our own parser, line for line.
        #expect(try SessionDescription.parse(answer.serialized) == answer)
    }

    @Test func answersAiortcAndFollowsItsDirections() throws {
        let offer = try SessionDescription.parse(try fixture("aiortc-1.16-offer.sdp"))
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport) // we send nothing
        for section in agreed.sections { #expect(section.accepted) }
        #expect(agreed.remoteFingerprints.count == 3)
        #expect(answer.media[0].direction == .recvonly && answer.media[1].direction == .recvonly)
        #expect(answer.media[0].values("msid").isEmpty)
    }

    @Test func unusableSectionsAreRejectedInPlace() throws {
        let text = """
        v=0\r
        o=- 1 1 IN IP4 127.0.0.1\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE a v\r
        m=audio 9 UDP/TLS/RTP/SAVPF 0\r
        a=mid:a\r
        a=rtpmap:0 PCMU/8000\r
        a=rtcp-mux\r
        a=ice-ufrag:u\r
        a=ice-pwd:p\r
        a=fingerprint:sha-256 AA:BB\r
        a=setup:actpass\r
        m=video 9 UDP/TLS/RTP/SAVPF 100\r
        a=mid:v\r
        a=rtpmap:100 VP8/90000\r
        a=rtcp-mux\r
        a=sendonly\r
        """
        let (answer, agreed) = try JsepAnswerer.answer(to: try SessionDescription.parse(text), transport: transport)
        #expect(answer.media[0].port == 0 && answer.media[0].mid == "a" && !agreed.sections[0].accepted)
        #expect(agreed.sections[1].accepted && answer.media[1].direction == .recvonly)
        #expect(answer.bundleGroups == [["v"]])
        #expect(throws: JsepAnswerer.Failure.nothingUsable) {
            try JsepAnswerer.answer(to: try SessionDescription.parse(text.replacingOccurrences(of: "VP8", with: "H264")), transport: transport)
        }
        #expect(throws: JsepAnswerer.Failure.noFingerprint) {
            try JsepAnswerer.answer(to: try SessionDescription.parse(text.replacingOccurrences(of: "a=fingerprint:sha-256 AA:BB\r\n", with: "")), transport: transport)
        }
    }
}

@Suite struct JsepOffererTests {
    @Test func ourOfferAnsweredByOurselvesAgreesOnEverything() throws {
        let local = JsepAnswerer.LocalTransport(iceUfrag: "offr", icePassword: "offerer-password-0123456789", fingerprint: "sha-256 AA:BB")
        let remote = JsepAnswerer.LocalTransport(iceUfrag: "answ", icePassword: "answerer-password-0123456789", fingerprint: "sha-256 CC:DD")
        let offer = JsepOfferer.offer(transport: local, tracks: .init(audioSSRC: 1, videoSSRC: 2, videoRtxSSRC: 3))
        #expect(try SessionDescription.parse(offer.serialized) == offer)
        let (answer, answererView) = try JsepAnswerer.answer(to: offer, transport: remote, tracks: .init(audioSSRC: 4, videoSSRC: 5))
        let offererView = try JsepOfferer.agreement(from: try SessionDescription.parse(answer.serialized))
        #expect(answererView.dtlsClient && !offererView.dtlsClient) // exactly one DTLS client
        #expect(offererView.remoteIceUfrag == "answ" && answererView.remoteIceUfrag == "offr")
        #expect(offererView.sections.map(\.payloadType) == [111, 96, nil] && offererView.sections[1].rtxPayloadType == 97)
        #expect(offererView.sections.map(\.direction) == [.sendrecv, .sendrecv, .sendrecv]) // the data section carries no direction: sendrecv
    }
}

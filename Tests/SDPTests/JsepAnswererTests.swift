import SDP
import Testing

@Suite struct JsepAnswererTests {
    let transport = testTransport

    @Test func answersChromiumWithOpusVP8AndTheDataChannelBundled() throws {
        let offer = try SessionDescription.parse(try fixture("chromium-156-offer.sdp"))
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: .init(audioSSRC: 11, videoSSRC: 22, videoRtxSSRC: 23))
        #expect(agreed.sections.map(\.accepted) == [true, true, true])
        #expect(answer.bundleGroups == [["0", "1", "2"]])
        #expect(agreed.remoteIceUfrag == "eq29" && agreed.dtlsClient && agreed.remoteFingerprints.count == 1)
        #expect(agreed.remoteMaxMessageSize == 262_144)
        let audio = answer.media[0], video = answer.media[1], data = answer.media[2]
        // RED (RFC 2198) first, so that Chromium sends its audio with redundancy; Opus is what it carries.
        #expect(audio.codecs.map(\.name) == ["red", "opus"] && audio.codecs[1].payloadType == 111 && audio.codecs[1].parameters["useinbandfec"] == "1")
        #expect(audio.codecs[0].payloadType == 63 && audio.codecs[0].parameters[""] == "111/111")
        #expect(agreed.sections[0].payloadType == 111 && agreed.sections[0].redPayloadType == 63)
        // Read back as the offerer reads an answer: Opus is the codec, RED its companion.
        let read = try JsepOfferer.agreement(from: answer)
        #expect(read.sections[0].payloadType == 111 && read.sections[0].redPayloadType == 63)
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

    /// Firefox 153 puts the fingerprint at session level, offers G.722/PCMU/telephone-event beside
    /// Opus and VP9/AV1/RED/ULPFEC beside VP8, and gives extmaps a direction (`2/recvonly`).
    @Test func answersFirefoxWithSessionLevelFingerprintAndItsPayloadTypes() throws {
        let offer = try SessionDescription.parse(try fixture("firefox-153-offer.sdp"))
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: .init(audioSSRC: 11, videoSSRC: 22))
        #expect(agreed.sections.map(\.accepted) == [true, true, true])
        #expect(agreed.remoteFingerprints == ["sha-256 E3:97:BA:6C:9F:AB:0D:91:B8:01:AC:DD:8B:ED:D3:CE:49:5F:16:EB:56:E2:5B:8B:67:B0:A2:47:CB:26:BA:F4"])
        #expect(agreed.remoteIceUfrag == "8e973908" && agreed.dtlsClient)
        #expect(agreed.sections[0].payloadType == 109 && agreed.sections[1].payloadType == 120 && agreed.sections[1].rtxPayloadType == 124)
        #expect(answer.media[0].codecs.map(\.name) == ["opus"] && answer.media[1].codecs.map(\.name) == ["VP8", "rtx"])
        #expect(agreed.remoteMaxMessageSize == 1_073_741_823)
        // Only extensions we understand are answered, with the offer's ids.
        #expect(answer.media[1].headerExtensions.map(\.id).sorted() == [3, 4, 7])
        #expect(agreed.sections[0].headerExtensions == [1: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", 3: "urn:ietf:params:rtp-hdrext:sdes:mid",
                                                          7: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"])
        #expect(try SessionDescription.parse(answer.serialized) == answer)
    }

    /// Chromium's re-offer after removeTrack + addTrack of its camera: the old video section is
    /// recvonly and a new one (mid 3) sends. Our one video track goes on exactly one section,
    /// so the answer names it once (Chromium refuses duplicate a=msid lines).
    @Test func answersAReofferWithTwoVideoSectionsSendingOnOne() throws {
        let offer = try SessionDescription.parse(try fixture("chromium-156-reoffer-readded-video.sdp"))
        var t = transport
        t.setup = "active" // the DTLS roles stay as they are
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: t, tracks: .init(audioSSRC: 11, videoSSRC: 22))
        #expect(agreed.sections.map(\.mid) == ["0", "1", "2", "3"] && agreed.sections.allSatisfy(\.accepted))
        #expect([0, 1, 3].map { agreed.sections[$0].direction } == [.sendrecv, .sendonly, .recvonly])
        #expect(answer.media.flatMap { $0.values("msid") }.filter { $0.hasSuffix("-video") }.count == 1)
        #expect(answer.media.allSatisfy { $0.setup == nil || $0.setup == "active" })
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

    /// A real answer from Chromium 156 to a termcall offer (captured by Tests/Interop/chromium_peer.py).
    @Test func readsChromiumsAnswer() throws {
        let agreed = try JsepOfferer.agreement(from: try SessionDescription.parse(try fixture("chromium-156-answer.sdp")))
        #expect(agreed.sections.map(\.accepted) == [true, true, true])
        #expect(agreed.sections.map(\.payloadType) == [111, 96, nil] && agreed.sections[1].rtxPayloadType == 97)
        #expect(!agreed.dtlsClient) // Chromium answered setup:active, so we are the DTLS server
        #expect(agreed.remoteIceUfrag == "iERH" && agreed.remoteFingerprints.count == 1)
        #expect(agreed.remoteCandidates.contains { $0.contains("127.0.0.1 36200 typ host") })
        #expect(agreed.remoteMaxMessageSize == 262_144)
    }

    /// Firefox-style answers keep ICE and DTLS parameters at session level.
    @Test func readsSessionLevelTransportParametersInAnAnswer() throws {
        var answer = try SessionDescription.parse(try fixture("chromium-156-answer.sdp"))
        let moved = ["ice-ufrag", "ice-pwd", "fingerprint", "setup"]
        answer.attributes += moved.compactMap { name in answer.media[0].attributes.first { $0.name == name } }
        for i in answer.media.indices { answer.media[i].attributes.removeAll { moved.contains($0.name) } }
        let agreed = try JsepOfferer.agreement(from: answer)
        #expect(agreed.remoteIceUfrag == "iERH" && agreed.remoteFingerprints.count == 1 && !agreed.dtlsClient)
    }
}

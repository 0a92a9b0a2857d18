import Foundation
import SDP
import Testing

/// BUNDLE as peers in the wild use it: bundle-only sections (port 0, no transport of their own)
/// are live, truly rejected sections stay rejected, and every section termcall writes is valid
/// SDP. Every captured offer in Fixtures/ is answered and the answer checked rule by rule.
@Suite struct BundleTests {
    let transport = testTransport
    let tracks = JsepAnswerer.LocalTracks(audioSSRC: 11, videoSSRC: 22, videoRtxSSRC: 23)

    static let fixtures: [String] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".sdp") }.sorted()
    }()
    static var offers: [String] { fixtures.filter { $0.contains("offer") } }
    /// Answers that real stacks made to Chromium's offer.
    static var answersToChromium: [String] { fixtures.filter { $0.hasSuffix("-answer.sdp") && !$0.hasPrefix("chromium") } }

    @Test(arguments: offers)
    func everyCapturedOfferIsAnsweredByTheRules(_ name: String) throws {
        let offer = try SessionDescription.parse(try fixture(name))
        #expect(!offer.media.isEmpty)
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(JsepRules.violations(offer: offer, answer: answer) == [], "\(name)")
        #expect(try SessionDescription.parse(answer.serialized) == answer)
        // Whatever we could use on the one transport is used: Opus audio is in every fixture, and
        // so is a data channel (bundled everywhere but in webrtcbin's default offer).
        let remote = try #require(offer.transportParameters(inAnswer: false))
        for (index, m) in offer.media.enumerated() where offer.isLive(index, inAnswer: false) {
            let usable = m.kind == "application" ? m.isDataChannel
                : m.codecs.contains { $0.name.lowercased() == (m.kind == "audio" ? "opus" : "vp8") }
            #expect(agreed.sections[index].accepted == (usable && !offer.isOnAnotherTransport(index, than: remote)), "\(name) m=\(index) \(m.kind)")
        }
        #expect(agreed.sections.contains { $0.kind == "audio" && $0.accepted }, "\(name)")
        if !offer.bundleGroups.isEmpty { #expect(agreed.sections.contains { $0.kind == "application" && $0.accepted }, "\(name)") }
        // The remote transport is the bundle tag's, whichever section holds it.
        #expect(!agreed.remoteIceUfrag.isEmpty && !agreed.remoteFingerprints.isEmpty)
    }

    /// Our rule checker against real stacks' answers to one real offer: if Pion, Janus or
    /// GStreamer broke a rule we check, the checker (or they) would be wrong; and we read each.
    @Test(arguments: answersToChromium)
    func realAnswersToChromiumsOfferKeepTheRulesAndAreRead(_ name: String) throws {
        let offer = try SessionDescription.parse(try fixture("chromium-156-offer.sdp"))
        let answer = try SessionDescription.parse(try fixture(name))
        #expect(JsepRules.violations(offer: offer, answer: answer) == [], "\(name)")
        let agreed = try JsepOfferer.agreement(from: answer)
        #expect(agreed.sections.map(\.mid) == offer.media.map { $0.mid ?? "" })
        #expect(agreed.sections.contains { $0.kind == "audio" && $0.accepted && $0.payloadType == 111 }, "\(name)")
    }

    /// Pion 3.1 by default: feedback lines with a trailing space and each twice, a component-2
    /// candidate beside rtcp-mux, the fingerprint at session level only, no max-message-size.
    @Test func pionsOfferIsAnsweredWithItsFeedbackUnderstood() throws {
        let offer = try SessionDescription.parse(try fixture("pion-3.1.56-offer.sdp"))
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        let video = try #require(agreed.sections.first { $0.kind == "video" })
        #expect(video.accepted && video.payloadType == 96 && Set(video.feedback) == ["goog-remb", "ccm fir", "nack", "nack pli", "transport-cc"])
        #expect(answer.media[1].values("rtcp-fb").count == 5)
        #expect(agreed.remoteFingerprints.count == 1 && agreed.remoteMaxMessageSize == nil)
        // Only component 1 matters with rtcp-mux; both lines parse.
        #expect(agreed.remoteCandidates.count == 2)
    }

    /// Janus answers with the offer's session id, its own address in c=, the fingerprint at
    /// session level and setup:active (we are the DTLS server); its subscriber offers are
    /// sendonly everywhere, the data section included.
    @Test func janusAnswersAndOffersAreRead() throws {
        let agreed = try JsepOfferer.agreement(from: try SessionDescription.parse(try fixture("janus-1.1.2-echotest-answer.sdp")))
        #expect(agreed.sections.map(\.accepted) == [true, true, true] && !agreed.dtlsClient && agreed.remoteFingerprints.count == 1)
        #expect(agreed.sections[1].payloadType == 96 && agreed.sections[1].rtxPayloadType == 97)
        let offer = try SessionDescription.parse(try fixture("janus-1.1.2-videoroom-subscriber-offer.sdp"))
        let (answer, answered) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(answered.sections.filter { $0.kind != "application" }.map(\.direction) == [.recvonly, .recvonly])
        #expect(answer.media.flatMap { $0.values("msid") }.isEmpty) // nothing of ours goes to a subscription
    }

    /// GStreamer 1.22's webrtcbin by default (bundle policy "none"): no BUNDLE group, each section
    /// its own ICE credentials, an RSA certificate's fingerprint, OPUS in capitals, no a=msid, a
    /// stray bundle-only on the data section. termcall runs one transport: the first section's
    /// (audio) is answered, the others refused in one line that says how to get them, and the
    /// answer starts no BUNDLE group of its own.
    @Test func webrtcbinsUnbundledOfferGetsAnAudioCallAndOneLine() throws {
        let offer = try SessionDescription.parse(try fixture("webrtcbin-1.22-offer.sdp"))
        #expect(offer.bundleGroups.isEmpty && Set(offer.media.compactMap(\.iceUfrag)).count == 3)
        #expect(offer.media[0].codecs.first?.name == "OPUS" && offer.media.allSatisfy { $0.values("msid").isEmpty })
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(agreed.sections.map(\.accepted) == [true, false, false])
        #expect(agreed.remoteIceUfrag == offer.media[0].iceUfrag && agreed.remoteCandidates.allSatisfy { offer.media[0].candidates.contains($0) })
        #expect(answer.bundleGroups.isEmpty && answer.media[0].codecs.map(\.name) == ["opus"])
        #expect(agreed.refused.count == 1 && agreed.refused[0].contains("no video or chat") && agreed.refused[0].contains("max-bundle"), "\(agreed.refused)")
        #expect(JsepRules.violations(offer: offer, answer: answer) == [])
        // And the same peer answering our offer that way: only the first section is ours.
        let declined = try JsepOfferer.agreement(from: try SessionDescription.parse(try fixture("webrtcbin-1.22-answer.sdp")))
        #expect(declined.sections.map(\.accepted) == [true, false, false] && declined.refused.count == 1)
    }

    /// A max-bundle offer as webrtcbin and Firefox make it, built from Chromium's: sections after
    /// the first are port 0 + bundle-only with no ICE, DTLS or rtcp-mux lines of their own.
    func maxBundle(_ base: SessionDescription, keepMux: Bool = false) -> SessionDescription {
        var offer = base
        let transportNames: Set<String> = ["ice-ufrag", "ice-pwd", "ice-options", "fingerprint", "setup", "candidate", "end-of-candidates"]
        for i in offer.media.indices.dropFirst() {
            offer.media[i].port = 0
            offer.media[i].attributes.removeAll { transportNames.contains($0.name) || (!keepMux && $0.name == "rtcp-mux") }
            offer.media[i].attributes.insert(SdpAttribute("bundle-only"), at: 1)
        }
        return offer
    }

    @Test func bundleOnlySectionsAreLiveAndAnsweredWithTheBundlesTransport() throws {
        let offer = maxBundle(try SessionDescription.parse(try fixture("chromium-156-offer.sdp")))
        #expect(offer.media.indices.map { offer.isLive($0, inAnswer: false) } == [true, true, true])
        #expect(offer.media.dropFirst().map(\.port) == [0, 0])
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(agreed.sections.map(\.accepted) == [true, true, true] && agreed.refused.isEmpty)
        #expect(JsepRules.violations(offer: offer, answer: answer) == [])
        // Each answered section names the transport in full (port 9, ICE, DTLS), as browsers do.
        for m in answer.media {
            #expect(m.port == 9 && m.iceUfrag == "tcuf" && m.fingerprints.count == 1 && m.setup == "active" && !m.isBundleOnly)
        }
        #expect(agreed.remoteIceUfrag == "eq29" && agreed.dtlsClient)
    }

    @Test func portZeroWithoutBundleOnlyOrOutsideTheGroupStaysRejected() throws {
        var offer = maxBundle(try SessionDescription.parse(try fixture("chromium-156-offer.sdp")), keepMux: true)
        offer.media[1].attributes.removeAll { $0.name == "bundle-only" } // audio: port 0, no bundle-only: rejected
        offer.attributes = offer.attributes.map { $0.name == "group" ? SdpAttribute("group", "BUNDLE 0 1") : $0 } // data: bundle-only outside the group
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(agreed.sections.map(\.accepted) == [true, false, false])
        #expect(answer.bundleGroups == [["0"]])
        #expect(JsepRules.violations(offer: offer, answer: answer) == [])
        for m in answer.media.dropFirst() {
            #expect(m.port == 0 && !m.formats.isEmpty && m.otherLines.contains { $0.type == "c" } && m.mid != nil)
        }
        // A live section outside the group is said; a port-0 one without bundle-only was the peer's own refusal.
        var live = offer
        live.media[2].port = 9
        live.media[2].attributes.removeAll { $0.name == "bundle-only" }
        let (_, liveAgreed) = try JsepAnswerer.answer(to: live, transport: transport, tracks: tracks)
        #expect(!liveAgreed.sections[2].accepted && liveAgreed.refused.count == 1 && liveAgreed.refused[0].contains("outside its BUNDLE group"))
    }

    /// Firefox refuses a description with any section lacking c= (RFC 8866 §5.7): a VP9-only
    /// video offer must still get an answer it accepts, with audio and chat.
    @Test func aRefusedVideoSectionIsValidSDPAndSaidOnce() throws {
        var offer = try SessionDescription.parse(try fixture("firefox-153-offer.sdp"))
        let video = try #require(offer.media.firstIndex { $0.kind == "video" })
        let vp9 = try #require(offer.media[video].codecs.first { $0.name == "VP9" }).payloadType
        offer.media[video].formats = [String(vp9)]
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(agreed.sections.map(\.accepted) == offer.media.map { $0.kind != "video" })
        #expect(agreed.refused.count == 1 && agreed.refused[0].contains("VP9") && agreed.refused[0].contains("no video"))
        let refused = answer.media[video]
        #expect(refused.port == 0 && refused.formats == [String(vp9)] && refused.otherLines == [SdpLine(type: "c", value: "IN IP4 0.0.0.0")])
        #expect(JsepRules.violations(offer: offer, answer: answer) == [])
        // The fingerprint is also at session level, for peers that look for one in every section.
        #expect(answer.attributes.contains { $0.name == "fingerprint" && $0.value == "sha-256 AB:CD" })
    }

    /// A max-bundle offer whose tag we cannot use (audio without Opus): the bundle-only sections
    /// still run on the tag's transport, and the answer's first accepted mid tags the bundle.
    @Test func aRefusedBundleTagLeavesTheBundleOnItsTransport() throws {
        var offer = try SessionDescription.parse(try fixture("firefox-153-max-bundle-offer.sdp"))
        let opus = try #require(offer.media[0].codecs.first { $0.name == "opus" }).payloadType
        offer.media[0].formats.removeAll { $0 == String(opus) }
        let (answer, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        #expect(agreed.sections.map(\.accepted) == [false, true, true])
        #expect(answer.bundleGroups == [["1", "2"]] && answer.media[0].port == 0)
        #expect(agreed.remoteIceUfrag == offer.media[0].iceUfrag && !agreed.remoteCandidates.isEmpty)
        #expect(JsepRules.violations(offer: offer, answer: answer) == [])
    }

    /// Answers that leave non-tag bundled sections at port 0 (RFC 8843 §7.3.1's wording) are
    /// read as accepted; only a section outside the answer's group is rejected.
    @Test func anAnswerWithPortZeroBundledSectionsIsAccepted() throws {
        var answer = try SessionDescription.parse(try fixture("chromium-156-answer.sdp"))
        answer.media[1].port = 0
        answer.media[2].port = 0
        #expect(try JsepOfferer.agreement(from: answer).sections.map(\.accepted) == [true, true, true])
        answer.attributes = answer.attributes.map { $0.name == "group" ? SdpAttribute("group", "BUNDLE 0 1") : $0 }
        #expect(try JsepOfferer.agreement(from: answer).sections.map(\.accepted) == [true, true, false])
    }

    @Test(arguments: BundlePolicy.allCases)
    func ourOffersKeepTheRulesUnderEachPolicy(_ policy: BundlePolicy) throws {
        let offer = JsepOfferer.offer(transport: transport, tracks: tracks, bundlePolicy: policy)
        #expect(JsepRules.violations(offer: offer) == [])
        let expected: [Bool] = policy == .maxBundle ? [false, true, true] : [false, false, false]
        #expect(offer.media.map(\.isBundleOnly) == expected && offer.media.map(\.port) == expected.map { $0 ? 0 : 9 })
        #expect(offer.media.allSatisfy { $0.rtcpMux || $0.kind == "application" })
        // Answered by ourselves (and by the rules), everything is agreed.
        let parsed = try SessionDescription.parse(offer.serialized)
        let (answer, _) = try JsepAnswerer.answer(to: parsed, transport: transport, tracks: tracks)
        #expect(JsepRules.violations(offer: parsed, answer: answer) == [])
        #expect(try JsepOfferer.agreement(from: answer).sections.allSatisfy(\.accepted))
    }

    /// After answering Firefox (mid on id 3, transport-cc on 7), our re-offer keeps its ids, and a
    /// section added then takes the bundle's ids for the same URIs (RFC 8843 §9.1); Firefox
    /// refuses a re-offer that remaps an id.
    @Test func aReofferKeepsTheAgreedHeaderExtensionIds() throws {
        let offer = try SessionDescription.parse(try fixture("firefox-153-offer.sdp"))
        let (_, agreed) = try JsepAnswerer.answer(to: offer, transport: transport, tracks: tracks)
        var sections = agreed.sections.map { a -> JsepOfferer.OfferSection in
            var s = JsepOfferer.OfferSection(mid: a.mid, kind: a.kind, direction: a.direction, payloadType: a.payloadType, rtxPayloadType: a.rtxPayloadType)
            s.isNew = false
            if a.kind != "application" { s.headerExtensions = a.headerExtensions }
            return s
        }
        sections.append(JsepOfferer.OfferSection(mid: "3", kind: "video"))
        let reoffer = JsepOfferer.offer(transport: transport, tracks: tracks, sections: sections)
        for (index, section) in agreed.sections.enumerated() where section.kind != "application" {
            #expect(Dictionary(reoffer.media[index].headerExtensions.map { ($0.id, $0.uri) }, uniquingKeysWith: { a, _ in a }) == section.headerExtensions)
        }
        var byURI: [String: UInt8] = [:]
        for m in reoffer.media { for ext in m.headerExtensions {
            #expect(byURI[ext.uri] == nil || byURI[ext.uri] == ext.id, "\(ext.uri) on two ids")
            byURI[ext.uri] = ext.id
        } }
        let added = reoffer.media[3].headerExtensions
        #expect(added.first { $0.uri.hasSuffix("sdes:mid") }?.id == 3 && added.first { $0.uri.contains("transport-wide-cc") }?.id == 7)
        #expect(Set(added.map(\.id)).count == added.count)
    }

    /// Balanced bundles the second section of a kind; sections already negotiated carry the
    /// transport in every re-offer; a rejected one stays a valid port-0 placeholder.
    @Test func balancedBundlesRepeatedKindsAndReoffersCarryTheTransport() throws {
        var sections = JsepOfferer.defaultSections()
        sections.append(JsepOfferer.OfferSection(mid: "3", kind: "video", direction: .recvonly))
        #expect(JsepOfferer.offer(transport: transport, tracks: tracks, sections: sections).media.map(\.isBundleOnly) == [false, false, false, true])
        var reoffer = sections.map { s -> JsepOfferer.OfferSection in var s = s; s.isNew = false; return s }
        reoffer[3].rejected = true
        reoffer[3].rejectedFormats = ["96"]
        let offer = JsepOfferer.offer(transport: transport, tracks: tracks, sections: reoffer, bundlePolicy: .maxBundle)
        #expect(offer.media.map(\.isBundleOnly) == [false, false, false, false] && offer.media.map(\.port) == [9, 9, 9, 0])
        #expect(JsepRules.violations(offer: offer) == [] && offer.bundleGroups == [["0", "1", "2"]])
    }
}

/// Makes termcall's offers (RFC 8829 §5.2): audio (Opus), video (VP8 with RTX) and a data channel,
/// all on one BUNDLE transport (RFC 8843) asked for as the `BundlePolicy` says, `actpass` so the
/// answerer picks the DTLS role (a re-offer keeps the role it has), and reads the answer back into
/// the same `Agreement` the answerer produces.
public enum JsepOfferer {
    /// Payload types we offer (the answer may not change them, RFC 8829 §5.3.1).
    public static let opusPayloadType: UInt8 = 111, vp8PayloadType: UInt8 = 96, rtxPayloadType: UInt8 = 97
    /// RED over Opus (RFC 2198), Chromium's number for it.
    public static let redPayloadType: UInt8 = 63
    /// The header extensions we offer on new sections, at these ids when they are free.
    static let extensions: [(UInt8, String)] = [
        (1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
        (2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
        (3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
        (4, "urn:ietf:params:rtp-hdrext:sdes:mid"),
    ]

    /// One m-line of an offer. A first offer uses `defaultSections`; a re-offer (RFC 8829 §5.2.2)
    /// lists the negotiated sections in their order, with their mids and payload types, and
    /// keeps rejected ones as port-0 placeholders.
    public struct OfferSection: Sendable, Equatable {
        public var mid: String
        /// audio, video or application.
        public var kind: String
        public var direction: MediaDescription.Direction
        public var payloadType: UInt8?
        public var rtxPayloadType: UInt8?
        /// Audio's RED format; nil: ours (63).
        public var redPayloadType: UInt8?
        /// A rejected section stays rejected (port 0) with the proto and formats it had.
        public var rejected = false
        public var rejectedProto = "UDP/TLS/RTP/SAVPF"
        public var rejectedFormats: [String] = []
        /// Not negotiated yet: the bundle policy decides whether it carries the transport or is
        /// bundle-only (RFC 8829 §5.2.1). Negotiated sections are in the bundle already and
        /// carry its transport, as browsers' re-offers do.
        public var isNew = true
        /// The header extensions agreed for a negotiated section (id → URI): a re-offer keeps
        /// them (Firefox refuses a re-offer that remaps an id). Nil: ours, on a new section.
        public var headerExtensions: [UInt8: String]?

        public init(mid: String, kind: String, direction: MediaDescription.Direction = .sendrecv, payloadType: UInt8? = nil, rtxPayloadType: UInt8? = nil) {
            self.mid = mid
            self.kind = kind
            self.direction = direction
            self.payloadType = payloadType
            self.rtxPayloadType = rtxPayloadType
        }
    }

    /// Audio, video and a data channel with mids 0, 1, 2 and our payload types.
    public static func defaultSections(audio: Bool = true, video: Bool = true, dataChannel: Bool = true,
                                       audioDirection: MediaDescription.Direction = .sendrecv, videoDirection: MediaDescription.Direction = .sendrecv) -> [OfferSection] {
        var out: [OfferSection] = []
        if audio { out.append(OfferSection(mid: String(out.count), kind: "audio", direction: audioDirection, payloadType: opusPayloadType)) }
        if video { out.append(OfferSection(mid: String(out.count), kind: "video", direction: videoDirection, payloadType: vp8PayloadType, rtxPayloadType: rtxPayloadType)) }
        if dataChannel { out.append(OfferSection(mid: String(out.count), kind: "application")) }
        return out
    }

    public static func offer(transport: JsepAnswerer.LocalTransport, tracks: JsepAnswerer.LocalTracks,
                             audio: Bool = true, video: Bool = true, dataChannel: Bool = true, bundlePolicy: BundlePolicy = .balanced,
                             sessionID: String = "1") -> SessionDescription {
        offer(transport: transport, tracks: tracks, sections: defaultSections(audio: audio, video: video, dataChannel: dataChannel),
              bundlePolicy: bundlePolicy, sessionID: sessionID)
    }

    /// Which sections of an offer are bundle-only (RFC 8829 §5.2.1): never the first live one
    /// (it tags the bundle and carries the transport) nor one already negotiated; of the new
    /// ones, under max-bundle all the others, under balanced those after the first of their kind.
    static func bundleOnly(_ sections: [OfferSection], policy: BundlePolicy) -> [Bool] {
        var seenKinds: Set<String> = [], sawLive = false
        return sections.map { section in
            guard !section.rejected else { return false }
            defer { sawLive = true; seenKinds.insert(section.kind) }
            guard section.isNew, sawLive else { return false }
            switch policy {
            case .maxBundle: return true
            case .balanced: return seenKinds.contains(section.kind)
            case .maxCompat: return false
            }
        }
    }

    public static func offer(transport: JsepAnswerer.LocalTransport, tracks: JsepAnswerer.LocalTracks, sections: [OfferSection],
                             bundlePolicy: BundlePolicy = .balanced, sessionID: String = "1", sessionVersion: UInt64 = 2) -> SessionDescription {
        var offer = SessionDescription()
        offer.origin.sessionID = sessionID
        offer.origin.sessionVersion = sessionVersion
        var bundled: [String] = []
        let bundleOnly = bundleOnly(sections, policy: bundlePolicy)
        // One id means one URI across a bundle (RFC 8843 §9.1): new sections take the ids the
        // negotiated ones use for the same URI, else ours when free, else the lowest free one.
        var ids: [String: UInt8] = [:]
        for section in sections { for (id, uri) in section.headerExtensions ?? [:] where ids[uri] == nil { ids[uri] = id } }
        func extmaps(_ section: OfferSection) -> [SdpAttribute] {
            if let agreed = section.headerExtensions {
                return agreed.sorted { $0.key < $1.key }.map { SdpAttribute("extmap", "\($0.key) \($0.value)") }
            }
            var out: [(UInt8, String)] = []
            for (preferred, uri) in extensions where section.kind == "audio" || uri != "urn:ietf:params:rtp-hdrext:ssrc-audio-level" {
                if ids[uri] == nil {
                    let used = Set(ids.values)
                    ids[uri] = used.contains(preferred) ? (1...14).first { !used.contains($0) } : preferred
                }
                if let id = ids[uri] { out.append((id, uri)) }
            }
            return out.sorted { $0.0 < $1.0 }.map { SdpAttribute("extmap", "\($0.0) \($0.1)") }
        }
        func head(_ mid: String, bundleOnly: Bool) -> [SdpAttribute] {
            var a = [SdpAttribute("mid", mid)] + (bundleOnly ? [SdpAttribute("bundle-only")] : [])
            // A bundle-only section has no candidates of its own (RFC 8843 §7.1.3), but keeps the
            // bundle's ICE and DTLS parameters, as Firefox writes them: a later offer that names
            // them in every section is then no "partial ICE restart" to Firefox.
            a += [SdpAttribute("ice-ufrag", transport.iceUfrag), SdpAttribute("ice-pwd", transport.icePassword),
                  SdpAttribute("ice-options", "trickle"), SdpAttribute("fingerprint", transport.fingerprint), SdpAttribute("setup", transport.setup ?? "actpass")]
            guard !bundleOnly else { return a }
            a += transport.candidates.map { SdpAttribute("candidate", $0.hasPrefix("candidate:") ? String($0.dropFirst(10)) : $0) }
            if transport.candidatesComplete { a.append(SdpAttribute("end-of-candidates")) }
            return a
        }
        for (index, section) in sections.enumerated() {
            if section.rejected {
                offer.media.append(.rejected(kind: section.kind, proto: section.rejectedProto, formats: section.rejectedFormats, mid: section.mid))
                continue
            }
            bundled.append(section.mid)
            let port: UInt16 = bundleOnly[index] ? 0 : 9
            let head = head(section.mid, bundleOnly: bundleOnly[index])
            switch section.kind {
            case "audio":
                let pt = section.payloadType ?? opusPayloadType, red = section.redPayloadType ?? redPayloadType
                // RED first, so that a far end that has it sends with redundancy (RFC 2198).
                var m = MediaDescription(kind: "audio", port: port, proto: "UDP/TLS/RTP/SAVPF", formats: [String(red), String(pt)])
                m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
                m.attributes = head + extmaps(section)
                m.attributes += [SdpAttribute(section.direction.rawValue), SdpAttribute("rtcp-mux"), SdpAttribute("rtcp-rsize"),
                                 SdpAttribute("rtpmap", "\(pt) opus/48000/2"), SdpAttribute("rtcp-fb", "\(pt) transport-cc"),
                                 SdpAttribute("fmtp", "\(pt) minptime=10;useinbandfec=1")]
                m.attributes += JsepAnswerer.redAttributes(red, opus: pt)
                m.attributes += JsepAnswerer.trackAttributes(kind: "audio", direction: section.direction, tracks: tracks, cname: transport.cname)
                offer.media.append(m)
            case "video":
                let pt = section.payloadType ?? vp8PayloadType, rtx = section.rtxPayloadType ?? rtxPayloadType
                var m = MediaDescription(kind: "video", port: port, proto: "UDP/TLS/RTP/SAVPF", formats: [String(pt), String(rtx)])
                m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
                m.attributes = head + extmaps(section)
                m.attributes += [SdpAttribute(section.direction.rawValue), SdpAttribute("rtcp-mux"), SdpAttribute("rtcp-rsize"), SdpAttribute("rtpmap", "\(pt) VP8/90000")]
                m.attributes += ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"].map { SdpAttribute("rtcp-fb", "\(pt) \($0)") }
                m.attributes += [SdpAttribute("rtpmap", "\(rtx) rtx/90000"), SdpAttribute("fmtp", "\(rtx) apt=\(pt)")]
                m.attributes += JsepAnswerer.trackAttributes(kind: "video", direction: section.direction, tracks: tracks, cname: transport.cname)
                offer.media.append(m)
            default:
                var m = MediaDescription(kind: "application", port: port, proto: "UDP/DTLS/SCTP", formats: ["webrtc-datachannel"])
                m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
                m.attributes = head + [SdpAttribute("sctp-port", "5000"), SdpAttribute("max-message-size", String(transport.maxMessageSize))]
                offer.media.append(m)
            }
        }
        offer.attributes = JsepAnswerer.sessionAttributes(bundle: bundled, fingerprint: transport.fingerprint, streamID: tracks.streamID)
        return offer
    }

    /// Reads the answer to our offer: what was accepted, the remote ICE/DTLS parameters, and our
    /// DTLS role (the answerer's `active` makes us the server).
    public static func agreement(from answer: SessionDescription) throws(JsepAnswerer.Failure) -> JsepAnswerer.Agreement {
        // As in offers: the bundle tag's parameters, or session level (Firefox puts the fingerprint there).
        guard let remote = answer.transportParameters(inAnswer: true) else { throw .noIceCredentials }
        let ufrag = remote.iceUfrag, password = remote.icePassword, fingerprints = remote.fingerprints
        guard !fingerprints.isEmpty else { throw .noFingerprint }
        let setup = remote.setup
        var sections: [JsepAnswerer.Section] = []
        var unbundled: [String] = []
        for (index, m) in answer.media.enumerated() {
            var accepted = answer.isLive(index, inAnswer: true)
            // An answerer that declined BUNDLE gave each section its own transport: only the first one's is ours.
            if accepted, answer.isOnAnotherTransport(index, than: remote) {
                accepted = false
                unbundled.append(m.kind)
            }
            var s = JsepAnswerer.Section(mid: m.mid ?? String(sections.count), kind: m.kind, accepted: accepted, direction: m.direction)
            // The media codec itself, not its companions (RTX, RED) that may come first.
            let codecs = m.codecs // read once: it walks every attribute of the section
            if let codec = codecs.first(where: { !["rtx", "red", "ulpfec", "flexfec-03"].contains($0.name.lowercased()) }) {
                s.payloadType = codec.payloadType
                s.feedback = codec.feedback
                if m.kind == "audio" { s.redPayloadType = JsepAnswerer.redundantAudio(in: codecs, for: codec.payloadType) }
            }
            s.rtxPayloadType = codecs.first { $0.name.lowercased() == "rtx" }?.payloadType
            for (id, uri) in m.headerExtensions { s.headerExtensions[id] = uri }
            sections.append(s)
        }
        guard sections.contains(where: \.accepted) else { throw .nothingUsable }
        var agreement = JsepAnswerer.Agreement(sections: sections, remoteIceUfrag: ufrag, remoteIcePassword: password, remoteFingerprints: fingerprints,
                                      dtlsClient: setup == "passive", remoteCandidates: answer.media.indices.filter { !answer.isOnAnotherTransport($0, than: remote) }.flatMap { answer.media[$0].candidates },
                                      remoteMaxMessageSize: answer.media.first { $0.isDataChannel }?.maxMessageSize)
        agreement.remoteCandidatesComplete = answer.media.contains(where: \.endOfCandidates) || answer.attributes.contains { $0.name == "end-of-candidates" }
        if let line = SessionDescription.unbundledRefusal(unbundled) { agreement.refused = [line] }
        return agreement
    }
}

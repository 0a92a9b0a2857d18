/// Answers an offer (RFC 8829 §5.3) with what termcall supports: Opus audio, VP8 video (with RTX),
/// and a data channel, all on one BUNDLE transport (RFC 8843). Sections we cannot use are rejected
/// with port 0, keeping their place. The result says what was agreed, for wiring the transports.
public enum JsepAnswerer {
    /// Our side's transport parameters for the answer.
    public struct LocalTransport: Sendable {
        public var iceUfrag: String
        public var icePassword: String
        /// `sha-256 AB:CD:…`
        public var fingerprint: String
        public var candidates: [String] = []
        public var candidatesComplete = false
        public var maxMessageSize = 262_144
        public var cname = "termcall"
        /// Once a DTLS association exists, later offers and answers keep its roles (RFC 8842 §5.5):
        /// `active` while we are the DTLS client, `passive` while we are the server. Nil before.
        public var setup: String?
        public init(iceUfrag: String, icePassword: String, fingerprint: String) {
            self.iceUfrag = iceUfrag
            self.icePassword = icePassword
            self.fingerprint = fingerprint
        }
    }

    /// What we send: a stream id and SSRCs for the tracks we add.
    public struct LocalTracks: Sendable {
        public var streamID = "termcall"
        public var audioSSRC: UInt32?
        public var videoSSRC: UInt32?
        public var videoRtxSSRC: UInt32?
        public init(audioSSRC: UInt32? = nil, videoSSRC: UInt32? = nil, videoRtxSSRC: UInt32? = nil) {
            self.audioSSRC = audioSSRC
            self.videoSSRC = videoSSRC
            self.videoRtxSSRC = videoRtxSSRC
        }
    }

    /// One negotiated media section.
    public struct Section: Sendable, Equatable {
        public var mid: String
        public var kind: String
        public var accepted: Bool
        public var direction: MediaDescription.Direction
        /// Opus or VP8 payload type, VP8's RTX payload type, and Opus's RED (RFC 2198) when agreed.
        public var payloadType: UInt8?
        public var rtxPayloadType: UInt8?
        public var redPayloadType: UInt8?
        public var feedback: [String] = []
        public var headerExtensions: [UInt8: String] = [:]
    }

    public struct Agreement: Sendable, Equatable {
        public var sections: [Section]
        public var remoteIceUfrag: String
        public var remoteIcePassword: String
        /// All of them, in the offer's order: any may match the certificate (RFC 8122 §5).
        public var remoteFingerprints: [String]
        /// Our DTLS role: the offerer said actpass (or passive), so we are the client (RFC 8842 §5.3).
        public var dtlsClient: Bool
        public var remoteCandidates: [String]
        public var remoteMaxMessageSize: Int?
        /// The description carried `a=end-of-candidates` (RFC 8840 §8.2): no more will trickle in.
        public var remoteCandidatesComplete = false
        /// Offered media we had to refuse, one line each for the user ("video offered as H264
        /// only; termcall speaks VP8: no video in this call").
        public var refused: [String] = []
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noIceCredentials
        case noFingerprint
        case notBundled
        case nothingUsable

        public var description: String {
            switch self {
            case .noIceCredentials: return "the offer has no ICE username/password"
            case .noFingerprint: return "the offer has no DTLS fingerprint: it cannot be a WebRTC offer"
            case .notBundled: return "the offer does not use rtcp-mux; termcall needs it (RFC 8858)"
            case .nothingUsable: return "the offer has nothing termcall can use (no Opus, VP8 or data channel)"
            }
        }
    }

    /// Header extensions we understand (RFC 8285 URIs); others are not answered.
    public static let supportedExtensions: Set<String> = [
        "urn:ietf:params:rtp-hdrext:sdes:mid",
        "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    ]
    static let supportedFeedback: Set<String> = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"]

    public static func answer(to offer: SessionDescription, transport: LocalTransport, tracks: LocalTracks = .init(),
                              sessionID: String = "1", sessionVersion: UInt64 = 2) throws(Failure) -> (SessionDescription, Agreement) {
        // ICE and DTLS parameters: the bundle tag's (bundle-only sections may carry none), or session level.
        guard let remote = offer.transportParameters(inAnswer: false) else { throw .noIceCredentials }
        let ufrag = remote.iceUfrag, password = remote.icePassword, fingerprints = remote.fingerprints
        guard !fingerprints.isEmpty else { throw .noFingerprint }
        let offeredSetup = remote.setup ?? "actpass"
        // One transport: the offer's first BUNDLE group (RFC 8843 §7.3); with no group at all,
        // the first section's transport, and the sections that share it (isOnAnotherTransport).
        let group = offer.bundleGroups.first

        let ourSetup = transport.setup ?? (offeredSetup == "active" ? "passive" : "active")
        var answer = SessionDescription()
        answer.origin.sessionID = sessionID
        answer.origin.sessionVersion = sessionVersion
        var sections: [Section] = []
        var remoteCandidates: [String] = [], remoteMaxMessageSize: Int?
        var sendingKinds: Set<String> = []
        var refusedLines: [String] = []
        var unbundled: [String] = []
        for (index, offered) in offer.media.enumerated() {
            if !offer.isOnAnotherTransport(index, than: remote) { remoteCandidates += offered.candidates }
            let mid = offered.mid ?? String(sections.count)
            var section = Section(mid: mid, kind: offered.kind, accepted: false, direction: .inactive)
            var m = MediaDescription(kind: offered.kind, port: 9, proto: offered.proto, formats: [])
            let live = offer.isLive(index, inAnswer: false)
            var outsideBundle = live && group != nil && !(offered.mid.map { group!.contains($0) } ?? false)
            if outsideBundle {
                refusedLines.append("the far end offered \(offered.kind) (mid \(mid)) outside its BUNDLE group; termcall carries a call on one transport: no \(offered.kind) from that section")
            } else if live, offer.isOnAnotherTransport(index, than: remote) {
                outsideBundle = true
                unbundled.append(offered.kind)
            }
            if live, !outsideBundle {
                let codecs = offered.codecs // read once: it walks every attribute of the section
                switch offered.kind {
                case "audio":
                    if let opus = codecs.first(where: { $0.name.lowercased() == "opus" && $0.clockRate == 48_000 }) {
                        section.accepted = true
                        section.payloadType = opus.payloadType
                        section.feedback = opus.feedback.filter { supportedFeedback.contains($0) }
                        m.formats = [String(opus.payloadType)]
                        m.attributes += [SdpAttribute("rtpmap", "\(opus.payloadType) opus/48000/2"),
                                         SdpAttribute("fmtp", "\(opus.payloadType) minptime=10;useinbandfec=1")]
                        m.attributes += section.feedback.map { SdpAttribute("rtcp-fb", "\(opus.payloadType) \($0)") }
                        // RED first: the far end then sends its audio with redundancy too (a
                        // sender uses the first format of the other side's description).
                        if let red = Self.redundantAudio(in: codecs, for: opus.payloadType) {
                            section.redPayloadType = red
                            m.formats.insert(String(red), at: 0)
                            m.attributes += Self.redAttributes(red, opus: opus.payloadType)
                        }
                    }
                case "video":
                    if let vp8 = codecs.first(where: { $0.name.uppercased() == "VP8" && $0.clockRate == 90_000 }) {
                        section.accepted = true
                        section.payloadType = vp8.payloadType
                        section.feedback = vp8.feedback.filter { supportedFeedback.contains($0) }
                        m.formats = [String(vp8.payloadType)]
                        m.attributes += [SdpAttribute("rtpmap", "\(vp8.payloadType) VP8/90000")]
                        m.attributes += section.feedback.map { SdpAttribute("rtcp-fb", "\(vp8.payloadType) \($0)") }
                        if let rtx = codecs.first(where: { $0.name.lowercased() == "rtx" && $0.parameters["apt"] == String(vp8.payloadType) }) {
                            section.rtxPayloadType = rtx.payloadType
                            m.formats.append(String(rtx.payloadType))
                            m.attributes += [SdpAttribute("rtpmap", "\(rtx.payloadType) rtx/90000"), SdpAttribute("fmtp", "\(rtx.payloadType) apt=\(vp8.payloadType)")]
                        }
                    }
                case "application" where offered.isDataChannel:
                    section.accepted = true
                    remoteMaxMessageSize = offered.maxMessageSize
                    m.formats = ["webrtc-datachannel"]
                default:
                    break
                }
            }
            guard section.accepted else {
                if live, !outsideBundle {
                    let names = Array(Set(offered.codecs.map(\.name))).sorted().prefix(4).joined(separator: ", ")
                    let wanted = offered.kind == "audio" ? "Opus" : offered.kind == "video" ? "VP8" : "Opus, VP8 or a data channel"
                    refusedLines.append("the far end offered \(offered.kind) as \(names.isEmpty ? "nothing known" : names) only; termcall speaks \(wanted): no \(offered.kind) in this call")
                }
                // Rejected (RFC 8829 §5.3.1): port 0, the offered formats, a c= line and the mid kept.
                var rejected = MediaDescription.rejected(kind: offered.kind, proto: offered.proto, formats: offered.formats, mid: offered.mid)
                // Unbundled, each section is a transport, and webrtcbin wants ICE credentials in
                // every one, refused or not ("media 1 is missing ... 'ice-ufrag'").
                if group == nil {
                    rejected.attributes += [SdpAttribute("ice-ufrag", transport.iceUfrag), SdpAttribute("ice-pwd", transport.icePassword), SdpAttribute("setup", ourSetup)]
                }
                answer.media.append(rejected)
                sections.append(section)
                continue
            }
            if offered.kind != "application" {
                // A bundled section shares the tag's RTCP: bundle-only ones may leave rtcp-mux to it (RFC 8843 §7.1.3).
                guard offered.rtcpMux || (group != nil && remote.rtcpMux) else { throw .notBundled }
                // One track per kind: we send on the first section of that kind that lets us (a peer
                // that removed and re-added a track offers a second section of the kind, RFC 8829 §5.2.2).
                let haveTrack = offered.kind == "audio" ? tracks.audioSSRC != nil : tracks.videoSSRC != nil
                section.direction = answerDirection(offered.direction, sending: haveTrack && !sendingKinds.contains(offered.kind))
                if section.direction == .sendrecv || section.direction == .sendonly { sendingKinds.insert(offered.kind) }
                for (id, uri) in offered.headerExtensions where supportedExtensions.contains(uri) { section.headerExtensions[id] = uri }
            }
            m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
            var head: [SdpAttribute] = [SdpAttribute("mid", mid)]
            head += [SdpAttribute("ice-ufrag", transport.iceUfrag), SdpAttribute("ice-pwd", transport.icePassword), SdpAttribute("ice-options", "trickle"),
                     SdpAttribute("fingerprint", transport.fingerprint), SdpAttribute("setup", ourSetup)]
            head += transport.candidates.map { SdpAttribute("candidate", $0.hasPrefix("candidate:") ? String($0.dropFirst(10)) : $0) }
            if transport.candidatesComplete { head.append(SdpAttribute("end-of-candidates")) }
            if offered.kind == "application" {
                m.attributes = head + [SdpAttribute("sctp-port", "5000"), SdpAttribute("max-message-size", String(transport.maxMessageSize))]
            } else {
                head += section.headerExtensions.sorted { $0.key < $1.key }.map { SdpAttribute("extmap", "\($0.key) \($0.value)") }
                head += [SdpAttribute(section.direction.rawValue), SdpAttribute("rtcp-mux")]
                if offered.has("rtcp-rsize") { head.append(SdpAttribute("rtcp-rsize")) }
                m.attributes = head + m.attributes + trackAttributes(kind: offered.kind, direction: section.direction, tracks: tracks, cname: transport.cname)
            }
            answer.media.append(m)
            sections.append(section)
        }
        guard sections.contains(where: \.accepted) else { throw .nothingUsable }
        // The offerer's tag stays the tag (RFC 8843 §7.3.1): the answer's group keeps the offer's
        // order. An offer without a group gets none back (an answerer may not start one, §7.3).
        let rank = Dictionary((group ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let bundled = group == nil ? nil : sections.filter(\.accepted).map(\.mid).enumerated().sorted { (rank[$0.element] ?? Int.max, $0.offset) < (rank[$1.element] ?? Int.max, $1.offset) }.map(\.element)
        answer.attributes = sessionAttributes(bundle: bundled, fingerprint: transport.fingerprint, streamID: tracks.streamID)
        if let line = SessionDescription.unbundledRefusal(unbundled) { refusedLines.append(line) }
        var agreement = Agreement(sections: sections, remoteIceUfrag: ufrag, remoteIcePassword: password, remoteFingerprints: fingerprints,
                                  dtlsClient: ourSetup == "active", remoteCandidates: remoteCandidates, remoteMaxMessageSize: remoteMaxMessageSize)
        agreement.remoteCandidatesComplete = offer.media.contains(where: \.endOfCandidates) || offer.attributes.contains { $0.name == "end-of-candidates" }
        agreement.refused = refusedLines
        return (answer, agreement)
    }

    /// The session level of our descriptions: the BUNDLE group, the fingerprint once more (RFC 8122
    /// §5 allows it there; a peer that looks for one in every section, rejected ones included, as
    /// GStreamer's webrtcbin does, finds it), and the stream semantics.
    static func sessionAttributes(bundle: [String]?, fingerprint: String, streamID: String) -> [SdpAttribute] {
        (bundle.map { [SdpAttribute("group", "BUNDLE " + $0.joined(separator: " "))] } ?? [])
            + [SdpAttribute("fingerprint", fingerprint), SdpAttribute("msid-semantic", " WMS \(streamID)")]
    }

    /// RFC 8829 §5.3.1 direction rules: we send only where they receive, and receive where they send.
    /// The offered RED format (RFC 2198 §5, `red/48000/2`) that carries `opus`: its fmtp lists only
    /// that payload type (or nothing, which RFC 2198 allows).
    public static func redundantAudio(in codecs: [MediaDescription.Codec], for opus: UInt8) -> UInt8? {
        codecs.first { codec in
            guard codec.name.lowercased() == "red", codec.clockRate == 48_000 else { return false }
            let listed = (codec.parameters[""] ?? "").fields("/").map { UInt8($0) }
            return listed.allSatisfy { $0 == opus }
        }?.payloadType
    }

    /// The rtpmap and fmtp lines of RED over Opus (redundancy of one or more Opus frames).
    public static func redAttributes(_ red: UInt8, opus: UInt8) -> [SdpAttribute] {
        [SdpAttribute("rtpmap", "\(red) red/48000/2"), SdpAttribute("fmtp", "\(red) \(opus)/\(opus)")]
    }

    static func answerDirection(_ offered: MediaDescription.Direction, sending: Bool) -> MediaDescription.Direction {
        switch offered {
        case .sendrecv: return sending ? .sendrecv : .recvonly
        case .recvonly: return sending ? .sendonly : .inactive
        case .sendonly: return .recvonly
        case .inactive: return .inactive
        }
    }

    static func trackAttributes(kind: String, direction: MediaDescription.Direction, tracks: LocalTracks, cname: String) -> [SdpAttribute] {
        guard direction == .sendrecv || direction == .sendonly else { return [] }
        let track = "\(tracks.streamID)-\(kind)"
        var out = [SdpAttribute("msid", "\(tracks.streamID) \(track)")]
        if kind == "audio", let ssrc = tracks.audioSSRC {
            out.append(SdpAttribute("ssrc", "\(ssrc) cname:\(cname)"))
        }
        if kind == "video", let ssrc = tracks.videoSSRC {
            if let rtx = tracks.videoRtxSSRC { out.append(SdpAttribute("ssrc-group", "FID \(ssrc) \(rtx)")) }
            out.append(SdpAttribute("ssrc", "\(ssrc) cname:\(cname)"))
            if let rtx = tracks.videoRtxSSRC { out.append(SdpAttribute("ssrc", "\(rtx) cname:\(cname)")) }
        }
        return out
    }
}

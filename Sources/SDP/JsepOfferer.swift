/// Makes termcall's offers (RFC 8829 §5.2): audio (Opus), video (VP8 with RTX) and a data channel,
/// max-bundle on one transport (RFC 8843), `actpass` so the answerer picks the DTLS role, and reads
/// the answer back into the same `Agreement` the answerer produces.
public enum JsepOfferer {
    /// Payload types we offer (the answer may not change them, RFC 8829 §5.3.1).
    public static let opusPayloadType: UInt8 = 111, vp8PayloadType: UInt8 = 96, rtxPayloadType: UInt8 = 97
    static let extensions: [(UInt8, String)] = [
        (1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
        (2, "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"),
        (3, "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"),
        (4, "urn:ietf:params:rtp-hdrext:sdes:mid"),
    ]

    public static func offer(transport: JsepAnswerer.LocalTransport, tracks: JsepAnswerer.LocalTracks,
                             audio: Bool = true, video: Bool = true, dataChannel: Bool = true, sessionID: String = "1") -> SessionDescription {
        var offer = SessionDescription()
        offer.origin.sessionID = sessionID
        offer.origin.sessionVersion = 2
        var mids: [String] = []
        func head(_ mid: String) -> [SdpAttribute] {
            var a = [SdpAttribute("mid", mid), SdpAttribute("ice-ufrag", transport.iceUfrag), SdpAttribute("ice-pwd", transport.icePassword),
                     SdpAttribute("ice-options", "trickle"), SdpAttribute("fingerprint", transport.fingerprint), SdpAttribute("setup", "actpass")]
            a += transport.candidates.map { SdpAttribute("candidate", $0.hasPrefix("candidate:") ? String($0.dropFirst(10)) : $0) }
            if transport.candidatesComplete { a.append(SdpAttribute("end-of-candidates")) }
            return a
        }
        if audio {
            let mid = String(mids.count)
            mids.append(mid)
            var m = MediaDescription(kind: "audio", proto: "UDP/TLS/RTP/SAVPF", formats: [String(opusPayloadType)])
            m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
            m.attributes = head(mid) + extensions.map { SdpAttribute("extmap", "\($0.0) \($0.1)") }
            m.attributes += [SdpAttribute("sendrecv"), SdpAttribute("rtcp-mux"), SdpAttribute("rtcp-rsize"),
                             SdpAttribute("rtpmap", "\(opusPayloadType) opus/48000/2"), SdpAttribute("rtcp-fb", "\(opusPayloadType) transport-cc"),
                             SdpAttribute("fmtp", "\(opusPayloadType) minptime=10;useinbandfec=1")]
            m.attributes += JsepAnswerer.trackAttributes(kind: "audio", direction: .sendrecv, tracks: tracks, cname: transport.cname)
            offer.media.append(m)
        }
        if video {
            let mid = String(mids.count)
            mids.append(mid)
            var m = MediaDescription(kind: "video", proto: "UDP/TLS/RTP/SAVPF", formats: [String(vp8PayloadType), String(rtxPayloadType)])
            m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
            m.attributes = head(mid) + extensions.filter { $0.0 != 1 }.map { SdpAttribute("extmap", "\($0.0) \($0.1)") }
            m.attributes += [SdpAttribute("sendrecv"), SdpAttribute("rtcp-mux"), SdpAttribute("rtcp-rsize"), SdpAttribute("rtpmap", "\(vp8PayloadType) VP8/90000")]
            m.attributes += ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"].map { SdpAttribute("rtcp-fb", "\(vp8PayloadType) \($0)") }
            m.attributes += [SdpAttribute("rtpmap", "\(rtxPayloadType) rtx/90000"), SdpAttribute("fmtp", "\(rtxPayloadType) apt=\(vp8PayloadType)")]
            m.attributes += JsepAnswerer.trackAttributes(kind: "video", direction: .sendrecv, tracks: tracks, cname: transport.cname)
            offer.media.append(m)
        }
        if dataChannel {
            let mid = String(mids.count)
            mids.append(mid)
            var m = MediaDescription(kind: "application", proto: "UDP/DTLS/SCTP", formats: ["webrtc-datachannel"])
            m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
            m.attributes = head(mid) + [SdpAttribute("sctp-port", "5000"), SdpAttribute("max-message-size", String(transport.maxMessageSize))]
            offer.media.append(m)
        }
        offer.attributes = [SdpAttribute("group", "BUNDLE " + mids.joined(separator: " ")), SdpAttribute("msid-semantic", " WMS \(tracks.streamID)")]
        return offer
    }

    /// Reads the answer to our offer: what was accepted, the remote ICE/DTLS parameters, and our
    /// DTLS role (the answerer's `active` makes us the server).
    public static func agreement(from answer: SessionDescription) throws(JsepAnswerer.Failure) -> JsepAnswerer.Agreement {
        // As in offers, ICE and DTLS parameters may sit at session level (Firefox puts the fingerprint there).
        func sessionValue(_ name: String) -> String? { answer.attributes.first { $0.name == name }?.value }
        let first = answer.media.first { !$0.isRejected }
        guard let ufrag = first?.iceUfrag ?? sessionValue("ice-ufrag"), let password = first?.icePassword ?? sessionValue("ice-pwd") else { throw .noIceCredentials }
        var fingerprints = (first?.fingerprints ?? []).map { "\($0.algorithm) \($0.value)" }
        if fingerprints.isEmpty { fingerprints = answer.attributes.filter { $0.name == "fingerprint" }.compactMap(\.value) }
        guard !fingerprints.isEmpty else { throw .noFingerprint }
        let setup = first?.setup ?? sessionValue("setup")
        var sections: [JsepAnswerer.Section] = []
        for m in answer.media {
            var s = JsepAnswerer.Section(mid: m.mid ?? String(sections.count), kind: m.kind, accepted: !m.isRejected, direction: m.direction)
            if let codec = m.codecs.first(where: { $0.name.lowercased() != "rtx" }) {
                s.payloadType = codec.payloadType
                s.feedback = codec.feedback
            }
            s.rtxPayloadType = m.codecs.first { $0.name.lowercased() == "rtx" }?.payloadType
            for (id, uri) in m.headerExtensions { s.headerExtensions[id] = uri }
            sections.append(s)
        }
        guard sections.contains(where: \.accepted) else { throw .nothingUsable }
        return JsepAnswerer.Agreement(sections: sections, remoteIceUfrag: ufrag, remoteIcePassword: password, remoteFingerprints: fingerprints,
                                      dtlsClient: setup == "passive", remoteCandidates: answer.media.flatMap(\.candidates),
                                      remoteMaxMessageSize: answer.media.first { $0.isDataChannel }?.maxMessageSize)
    }
}

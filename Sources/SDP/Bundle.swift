/// BUNDLE (RFC 8843) as a description states it: which sections are live, and whose transport
/// parameters the bundle uses. `bundle-only` sections carry port 0 and none of the bundle's
/// ICE/DTLS attributes (RFC 8843 §7.1.3, JSEP RFC 8829 §5.2.1), so "port 0" alone no longer says
/// "rejected", and the transport must be read from the section that tags the bundle.
extension MediaDescription {
    /// `a=bundle-only` (RFC 8843 §6): the section is to be used only on the BUNDLE transport.
    public var isBundleOnly: Bool { has("bundle-only") }
}

/// What termcall offers about bundling (W3C RTCBundlePolicy, JSEP RFC 8829 §4.1.1). termcall
/// always runs every section on one transport; the policy only says how a first offer asks for it.
public enum BundlePolicy: String, Sendable, CaseIterable {
    /// The first section of each kind carries the transport; later ones of a kind are bundle-only.
    case balanced
    /// Only the first section carries the transport; every other one is bundle-only.
    case maxBundle = "max-bundle"
    /// Every section carries the transport (a peer without BUNDLE could still use each).
    case maxCompat = "max-compat"
}

extension SessionDescription {
    /// Whether the section at `index` is in use. A non-zero port always is; port 0 is live only
    /// inside a BUNDLE group: in an offer when it also says `bundle-only` (RFC 8843 §7.2, a port-0
    /// section without it is rejected, RFC 8829 §5.2.2), in an answer whenever its mid is in the
    /// group (a rejected section must leave the group, RFC 8843 §7.3.3).
    public func isLive(_ index: Int, inAnswer: Bool) -> Bool {
        guard media.indices.contains(index) else { return false }
        let m = media[index]
        if m.port != 0 { return true }
        guard let mid = m.mid, bundleGroups.contains(where: { $0.contains(mid) }) else { return false }
        return inAnswer || m.isBundleOnly
    }

    /// ICE and DTLS parameters of a description's transport.
    public struct TransportParameters: Sendable, Equatable {
        public var iceUfrag: String
        public var icePassword: String
        /// Every `a=fingerprint` (`sha-256 AB:…`), in order: any may match the certificate (RFC 8122 §5).
        public var fingerprints: [String]
        /// actpass, active or passive (RFC 8842 §5); nil when not said.
        public var setup: String?
        /// The section they were read from (the bundle's tag), if any.
        public var sectionIndex: Int?
        /// That section says `a=rtcp-mux` (RFC 8858): bundled sections share the tag's RTCP.
        public var rtcpMux: Bool
    }

    /// The transport every bundled section uses: the parameters of the group's tag (its first mid
    /// that has ICE credentials: RFC 8843 §7.2.1 for offers, §7.3.1 for answers), else of the
    /// first live section that has them, each attribute falling back to session level (Firefox
    /// writes its fingerprint there). Nil when there are no ICE credentials at all.
    public func transportParameters(inAnswer: Bool) -> TransportParameters? {
        func sessionValues(_ name: String) -> [String] { attributes.compactMap { $0.name == name ? $0.value : nil } }
        let live = media.indices.filter { isLive($0, inAnswer: inAnswer) }
        let tagged = bundleGroups.first.map { group in group.compactMap { mid in live.first { media[$0].mid == mid } } } ?? []
        let index = (tagged + live).first { media[$0].iceUfrag != nil }
        let section = index.map { media[$0] }
        guard let ufrag = section?.iceUfrag ?? sessionValues("ice-ufrag").first,
              let password = section?.icePassword ?? sessionValues("ice-pwd").first else { return nil }
        var fingerprints = (section?.fingerprints ?? []).map { "\($0.algorithm) \($0.value)" }
        if fingerprints.isEmpty { fingerprints = sessionValues("fingerprint") }
        return TransportParameters(iceUfrag: ufrag, icePassword: password, fingerprints: fingerprints,
                                   setup: section?.setup ?? sessionValues("setup").first, sectionIndex: index,
                                   rtcpMux: section?.rtcpMux ?? false)
    }
}

extension SessionDescription {
    /// Without a BUNDLE group each section has a transport of its own (GStreamer's webrtcbin
    /// offers and answers so by default, bundle policy "none": new credentials or new ports per
    /// section); termcall runs one, `transport`. A section with other ICE credentials, or other
    /// candidates, cannot be carried on it. One that repeats the same credentials and candidates
    /// (or has none) names the same 5-tuple, and is kept.
    public func isOnAnotherTransport(_ index: Int, than transport: TransportParameters) -> Bool {
        guard bundleGroups.isEmpty, media.indices.contains(index), index != transport.sectionIndex else { return false }
        let m = media[index]
        if let ufrag = m.iceUfrag, ufrag != transport.iceUfrag { return true }
        let own = transport.sectionIndex.map { media[$0].candidates } ?? []
        return !m.candidates.isEmpty && m.candidates != own
    }

    /// One line for the user about sections refused because they were not bundled.
    static func unbundledRefusal(_ kinds: [String]) -> String? {
        guard !kinds.isEmpty else { return nil }
        let names = kinds.map { $0 == "application" ? "chat" : $0 }.joined(separator: " or ")
        return "the far end put each section on a transport of its own (no BUNDLE); termcall carries a call on one: no \(names) in this call (the far end can offer or answer with bundlePolicy max-bundle)"
    }
}

extension MediaDescription {
    /// A rejected section as RFC 8866 and JSEP want it written (RFC 8829 §5.3.1): port 0, the
    /// formats it had (an m= line needs one), a `c=` line (RFC 8866 §5.7: every section needs
    /// one when the session has none; Firefox refuses a description without), its mid.
    static func rejected(kind: String, proto: String, formats: [String], mid: String?) -> MediaDescription {
        let fallback = proto.hasSuffix("SCTP") ? ["webrtc-datachannel"] : ["0"]
        var m = MediaDescription(kind: kind, port: 0, proto: proto, formats: formats.isEmpty ? fallback : formats)
        m.otherLines = [SdpLine(type: "c", value: "IN IP4 0.0.0.0")]
        m.attributes = mid.map { [SdpAttribute("mid", $0)] } ?? []
        return m
    }
}

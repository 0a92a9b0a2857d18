/// One media section (`m=` and what follows it, RFC 8866 §5.14) with accessors for the attributes
/// WebRTC negotiates: mid, direction, codecs (rtpmap/fmtp/rtcp-fb), header extensions, ICE and DTLS
/// parameters, candidates, and the data channel's SCTP port and message size.
public struct MediaDescription: Sendable, Equatable {
    /// audio, video or application.
    public var kind: String
    /// 0 rejects the section (RFC 8829 §5.3.1) unless it is bundle-only (`SessionDescription.isLive`);
    /// 9 is the customary "no candidates yet" port.
    public var port: UInt16
    /// UDP/TLS/RTP/SAVPF for media, UDP/DTLS/SCTP for data channels.
    public var proto: String
    /// Payload types, or `webrtc-datachannel`.
    public var formats: [String]
    public var otherLines: [SdpLine] = []
    public var attributes: [SdpAttribute] = []

    public init(kind: String, port: UInt16 = 9, proto: String, formats: [String]) {
        self.kind = kind
        self.port = port
        self.proto = proto
        self.formats = formats
    }

    init(mLine value: String, line: Int) throws(SdpParseError) {
        let f = value.fields(" ")
        guard f.count >= 3 else { throw .malformedLine(line, "m= needs media, port, protocol and formats: \(value.prefix(60))") }
        let portText = f[1].fields("/").first.map(String.init) ?? ""
        guard let port = UInt16(portText) else { throw .malformedLine(line, "m= port \"\(f[1].prefix(12))\" is not a number") }
        kind = String(f[0])
        self.port = port
        proto = String(f[2])
        formats = f.dropFirst(3).map(String.init)
    }

    var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        out += "m="; out += kind; out += " "; out += String(port); out += " "; out += proto
        for format in formats { out += " "; out += format }
        out += "\r\n"
        for line in otherLines { line.write(to: &out) }
        for a in attributes { a.write(to: &out) }
    }

    // MARK: attribute access

    public func values(_ name: String) -> [String] { attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil } }
    public func value(_ name: String) -> String? { values(name).first }
    public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    public var mid: String? { value("mid") }
    public var isDataChannel: Bool { proto.hasSuffix("SCTP") && formats.contains("webrtc-datachannel") }

    public enum Direction: String, Sendable, CaseIterable { case sendrecv, sendonly, recvonly, inactive }
    /// The section's direction; sendrecv when none is given (RFC 8866 §6.7).
    public var direction: Direction { Direction.allCases.first { has($0.rawValue) } ?? .sendrecv }

    public var iceUfrag: String? { value("ice-ufrag") }
    public var icePassword: String? { value("ice-pwd") }
    public var iceOptions: [String] { value("ice-options")?.fields(" ").map(String.init) ?? [] }
    /// `a=fingerprint` lines as (algorithm, hex digest) — aiortc sends three (RFC 8122 §5).
    public var fingerprints: [(algorithm: String, value: String)] {
        values("fingerprint").compactMap { v in
            let parts = v.fields(" ", maxSplits: 1)
            return parts.count == 2 ? (parts[0].lowercased(), String(parts[1])) : nil
        }
    }
    /// actpass, active, passive (RFC 8842 §5).
    public var setup: String? { value("setup") }
    /// `a=candidate` values (the ICE module parses them).
    public var candidates: [String] { values("candidate") }
    public var endOfCandidates: Bool { has("end-of-candidates") }
    public var rtcpMux: Bool { has("rtcp-mux") }
    public var sctpPort: UInt16? { value("sctp-port").flatMap { UInt16($0) } }
    /// `a=max-message-size` (RFC 8841 §6): nil when absent.
    public var maxMessageSize: Int? { value("max-message-size").flatMap { Int($0) } }

    // MARK: codecs

    public struct Codec: Sendable, Equatable {
        public var payloadType: UInt8
        public var name: String
        public var clockRate: Int
        public var channels: Int?
        public var parameters: [String: String]
        public var feedback: [String]
    }

    /// Codecs in the order of the m-line's formats (preference order), from rtpmap/fmtp/rtcp-fb.
    /// One pass over the attributes (a browser's video section has a hundred of them).
    public var codecs: [Codec] {
        var maps: [UInt8: (String, Int, Int?)] = [:]
        var fmtp: [UInt8: [String: String]] = [:]
        var feedback: [(UInt8?, String)] = [] // in attribute order: `*` lines and a type's own interleave
        for a in attributes {
            switch a.name {
            case "rtpmap":
                let parts = (a.value ?? "").fields(" ", maxSplits: 1)
                guard parts.count == 2, let pt = UInt8(parts[0]) else { continue }
                let enc = parts[1].fields("/")
                guard enc.count >= 2, let rate = Int(enc[1]) else { continue }
                maps[pt] = (String(enc[0]), rate, enc.count > 2 ? Int(enc[2]) : nil)
            case "fmtp":
                if let (pt, items) = Self.fmtpItems(a.value ?? "") { fmtp[pt, default: [:]].merge(items) { $1 } }
            case "rtcp-fb":
                if let item = Self.feedbackItem(a.value ?? "") { feedback.append(item) }
            default: continue
            }
        }
        return formats.compactMap { format in
            guard let pt = UInt8(format), let (name, rate, channels) = maps[pt] else { return nil }
            var kinds: [String] = []
            for (target, kind) in feedback where target == nil || target == pt { Self.add(kind, to: &kinds) }
            return Codec(payloadType: pt, name: name, clockRate: rate, channels: channels, parameters: fmtp[pt] ?? [:], feedback: kinds)
        }
    }

    /// `a=fmtp:<pt> k=v;k=v` as a dictionary (`111/111`-style values keep their text under "").
    public func parameters(_ payloadType: UInt8) -> [String: String] {
        var out: [String: String] = [:]
        for v in values("fmtp") {
            guard let (pt, items) = Self.fmtpItems(v), pt == payloadType else { continue }
            out.merge(items) { $1 }
        }
        return out
    }

    /// `a=rtcp-fb:<pt> nack pli` → ["nack pli"]; `*` applies to every payload type. Spaces are
    /// normalised (Pion writes `nack ` with a trailing one) and repeats dropped (Pion's default
    /// interceptors add `nack` and `nack pli` twice).
    public func feedback(_ payloadType: UInt8) -> [String] {
        var out: [String] = []
        for v in values("rtcp-fb") {
            guard let (target, kind) = Self.feedbackItem(v), target == nil || target == payloadType else { continue }
            Self.add(kind, to: &out)
        }
        return out
    }

    /// One fmtp value: its payload type and its `k=v` items.
    private static func fmtpItems(_ value: String) -> (UInt8, [String: String])? {
        let parts = value.fields(" ", maxSplits: 1)
        guard parts.count == 2, let pt = UInt8(parts[0]) else { return nil }
        var out: [String: String] = [:]
        for item in parts[1].fields(";") {
            let kv = item.fields("=", maxSplits: 1)
            if kv.count == 2 { out[kv[0].trimmingSpaces] = kv[1].trimmingSpaces } else { out[""] = item.trimmingSpaces }
        }
        return (pt, out)
    }

    /// One rtcp-fb value: its payload type (nil for `*`) and the feedback kind, spaces normalised.
    private static func feedbackItem(_ value: String) -> (UInt8?, String)? {
        let parts = value.fields(" ")
        guard parts.count >= 2 else { return nil }
        let target: UInt8?
        if parts[0] == "*" { target = nil } else if let pt = UInt8(parts[0]) { target = pt } else { return nil }
        return (target, parts.count == 2 ? String(parts[1]) : parts.dropFirst().joined(separator: " "))
    }

    private static func add(_ kind: String, to kinds: inout [String]) {
        if !kinds.contains(kind) { kinds.append(kind) }
    }

    /// `a=extmap:<id>[/<direction>] <uri>` (RFC 8285 §8).
    public var headerExtensions: [(id: UInt8, uri: String)] {
        values("extmap").compactMap { v in
            let parts = v.fields(" ")
            guard parts.count >= 2, let id = parts[0].fields("/").first.flatMap({ UInt8($0) }) else { return nil }
            return (id, String(parts[1]))
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

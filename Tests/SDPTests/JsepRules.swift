import SDP
import Testing

/// The JSEP and BUNDLE rules an answer must keep against its offer (RFC 8829 §5.3.1, RFC 8843
/// §7.3, RFC 8866), checked line by line; each broken rule is one message naming the section.
/// Used on every answer termcall writes to a real offer, and on real answers to real offers.
enum JsepRules {
    static func violations(offer: SessionDescription, answer: SessionDescription) -> [String] {
        var out: [String] = []
        func fail(_ index: Int?, _ text: String) { out.append(index.map { "m=\($0) (\(answer.media[$0].mid ?? "no mid")): \(text)" } ?? text) }
        guard answer.media.count == offer.media.count else {
            return ["the answer has \(answer.media.count) sections, the offer \(offer.media.count)"]
        }
        let group = answer.bundleGroups.first ?? []
        let offeredGroup = offer.bundleGroups.first ?? []
        if answer.bundleGroups.count > 1 { fail(nil, "more than one BUNDLE group") }
        // §7.3.1: only offered mids, in the offer's order (the offerer's tag stays the tag when accepted).
        if !group.allSatisfy(offeredGroup.contains) { fail(nil, "BUNDLE \(group) names mids the offer did not group (\(offeredGroup))") }
        if offeredGroup.isEmpty, !group.isEmpty { fail(nil, "a BUNDLE group in answer to an offer without one (RFC 8843 §7.3)") }
        if group != offeredGroup.filter(group.contains) { fail(nil, "BUNDLE \(group) is not in the offer's order \(offeredGroup)") }
        let hasSessionConnection = answer.otherLines.contains { $0.type == "c" }
        let transport = answer.transportParameters(inAnswer: true)
        if transport == nil { fail(nil, "no ICE credentials anywhere") }
        if let setup = transport?.setup, setup != "active", setup != "passive" { fail(nil, "a=setup:\(setup) in an answer (RFC 8842 §5.3: active or passive)") }
        if transport?.fingerprints.isEmpty ?? true { fail(nil, "no fingerprint") }
        for (index, (offered, answered)) in zip(offer.media, answer.media).enumerated() {
            if answered.kind != offered.kind { fail(index, "kind \(answered.kind) answers \(offered.kind)") }
            if answered.mid != offered.mid { fail(index, "mid \(answered.mid ?? "none") answers \(offered.mid ?? "none")") }
            if answered.proto != offered.proto { fail(index, "proto \(answered.proto) answers \(offered.proto)") }
            if answered.formats.isEmpty { fail(index, "an m= line with no format (RFC 8866 §5.14)") }
            if !hasSessionConnection, !answered.otherLines.contains(where: { $0.type == "c" }) { fail(index, "no c= line and none at session level (RFC 8866 §5.7)") }
            let live = answer.isLive(index, inAnswer: true)
            let offeredLive = offer.isLive(index, inAnswer: false)
            if live, !offeredLive { fail(index, "accepts a section the offer rejected") }
            // An answer without a group declined BUNDLE (RFC 8843 §7.3.3): each section on its own.
            if live, !group.isEmpty, let mid = answered.mid, !group.contains(mid) { fail(index, "accepted outside the BUNDLE group") }
            if !live, let mid = answered.mid, group.contains(mid) { fail(index, "rejected but left in the BUNDLE group (RFC 8843 §7.3.3)") }
            if !live { continue }
            if answered.isBundleOnly { fail(index, "a=bundle-only in an answer (RFC 8843 §6)") }
            if answered.kind != "application" {
                // Every answered payload type was offered, with the same encoding (RFC 8829 §5.3.1).
                let offeredCodecs = Dictionary(offered.codecs.map { ($0.payloadType, $0.name.lowercased()) }, uniquingKeysWith: { a, _ in a })
                for codec in answered.codecs where offeredCodecs[codec.payloadType] != codec.name.lowercased() {
                    fail(index, "payload type \(codec.payloadType) \(codec.name) was not offered as such")
                }
                if answered.codecs.isEmpty { fail(index, "accepted with no codec") }
                if !answered.rtcpMux, answered.port != 0 { fail(index, "no rtcp-mux (RFC 8858)") }
                let ok: [MediaDescription.Direction: Set<MediaDescription.Direction>] = [
                    .sendrecv: [.sendrecv, .sendonly, .recvonly, .inactive], .sendonly: [.recvonly, .inactive],
                    .recvonly: [.sendonly, .inactive], .inactive: [.inactive],
                ]
                if !(ok[offered.direction]?.contains(answered.direction) ?? false) { fail(index, "direction \(answered.direction) answers \(offered.direction)") }
                let offeredExtensions = Dictionary(offered.headerExtensions.map { ($0.id, $0.uri) }, uniquingKeysWith: { a, _ in a })
                for ext in answered.headerExtensions where offeredExtensions[ext.id] != ext.uri { fail(index, "extmap \(ext.id) \(ext.uri) was not offered") }
            } else if answered.sctpPort == nil {
                fail(index, "a data section without a=sctp-port (RFC 8841 §5)")
            }
        }
        return out
    }

    /// What an offer itself must hold, whatever its bundle policy: every section a c= line (or
    /// one at session level), a format, a mid; bundle-only sections port 0 without a transport;
    /// the group's first mid carrying ICE and DTLS parameters and a=setup:actpass.
    static func violations(offer: SessionDescription) -> [String] {
        var out: [String] = []
        let hasSessionConnection = offer.otherLines.contains { $0.type == "c" }
        let group = offer.bundleGroups.first ?? []
        for (index, m) in offer.media.enumerated() {
            let name = "m=\(index) (\(m.mid ?? "no mid"))"
            if m.mid == nil { out.append("\(name): no mid") }
            if m.formats.isEmpty { out.append("\(name): no format") }
            if !hasSessionConnection, !m.otherLines.contains(where: { $0.type == "c" }) { out.append("\(name): no c= line") }
            if m.isBundleOnly {
                if m.port != 0 { out.append("\(name): bundle-only with port \(m.port)") }
                if !m.candidates.isEmpty || m.endOfCandidates { out.append("\(name): bundle-only yet carries candidates") }
                let tag = group.first.flatMap { first in offer.media.first { $0.mid == first } }
                if let ufrag = m.iceUfrag, ufrag != tag?.iceUfrag { out.append("\(name): bundle-only with ICE credentials other than the tag's") }
                if !(m.mid.map(group.contains) ?? false) { out.append("\(name): bundle-only outside the BUNDLE group") }
            }
        }
        if let first = group.first, let tag = offer.media.first(where: { $0.mid == first }) {
            if tag.isBundleOnly || tag.port == 0 { out.append("the bundle tag \(first) has no transport") }
            if tag.iceUfrag == nil || tag.fingerprints.isEmpty { out.append("the bundle tag \(first) has no ICE or DTLS parameters") }
        }
        return out
    }
}

import SDP

/// One negotiated m-line of the session, in the order of the first offer (RFC 8829 §5.2.2:
/// later offers keep every section, its mid and its payload types).
struct Transceiver: Sendable, Equatable {
    var mid: String
    /// audio, video or application.
    var kind: String
    var accepted: Bool
    var payloadType: UInt8?
    var rtxPayloadType: UInt8?
    var redPayloadType: UInt8?
    /// Our side's negotiated direction.
    var direction: MediaDescription.Direction
    /// What a rejected section looked like, to offer it again as a port-0 placeholder.
    var proto = "UDP/TLS/RTP/SAVPF"
    var formats: [String] = []
    /// The header extensions agreed (id → URI), kept by later offers.
    var headerExtensions: [UInt8: String] = [:]

    var mediaKind: MediaKind? { MediaKind(rawValue: kind) }
    var sends: Bool { accepted && (direction == .sendrecv || direction == .sendonly) }
    var receives: Bool { accepted && (direction == .sendrecv || direction == .recvonly) }

    /// The same section seen from the other side (an answer's `sendonly` means we receive only).
    static func reversed(_ direction: MediaDescription.Direction) -> MediaDescription.Direction {
        switch direction {
        case .sendonly: return .recvonly
        case .recvonly: return .sendonly
        case .sendrecv, .inactive: return direction
        }
    }
}

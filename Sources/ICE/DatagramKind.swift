/// RFC 7983 §7: what a datagram on the shared media socket is, by its first byte; RTP and RTCP
/// are told apart by the second (RFC 5761 §4: packet types 192–223 are RTCP). STUN goes to the ICE
/// agent, DTLS to the handshake, RTP/RTCP to SRTP; TURN ChannelData only ever comes from a TURN
/// server and is unwrapped by the agent. Every datagram is classified once, here.
public enum DatagramKind: Sendable, Equatable {
    case stun, zrtp, dtls, turnChannel, rtp, rtcp, unknown

    public init(firstByte b: UInt8) {
        switch b {
        case 0...3: self = .stun
        case 16...19: self = .zrtp
        case 20...63: self = .dtls
        case 64...79: self = .turnChannel
        case 128...191: self = .rtp
        default: self = .unknown
        }
    }

    public init(_ bytes: [UInt8]) {
        guard let first = bytes.first else { self = .unknown; return }
        self.init(firstByte: first)
        if self == .rtp {
            guard bytes.count >= 2 else { self = .unknown; return }
            if (192...223).contains(bytes[1]) { self = .rtcp }
        }
    }

    /// DTLS, RTP or RTCP: what the stack above ICE consumes.
    public var isApplication: Bool { self == .dtls || self == .rtp || self == .rtcp }
}

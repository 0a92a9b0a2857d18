/// RFC 7983 §7: what a datagram on the shared media socket is, by its first byte. STUN goes to the
/// ICE agent, DTLS to the handshake, RTP/RTCP to SRTP; TURN ChannelData only ever comes from a TURN
/// server and is unwrapped by the agent.
public enum DatagramKind: Sendable, Equatable {
    case stun, zrtp, dtls, turnChannel, rtp, unknown

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
}

import STUN
import TURN

/// What a shell's sockets delivered: everything an agent — and the stack above it — learns from the
/// network, as values. The shell owns the file descriptors and stamps the time; the agent and the
/// peer connection above it only ever see these (no sockets, no clock reads).
public enum SocketInput: Sendable, Equatable {
    /// A datagram on the UDP socket bound to `local`.
    case datagram([UInt8], from: TransportAddress, local: TransportAddress)
    /// One RFC 4571 frame on the ICE-TCP connection `from` opened to our listener `local`.
    case tcpFrame([UInt8], from: TransportAddress, local: TransportAddress)
    /// That ICE-TCP connection closed.
    case tcpClosed(from: TransportAddress, local: TransportAddress)
    /// One message (STUN or ChannelData) on the TCP/TLS connection to a TURN server.
    case turnStream([UInt8], server: TurnServer)
    /// The connection to a TCP/TLS TURN server broke or never came up.
    case turnStreamFailed(TurnServer, reason: String)
    /// Multicast DNS answered for one of the peer's `.local` names.
    case hostnameResolved(String, TransportAddress.IP)
    /// A socket (host candidate base) opened, an ICE-TCP listener opened, a socket went away.
    case localSocketAdded(TransportAddress)
    case localListenerAdded(TransportAddress)
    case localSocketRemoved(TransportAddress)
    /// Every socket the shell will open at start is open: gathering can finish.
    case localSocketsComplete
    /// The machine's interface addresses changed (new sockets are announced separately); the
    /// owner should restart ICE so the peer learns the new candidates.
    case interfacesChanged
}

/// DTLS, SRTP or SRTCP from the peer over a validated path, classified once (RFC 7983).
public struct ApplicationDatagram: Sendable, Equatable {
    public var kind: DatagramKind
    public var bytes: [UInt8]
    public var from: TransportAddress

    public init(kind: DatagramKind, bytes: [UInt8], from: TransportAddress) {
        self.kind = kind
        self.bytes = bytes
        self.from = from
    }
}

extension IceAgent {
    /// Applies one input from the shell. Application data that arrived directly from one of the
    /// far end's candidates comes back, classified; STUN, TURN and the rest stay in the agent
    /// (relayed application data comes out as `.relayedData` events). Datagrams from strangers
    /// and ones no protocol here speaks are counted in `statistics.discarded` and dropped.
    public mutating func handle(_ input: SocketInput, now: Int64) -> ApplicationDatagram? {
        switch input {
        case let .datagram(bytes, from, local):
            let kind = DatagramKind(bytes)
            switch kind {
            case .stun, .turnChannel:
                handleDatagram(bytes, from: from, local: local, now: now)
            case .dtls, .rtp, .rtcp:
                if configuration.turnServers.contains(where: { $0.address == from && $0.transport == .udp }) {
                    handleDatagram(bytes, from: from, local: local, now: now)
                    return nil
                }
                return application(kind, bytes, from: from, now: now)
            case .zrtp, .unknown:
                statistics.discarded += 1
            }
        case let .tcpFrame(bytes, from, local):
            let kind = DatagramKind(bytes)
            switch kind {
            case .stun: handleTcpMessage(bytes, from: from, local: local, now: now)
            case .dtls, .rtp, .rtcp: return application(kind, bytes, from: from, now: now)
            case .zrtp, .turnChannel, .unknown: statistics.discarded += 1
            }
        case let .tcpClosed(from, local): tcpConnectionClosed(from: from, local: local, now: now)
        case let .turnStream(bytes, server): handleTurnStream(bytes, from: server, now: now)
        case let .turnStreamFailed(server, reason): turnStreamFailed(server, reason: reason, now: now)
        case let .hostnameResolved(name, ip): resolveRemoteHostname(name, to: ip, now: now)
        case let .localSocketAdded(address): addLocalSocket(address, now: now)
        case let .localListenerAdded(address): addLocalListener(address, now: now)
        case let .localSocketRemoved(address): removeLocalSocket(address)
        case .localSocketsComplete: localSocketsComplete(now: now)
        case .interfacesChanged: break
        }
        return nil
    }

    /// Application data a caller found it cannot use (a relayed datagram of no known kind).
    public mutating func countDiscarded() { statistics.discarded += 1 }

    private mutating func application(_ kind: DatagramKind, _ bytes: [UInt8], from: TransportAddress, now: Int64) -> ApplicationDatagram? {
        guard isRemoteCandidate(from) else { statistics.discarded += 1; return nil }
        noteApplicationData(from: from, now: now)
        return ApplicationDatagram(kind: kind, bytes: bytes, from: from)
    }
}

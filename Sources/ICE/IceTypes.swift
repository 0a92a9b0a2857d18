import CryptoPrimitives
import STUN
import TURN

/// ufrag and password (RFC 8445 §5.3; RFC 8839 §5.4: ufrag ≥ 4 and password ≥ 22 characters).
public struct IceCredentials: Sendable, Equatable, Hashable {
    public var ufrag: String
    public var password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Fresh random credentials: 8-character ufrag, 24-character password (≥ 128 bits).
    public static func random() -> IceCredentials {
        IceCredentials(ufrag: SecureRandom.iceString(8), password: SecureRandom.iceString(24))
    }
}

public enum IceRole: String, Sendable, Equatable {
    case controlling, controlled

    var opposite: IceRole { self == .controlling ? .controlled : .controlling }
}

/// The states of RTCIceConnectionState (W3C webrtc-pc §5.6.4), for one component.
public enum IceConnectionState: String, Sendable, Equatable {
    /// Gathering or waiting for remote candidates; no check sent yet.
    case new
    /// Checks under way, no usable pair yet.
    case checking
    /// A pair is selected; checks may still be running or candidates arriving.
    case connected
    /// A pair is selected, checking is over and the peer has signalled end-of-candidates.
    case completed
    /// The selected pair has gone quiet (no authenticated answer or incoming check for a while).
    case disconnected
    /// Every pair failed, or consent expired (RFC 7675).
    case failed
    case closed
}

/// A datagram the shell should send: from the socket bound to `local`, to `destination` — or, when
/// `turnStream` is set, one message on the shell's TCP or TLS connection to that TURN server
/// (`destination` is then the server's address and `local` means nothing).
public struct IceTransmit: Sendable, Equatable {
    public var local: TransportAddress
    public var destination: TransportAddress
    public var bytes: [UInt8]
    public var turnStream: TurnServer?
    /// On the ICE-TCP connection between our listener `local` and `destination` (RFC 6544), framed
    /// by the shell (RFC 4571).
    public var tcp: Bool

    public init(local: TransportAddress, destination: TransportAddress, bytes: [UInt8], turnStream: TurnServer? = nil, tcp: Bool = false) {
        self.local = local
        self.destination = destination
        self.bytes = bytes
        self.turnStream = turnStream
        self.tcp = tcp
    }
}

public enum IceEvent: Sendable, Equatable {
    /// Signal it to the peer (trickle, RFC 8838).
    case localCandidate(IceCandidate)
    /// Signal end-of-candidates.
    case gatheringComplete
    case connectionState(IceConnectionState)
    /// The pair media now uses (after nomination; again after a restart or a better nomination).
    case selectedPair(local: IceCandidate, remote: IceCandidate)
    /// Application data that arrived through a TURN relay, unwrapped (direct paths never pass
    /// through the agent: the shell's demultiplexer hands them on itself).
    case relayedData([UInt8], from: TransportAddress)
    /// Something the user should read (a TURN server refusing our credentials, say). One line.
    case problem(String)
}

/// ICE timing and policy. Defaults follow RFC 8445 / RFC 7675 and what browsers do.
public struct IceConfiguration: Sendable {
    /// STUN servers for server-reflexive candidates.
    public var stunServers: [TransportAddress] = []
    /// TURN servers for relayed candidates, over UDP (one allocation per socket of the server's
    /// family) or over TCP/TLS (one allocation, on the shell's connection to the server).
    public var turnServers: [TurnServer] = []
    /// CA certificates (PEM) that TURN servers over TLS must chain to, instead of the system's.
    public var turnCAFile: String?
    /// Offer passive ICE-TCP host candidates (RFC 6544): a peer whose UDP is blocked (a browser
    /// behind an office firewall) can then connect to us directly.
    public var tcpCandidates = true
    /// Signal host candidates as random `<uuid>.local` names (mDNS ICE candidates, as browsers
    /// do), answered by multicast DNS on the local network only, so the far end does not learn
    /// this machine's private addresses unless it is on the same LAN.
    public var hideHostAddresses = false
    /// Gather and use only relayed candidates (RTCIceTransportPolicy "relay").
    public var relayOnly = false
    /// Gathering is complete when every server answered, or after this long (a relay that
    /// arrives later still trickles).
    public var gatheringTimeoutMilliseconds: Int64 = 5_000
    /// Ta: one new check at most this often (RFC 8445 §14.2 default 50 ms).
    public var pacingMilliseconds: Int64 = 50
    /// Retransmission timeout of connectivity checks (§14.3: ≥ 500 ms for the first).
    public var checkRTO: Int64 = 500
    /// Sends of one check before its pair fails (browsers stop sooner than STUN's 7).
    public var checkSends = 7
    /// Controlling agent: after the first pair succeeds, wait at most this long for a better one to
    /// succeed before nominating (regular nomination, §8.1.1).
    public var nominationDelayMilliseconds: Int64 = 100
    /// Consent freshness (RFC 7675): a check on the selected pair every interval ±20 %…
    public var consentIntervalMilliseconds: Int64 = 5_000
    /// …and the path is dead when nothing authenticated came back for this long.
    public var consentTimeoutMilliseconds: Int64 = 30_000
    /// Disconnected when nothing authenticated arrived on the selected pair for this long.
    public var disconnectedAfterMilliseconds: Int64 = 6_000

    public init() {}
}


import ICE
import SRTP

/// What `PeerConnection.statistics(now:)` reports: the figures of W3C webrtc-stats that a call
/// screen and a test need (transport, one entry per stream in each direction, data channels).
public struct PeerConnectionStatistics: Sendable, Equatable {
    public struct Transport: Sendable, Equatable {
        public var iceState: IceConnectionState = .new
        /// `host 127.0.0.1:5000 ↔ host 127.0.0.1:6000 (udp)` once a pair is selected; a relayed
        /// one ends `(udp, relayed over TCP)` when the TURN server is reached over a stream.
        public var selectedPair: String?
        /// The selected pair's candidate types (RTCIceCandidateStats.candidateType: host, srflx,
        /// prflx, relay) and, for a local relay, how its TURN server is reached (relayProtocol).
        public var localCandidateType: String?
        public var remoteCandidateType: String?
        public var relayProtocol: String?
        /// What the selected pair itself runs on (RTCIceCandidateStats.protocol): udp, or tcp for ICE-TCP.
        public var candidateProtocol: String?
        /// `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, `DTLSv1.2`.
        public var dtlsCipher: String?
        public var dtlsVersion: String?
        /// `AEAD_AES_128_GCM` or `AES_CM_128_HMAC_SHA1_80`.
        public var srtpProfile: String?
        /// Seconds: from RTCP when the far end sends receiver reports, else from ICE's checks.
        public var roundTripTime: Double?
        /// Which of the two `roundTripTime` is.
        public var roundTripSource: PeerConnection.RoundTripSource?
        /// The peer's receive estimate (REMB) in bits per second, when it sends one.
        public var remoteEstimatedBitrate: UInt64?
        /// Our own delay-based estimate for the whole transport (W3C availableOutgoingBitrate),
        /// bits per second, when transport-wide feedback was agreed; and the cuts it made.
        public var availableOutgoingBitrate: Int?
        public var delayBasedDecreases = 0
        public var srtpFailures = 0, rtpMalformed = 0, rtcpMalformed = 0
        /// Authenticated RTP on payload types not agreed (or RTX, until #10), dropped.
        public var rtpUnknownPayload = 0
        /// Datagrams dropped unread: from an address that is not the far end's, or of no protocol we speak.
        public var datagramsDiscarded = 0
        /// STUN that did not parse, or checks that failed authentication (answered 400/401).
        public var stunRejected = 0
        /// ICE connectivity checks we sent and the peer's we received (consent checks not counted).
        public var checksSent = 0, checksReceived = 0
    }

    /// One stream we send (outbound-rtp with its remote-inbound-rtp figures).
    public struct Outbound: Sendable, Equatable {
        public var kind: MediaKind
        public var ssrc: UInt32
        /// `audio/opus` or `video/VP8`.
        public var codec: String
        public var packetsSent = 0, bytesSent = 0
        /// Payload bits per second over the last second.
        public var bitrate = 0.0
        public var framesEncoded = 0, keyframesEncoded = 0
        public var pliReceived = 0, firReceived = 0, nackReceived = 0
        /// The bandwidth estimate for video (bit/s) and the picture size it allows.
        public var targetBitrate = 0
        public var frameWidth = 0, frameHeight = 0
        /// RTX copies of NACKed packets.
        public var retransmittedPacketsSent = 0, retransmittedBytesSent = 0
        /// Audio: how many earlier Opus frames each packet repeats (RED, RFC 2198; 0: none).
        public var redundancy = 0
        public var remotePacketsLost: Int?
        public var remoteFractionLost: Double?
        /// Seconds.
        public var remoteJitter: Double?
        public var roundTripTime: Double?
    }

    /// One stream we receive (inbound-rtp).
    public struct Inbound: Sendable, Equatable {
        public var kind: MediaKind
        public var ssrc: UInt32
        public var codec: String
        public var packetsReceived = 0, bytesReceived = 0
        public var packetsLost = 0
        /// Seconds (RFC 3550 §6.4.1 interarrival jitter).
        public var jitter = 0.0
        public var bitrate = 0.0
        public var framesDecoded = 0, framesIncomplete = 0, decodeErrors = 0
        public var frameWidth = 0, frameHeight = 0
        /// Frames decoded per second over the last second.
        public var framesPerSecond = 0.0
        public var pliSent = 0
        /// Complete frames not decoded because they followed a loss (waiting for a keyframe).
        public var framesDropped = 0
        /// W3C freezeCount / totalFreezesDuration (seconds), and the longest gap between decoded
        /// frames (seconds) — what a person sees as the picture stopping.
        public var freezeCount = 0
        public var totalFreezesDuration = 0.0
        public var longestFrameGap = 0.0
        /// Sequence numbers we NACKed, retransmissions that arrived, gaps given up on.
        public var nackCount = 0, retransmittedPacketsReceived = 0, gapsSkipped = 0
        /// Audio: lost packets rebuilt from the redundancy in later ones (RED).
        public var recoveredByRedundancy = 0
    }

    public struct DataChannels: Sendable, Equatable {
        public var opened = 0, closed = 0
        public var messagesSent = 0, messagesReceived = 0, bytesSent = 0, bytesReceived = 0
    }

    public var transport = Transport()
    public var outbound: [Outbound] = []
    public var inbound: [Inbound] = []
    public var dataChannels = DataChannels()

    public func outbound(_ kind: MediaKind) -> Outbound? { outbound.first { $0.kind == kind } }
    public func inbound(_ kind: MediaKind) -> Inbound? { inbound.first { $0.kind == kind } }
}

/// A rate over the last second from a running total, in 100 ms buckets: cheap to feed on every
/// packet, and it reads zero again once the stream stops.
struct RateMeter: Sendable {
    private var buckets = [Int](repeating: 0, count: 10)
    private var bucketStart: Int64 = 0

    mutating func add(_ amount: Int, now: Int64) {
        advance(to: now)
        buckets[Int((now / 100) % 10)] += amount
    }

    /// Per second over the ten buckets ending at `now`.
    mutating func rate(now: Int64) -> Double {
        advance(to: now)
        return Double(buckets.reduce(0, +))
    }

    private mutating func advance(to now: Int64) {
        let current = now / 100
        guard current > bucketStart else { return }
        let stale = min(10, current - bucketStart)
        for step in 1...stale { buckets[Int((bucketStart + step) % 10)] = 0 }
        bucketStart = current
    }
}

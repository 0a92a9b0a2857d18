import PeerConnection

/// One far end's figures, as `{"cmd":"stats"}` prints them (JSON keys are these names in
/// snake_case: `videoFramesDecoded` → `video_frames_decoded`), and what benchmarks read. Built
/// from the leg, its peer connection's getStats-like `statistics()` and its jitter buffer.
public struct LegStatistics: Codable, Sendable, Equatable {
    public var id = 0
    public var secured = false, closed = false
    public var ice = "", signaling = ""
    public var verification: String?
    // Audio.
    public var audioPacketsReceived = 0, audioPacketsSent = 0, audioPacketsLost = 0
    public var audioPlayed = 0, audioConcealed = 0, audioBufferedMs = 0
    /// Packets the jitter buffer played shortened (to drain) or lengthened (to fill), and its target.
    public var audioAccelerated = 0, audioStretched = 0, audioTargetMs = 0
    /// Packets that came after their slot was concealed, slots rebuilt from the next packet's Opus
    /// in-band FEC, and slots concealed with nothing buffered (each one delays what follows).
    public var audioLate = 0, audioRecoveredFec = 0, audioUnderruns = 0
    public var audioJitterMs = 0.0
    /// RED: earlier frames each packet we send repeats, and lost packets rebuilt from the far end's.
    public var audioRedundancy = 0, audioRecoveredRed = 0
    // Video in.
    public var videoFramesDecoded = 0, videoFps = 0.0, videoWidth = 0, videoBitrate = 0.0, videoBytesReceived = 0
    public var videoPacketsLost = 0, freezeCount = 0, longestFrameGapMs = 0, framesDropped = 0
    public var pliSent = 0, nackSent = 0, rtxReceived = 0
    // Video out.
    public var videoFramesSent = 0, keyframesSent = 0, videoWidthSent = 0, videoBitrateSent = 0.0, videoTargetBitrate = 0
    public var pliReceived = 0, nackReceived = 0, rtxSent = 0
    /// The delay-based estimate for the whole transport (bit/s; nil without transport-wide
    /// feedback) and the cuts it made.
    public var availableOutgoingBitrate: Int?
    public var delayBasedDecreases = 0
    // Chat.
    public var chatReceived = 0
    // The path.
    public var dtlsCipher = "", srtpProfile = "", selectedPair = ""
    public var rttMs: Double?
    /// rtcp, or ice when the far end sends no receiver reports (then the consent checks measure it).
    public var rttSource: String?
    public var localCandidateType = "", remoteCandidateType = "", relayProtocol = "", candidateProtocol = ""
    public var iceChecksSent = 0, iceChecksReceived = 0, iceRestarts = 0
    // Hostile input, dropped and counted.
    public var datagramsDiscarded = 0, srtpFailures = 0, stunRejected = 0, rtpMalformed = 0, rtcpMalformed = 0

    public init() {}
}

extension Call {
    /// Every far end's figures, oldest leg first.
    public func statistics() -> [LegStatistics] { legs.map { statistics(of: $0) } }

    public func statistics(of leg: CallLeg) -> LegStatistics {
        let st = leg.peer.statistics()
        var s = LegStatistics()
        s.id = leg.id
        s.secured = leg.isSecured
        s.closed = leg.isClosed
        s.ice = "\(st.transport.iceState)"
        s.signaling = leg.peer.signalingState.rawValue
        s.verification = leg.verificationCode
        s.audioPacketsReceived = leg.audioPacketsReceived
        s.audioPacketsSent = st.outbound(.audio)?.packetsSent ?? 0
        s.audioPacketsLost = st.inbound(.audio)?.packetsLost ?? 0
        if let buffer = audio.receiver(leg.id)?.buffer {
            s.audioPlayed = buffer.statistics.played
            s.audioConcealed = buffer.statistics.concealed
            s.audioBufferedMs = buffer.bufferedMilliseconds
            s.audioAccelerated = buffer.statistics.accelerated
            s.audioStretched = buffer.statistics.stretched
            s.audioTargetMs = buffer.targetMilliseconds
            s.audioLate = buffer.statistics.late
            s.audioRecoveredFec = buffer.statistics.recovered
            s.audioUnderruns = buffer.statistics.underruns
        }
        s.audioJitterMs = (st.inbound(.audio)?.jitter ?? 0) * 1000
        s.audioRedundancy = st.outbound(.audio)?.redundancy ?? 0
        s.audioRecoveredRed = st.inbound(.audio)?.recoveredByRedundancy ?? 0
        if let video = st.inbound(.video) {
            s.videoFps = video.framesPerSecond
            s.videoWidth = video.frameWidth
            s.videoBitrate = video.bitrate
            s.videoBytesReceived = video.bytesReceived
            s.videoPacketsLost = video.packetsLost
            s.freezeCount = video.freezeCount
            s.longestFrameGapMs = Int(video.longestFrameGap * 1000)
            s.framesDropped = video.framesDropped
            s.pliSent = video.pliSent
            s.nackSent = video.nackCount
            s.rtxReceived = video.retransmittedPacketsReceived
        }
        s.videoFramesDecoded = leg.remoteFramesDecoded
        if let video = st.outbound(.video) {
            s.videoFramesSent = video.framesEncoded
            s.keyframesSent = video.keyframesEncoded
            s.videoWidthSent = video.frameWidth
            s.videoBitrateSent = video.bitrate
            s.videoTargetBitrate = video.targetBitrate
            s.pliReceived = video.pliReceived
            s.nackReceived = video.nackReceived
            s.rtxSent = video.retransmittedPacketsSent
        }
        s.availableOutgoingBitrate = st.transport.availableOutgoingBitrate
        s.delayBasedDecreases = st.transport.delayBasedDecreases
        s.chatReceived = leg.chatReceived
        s.dtlsCipher = st.transport.dtlsCipher ?? ""
        s.srtpProfile = st.transport.srtpProfile ?? ""
        s.selectedPair = st.transport.selectedPair ?? ""
        s.rttMs = st.transport.roundTripTime.map { $0 * 1000 }
        s.rttSource = st.transport.roundTripSource?.rawValue
        s.localCandidateType = st.transport.localCandidateType ?? ""
        s.remoteCandidateType = st.transport.remoteCandidateType ?? ""
        s.relayProtocol = st.transport.relayProtocol ?? ""
        s.candidateProtocol = st.transport.candidateProtocol ?? ""
        s.iceChecksSent = st.transport.checksSent
        s.iceChecksReceived = st.transport.checksReceived
        s.iceRestarts = leg.iceRestarts
        s.datagramsDiscarded = st.transport.datagramsDiscarded
        s.srtpFailures = st.transport.srtpFailures
        s.stunRejected = st.transport.stunRejected
        s.rtpMalformed = st.transport.rtpMalformed
        s.rtcpMalformed = st.transport.rtcpMalformed
        return s
    }
}

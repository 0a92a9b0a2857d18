import Codecs
import MediaCore
import RTP
import SRTP

/// Running totals behind `statistics(now:)` that RTCP does not keep.
struct MediaCounters: Sendable {
    var srtpFailures = 0, rtpMalformed = 0, rtpUnknownPayload = 0
    var framesEncoded = 0, keyframesEncoded = 0
    var framesDecoded = 0, framesIncomplete = 0, decodeErrors = 0
    var frameWidth = 0, frameHeight = 0
    var channelsOpened = 0, channelsClosed = 0
    var messagesSent = 0, messagesReceived = 0, messageBytesSent = 0, messageBytesReceived = 0
    var sentBytes: [MediaKind: RateMeter] = [.audio: RateMeter(), .video: RateMeter()]
    var receivedBytes: [MediaKind: RateMeter] = [.audio: RateMeter(), .video: RateMeter()]
    var decodedFrames = RateMeter()
}

extension PeerConnection {
    /// Sends one Opus frame as RTP/SRTP on the audio section (RFC 7587); false until DTLS is up,
    /// or when audio is not negotiated to send. `timestampAdvance` is 960 for 20 ms.
    @discardableResult
    public func sendAudio(_ opus: [UInt8], timestampAdvance: UInt32 = 960) -> Bool {
        defer { audioTimestamp &+= timestampAdvance }
        guard let outbound = srtpOutbound, let pt = audioPayloadType, canSend(.audio) else { return false }
        audioSequence &+= 1
        let packet = RtpPacket(payloadType: pt, sequenceNumber: audioSequence, timestamp: audioTimestamp, ssrc: audioSSRC, payload: opus)
        guard let protected = try? outbound.protect(packet.serialized()) else { return false }
        rtcp.sent(packet, now: ice.now)
        counters.sentBytes[.audio]?.add(opus.count, now: ice.now)
        return ice.send(protected)
    }

    /// Advances the audio RTP clock without sending (a DTX frame the sender chose not to transmit).
    public func skipAudio(timestampAdvance: UInt32 = 960) { audioTimestamp &+= timestampAdvance }

    /// Encodes one picture with VP8 and sends it as RTP/SRTP (RFC 7741) on the video section;
    /// `timestamp` is the 90 kHz media time. False until DTLS is up, or when video is not
    /// negotiated to send.
    @discardableResult
    public func sendVideo(_ frame: VideoFrame, timestamp: UInt32) -> Bool {
        guard let outbound = srtpOutbound, let pt = videoPayloadType, canSend(.video) else { return false }
        if videoEncoder?.width != frame.width || videoEncoder?.height != frame.height {
            videoEncoder = try? Vp8Encoder(width: frame.width, height: frame.height)
        }
        guard let encoder = videoEncoder, let encoded = try? encoder.encode(frame) else { return false }
        let now = ice.now
        for picture in encoded {
            let payloads = videoPacketizer.packetize(picture.data)
            for (i, payload) in payloads.enumerated() {
                videoSequence &+= 1
                let packet = RtpPacket(marker: i == payloads.count - 1, payloadType: pt, sequenceNumber: videoSequence, timestamp: timestamp, ssrc: videoSSRC, payload: payload)
                if let protected = try? outbound.protect(packet.serialized()) {
                    rtcp.sent(packet, now: now)
                    counters.sentBytes[.video]?.add(payload.count, now: now)
                    ice.send(protected)
                }
            }
            counters.framesEncoded += 1
            if picture.isKeyframe { counters.keyframesEncoded += 1 }
        }
        return true
    }

    /// True when `kind` is negotiated in a direction that sends and we have that track.
    public func canSend(_ kind: MediaKind) -> Bool {
        tracks.contains(kind) && transceivers.contains { $0.mediaKind == kind && $0.sends }
    }

    // MARK: receiving

    /// SRTP or SRTCP from the peer (RFC 5761 §4: packet types 192–223 in the second byte are RTCP).
    func receiveSecureMedia(_ bytes: [UInt8]) {
        guard let inbound = srtpInbound, bytes.count >= 2 else { return }
        let now = ice.now
        if (192...223).contains(bytes[1]) {
            guard let plain = try? inbound.unprotectRTCP(bytes) else { counters.srtpFailures += 1; return }
            for request in rtcp.receivedCompound(plain, now: now) {
                if case .keyframe = request { videoEncoder?.requestKeyframe() }
            }
            return
        }
        guard let plain = try? inbound.unprotect(bytes) else { counters.srtpFailures += 1; return }
        guard let packet = try? RtpPacket.parse(plain) else { counters.rtpMalformed += 1; return }
        if packet.payloadType == audioPayloadType {
            rtcp.received(packet, kind: .audio, now: now)
            counters.receivedBytes[.audio]?.add(packet.payload.count, now: now)
            events.append(.audio(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload))
        } else if packet.payloadType == videoPayloadType {
            rtcp.received(packet, kind: .video, now: now)
            counters.receivedBytes[.video]?.add(packet.payload.count, now: now)
            for event in videoDepacketizer.push(packet) {
                switch event {
                case let .frame(frame):
                    do throws(CodecError) {
                        for picture in try videoDecoder?.decode(frame.data) ?? [] {
                            counters.framesDecoded += 1
                            counters.decodedFrames.add(1, now: now)
                            counters.frameWidth = picture.width
                            counters.frameHeight = picture.height
                            events.append(.video(picture))
                        }
                    } catch {
                        // The decoder lost its reference: only a keyframe repairs that (RFC 4585 §6.3.1).
                        counters.decodeErrors += 1
                        rtcp.requestKeyframe(ssrc: packet.ssrc, now: now)
                    }
                case .incompleteFrame:
                    counters.framesIncomplete += 1
                    rtcp.requestKeyframe(ssrc: packet.ssrc, now: now) // NACK/RTX repair comes with #10
                }
            }
        } else {
            counters.rtpUnknownPayload += 1 // RTX and payload types we did not agree on
        }
    }

    /// Sends due RTCP: reports on schedule, keyframe requests at once.
    func flushRtcp() {
        guard let outbound = srtpOutbound else { return }
        for compound in rtcp.poll(now: ice.now) {
            if let protected = try? outbound.protectRTCP(compound) { ice.send(protected) }
        }
    }

    // MARK: getStats

    /// The figures of W3C webrtc-stats a call needs: transport, each stream both ways, data channels.
    public func statistics() -> PeerConnectionStatistics {
        let now = ice.now
        var stats = PeerConnectionStatistics()
        stats.transport.iceState = ice.agent.state
        if let pair = ice.agent.selectedCandidates {
            stats.transport.selectedPair = "\(pair.local.kind.rawValue) \(pair.local.address.map { "\($0)" } ?? "?") ↔ \(pair.remote.kind.rawValue) \(pair.remote.address.map { "\($0)" } ?? "?") (udp)"
        }
        stats.transport.dtlsCipher = dtls?.cipherSuite
        stats.transport.dtlsVersion = dtls?.protocolVersion
        stats.transport.srtpProfile = srtpOutbound?.profile.rawValue
        stats.transport.remoteEstimatedBitrate = rtcp.lastRemoteEstimate
        stats.transport.srtpFailures = counters.srtpFailures
        stats.transport.rtpMalformed = counters.rtpMalformed
        stats.transport.rtcpMalformed = rtcp.malformed
        stats.transport.rtpUnknownPayload = counters.rtpUnknownPayload
        for kind in MediaKind.allCases {
            let ssrc = kind == .audio ? audioSSRC : videoSSRC
            guard let out = rtcp.outbound[ssrc], out.packetsSent > 0 else { continue }
            var s = PeerConnectionStatistics.Outbound(kind: kind, ssrc: ssrc, codec: kind == .audio ? "audio/opus" : "video/VP8")
            s.packetsSent = out.packetsSent
            s.bytesSent = out.bytesSent
            s.bitrate = 8 * (counters.sentBytes[kind]?.rate(now: now) ?? 0)
            if kind == .video { s.framesEncoded = counters.framesEncoded; s.keyframesEncoded = counters.keyframesEncoded }
            s.pliReceived = out.pliReceived
            s.firReceived = out.firReceived
            s.nackReceived = out.nackReceived
            s.remotePacketsLost = out.remotePacketsLost
            s.remoteFractionLost = out.remoteFractionLost
            s.remoteJitter = out.remoteJitter
            s.roundTripTime = out.roundTripTime
            if let rtt = out.roundTripTime { stats.transport.roundTripTime = rtt }
            stats.outbound.append(s)
        }
        for (ssrc, stream) in rtcp.inbound.sorted(by: { $0.key < $1.key }) {
            var s = PeerConnectionStatistics.Inbound(kind: stream.kind, ssrc: ssrc, codec: stream.kind == .audio ? "audio/opus" : "video/VP8")
            s.packetsReceived = Int(stream.statistics.packetsReceived)
            s.bytesReceived = stream.bytesReceived
            s.packetsLost = Int(max(0, stream.statistics.cumulativeLost))
            s.jitter = stream.statistics.jitter / Double(stream.kind.clockRate)
            s.bitrate = 8 * (counters.receivedBytes[stream.kind]?.rate(now: now) ?? 0)
            s.pliSent = stream.pliSent
            if stream.kind == .video {
                s.framesDecoded = counters.framesDecoded
                s.framesIncomplete = counters.framesIncomplete
                s.decodeErrors = counters.decodeErrors
                s.frameWidth = counters.frameWidth
                s.frameHeight = counters.frameHeight
                s.framesPerSecond = counters.decodedFrames.rate(now: now)
            }
            stats.inbound.append(s)
        }
        stats.dataChannels = .init(opened: counters.channelsOpened, closed: counters.channelsClosed, messagesSent: counters.messagesSent,
                                   messagesReceived: counters.messagesReceived, bytesSent: counters.messageBytesSent, bytesReceived: counters.messageBytesReceived)
        return stats
    }
}

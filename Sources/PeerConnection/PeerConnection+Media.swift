import CongestionControl
import MediaCore
import RTP
import SRTP

/// Running totals behind `statistics(now:)` that RTCP does not keep.
struct MediaCounters: Sendable {
    var srtpFailures = 0, rtpMalformed = 0, rtpUnknownPayload = 0
    var framesEncoded = 0, keyframesEncoded = 0, sentWidth = 0, sentHeight = 0
    var framesDecoded = 0, framesIncomplete = 0, decodeErrors = 0
    var frameWidth = 0, frameHeight = 0
    var channelsOpened = 0, channelsClosed = 0
    var messagesSent = 0, messagesReceived = 0, messageBytesSent = 0, messageBytesReceived = 0
    var sentBytes: [MediaKind: RateMeter] = [.audio: RateMeter(), .video: RateMeter()]
    /// Audio's datagrams whole (headers and SRTP tag): its share of what the transport carries.
    var audioWireBytes = RateMeter()
    /// Video's datagrams as they leave the pacer (retransmissions too), and the encoded bytes
    /// among them: the share of the video rate the encoder's output gets.
    var videoWireBytes = RateMeter(), videoEncodedBytesSent = RateMeter()
    var receivedBytes: [MediaKind: RateMeter] = [.audio: RateMeter(), .video: RateMeter()]
    var decodedFrames = RateMeter()
    /// Loss repair: NACKed packets we resent / they resent to us; frames we skipped while waiting
    /// for a keyframe; sequence numbers we asked for.
    var retransmittedPacketsSent = 0, retransmittedBytesSent = 0, retransmittedPacketsReceived = 0
    var framesDropped = 0, nackSequenceNumbersSent = 0
    /// Audio packets rebuilt from RED blocks in later packets.
    var audioRecoveredByRedundancy = 0
    /// Freezes (W3C webrtc-stats: a gap between decoded frames longer than max(3 × the mean
    /// interval, the mean + 150 ms)) and the longest gap, both in ms.
    var lastDecodedAt: Int64?
    var meanFrameInterval = 33.0
    var freezeCount = 0, totalFreezeMilliseconds = 0, longestFrameGap: Int64 = 0
}

extension PeerConnection {
    /// Sends one Opus frame as RTP/SRTP on the audio section (RFC 7587); false until DTLS is up,
    /// or when audio is not negotiated to send. `timestampAdvance` is 960 for 20 ms.
    @discardableResult
    public func sendAudio(_ opus: [UInt8], timestampAdvance: UInt32 = 960) -> Bool {
        defer { audioTimestamp &+= timestampAdvance }
        guard let outbound = srtpOutbound, let pt = audioPayloadType, canSend(.audio) else { return false }
        audioSequence &+= 1
        var packet = RtpPacket(payloadType: pt, sequenceNumber: audioSequence, timestamp: audioTimestamp, ssrc: audioSSRC, payload: opus)
        if let red = audioRedPayloadType {
            packet.payloadType = red
            // Deeper redundancy only with room for it: on a path at the lowest video rate with no
            // delay-based room either, the losses are the congestion's, and repeating more would
            // add to it. Loss with a queue-free path (the delay-based half sees room) is the
            // path's own: repeat as deep as its bursts need.
            let room = sendRate.target > 2 * sendRate.minimum
                || (sendRate.delayBasedHeadroom ?? 0) >= AudioRedundancy.headroomForDeepRedundancy
            packet.payload = audioRedundancy.wrap(opus, payloadType: pt, timestamp: audioTimestamp, duration: timestampAdvance, loss: audioLossFraction,
                                                  roomToSpare: room)
        }
        rtcp.sent(packet, now: now)
        counters.sentBytes[.audio]?.add(opus.count, now: now)
        noteSpeech(frameBytes: opus.count, timestampAdvance: timestampAdvance)
        let transportSequence = sendSide?.nextExtendedSequenceNumber
        guard let size = send(packet, with: outbound) else { return false }
        if let transportSequence, audioRedPayloadType != nil { audioRedundancy.sent(transportSequence: transportSequence) }
        counters.audioWireBytes.add(size, now: now)
        return true
    }

    /// Stamps `packet` with the next transport-wide sequence number (when agreed), protects it and
    /// sends it, logging it for the estimator. Returns the datagram's size, nil if it was not sent.
    func send(_ packet: RtpPacket, with outbound: SrtpSession) -> Int? {
        var packet = packet
        if let estimator = sendSide { packet.setTransportSequenceNumber(estimator.nextSequenceNumber, in: extensions) }
        guard let protected = try? outbound.protect(packet.serialized()), transmit(protected) else { return nil }
        sendSide?.sent(size: protected.count, now: now)
        return protected.count
    }

    /// A packet's size on the wire, for pacing: RTP header, the transport sequence number's
    /// extension, and the SRTP tag, around the payload.
    static func wireSize(_ packet: RtpPacket) -> Int { 12 + 8 + packet.payload.count + 16 }

    /// Keeps the speaking state: at the first speech after a pause, video leaves audio its
    /// speaking rate at once, not when the next feedback comes. Speech is frames sent back to
    /// back (consecutive RTP timestamps) above DTX's 1–2 bytes; through a pause only DTX's
    /// comfort-noise updates go, one per 400 ms, none next to another (RFC 6716 §2.1.9).
    private func noteSpeech(frameBytes: Int, timestampAdvance: UInt32) {
        defer { lastAudioSentTimestamp = audioTimestamp }
        guard frameBytes > 2, lastAudioSentTimestamp.map({ audioTimestamp &- $0 == timestampAdvance }) == true else { return }
        let resumed = lastSpeechAt.map { now - $0 >= Self.speechPause } ?? true
        lastSpeechAt = now
        if resumed {
            speechStartedAt = now
            sendSide?.makeRoomForSpeech(now: now)
            limitVideoByTheDelayBasedEstimate()
        } else if let start = speechStartedAt, now - start >= 1_000 {
            audioSpeakingRate = Int(8 * counters.audioWireBytes.rate(now: now))
        }
    }

    /// Advances the audio RTP clock without sending (a DTX frame the sender chose not to transmit).
    public func skipAudio(timestampAdvance: UInt32 = 960) { audioTimestamp &+= timestampAdvance }

    /// Sends one VP8 frame (RFC 7741), encoded by the caller's video pipeline, as RTP/SRTP on the
    /// video section; `timestamp` is the 90 kHz media time, `width`×`height` the encoded picture's
    /// size (for statistics). False until DTLS is up, or when video is not negotiated to send.
    @discardableResult
    public func sendVideo(_ frame: EncodedVideoFrame, timestamp: UInt32) -> Bool {
        guard srtpOutbound != nil, let pt = videoPayloadType, canSend(.video) else { return false }
        let payloads = videoPacketizer.packetize(frame.data)
        for (i, payload) in payloads.enumerated() {
            videoSequence &+= 1
            let packet = RtpPacket(marker: i == payloads.count - 1, payloadType: pt, sequenceNumber: videoSequence, timestamp: timestamp, ssrc: videoSSRC, payload: payload)
            sentVideo.sent(packet, now: now)
            rtcp.sent(packet, now: now)
            videoPacer.enqueue(packet, size: Self.wireSize(packet))
            counters.sentBytes[.video]?.add(payload.count, now: now)
        }
        counters.framesEncoded += 1
        if frame.isKeyframe { counters.keyframesEncoded += 1 }
        counters.sentWidth = frame.width
        counters.sentHeight = frame.height
        return true
    }

    /// Bits per second the path carries for video now (the send-side estimate, `SendRateController`):
    /// what the video pipeline sizes and encodes its pictures for.
    public var videoTargetBitrate: Int { sendRate.target }

    /// The video pipeline decoded a frame the transport handed it (`.videoFrame`): counted, and
    /// timed for freezes (W3C webrtc-stats).
    public func videoDecoded(width: Int, height: Int) {
        counters.framesDecoded += 1
        counters.decodedFrames.add(1, now: now)
        counters.frameWidth = width
        counters.frameHeight = height
        if let last = counters.lastDecodedAt {
            let gap = now - last
            let mean = counters.meanFrameInterval
            if Double(gap) > max(3 * mean, mean + 150) {
                counters.freezeCount += 1
                counters.totalFreezeMilliseconds += Int(gap)
            }
            counters.longestFrameGap = max(counters.longestFrameGap, gap)
            // The mean follows the stream's frame rate (about the last 30 frames).
            counters.meanFrameInterval = mean + (Double(min(gap, 1_000)) - mean) / 30
        }
        counters.lastDecodedAt = now
    }

    /// The decoder lost its reference (a frame it could not decode): only a keyframe repairs
    /// that, so ask for one (RFC 4585 §6.3.1 PLI) and drop delta frames until it comes.
    public func videoDecodeFailed() {
        counters.decodeErrors += 1
        awaitingKeyframe = true
        if let ssrc = remoteVideoSsrc { rtcp.requestKeyframe(ssrc: ssrc, now: now) }
    }

    /// True when a video frame given to `sendVideo` now would go out.
    public var canSendVideoNow: Bool { srtpOutbound != nil && videoPayloadType != nil && canSend(.video) }

    /// True when `kind` is negotiated in a direction that sends and we have that track.
    public func canSend(_ kind: MediaKind) -> Bool {
        tracks.contains(kind) && transceivers.contains { $0.mediaKind == kind && $0.sends }
    }

    // MARK: round trip

    /// Where a round-trip figure came from.
    public enum RoundTripSource: String, Sendable, Equatable {
        /// RTCP: our sender report and the far end's receiver report on it (RFC 3550 §6.4.1).
        case rtcp
        /// ICE: the selected pair's connectivity and consent checks (RFC 7675), for a far end that
        /// sends no receiver reports.
        case ice
    }

    /// The path's round trip: RTCP's (video's, else audio's) when the far end reports on our
    /// streams, else ICE's checks', which every path has: for statistics and rate control. Repair
    /// timing (NACK retries, the receive buffer's wait) keeps to RTCP's figure or its defaults:
    /// ICE's was measured before media queued, so on a loaded path it is too short to time
    /// retries by.
    public var roundTrip: (seconds: Double, source: RoundTripSource)? {
        if let rtt = rtcpRoundTrip { return (rtt, .rtcp) }
        if let ms = ice.selectedRoundTrip { return (Double(ms) / 1000, .ice) }
        return nil
    }

    /// RTCP's round trip (seconds): video's, else audio's.
    var rtcpRoundTrip: Double? { rtcp.outbound[videoSSRC]?.roundTripTime ?? rtcp.outbound[audioSSRC]?.roundTripTime }

    /// Without receiver reports on our video, each new ICE round trip is the rate controller's
    /// only signal (it may cut, never grow: `SendRateController.roundTripWithoutReports`).
    func rateFromIceRoundTrip() {
        let samples = ice.selectedRoundTripSamples
        guard samples != iceRoundTripSamplesSeen else { return }
        iceRoundTripSamplesSeen = samples
        guard videoReportsReceived == 0, canSend(.video), let ms = ice.selectedRoundTrip else { return }
        sendRate.roundTripWithoutReports(Double(ms) / 1000, sentBitrate: Int(8 * (counters.sentBytes[.video]?.rate(now: now) ?? 0)), now: now)
    }

    /// The far end's transport-wide feedback on what we sent: the delay-based estimate for the
    /// whole transport, less what audio takes, limits video.
    private func delayBasedEstimate(from feedback: TransportFeedback) {
        guard sendSide != nil else { return }
        if let rtt = roundTrip?.seconds { sendSide!.roundTrip(rtt) }
        let results = sendSide!.received(feedback, now: now)
        if audioRedPayloadType != nil { audioRedundancy.observe(results) }
        limitVideoByTheDelayBasedEstimate()
    }

    /// Video gets the transport's delay-based estimate less what audio takes. While someone
    /// speaks, the path's limit is not probed: finding it means filling its queue, and the voice
    /// waits in that queue. So with a limit known, the transport keeps to 85 % of it until a
    /// pause, when video may climb again and find where the limit is now.
    func limitVideoByTheDelayBasedEstimate() {
        guard sendSide != nil else { return }
        let hold = isSpeaking ? sendSide!.knownLimit.map { $0 * 85 / 100 } : nil
        sendSide!.holdGrowth(below: hold)
        let room = min(sendSide!.estimate, hold ?? .max)
        sendRate.delayBasedLimit(max(0, room - audioReserve()), now: now)
    }

    /// Speech frames went out within the last `speechPause`.
    var isSpeaking: Bool { canSend(.audio) && lastSpeechAt.map { now - $0 < Self.speechPause } == true }

    /// A gap in speech frames this long (ms) is a pause: video may take audio's room until
    /// speech resumes. Shorter gaps (between words) keep the room for the voice.
    static let speechPause: Int64 = 1_000

    /// What video leaves to audio (bit/s): while someone speaks, what audio sends while speaking
    /// (measured, and at least a 40 kbit/s Opus stream with its headers and, with RED, one
    /// repeat); through a pause, only what DTX sends, so the path stays full of picture. The
    /// switch at speech onset is immediate (`noteSpeech`): a reserve that followed a one-second
    /// rate meter would leave video a second of the room speech needs, and the queue would
    /// fill just as the voice starts.
    func audioReserve() -> Int {
        let measured = Int(8 * counters.audioWireBytes.rate(now: now))
        guard isSpeaking else { return measured }
        return max(measured, audioSpeakingRate ?? 0, audioRedPayloadType != nil ? 100_000 : 60_000)
    }

    /// The rate for the video encoder (bit/s): the video target less what packet headers, the
    /// SRTP tag and retransmissions take of it, as measured on what left the pacer in the last
    /// second (5–10 % at 30 small frames a second; more under loss).
    public var videoEncoderBitrate: Int {
        let wire = counters.videoWireBytes.rate(now: now), encoded = counters.videoEncodedBytesSent.rate(now: now)
        let share = wire >= 2_000 ? min(0.97, max(0.6, encoded / wire)) : 0.9
        return Int(Double(sendRate.target) * share)
    }

    // MARK: receiving

    /// SRTCP from the peer: reports, feedback, keyframe requests.
    func receiveSecureControl(_ bytes: [UInt8]) {
        guard let inbound = srtpInbound else { return }
        guard let plain = try? inbound.unprotectRTCP(bytes) else { counters.srtpFailures += 1; return }
        for request in rtcp.receivedCompound(plain, now: now) {
            switch request {
            case .keyframe: events.append(.keyframeRequested)
            case let .reportReceived(ssrc) where ssrc == audioSSRC:
                if let out = rtcp.outbound[ssrc] {
                    audioLossFraction = audioLoss.report(fractionLost: out.remoteFractionLost ?? 0, cumulativeLost: out.remotePacketsLost ?? 0,
                                                         extendedHighestSequence: out.remoteHighestSequence ?? 0)
                }
            case let .reportReceived(ssrc) where ssrc == videoSSRC:
                videoReportsReceived += 1
                if let rtt = ice.selectedRoundTrip { sendRate.pathRoundTrip(Double(rtt) / 1000, now: now) }
                if let out = rtcp.outbound[ssrc] {
                    let sent = Int(8 * (counters.sentBytes[.video]?.rate(now: now) ?? 0))
                    let lost = videoLoss.report(fractionLost: out.remoteFractionLost ?? 0, cumulativeLost: out.remotePacketsLost ?? 0,
                                                extendedHighestSequence: out.remoteHighestSequence ?? 0)
                    sendRate.report(fractionLost: lost, roundTrip: out.roundTripTime, sentBitrate: sent, now: now)
                }
            case let .estimatedBitrate(bps): sendRate.remoteEstimate(Int(min(bps, UInt64(Int.max))), now: now)
            case let .transportFeedback(feedback): delayBasedEstimate(from: feedback)
            case let .retransmit(ssrc, sequenceNumbers) where ssrc == videoSSRC: retransmit(sequenceNumbers, now: now)
            default: break
            }
        }
    }

    /// SRTP from the peer: audio to the pipeline, video into the receive buffer, RTX unwrapped.
    func receiveSecureMedia(_ bytes: [UInt8]) {
        guard let inbound = srtpInbound else { return }
        guard let plain = try? inbound.unprotect(bytes) else { counters.srtpFailures += 1; return }
        guard let packet = try? RtpPacket.parse(plain) else { counters.rtpMalformed += 1; return }
        if transportFeedback != nil, let sequence = packet.transportSequenceNumber(in: extensions) {
            transportFeedback?.received(transportSequenceNumber: sequence, mediaSsrc: packet.ssrc, arrivalMicroseconds: arrivalMicroseconds, now: now)
        }
        switch receivePayloadTypes[packet.payloadType] {
        case .audio:
            rtcp.received(packet, kind: .audio, now: now)
            counters.receivedBytes[.audio]?.add(packet.payload.count, now: now)
            _ = audioArrivals.firstArrival(packet.sequenceNumber)
            events.append(.audio(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload))
        case .video:
            rtcp.received(packet, kind: .video, now: now)
            counters.receivedBytes[.video]?.add(packet.payload.count, now: now)
            if packet.ssrc != remoteVideoSsrc {
                // A new sender SSRC (the peer re-added its camera on a fresh m-line): follow it once
                // the old stream has gone quiet, starting clean — its first frame is a keyframe.
                if let last = lastRemoteVideoAt, now - last < 300, remoteVideoSsrc != nil { return }
                remoteVideoSsrc = packet.ssrc
                videoPackets = VideoPacketBuffer()
                videoDepacketizer = Vp8Depacketizer()
                videoNack = nil
            }
            lastRemoteVideoAt = now
            noteForNack(packet, now: now)
            for ordered in videoPackets.insert(packet, now: now) { assemble(ordered, now: now) }
        case let .red(opus):
            rtcp.received(packet, kind: .audio, now: now)
            counters.receivedBytes[.audio]?.add(packet.payload.count, now: now)
            guard let red = try? RedPayload.parse(packet.payload), red.primaryPayloadType == opus else { counters.rtpMalformed += 1; return }
            // Each redundant block is an earlier packet's frame, oldest first (RFC 2198 §3): the
            // ones whose packet never came are played from here.
            for (index, block) in red.redundant.enumerated() where block.payloadType == opus && block.timestampOffset > 0 {
                let sequence = packet.sequenceNumber &- UInt16(red.redundant.count - index)
                guard audioArrivals.firstArrival(sequence) else { continue }
                counters.audioRecoveredByRedundancy += 1
                events.append(.recoveredAudio(sequence: sequence, timestamp: packet.timestamp &- UInt32(block.timestampOffset), payload: block.data))
            }
            if audioArrivals.firstArrival(packet.sequenceNumber) {
                events.append(.audio(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: red.primary))
            }
        case let .rtx(pt):
            // A retransmission (RFC 4588 §4): the original packet, back in its own stream. Padding-only
            // RTX packets (bandwidth probes) carry no original and are dropped here.
            guard let ssrc = remoteVideoSsrc,
                  let original = try? RtxPayload.unwrap(packet, originalSsrc: ssrc, originalPayloadType: pt) else { return }
            counters.retransmittedPacketsReceived += 1
            counters.receivedBytes[.video]?.add(packet.payload.count, now: now)
            noteForNack(original, now: now)
            for ordered in videoPackets.insert(original, now: now) { assemble(ordered, now: now) }
        case nil:
            counters.rtpUnknownPayload += 1 // payload types we did not agree on
        }
    }

    /// Resends NACKed packets of our video from the history, as RTX when it was negotiated (a
    /// repeat in the media stream itself would trip SRTP's replay protection at the receiver).
    func retransmit(_ sequenceNumbers: [UInt16], now: Int64) {
        guard srtpOutbound != nil, let rtxPayloadType = videoRtxPayloadType else { return }
        // A copy that would wait behind 200 ms of queued video arrives too late to help, and on a
        // congested path retransmissions would only feed the loss they answer.
        guard videoPacer.queueDelay(bitsPerSecond: sendRate.target) < 200 else { return }
        // Once per round trip at most: the peer asks again if the first copy is lost too.
        let interval = max(10, Int64((rtcp.outbound[videoSSRC]?.roundTripTime ?? 0.05) * 1000 * 0.8))
        for sequence in sequenceNumbers {
            guard let original = sentVideo.resend(sequence, now: now, minimumInterval: interval) else { continue }
            videoRtxSequence &+= 1
            let rtx = RtxPayload.wrap(original, rtxSsrc: videoRtxSSRC, rtxPayloadType: rtxPayloadType, rtxSequenceNumber: videoRtxSequence)
            videoPacer.enqueue(rtx, size: Self.wireSize(rtx))
            counters.retransmittedPacketsSent += 1
            counters.retransmittedBytesSent += rtx.payload.count
            counters.sentBytes[.video]?.add(rtx.payload.count, now: now)
        }
    }

    /// The NACK generator watches the media stream (recovered packets included, so it stops
    /// asking), its timing following the round trip.
    private func noteForNack(_ packet: RtpPacket, now: Int64) {
        if videoNack == nil {
            var configuration = NackGenerator.Configuration(senderSsrc: rtcp.feedbackSsrc, mediaSsrc: packet.ssrc)
            // An outage's worth of packets is not asked for: a keyframe repairs it sooner.
            configuration.maximumGap = 100
            videoNack = NackGenerator(configuration: configuration)
        }
        videoNack?.incoming(packet, now: now)
    }

    /// Frames whose missing packets waited too long go to assembly without them; due NACKs and
    /// transport feedback go out.
    func releaseWaitingVideo() {
        if transportFeedback != nil { rtcp.sendFeedback(transportFeedback!.poll(now: now)) }
        // Retry about once a round trip, and wait for repairs about three: a first NACK, a lost
        // retransmission and a second try. Without a measured round trip, assume 100 ms.
        let rtt = Int64((rtcpRoundTrip ?? 0.1) * 1000)
        videoPackets.maximumWait = min(900, max(120, 3 * rtt + 60))
        if var nack = videoNack {
            nack.configuration.retryInterval = min(400, max(20, rtt + rtt / 4))
            nack.configuration.maximumAge = videoPackets.maximumWait
            let feedback = nack.poll(now: now)
            videoNack = nack
            for case let .genericNack(_, _, lost) in feedback { counters.nackSequenceNumbersSent += lost.count }
            rtcp.sendFeedback(feedback)
        }
        for ordered in videoPackets.poll(now: now) { assemble(ordered, now: now) }
        let due = videoPacer.poll(now: now, bitsPerSecond: sendRate.target)
        guard let outbound = srtpOutbound else { return }
        for packet in due {
            guard let size = send(packet, with: outbound) else { continue }
            counters.videoWireBytes.add(size, now: now)
            if packet.ssrc == videoSSRC { counters.videoEncodedBytesSent.add(packet.payload.count - Vp8Packetizer.descriptorLength, now: now) }
        }
    }

    /// In-order packets → VP8 frames → pictures. Only decodable frames reach the decoder: after a
    /// lost frame every delta frame waits for the keyframe we ask for (RFC 4585 §6.3.1 PLI).
    private func assemble(_ packet: RtpPacket, now: Int64) {
        for event in videoDepacketizer.push(packet) {
            switch event {
            case let .frame(frame):
                if frame.followsLoss && !frame.isKeyframe { awaitingKeyframe = true }
                if frame.isKeyframe { awaitingKeyframe = false }
                if awaitingKeyframe {
                    counters.framesDropped += 1
                    rtcp.requestKeyframe(ssrc: packet.ssrc, now: now)
                    continue
                }
                events.append(.videoFrame(EncodedVideoFrame(data: frame.data, isKeyframe: frame.isKeyframe)))
            case .incompleteFrame:
                counters.framesIncomplete += 1
                awaitingKeyframe = true
                rtcp.requestKeyframe(ssrc: packet.ssrc, now: now)
            }
        }
    }

    /// Sends due RTCP: reports on schedule, keyframe requests at once.
    func flushRtcp() {
        guard let outbound = srtpOutbound else { return }
        for compound in rtcp.poll(now: now) {
            if let protected = try? outbound.protectRTCP(compound) { transmit(protected) }
        }
    }

    // MARK: getStats

    /// The figures of W3C webrtc-stats a call needs: transport, each stream both ways, data channels.
    public func statistics() -> PeerConnectionStatistics {
        var stats = PeerConnectionStatistics()
        stats.transport.iceState = ice.state
        if let pair = ice.selectedCandidates {
            let relay = ice.selectedRelayTransport
            let path = relay.map { $0 == .udp ? "udp" : "udp, relayed over \($0.rawValue.uppercased())" } ?? (pair.local.isTCP ? "tcp" : "udp")
            stats.transport.selectedPair = "\(pair.local.kind.rawValue) \(pair.local.address.map { "\($0)" } ?? "?") ↔ \(pair.remote.kind.rawValue) \(pair.remote.address.map { "\($0)" } ?? "?") (\(path))"
            stats.transport.localCandidateType = pair.local.kind.rawValue
            stats.transport.remoteCandidateType = pair.remote.kind.rawValue
            stats.transport.relayProtocol = relay?.rawValue
            stats.transport.candidateProtocol = pair.local.isTCP ? "tcp" : "udp"
        }
        stats.transport.dtlsCipher = dtls?.cipherSuite
        stats.transport.dtlsVersion = dtls?.protocolVersion
        stats.transport.srtpProfile = srtpOutbound?.profile.rawValue
        stats.transport.remoteEstimatedBitrate = rtcp.lastRemoteEstimate
        stats.transport.availableOutgoingBitrate = sendSide?.estimate
        stats.transport.delayBasedDecreases = sendSide?.decreases ?? 0
        stats.transport.srtpFailures = counters.srtpFailures
        stats.transport.rtpMalformed = counters.rtpMalformed
        stats.transport.rtcpMalformed = rtcp.malformed
        stats.transport.rtpUnknownPayload = counters.rtpUnknownPayload
        stats.transport.datagramsDiscarded = ice.statistics.discarded
        stats.transport.stunRejected = ice.statistics.malformed + ice.statistics.unauthenticated
        stats.transport.checksSent = ice.statistics.checksSent
        stats.transport.checksReceived = ice.statistics.checksReceived
        for kind in MediaKind.allCases {
            let ssrc = kind == .audio ? audioSSRC : videoSSRC
            guard let out = rtcp.outbound[ssrc], out.packetsSent > 0 else { continue }
            var s = PeerConnectionStatistics.Outbound(kind: kind, ssrc: ssrc, codec: kind == .audio ? "audio/opus" : "video/VP8")
            s.packetsSent = out.packetsSent
            s.bytesSent = out.bytesSent
            s.bitrate = 8 * (counters.sentBytes[kind]?.rate(now: now) ?? 0)
            if kind == .video { s.framesEncoded = counters.framesEncoded; s.keyframesEncoded = counters.keyframesEncoded }
            if kind == .audio, audioRedPayloadType != nil { s.redundancy = audioRedundancy.depth }
            s.pliReceived = out.pliReceived
            s.firReceived = out.firReceived
            s.nackReceived = out.nackReceived
            if kind == .video {
                s.targetBitrate = sendRate.target
                s.frameWidth = counters.sentWidth
                s.frameHeight = counters.sentHeight
                s.retransmittedPacketsSent = counters.retransmittedPacketsSent
                s.retransmittedBytesSent = counters.retransmittedBytesSent
            }
            s.remotePacketsLost = out.remotePacketsLost
            s.remoteFractionLost = out.remoteFractionLost
            s.remoteJitter = out.remoteJitter
            s.roundTripTime = out.roundTripTime
            stats.outbound.append(s)
        }
        if let rtt = roundTrip {
            stats.transport.roundTripTime = rtt.seconds
            stats.transport.roundTripSource = rtt.source
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
                s.framesDropped = counters.framesDropped
                s.freezeCount = counters.freezeCount
                s.totalFreezesDuration = Double(counters.totalFreezeMilliseconds) / 1000
                s.longestFrameGap = Double(counters.longestFrameGap) / 1000
                s.nackCount = counters.nackSequenceNumbersSent
                s.retransmittedPacketsReceived = counters.retransmittedPacketsReceived
                s.gapsSkipped = videoPackets.statistics.gapsSkipped
            }
            if stream.kind == .audio { s.recoveredByRedundancy = counters.audioRecoveredByRedundancy }
            stats.inbound.append(s)
        }
        stats.dataChannels = .init(opened: counters.channelsOpened, closed: counters.channelsClosed, messagesSent: counters.messagesSent,
                                   messagesReceived: counters.messagesReceived, bytesSent: counters.messageBytesSent, bytesReceived: counters.messageBytesReceived)
        return stats
    }
}

import DTLS
import ICE
import RTP
import CryptoPrimitives
import Codecs
import MediaCore
import SCTP
import SDP
import SRTP
import STUN
import UDPTransport

/// An RTCPeerConnection-shaped session on one bundled transport: ICE → DTLS → SRTP + SCTP
/// (W3C webrtc-pc, JSEP RFC 8829). This first cut negotiates audio, video and a data channel and
/// carries data channels end to end; media tracks arrive with the call wiring (#7). Owned by one
/// thread, which calls `step` in its loop.
public final class PeerConnection {
    public enum Event: Sendable, Equatable {
        case connectionState(IceConnectionState)
        /// DTLS is up: SRTP keys exist and SCTP starts.
        case secured(SrtpProfile)
        case dataChannelOpen(id: UInt16, label: String)
        case message(id: UInt16, DataChannelEndpoint.Message)
        case dataChannelClosed(UInt16)
        /// Something the user should read, one line (a refused certificate, a failed path).
        case problem(String)
        /// An audio RTP packet from the peer (Opus, RFC 7587), already unprotected: feed it to the
        /// receive pipeline (`CallAudio.receive`).
        case audio(sequence: UInt16, timestamp: UInt32, payload: [UInt8])
        /// A decoded frame of the peer's video.
        case video(VideoFrame)
    }

    /// Media statistics (a start on getStats).
    public struct MediaStatistics: Sendable, Equatable {
        public var audioPacketsSent = 0, audioPacketsReceived = 0, srtpFailures = 0, rtpMalformed = 0
        public var videoFramesSent = 0, videoFramesDecoded = 0, videoFramesIncomplete = 0, videoDecodeErrors = 0
    }
    public private(set) var mediaStatistics = MediaStatistics()
    private let audioSSRC = UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 1
    private var audioSequence = UInt16(truncatingIfNeeded: SecureRandom.uint64())
    private var audioTimestamp = UInt32(truncatingIfNeeded: SecureRandom.uint64())
    private let videoSSRC = UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 2
    /// We can always send audio and video (test sources stand in for absent devices), so our
    /// descriptions announce both (msid/ssrc) and answer sendrecv where the peer offers it.
    private var localTracks: JsepAnswerer.LocalTracks { .init(audioSSRC: audioSSRC, videoSSRC: videoSSRC) }
    private var videoSequence = UInt16(truncatingIfNeeded: SecureRandom.uint64())
    private var videoEncoder: Vp8Encoder?
    private var videoPacketizer = Vp8Packetizer(maxPayloadSize: 1_100, initialPictureId: 0)
    private var videoDepacketizer = Vp8Depacketizer()
    private let videoDecoder = try? Vp8Decoder()

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case badDescription(String)
        case wrongState(String)
        public var description: String {
            switch self {
            case let .badDescription(why): return "the peer's session description was refused: \(why)"
            case let .wrongState(why): return why
            }
        }
    }

    public let ice: IceTransport
    public let certificate: DtlsCertificate
    public private(set) var agreement: JsepAnswerer.Agreement? {
        didSet {
            // Looked up once per negotiation, not per packet.
            audioPayloadType = agreement?.sections.first { $0.kind == "audio" && $0.accepted }?.payloadType
            videoPayloadType = agreement?.sections.first { $0.kind == "video" && $0.accepted }?.payloadType
        }
    }
    private var audioPayloadType: UInt8?, videoPayloadType: UInt8?
    public private(set) var dtls: DtlsEndpoint?
    public private(set) var channels: DataChannelEndpoint?
    public private(set) var srtpOutbound: SrtpSession?
    public private(set) var srtpInbound: SrtpSession?
    private var isOfferer = false
    private var localTransport: JsepAnswerer.LocalTransport
    private var pendingChannels: [(label: String, options: DataChannelOptions)] = []
    private var events: [Event] = []

    public init(configuration: IceConfiguration = .init(), addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false) throws {
        ice = try IceTransport(agent: IceAgent(role: .controlling, configuration: configuration), addresses: addresses, includeLoopback: includeLoopback)
        certificate = try DtlsCertificate()
        let credentials = ice.agent.localCredentials
        localTransport = JsepAnswerer.LocalTransport(iceUfrag: credentials.ufrag, icePassword: credentials.password, fingerprint: certificate.fingerprint.description)
    }

    // MARK: JSEP

    /// Our offer: audio, video and a data channel, max-bundle, with the host candidates gathered
    /// so far (complete, for peers that do not trickle).
    public func createOffer() -> String {
        isOfferer = true
        fillCandidates()
        return JsepOfferer.offer(transport: localTransport, tracks: localTracks).serialized
    }

    public func createAnswer() throws(Failure) -> String {
        guard let remote = pendingRemoteOffer else { throw .wrongState("no remote offer to answer") }
        fillCandidates()
        do {
            let (answer, agreed) = try JsepAnswerer.answer(to: remote, transport: localTransport, tracks: localTracks)
            apply(agreed, controlling: false)
            return answer.serialized
        } catch {
            throw .badDescription(error.description)
        }
    }

    private var pendingRemoteOffer: SessionDescription?

    /// The peer's offer or answer.
    public func setRemoteDescription(_ text: String) throws(Failure) {
        let description: SessionDescription
        do { description = try SessionDescription.parse(text) } catch { throw .badDescription(error.description) }
        if isOfferer {
            do { apply(try JsepOfferer.agreement(from: description), controlling: true) } catch { throw .badDescription(error.description) }
        } else {
            pendingRemoteOffer = description
        }
    }

    /// Opens a data channel once the association is up (or at once if it is).
    public func createDataChannel(label: String, options: DataChannelOptions = .init()) {
        if let channels { _ = try? channels.open(label: label, options: options) } else { pendingChannels.append((label, options)) }
    }

    public func send(_ message: DataChannelEndpoint.Message, on id: UInt16) throws(DataChannelEndpoint.SendError) {
        guard let channels else { throw .notOpen(id) }
        try channels.send(message, on: id)
        flushSecure()
    }

    /// Sends one Opus frame as RTP/SRTP on the audio section (RFC 7587); false until DTLS is up or
    /// when audio was not agreed. `timestampAdvance` is 960 for 20 ms.
    @discardableResult
    public func sendAudio(_ opus: [UInt8], timestampAdvance: UInt32 = 960) -> Bool {
        defer { audioTimestamp &+= timestampAdvance }
        guard let outbound = srtpOutbound, let pt = audioPayloadType else { return false }
        audioSequence &+= 1
        let packet = RtpPacket(payloadType: pt, sequenceNumber: audioSequence, timestamp: audioTimestamp, ssrc: audioSSRC, payload: opus)
        guard let protected = try? outbound.protect(packet.serialized()) else { return false }
        mediaStatistics.audioPacketsSent += 1
        return ice.send(protected)
    }

    /// Encodes one picture with VP8 and sends it as RTP/SRTP (RFC 7741) on the video section;
    /// `timestamp` is the 90 kHz media time. False until DTLS is up or when video was not agreed.
    @discardableResult
    public func sendVideo(_ frame: VideoFrame, timestamp: UInt32) -> Bool {
        guard let outbound = srtpOutbound, let pt = videoPayloadType else { return false }
        if videoEncoder?.width != frame.width || videoEncoder?.height != frame.height {
            videoEncoder = try? Vp8Encoder(width: frame.width, height: frame.height)
        }
        guard let encoder = videoEncoder, let encoded = try? encoder.encode(frame) else { return false }
        for picture in encoded {
            let payloads = videoPacketizer.packetize(picture.data)
            for (i, payload) in payloads.enumerated() {
                videoSequence &+= 1
                let packet = RtpPacket(marker: i == payloads.count - 1, payloadType: pt, sequenceNumber: videoSequence, timestamp: timestamp, ssrc: videoSSRC, payload: payload)
                if let protected = try? outbound.protect(packet.serialized()) { ice.send(protected) }
            }
            mediaStatistics.videoFramesSent += 1
        }
        return true
    }

    /// Advances the audio RTP clock without sending (a DTX frame the sender chose not to transmit).
    public func skipAudio(timestampAdvance: UInt32 = 960) { audioTimestamp &+= timestampAdvance }

    public func close() {
        channels?.association.close()
        dtls?.close()
        flushSecure()
    }

    // MARK: the loop

    /// Waits up to `maximumWait` ms for network input or a timer, handles it, and returns what happened.
    public func step(maximumWait: Int64 = 10) -> [Event] {
        let wait = channels == nil ? maximumWait : min(maximumWait, 10) // SCTP wants a 10 ms tick
        for event in ice.step(maximumWait: wait) {
            switch event {
            case let .ice(.connectionState(state)):
                events.append(.connectionState(state))
            case .ice(.selectedPair):
                startDtlsIfReady()
            case let .ice(.problem(text)):
                events.append(.problem(text))
            case .ice:
                break
            case let .data(bytes, _):
                guard let first = bytes.first else { break }
                switch DatagramKind(firstByte: first) {
                case .dtls: dtls?.handleDatagram(bytes, now: ice.now)
                case .rtp: receiveSecureMedia(bytes)
                default: break
                }
            }
        }
        dtls?.handleTimeout(now: ice.now)
        channels?.handleTimeout(now: ice.now)
        flushSecure()
        defer { events = [] }
        return events
    }

    // MARK: internals

    private func fillCandidates() {
        localTransport.candidates = ice.agent.localCandidateList.map(\.description)
        localTransport.candidatesComplete = true
    }

    private func apply(_ agreed: JsepAnswerer.Agreement, controlling: Bool) {
        agreement = agreed
        // JSEP: the offerer is ICE-controlling (RFC 8829 §3.5.1).
        ice.setRole(controlling ? .controlling : .controlled)
        ice.setRemoteCredentials(IceCredentials(ufrag: agreed.remoteIceUfrag, password: agreed.remoteIcePassword))
        for line in agreed.remoteCandidates { if let c = try? IceCandidate(sdp: line) { ice.addRemoteCandidate(c) } }
        ice.remoteCandidatesComplete()
        startDtlsIfReady()
    }

    /// The DTLS endpoint exists as soon as the roles are agreed, so a ClientHello that arrives
    /// before our own ICE check completes is not dropped (that cost a 100 ms retransmission); the
    /// client speaks first once ICE has a pair.
    private func startDtlsIfReady() {
        guard let agreed = agreement else { return }
        if dtls == nil {
            let fingerprints = agreed.remoteFingerprints.compactMap { DtlsFingerprint(sdp: $0) }
            do {
                dtls = try DtlsEndpoint(role: agreed.dtlsClient ? .client : .server, certificate: certificate, remoteFingerprints: fingerprints)
            } catch {
                events.append(.problem(error.description))
                return
            }
        }
        if let dtls, dtls.role == .client, !dtlsStarted, ice.agent.selectedCandidates != nil {
            dtlsStarted = true
            dtls.start(now: ice.now)
            flushSecure()
        }
    }

    private var dtlsStarted = false

    /// SRTP or SRTCP from the peer (RFC 5761: payload types 64–95 in the second byte are RTCP).
    private func receiveSecureMedia(_ bytes: [UInt8]) {
        guard let inbound = srtpInbound, bytes.count >= 2 else { return }
        let rtcp = (192...223).contains(bytes[1]) // RTCP packet types 192–223 (PT field with the marker bit)
        if rtcp { _ = try? inbound.unprotectRTCP(bytes); return } // reports: used by stats later
        guard let plain = try? inbound.unprotect(bytes) else { mediaStatistics.srtpFailures += 1; return }
        guard let packet = try? RtpPacket.parse(plain) else { mediaStatistics.rtpMalformed += 1; return }
        if packet.payloadType == audioPayloadType {
            mediaStatistics.audioPacketsReceived += 1
            events.append(.audio(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload))
        } else if packet.payloadType == videoPayloadType {
            for event in videoDepacketizer.push(packet) {
                switch event {
                case let .frame(frame):
                    do throws(CodecError) {
                        for picture in try videoDecoder?.decode(frame.data) ?? [] {
                            mediaStatistics.videoFramesDecoded += 1
                            events.append(.video(picture))
                        }
                    } catch {
                        mediaStatistics.videoDecodeErrors += 1
                    }
                case .incompleteFrame:
                    mediaStatistics.videoFramesIncomplete += 1 // PLI/NACK come with the RTCP wiring
                }
            }
        }
    }

    /// Moves DTLS and SCTP output and events.
    private func flushSecure() {
        guard let dtls else { return }
        if let channels {
            while let packet = channels.pollTransmit() { dtls.send(packet) }
        }
        while let event = dtls.pollEvent() {
            switch event {
            case let .connected(keys):
                srtpOutbound = try? SrtpSession(profile: keys.profile, key: keys.localKey, salt: keys.localSalt, direction: .outbound)
                srtpInbound = try? SrtpSession(profile: keys.profile, key: keys.remoteKey, salt: keys.remoteSalt, direction: .inbound)
                events.append(.secured(keys.profile))
                if agreement?.sections.contains(where: { $0.kind == "application" && $0.accepted }) == true, let association = try? SctpAssociation() {
                    channels = DataChannelEndpoint(association: association, isDtlsClient: dtls.role == .client,
                                                   remoteMaxMessageSize: agreement?.remoteMaxMessageSize)
                }
            case let .data(bytes):
                channels?.handleDatagram(bytes, now: ice.now)
            case let .failed(error):
                events.append(.problem(error.description))
            case .closed:
                channels?.association.close()
            }
        }
        if let channels {
            while let event = channels.pollEvent() {
                switch event {
                case .connected:
                    for (label, options) in pendingChannels { _ = try? channels.open(label: label, options: options) }
                    pendingChannels = []
                case let .channelOpened(id):
                    events.append(.dataChannelOpen(id: id, label: channels.channel(id)?.label ?? ""))
                case let .message(id, message):
                    events.append(.message(id: id, message))
                case let .channelClosed(id):
                    events.append(.dataChannelClosed(id))
                case .bufferedAmountLow, .closed:
                    break
                }
            }
            while let packet = channels.pollTransmit() { dtls.send(packet) }
        }
        while let datagram = dtls.pollTransmit() { ice.send(datagram) }
    }
}

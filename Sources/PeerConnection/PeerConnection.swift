import CryptoPrimitives
import DTLS
import Foundation
import ICE
import MediaCore
import CongestionControl
import RTP
import SCTP
import SDP
import SRTP
import STUN

/// An RTCPeerConnection-shaped session on one bundled transport: ICE → DTLS → SRTP + SCTP
/// (W3C webrtc-pc, JSEP RFC 8829), as a state machine with no I/O of its own. Input: what the
/// sockets delivered (`handle(_:now:)`), timeouts (`handleTimeout(now:)`) and API calls. Output:
/// datagrams to send (`takeTransmits`), events (`takeEvents`) and the next wake-up
/// (`nextTimeout`). No sockets, threads, sleeps or clock reads: time is only ever what the owner
/// passed in last, so two of these on one simulated clock behave exactly as their inputs say.
/// API calls happen at the time of the latest input or timeout. Owned by one thread.
public final class PeerConnection {
    public enum Event: Sendable, Equatable {
        case connectionState(IceConnectionState)
        /// A local candidate for the peer (`candidate:…`), for signalling that trickles (RFC 8838).
        case iceCandidate(String)
        case iceGatheringComplete
        /// DTLS is up: SRTP keys exist and SCTP starts.
        case secured(SrtpProfile)
        /// A track was added or removed, or an ICE restart asked for: make a new offer.
        case negotiationNeeded
        /// The peer now sends (or stopped sending) this kind of media.
        case track(MediaKind)
        case trackEnded(MediaKind)
        case dataChannelOpen(id: UInt16, label: String)
        case message(id: UInt16, DataChannelEndpoint.Message)
        case dataChannelClosed(UInt16)
        /// Something the user should read, one line (a refused certificate, a failed path).
        case problem(String)
        /// An audio RTP packet from the peer (Opus, RFC 7587), already unprotected: feed it to the
        /// receive pipeline (`CallAudio.receive`).
        case audio(sequence: UInt16, timestamp: UInt32, payload: [UInt8])
        /// A lost audio packet's frame, rebuilt from the redundancy in a later one (RED, RFC
        /// 2198): play it in its place, but its arrival says nothing about the path's delay.
        case recoveredAudio(sequence: UInt16, timestamp: UInt32, payload: [UInt8])
        /// A whole VP8 frame of the peer's video, decodable (after a loss, delta frames wait for the
        /// keyframe asked for): feed it to the video pipeline, which reports back
        /// (`videoDecoded`, `videoDecodeFailed`).
        case videoFrame(EncodedVideoFrame)
        /// The peer lost our picture (PLI/FIR): the video pipeline's next frame must be a keyframe.
        case keyframeRequested
        /// The peer closed DTLS (hung up), or `close` was called.
        case closed
        /// This machine's addresses changed: new host candidates are gathered; `restartIce` (and
        /// the offer it asks for) lets the peer check them.
        case networkChanged
    }

    /// W3C webrtc-pc §4.3.1.
    public enum SignalingState: String, Sendable, Equatable {
        case stable, haveLocalOffer, haveRemoteOffer, closed
    }

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

    /// The ICE agent (RFC 8445) of the one bundled transport; the owner's shell carries out its
    /// transmits and feeds it the sockets' input through `handle`.
    public private(set) var ice: IceAgent
    /// The latest time the owner passed in (ms on its clock).
    public private(set) var now: Int64
    /// When the datagram being handled arrived (µs on the owner's clock): transport-wide feedback
    /// reports arrivals in 250 µs steps.
    var arrivalMicroseconds: Int64 = 0
    private var outgoing: [IceTransmit] = []
    public let certificate: DtlsCertificate
    public private(set) var signalingState = SignalingState.stable
    /// The latest agreement of an offer/answer exchange.
    public private(set) var agreement: JsepAnswerer.Agreement?
    public private(set) var dtls: DtlsEndpoint?
    public private(set) var channels: DataChannelEndpoint?
    public private(set) var srtpOutbound: SrtpSession?
    public private(set) var srtpInbound: SrtpSession?
    /// The kinds of media we send (W3C addTrack/removeTrack).
    public private(set) var tracks: Set<MediaKind>

    // Negotiation.
    var transceivers: [Transceiver] = []
    /// We made the first offer (and so control ICE, RFC 8829 §3.5.1).
    public private(set) var isInitialOfferer = false
    /// Every candidate is gathered (STUN and TURN servers answered or gave up): a description made
    /// now is complete, for signalling that does not trickle.
    public var iceGatheringComplete: Bool { ice.gatheringDone }
    /// Remote candidates on transports we do not check (TCP), skipped quietly.
    public private(set) var skippedCandidates = 0
    private var localTransport: JsepAnswerer.LocalTransport
    private var pendingRemoteOffer: SessionDescription?
    private var sessionVersion: UInt64 = 1
    private var iceRestartPending = false
    private var wantsDataChannel = true
    private var remoteSending: Set<MediaKind> = []
    private var dtlsStarted = false
    /// Refused media already told to the user (a renegotiation repeats the offer).
    private var reportedRefusals: Set<String> = []
    /// When our pending offer went out: an answer that never comes is said, once (the far end may
    /// have gone, or its signalling is stuck), rather than waited for in silence.
    private var offeredAt: Int64?
    /// How long (ms) an offer may wait for its answer before the user hears of it.
    public var answerTimeout: Int64 = 15_000
    /// How our first offer asks for BUNDLE (W3C RTCConfiguration.bundlePolicy); every call runs
    /// on one transport whatever it says.
    public var bundlePolicy = BundlePolicy.balanced
    private var pendingChannels: [(label: String, options: DataChannelOptions)] = []
    var events: [Event] = []

    // Media (PeerConnection+Media.swift).
    let audioSSRC = UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 1
    let videoSSRC = UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 2
    var audioSequence = UInt16(truncatingIfNeeded: SecureRandom.uint64())
    var audioTimestamp = UInt32(truncatingIfNeeded: SecureRandom.uint64())
    var videoSequence = UInt16(truncatingIfNeeded: SecureRandom.uint64())
    var videoPacketizer = Vp8Packetizer(maxPayloadSize: 1_100, initialPictureId: 0)
    var videoDepacketizer = Vp8Depacketizer()
    /// Retransmission (RFC 4588) and loss repair (PeerConnection+Media.swift).
    let videoRtxSSRC = UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 8
    var videoRtxSequence = UInt16(truncatingIfNeeded: SecureRandom.uint64())
    var videoRtxPayloadType: UInt8?
    var sentVideo = RtpPacketHistory()
    var videoPackets = VideoPacketBuffer()
    var videoNack: NackGenerator?
    var remoteVideoSsrc: UInt32?
    var lastRemoteVideoAt: Int64?
    /// Transport-wide feedback for a sender that estimates bandwidth itself (Chromium, another
    /// termcall), when transport-cc was agreed; the extension ids of the agreement (one map both
    /// ways: a bundle shares its ids, and an answer keeps the offer's).
    var transportFeedback: TransportFeedbackGenerator?
    var extensions = RtpExtensionMap()
    /// Our own delay-based estimate from the far end's transport-wide feedback, when agreed: each
    /// packet we send is stamped and logged.
    var sendSide: SendSideEstimator?
    /// Send-side bandwidth estimate and what the encoder makes of it (PeerConnection+Media.swift).
    var sendRate = SendRateController()
    /// Audio's wire rate while someone speaks (bit/s), measured once speech has gone on for a
    /// second; nil before. Video keeps clear of it from the first frame of speech (`audioReserve`).
    var audioSpeakingRate: Int?
    /// When the current run of speech began and when its last frame went (ms).
    var speechStartedAt: Int64?, lastSpeechAt: Int64?
    /// The RTP timestamp of the last audio frame sent (DTX skips leave gaps).
    var lastAudioSentTimestamp: UInt32?
    /// The far end's loss on our video over enough packets to act on (`LossWindow`).
    var videoLoss = LossWindow()
    /// The same for our audio: what RED's depth follows (nil before the first report).
    var audioLoss = LossWindow()
    var audioLossFraction: Double?
    /// Receiver reports on our video so far, and the ICE round trips already given to `sendRate`.
    var videoReportsReceived = 0, iceRoundTripSamplesSeen = 0
    /// Video (and its retransmissions) waits here unprotected: it is stamped with its transport
    /// sequence number and protected as it leaves.
    var videoPacer = VideoPacer<RtpPacket>()
    /// After a lost frame, delta frames reference a picture the decoder never had: wait for a keyframe.
    var awaitingKeyframe = false
    var rtcp: RtcpSession
    var counters = MediaCounters()

    /// - Parameters:
    ///   - tracks: what we send from the start (both by default: test sources stand in for
    ///     absent devices); `addTrack`/`removeTrack` change it later.
    ///   - now: the owner's clock now (ms).
    ///   - unixMillisecondsAtZero: wall-clock time at the owner's clock's zero, for the NTP
    ///     timestamps of RTCP sender reports (RFC 3550 §4); a simulation passes any fixed value.
    ///   - scheduleSeed: seeds the randomised RTCP report intervals (RFC 3550 §6.3.1); a
    ///     simulation fixes it so a run repeats exactly. Nil: random.
    public init(configuration: IceConfiguration = .init(), tracks: Set<MediaKind> = [.audio, .video], now: Int64 = 0,
                unixMillisecondsAtZero: Int64, scheduleSeed: UInt64? = nil) throws {
        ice = IceAgent(role: .controlling, configuration: configuration)
        self.now = now
        certificate = try DtlsCertificate.ofThisRun()
        DtlsEndpoint.prepareContext()
        self.tracks = tracks
        let credentials = ice.localCredentials
        localTransport = JsepAnswerer.LocalTransport(iceUfrag: credentials.ufrag, icePassword: credentials.password, fingerprint: certificate.fingerprint.description)
        // RFC 7022: a random CNAME per session, so calls cannot be linked by it.
        let cname = String(SecureRandom.uint64(), radix: 36) + String(SecureRandom.uint64(), radix: 36)
        localTransport.cname = cname
        // SRs carry wall-clock NTP time (RFC 3550 §4): NTP seconds at the owner's clock's zero.
        let ntpMs = UInt64(max(0, unixMillisecondsAtZero)) + 2_208_988_800_000 // 1900 → 1970
        rtcp = RtcpSession(cname: cname, receiverSsrc: UInt32(truncatingIfNeeded: SecureRandom.uint64()) | 4,
                           ntpAtZero: ((ntpMs / 1000) << 32) | (((ntpMs % 1000) << 32) / 1000), seed: scheduleSeed ?? SecureRandom.uint64())
        rtcp.addSender(ssrc: audioSSRC, kind: .audio)
        rtcp.addSender(ssrc: videoSSRC, kind: .video)
    }

    // MARK: JSEP

    /// Our offer, applied as our local description (createOffer + setLocalDescription). The first
    /// offer carries audio, video and a data channel, max-bundle; later ones keep every negotiated
    /// section and change directions as tracks come and go. Candidates gathered so far are
    /// included, with end-of-candidates once gathering is done (peers that do not trickle).
    public func createOffer() throws(Failure) -> String {
        guard signalingState == .stable || signalingState == .haveLocalOffer else { throw .wrongState("an offer from the peer is waiting for our answer") }
        if transceivers.isEmpty { isInitialOfferer = true }
        if iceRestartPending {
            iceRestartPending = false
            restartLocalIce()
        }
        fillTransport()
        sessionVersion += 1
        signalingState = .haveLocalOffer
        offeredAt = now
        return JsepOfferer.offer(transport: localTransport, tracks: localTracks, sections: offerSections(), bundlePolicy: bundlePolicy,
                                  sessionVersion: sessionVersion).serialized
    }

    /// Answers the peer's offer and applies both (createAnswer + setLocalDescription).
    public func createAnswer() throws(Failure) -> String {
        guard signalingState == .haveRemoteOffer, let remote = pendingRemoteOffer else { throw .wrongState("no remote offer to answer") }
        // An offer with new ICE credentials restarts ICE (RFC 8839 §4.4.1.1.1): we answer with new ones too.
        if let previous = agreement, let ufrag = remote.transportParameters(inAnswer: false)?.iceUfrag, ufrag != previous.remoteIceUfrag {
            restartLocalIce()
        }
        fillTransport()
        sessionVersion += 1
        do {
            let (answer, agreed) = try JsepAnswerer.answer(to: remote, transport: localTransport, tracks: localTracks, sessionVersion: sessionVersion)
            try apply(agreed, description: remote, weOffered: false)
            report(agreed.refused)
            pendingRemoteOffer = nil
            signalingState = .stable
            return answer.serialized
        } catch let failure as Failure {
            throw failure
        } catch let failure as JsepAnswerer.Failure {
            throw .badDescription(failure.description)
        } catch {
            throw .badDescription("\(error)")
        }
    }

    /// The peer's offer or answer: an answer while our offer is out, an offer otherwise.
    public func setRemoteDescription(_ text: String) throws(Failure) {
        guard signalingState != .closed else { throw .wrongState("the connection is closed") }
        let description: SessionDescription
        do { description = try SessionDescription.parse(text) } catch { throw .badDescription(error.description) }
        if signalingState == .haveLocalOffer {
            let agreed: JsepAnswerer.Agreement
            do { agreed = try JsepOfferer.agreement(from: description) } catch { throw .badDescription(error.description) }
            try apply(agreed, description: description, weOffered: true)
            report(agreed.refused)
            signalingState = .stable
        } else {
            pendingRemoteOffer = description
            signalingState = .haveRemoteOffer
        }
    }

    /// Drops our outstanding offer (W3C rollback), for the polite side of a glare (perfect negotiation).
    public func rollback() {
        guard signalingState == .haveLocalOffer || signalingState == .haveRemoteOffer else { return }
        if transceivers.isEmpty { isInitialOfferer = false }
        pendingRemoteOffer = nil
        signalingState = .stable
    }

    /// Starts sending `kind` (W3C addTrack); renegotiates when the negotiated direction does not send.
    public func addTrack(_ kind: MediaKind) {
        guard tracks.insert(kind).inserted else { return }
        if let section = transceivers.first(where: { $0.mediaKind == kind }), !section.sends { events.append(.negotiationNeeded) }
    }

    /// Stops sending `kind` at once (W3C removeTrack) and asks for the renegotiation that says so.
    public func removeTrack(_ kind: MediaKind) {
        guard tracks.remove(kind) != nil else { return }
        if transceivers.contains(where: { $0.mediaKind == kind && $0.sends }) { events.append(.negotiationNeeded) }
    }

    /// A candidate the peer trickled (`candidate:…` or `a=candidate:…`); an empty string means
    /// the peer has no more (end-of-candidates). Malformed lines are reported, never fatal.
    public func addIceCandidate(_ line: String) {
        var text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("a=") { text.removeFirst(2) }
        if text.isEmpty || text == "end-of-candidates" { ice.remoteCandidatesComplete(now: now); drainIce(); return }
        do throws(IceCandidate.ParseError) {
            ice.addRemoteCandidate(try IceCandidate(sdp: text), now: now)
            drainIce()
        } catch {
            switch error {
            case .unsupportedTransport: skippedCandidates += 1 // a transport ICE does not define (neither UDP nor TCP): nothing to say
            case let .malformed(reason): events.append(.problem("ignored an ICE candidate from the peer (\(reason)): \(text.prefix(80))"))
            }
        }
    }

    /// W3C's negotiation-needed flag: a change the current agreement does not carry — a track
    /// added or removed on a negotiated section, a data channel asked for with no data section, an
    /// ICE restart asked for. Kinds the far end refused do not count (offering again would be
    /// refused again). False before the first offer, which is the caller's to make.
    public var needsNegotiation: Bool {
        guard signalingState != .closed, !transceivers.isEmpty else { return false }
        if iceRestartPending { return true }
        if wantsDataChannel, !transceivers.contains(where: { $0.kind == "application" && $0.accepted }) { return true }
        for kind in MediaKind.allCases {
            let sections = transceivers.filter { $0.mediaKind == kind && $0.accepted }
            if !sections.isEmpty, tracks.contains(kind) != sections.contains(where: \.sends) { return true }
        }
        return false
    }

    /// The next offer restarts ICE with new credentials (RFC 8445 §9).
    public func restartIce() {
        iceRestartPending = true
        events.append(.negotiationNeeded)
    }

    /// Opens a data channel once the association is up (or at once if it is). Without a data
    /// section negotiated yet, the next offer adds one.
    public func createDataChannel(label: String, options: DataChannelOptions = .init()) {
        if let channels { _ = try? channels.open(label: label, options: options); return }
        pendingChannels.append((label, options))
        if !transceivers.isEmpty, !transceivers.contains(where: { $0.kind == "application" && $0.accepted }) {
            wantsDataChannel = true
            events.append(.negotiationNeeded)
        }
    }

    public func send(_ message: DataChannelEndpoint.Message, on id: UInt16) throws(DataChannelEndpoint.SendError) {
        guard let channels else { throw .notOpen(id) }
        try channels.send(message, on: id)
        counters.messagesSent += 1
        counters.messageBytesSent += message.byteCount
        flushSecure()
    }

    /// Hangs up: SCTP shutdown, then DTLS close_notify, flushed now.
    public func close() {
        guard signalingState != .closed else { return }
        channels?.association.close()
        flushSecure()
        dtls?.close()
        flushSecure()
        // TURN allocations are released (a refresh with lifetime 0), not left to expire on the
        // server, where they would count against the user's quota for ten minutes.
        ice.close(now: now)
        drainIce()
        signalingState = .closed
        events.append(.closed)
    }

    // MARK: input and output

    /// One thing the sockets delivered, at `now` (ms; `microseconds` is the arrival stamp, when
    /// the owner has one). Each datagram is classified once (`DatagramKind`, by the agent) and
    /// goes where it belongs: STUN and TURN to ICE, DTLS to the handshake, SRTP and SRTCP to media.
    public func handle(_ input: SocketInput, now: Int64, microseconds: Int64? = nil) {
        advance(to: now)
        arrivalMicroseconds = microseconds ?? now * 1_000
        if input == .interfacesChanged { events.append(.networkChanged); return }
        if let data = ice.handle(input, now: self.now) { receive(data) }
        drainIce()
    }

    /// Timers due by `now`: ICE's, DTLS's, SCTP's, RTCP's, the receive buffer's and NACKs', the
    /// pacer's; an answer overdue. Calling it early is harmless.
    public func handleTimeout(now: Int64) {
        advance(to: now)
        if let due = ice.nextTimeout, due <= self.now { ice.handleTimeout(now: self.now) }
        drainIce()
        if let sent = offeredAt, signalingState == .haveLocalOffer, self.now - sent >= answerTimeout {
            offeredAt = nil
            events.append(.problem("no answer from the far end in \(answerTimeout / 1000) s: it may have gone, or its signalling is stuck; still waiting"))
        }
        rateFromIceRoundTrip()
        dtls?.handleTimeout(now: self.now)
        channels?.handleTimeout(now: self.now)
        releaseWaitingVideo()
        flushSecure()
        flushRtcp()
    }

    /// When `handleTimeout` next has something to do (ms on the owner's clock); nil: only input
    /// can wake this connection.
    public var nextTimeout: Int64? {
        var due = [ice.nextTimeout, rtcp.nextTimeout, videoPackets.nextTimeout, videoNack?.nextTimeout, transportFeedback?.nextTimeout,
                   videoPacer.nextTimeout(now: now, bitsPerSecond: sendRate.target), dtls?.nextTimeout(now: now)]
        if channels != nil { due.append(now + 10) } // usrsctp's timers tick in 10 ms steps
        if let sent = offeredAt, signalingState == .haveLocalOffer { due.append(sent + answerTimeout) }
        // Never earlier than now (RTCP says "at once" with a time before any clock's).
        return due.compactMap { $0 }.min().map { max($0, now) }
    }

    /// Datagrams to send, in order, each on the socket (or stream) it names.
    public func takeTransmits() -> [IceTransmit] {
        defer { outgoing = [] }
        return outgoing
    }

    /// What happened since the last call.
    public func takeEvents() -> [Event] {
        defer { events = [] }
        return events
    }

    private func advance(to time: Int64) { now = max(now, time) }

    /// Application data on the selected path (DTLS, SRTP, SRTCP); false before ICE has one.
    @discardableResult
    func transmit(_ payload: [UInt8]) -> Bool {
        guard let t = ice.transmitApplicationData(payload) else { return false }
        outgoing.append(t)
        return true
    }

    /// ICE's transmits and events after anything that may have made some.
    private func drainIce() {
        while let t = ice.pollTransmit() { outgoing.append(t) }
        while let event = ice.pollEvent() {
            switch event {
            case let .connectionState(state): events.append(.connectionState(state))
            case .selectedPair: startDtlsIfReady()
            case let .localCandidate(candidate): events.append(.iceCandidate(candidate.description))
            case .gatheringComplete: events.append(.iceGatheringComplete)
            case let .problem(text): events.append(.problem(text))
            case let .relayedData(bytes, from):
                let kind = DatagramKind(bytes)
                if kind.isApplication { receive(ApplicationDatagram(kind: kind, bytes: bytes, from: from)) } else { ice.countDiscarded() }
            }
        }
    }

    private func receive(_ data: ApplicationDatagram) {
        switch data.kind {
        case .dtls:
            dtls?.handleDatagram(data.bytes, now: now)
            flushSecure()
        case .rtp: receiveSecureMedia(data.bytes)
        case .rtcp: receiveSecureControl(data.bytes)
        default: break
        }
    }

    // MARK: negotiation internals

    /// What we send, for msid/ssrc lines: only the kinds with a track.
    private var localTracks: JsepAnswerer.LocalTracks {
        .init(audioSSRC: tracks.contains(.audio) ? audioSSRC : nil, videoSSRC: tracks.contains(.video) ? videoSSRC : nil,
              videoRtxSSRC: tracks.contains(.video) ? videoRtxSSRC : nil)
    }

    /// Media the negotiation left out, said once each (a renegotiation repeats the offer).
    private func report(_ refused: [String]) {
        for line in refused where !reportedRefusals.contains(line) {
            reportedRefusals.insert(line)
            events.append(.problem(line))
        }
    }

    /// New local ICE credentials, in the agent and in our next description (RFC 8445 §9).
    private func restartLocalIce() {
        let fresh = IceCredentials.random()
        ice.restart(credentials: fresh, now: now)
        drainIce()
        localTransport.iceUfrag = fresh.ufrag
        localTransport.icePassword = fresh.password
    }

    private func fillTransport() {
        localTransport.candidates = ice.localCandidateList.map(\.description)
        localTransport.candidatesComplete = ice.gatheringDone
        if let dtls { localTransport.setup = dtls.role == .client ? "active" : "passive" } // RFC 8842 §5.5: keep the roles
    }

    private func offerSections() -> [JsepOfferer.OfferSection] {
        func direction(_ kind: MediaKind) -> MediaDescription.Direction { tracks.contains(kind) ? .sendrecv : .recvonly }
        guard !transceivers.isEmpty else {
            return JsepOfferer.defaultSections(dataChannel: wantsDataChannel, audioDirection: direction(.audio), videoDirection: direction(.video))
        }
        // One track per kind: it goes on the section of its kind that sends now, else the first one;
        // other sections of the kind (the peer re-added a track: a new transceiver) only receive.
        var claimed: Set<MediaKind> = []
        var sections = transceivers.map { t -> JsepOfferer.OfferSection in
            var wanted = MediaDescription.Direction.sendrecv
            if let kind = t.mediaKind {
                let preferred = transceivers.first { $0.mediaKind == kind && $0.accepted && $0.sends } ?? transceivers.first { $0.mediaKind == kind && $0.accepted }
                wanted = preferred?.mid == t.mid && !claimed.contains(kind) ? direction(kind) : .recvonly
                if wanted == .sendrecv { claimed.insert(kind) }
            }
            var section = JsepOfferer.OfferSection(mid: t.mid, kind: t.kind, direction: wanted,
                                                   payloadType: t.payloadType, rtxPayloadType: t.rtxPayloadType)
            section.redPayloadType = t.redPayloadType
            if !t.accepted { section.rejected = true; section.rejectedProto = t.proto; section.rejectedFormats = t.formats }
            section.isNew = false
            if t.accepted, t.kind != "application" { section.headerExtensions = t.headerExtensions }
            return section
        }
        if wantsDataChannel, !transceivers.contains(where: { $0.kind == "application" && $0.accepted }) {
            let used = Set(transceivers.map(\.mid))
            let mid = (transceivers.count...).lazy.map(String.init).first { !used.contains($0) } ?? "data"
            sections.append(JsepOfferer.OfferSection(mid: mid, kind: "application"))
        }
        return sections
    }

    /// Applies an agreement: the first one sets up ICE (JSEP: the initial offerer controls,
    /// RFC 8829 §3.5.1) and DTLS; later ones update directions, candidates, and an ICE restart.
    private func apply(_ agreed: JsepAnswerer.Agreement, description: SessionDescription, weOffered: Bool) throws(Failure) {
        let previous = agreement
        if let previous {
            guard Set(agreed.remoteFingerprints) == Set(previous.remoteFingerprints) || dtls == nil else {
                throw .badDescription("the peer changed its DTLS certificate during the call; hang up and call again")
            }
        } else {
            ice.setRole(isInitialOfferer ? .controlling : .controlled)
        }
        agreement = agreed
        if previous?.remoteIceUfrag != agreed.remoteIceUfrag || previous?.remoteIcePassword != agreed.remoteIcePassword {
            ice.setRemoteCredentials(IceCredentials(ufrag: agreed.remoteIceUfrag, password: agreed.remoteIcePassword), now: now)
        }
        for line in agreed.remoteCandidates { if let c = try? IceCandidate(sdp: line) { ice.addRemoteCandidate(c, now: now) } }
        if agreed.remoteCandidatesComplete { ice.remoteCandidatesComplete(now: now) }
        drainIce()
        transceivers = agreed.sections.enumerated().map { index, section in
            let m = index < description.media.count ? description.media[index] : nil
            return Transceiver(mid: section.mid, kind: section.kind, accepted: section.accepted, payloadType: section.payloadType,
                               rtxPayloadType: section.rtxPayloadType, redPayloadType: section.redPayloadType, direction: weOffered ? Transceiver.reversed(section.direction) : section.direction,
                               proto: m?.proto ?? "UDP/TLS/RTP/SAVPF", formats: m?.formats ?? [], headerExtensions: section.headerExtensions)
        }
        if transceivers.contains(where: { $0.kind == "application" && $0.accepted }) { wantsDataChannel = false }
        // We send on the section of a kind that sends (else the first accepted); we receive on
        // every accepted one: a peer's re-added track arrives on its new section, whose payload
        // types may differ from the first's (Firefox's answer kept 120 where our offer said 96).
        func sending(_ kind: String) -> Transceiver? { transceivers.first { $0.kind == kind && $0.sends } ?? transceivers.first { $0.kind == kind && $0.accepted } }
        audioPayloadType = sending("audio")?.payloadType
        audioRedPayloadType = sending("audio")?.redPayloadType
        videoPayloadType = sending("video")?.payloadType
        videoRtxPayloadType = sending("video")?.rtxPayloadType
        receivePayloadTypes = [:]
        for t in transceivers where t.accepted {
            guard let pt = t.payloadType, let kind = t.mediaKind else { continue }
            if receivePayloadTypes[pt] == nil { receivePayloadTypes[pt] = kind == .audio ? .audio : .video }
            if kind == .video, let rtx = t.rtxPayloadType, receivePayloadTypes[rtx] == nil { receivePayloadTypes[rtx] = .rtx(of: pt) }
            if kind == .audio, let red = t.redPayloadType, receivePayloadTypes[red] == nil { receivePayloadTypes[red] = .red(of: pt) }
        }
        extensions = RtpExtensionMap()
        for section in agreed.sections where section.accepted {
            for (id, uri) in section.headerExtensions { extensions.register(id: id, uri: uri) }
        }
        let transportCC = agreed.sections.contains { $0.accepted && $0.feedback.contains("transport-cc") }
            && extensions.id(of: .transportSequenceNumber) != nil
        if transportCC, transportFeedback == nil { transportFeedback = TransportFeedbackGenerator(senderSsrc: rtcp.feedbackSsrc) }
        // The whole transport starts at 300 kbit/s (Chromium's start): video gets what audio leaves.
        if transportCC, sendSide == nil { sendSide = SendSideEstimator(start: SendSideEstimator.startBitrate) }
        if !transportCC { transportFeedback = nil; sendSide = nil }
        // The peer's sending, as tracks (W3C "track" events).
        let sending = Set(transceivers.filter(\.receives).compactMap(\.mediaKind))
        for kind in MediaKind.allCases {
            if sending.contains(kind), !remoteSending.contains(kind) { events.append(.track(kind)) }
            if !sending.contains(kind), remoteSending.contains(kind) { events.append(.trackEnded(kind)) }
        }
        remoteSending = sending
        startDtlsIfReady()
        startSctpIfAgreed()
    }

    /// Payload types we send, looked up once per negotiation, not per packet.
    var audioPayloadType: UInt8?, videoPayloadType: UInt8?
    /// RED (RFC 2198) around our Opus, when the far end agreed to it; the frames it repeats; which
    /// audio packets have arrived (so a redundant copy is played only for one that did not).
    var audioRedPayloadType: UInt8?
    var audioRedundancy = AudioRedundancy()
    var audioArrivals = ArrivalWindow()
    /// What each payload type the peer may send us carries.
    enum ReceivedPayload: Equatable { case audio, video, rtx(of: UInt8), red(of: UInt8) }
    var receivePayloadTypes: [UInt8: ReceivedPayload] = [:]

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
        if let dtls, dtls.role == .client, !dtlsStarted, ice.selectedCandidates != nil {
            dtlsStarted = true
            dtls.start(now: now)
            flushSecure()
        }
    }

    /// SCTP starts once DTLS is up and a data section is agreed (in the first negotiation or a later one).
    private func startSctpIfAgreed() {
        guard channels == nil, !sctpFailed, let dtls, dtls.isConnected, !dtls.isClosed,
              transceivers.contains(where: { $0.kind == "application" && $0.accepted }) else { return }
        let association: SctpAssociation
        do {
            association = try SctpAssociation()
        } catch {
            // The call goes on without chat; the user is told once, not on every negotiation.
            sctpFailed = true
            events.append(.problem("the chat channel could not start (usrsctp refused a socket: \(error)); the call goes on without chat"))
            return
        }
        let channels = DataChannelEndpoint(association: association, isDtlsClient: dtls.role == .client, remoteMaxMessageSize: agreement?.remoteMaxMessageSize)
        self.channels = channels
        // Channels asked for so far open now: their OPENs ride with the COOKIE-ECHO.
        for (label, options) in pendingChannels { _ = try? channels.open(label: label, options: options) }
        pendingChannels = []
        for packet in earlySctpPackets { channels.handleDatagram(packet, now: now) }
        earlySctpPackets = []
    }

    /// SCTP packets that came over DTLS before the association existed (the peer's INIT and what
    /// rides with its COOKIE-ECHO, when its DTLS finished before our answer was applied): handed
    /// to it when it starts, instead of waiting a second for the peer to send them again.
    /// Bounded: a handshake's worth.
    private var earlySctpPackets: [[UInt8]] = []
    /// usrsctp refused our association once: no chat in this call, and no retry at each negotiation.
    private var sctpFailed = false

    /// Moves DTLS and SCTP output and events.
    func flushSecure() {
        guard let dtls else { return }
        if let channels {
            while let packet = channels.pollTransmit() { dtls.send(packet) }
        }
        while let event = dtls.pollEvent() {
            switch event {
            case let .connected(keys):
                do {
                    srtpOutbound = try SrtpSession(profile: keys.profile, key: keys.localKey, salt: keys.localSalt, direction: .outbound)
                    srtpInbound = try SrtpSession(profile: keys.profile, key: keys.remoteKey, salt: keys.remoteSalt, direction: .inbound)
                } catch {
                    // Media could never be protected: say so and end, rather than report a secured call.
                    events.append(.problem("SRTP could not start (\(error)); hang up and call again"))
                    close()
                    return
                }
                events.append(.secured(keys.profile))
                startSctpIfAgreed()
            case let .data(bytes):
                if let channels { channels.handleDatagram(bytes, now: now) } else if earlySctpPackets.count < 4 { earlySctpPackets.append(bytes) }
            case let .failed(error):
                // A failed handshake (a certificate that is not the signalled one, RFC 8827 §6.5)
                // ends the connection: media would never be secured, and the user must see why.
                events.append(.problem(error.description))
                channels?.association.close()
                if signalingState != .closed {
                    signalingState = .closed
                    events.append(.closed)
                }
            case .closed:
                channels?.association.close()
                if signalingState != .closed {
                    signalingState = .closed
                    events.append(.closed)
                }
            }
        }
        if let channels {
            while let event = channels.pollEvent() {
                switch event {
                case let .channelOpened(id):
                    counters.channelsOpened += 1
                    events.append(.dataChannelOpen(id: id, label: channels.channel(id)?.label ?? ""))
                case let .message(id, message):
                    counters.messagesReceived += 1
                    counters.messageBytesReceived += message.byteCount
                    events.append(.message(id: id, message))
                case let .channelClosed(id):
                    counters.channelsClosed += 1
                    events.append(.dataChannelClosed(id))
                case let .oversizedMessageDropped(id):
                    events.append(.problem("the far end sent a message on \"\(channels.channel(id)?.label ?? "?")\" larger than \(SctpAssociation.maximumReassembly) bytes (our max-message-size): dropped"))
                case .connected, .bufferedAmountLow, .closed:
                    break
                }
            }
            while let packet = channels.pollTransmit() { dtls.send(packet) }
        }
        while let datagram = dtls.pollTransmit() { transmit(datagram) }
    }
}

extension DataChannelEndpoint.Message {
    var byteCount: Int {
        switch self {
        case let .text(text): return text.utf8.count
        case let .binary(bytes): return bytes.count
        }
    }
}

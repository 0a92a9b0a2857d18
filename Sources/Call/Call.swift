import AudioPipeline
import Codecs
import EventLoop
import ICE
import MediaCore
import MediaDevices
import PeerConnection
import SDP
import SCTP
import STUN
import VideoPipeline

/// What a call captures and plays, chosen on the command line or in the device menu.
public struct CallConfiguration: Sendable {
    public enum AudioInput: Sendable, Equatable {
        /// A generated tone (for machines without a microphone, and for tests).
        case tone(frequency: Double)
        /// An ALSA PCM name as `termcall devices` lists it.
        case device(String)
        /// Send nothing (receive-only audio).
        case none
    }

    /// The camera, test pattern or Y4M file; nil sends no video (receive-only).
    public var camera: VideoSourceSpec? = .testPattern(width: 320, height: 240, fps: 30)
    public var microphone = AudioInput.tone(frequency: 440)
    /// An ALSA PCM name for the far end's audio; nil plays it nowhere (headless).
    public var speaker: String?
    public var iceConfiguration = IceConfiguration()
    /// Host addresses to gather on (nil: every interface).
    public var addresses: [TransportAddress.IP]?
    public var includeLoopback = false
    /// Echo cancellation, noise suppression and gain control on the microphone. Off for music, a
    /// headset whose system already processes it, or measuring the codec and network alone.
    public var voiceProcessing = true
    /// The data channel that carries chat.
    public var chatLabel = "chat"
    /// How our offers ask for BUNDLE (every leg runs on one transport whatever it says).
    public var bundlePolicy = BundlePolicy.balanced

    public init() {}

    /// The test pattern and a tone, on 127.0.0.1 only: the demo's two callers, and benchmarks.
    public static func loopbackTest(tone: Double, width: Int, height: Int, fps: Int = 30) -> CallConfiguration {
        var c = CallConfiguration()
        c.camera = .testPattern(width: width, height: height, fps: fps)
        c.microphone = .tone(frequency: tone)
        c.addresses = [TransportAddress.IP("127.0.0.1")!]
        c.includeLoopback = true
        return c
    }
}

/// One far end of a call: its peer connection, its chat channel, its latest picture. A 1:1 call has
/// one leg; a group call in a room has one per other participant (a mesh: each leg encodes and
/// sends our media on its own). Owned by the call's thread, like the call.
public final class CallLeg {
    /// Stable for the call's lifetime (0 is the first leg); also the far end's id in `CallAudio`.
    public let id: Int
    public let peer: PeerConnection
    /// This far end's video: our pictures encoded for its path and screen, its frames decoded.
    public let video: VideoPipeline
    /// The far end's newest decoded picture (the renderer's latest-frame slot).
    public internal(set) var remoteFrame: VideoFrame?
    public internal(set) var remoteFramesDecoded = 0
    public internal(set) var audioPacketsReceived = 0
    public internal(set) var chatReceived = 0
    public internal(set) var isSecured = false
    public internal(set) var isClosed = false
    var chatChannel: UInt16?
    /// termcall's own control channel ("termcall-control"): tells the far end the size we draw
    /// its picture at. Browsers never open it.
    var controlChannel: UInt16?
    /// The picture size we draw this far end at, and what we last told it.
    var viewSize: (width: Int, height: Int)?
    var viewSizeSent: (width: Int, height: Int)?
    /// The short authentication string's exchange on the control channel (SECURITY.md).
    var verification: VerificationExchange?
    /// Six digits both people see and read to each other; nil until the exchange finished (and
    /// for far ends that do not speak termcall-control, such as aiortc).
    public internal(set) var verificationCode: String?
    /// Why this leg ended before it was ever secured (a refused certificate), for the user.
    public internal(set) var endReason: String?
    /// ICE restarts (RFC 8445 §9) this leg made after its path went quiet or failed.
    public internal(set) var iceRestarts = 0
    var quietSince: Int64?
    var lastRestartAt: Int64?

    init(id: Int, peer: PeerConnection) throws {
        self.id = id
        self.peer = peer
        video = try VideoPipeline()
    }
}

/// One call: devices → pipelines → peer connection(s) and back (ARCHITECTURE.md, "a call"). The
/// camera's newest frame goes to VP8; the microphone (or a tone) goes through echo cancellation
/// and Opus on the mic's own clock (a 10 ms timer for the tone); each far end's Opus goes through
/// its own adaptive jitter buffer and the mix to the speaker, and its video into its leg's
/// `remoteFrame`, the slot the renderer reads. Chat rides the data channel labelled `chat`, sent
/// to every leg. Owned by one thread, which calls `step` in a loop; device threads only fill rings
/// and slots.
public final class Call {
    public enum Event: Sendable, Equatable {
        case connectionState(IceConnectionState)
        /// DTLS and SRTP are up: media flows.
        case secured
        case chatOpen
        case chat(String)
        /// A new remote frame is in the leg's `remoteFrame`; `first` on the leg's first ever
        /// (said on the count's step from 0 to 1, so however many frames one step decodes, each
        /// leg has exactly one).
        case remoteVideo(first: Bool)
        case track(MediaKind)
        case trackEnded(MediaKind)
        /// Signalling must carry a new offer (`peer.createOffer()`).
        case negotiationNeeded
        case iceCandidate(String)
        /// The call (or, in a group call, this leg) ended: by us (`hangUp`) or by the peer.
        case ended(byPeer: Bool)
        /// One line for the user.
        case problem(String)
        /// The short authentication string for a leg is ready: both ends show the same six digits
        /// unless someone is in the middle (`VerificationExchange`).
        case verificationCode(String)
    }

    /// The far ends, oldest first; never empty until the call ends.
    public private(set) var legs: [CallLeg]
    /// The first leg's peer connection: a 1:1 call's only one.
    public var peer: PeerConnection { legs[0].peer }
    public let audio: CallAudio
    /// The devices in use now (the device menu can change them during the call).
    public private(set) var configuration: CallConfiguration
    /// The first leg's newest decoded picture.
    public var remoteFrame: VideoFrame? { legs[0].remoteFrame }
    /// The newest picture we sent (the self view).
    public private(set) var localFrame: VideoFrame?
    public var remoteFramesDecoded: Int { legs[0].remoteFramesDecoded }
    public var audioPacketsReceived: Int { legs[0].audioPacketsReceived }
    public var chatReceived: Int { legs[0].chatReceived }
    /// Why the call ended before it was secured (e.g. the far end's certificate was not the one
    /// it signalled), if it did.
    public var endReason: String? { legs.lazy.compactMap(\.endReason).first }
    /// True once any leg's media is secured.
    public var isSecured: Bool { legs.contains { $0.isSecured } }
    public private(set) var hasEnded = false
    /// Mutes the microphone: silence is encoded (Opus DTX keeps it to a packet every 400 ms).
    public var microphoneMuted = false
    /// Stops sending pictures without renegotiating (the far end keeps the last one); the camera
    /// keeps running so turning it back on is instant.
    public var cameraPaused = false

    private var nextLegID = 1
    /// The call's one loop and its one clock: every leg's sockets, audio ticks, jitter buffers and
    /// video timestamps.
    public let loop = EventLoop()
    public var now: Int64 { loop.now }
    private var camera: LiveVideoFeed?
    private var microphone: AudioStream?
    private var speaker: AudioStream?
    /// The sound devices' own figures (nil without that device): a microphone whose ring
    /// overflowed sent a jump in its audio, a speaker that ran dry played silence into the call.
    public var microphoneStatistics: AudioStream.Statistics? { microphone?.statistics }
    public var speakerStatistics: AudioStream.Statistics? { speaker?.statistics }
    private var tone: ToneSource?
    private var micFrame = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private let silence = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private var nextAudioTick: Int64 = 0
    private var audioRunning = false
    private var videoStart: Int64?

    /// Opens the devices and the first leg's peer connection. Device errors come out here, as one
    /// line each, before anything is sent.
    public init(configuration: CallConfiguration) throws {
        self.configuration = configuration
        legs = [try CallLeg(id: 0, peer: try Self.makePeer(configuration, on: loop))]
        audio = CallAudio(sender: AudioSender(canceller: configuration.voiceProcessing ? try WebRTCAudioProcessor() : nil, encoder: try OpusEncoder()),
                          receiver: try AudioReceiver())
        switch configuration.microphone {
        case let .tone(frequency): tone = ToneSource(frequency: frequency, level: -20)
        case let .device(name): microphone = try AudioStream.start(device: name, direction: .capture)
        case .none: break
        }
        if let name = configuration.speaker { speaker = try AudioStream.start(device: name, direction: .playback) }
        if let spec = configuration.camera { camera = try LiveVideoFeed.start(spec) }
    }

    deinit { stopDevices() }

    private static func makePeer(_ configuration: CallConfiguration, on loop: EventLoop) throws -> PeerConnection {
        var tracks: Set<MediaKind> = []
        if configuration.microphone != .none { tracks.insert(.audio) }
        if configuration.camera != nil { tracks.insert(.video) }
        let peer = try loop.addConnection(configuration: configuration.iceConfiguration, addresses: configuration.addresses,
                                          includeLoopback: configuration.includeLoopback, tracks: tracks)
        peer.bundlePolicy = configuration.bundlePolicy
        return peer
    }

    /// A new far end (a group call's next participant): its own peer connection with our current
    /// tracks, its own jitter buffer in the mix. Signalling then offers or answers on `leg.peer`.
    public func addLeg() throws -> CallLeg {
        let leg = try CallLeg(id: nextLegID, peer: try Self.makePeer(configuration, on: loop))
        nextLegID += 1
        audio.addFarEnd(id: leg.id, receiver: try AudioReceiver())
        legs.append(leg)
        return leg
    }

    /// Ends one far end of a group call (it left); the last leg cannot be removed — `hangUp` ends
    /// the call. Returns false when `id` is not a removable leg.
    @discardableResult
    public func removeLeg(_ id: Int) -> Bool {
        guard legs.count > 1, let index = legs.firstIndex(where: { $0.id == id }) else { return false }
        let leg = legs.remove(at: index)
        if !leg.isClosed { leg.peer.close() }
        loop.removeConnection(leg.peer)
        audio.removeFarEnd(id: id)
        return true
    }

    public func leg(_ id: Int) -> CallLeg? { legs.first { $0.id == id } }

    /// Runs one turn of the call: network input and timers (waiting up to `maximumWait` ms),
    /// audio ticks that are due, and the camera's newest frame.
    public func step(maximumWait: Int64 = 5) -> [Event] {
        stepLegs(maximumWait: maximumWait).map(\.event)
    }

    /// `step`, with each event's leg: what a group call needs. Every leg's sockets are waited on
    /// together (no leg waits while another is read), with the audio clock's next tick as the
    /// longest wait. A leg whose peer closes (it hung up) reports `.ended` and stays until
    /// `removeLeg`; the call itself ends when its only leg closes.
    public func stepLegs(maximumWait: Int64 = 5) -> [(leg: Int, event: Event)] {
        turn(maximumWait: maximumWait).events
    }

    /// What one turn of the call brought: each event with its leg, and which of the descriptors
    /// the caller also waited on are readable.
    public struct Turn {
        public var events: [(leg: Int, event: Event)] = []
        public var readable: [Int32] = []
    }

    /// `stepLegs`, also waiting on `descriptors` (the terminal): one wait for everything.
    public func turn(maximumWait: Int64, alsoWaitingOn descriptors: [Int32] = []) -> Turn {
        var result = Turn()
        guard !hasEnded else { return result }
        result.events = advance(maximumWait: maximumWait, descriptors: descriptors, readable: &result.readable)
        return result
    }

    private func advance(maximumWait: Int64, descriptors: [Int32], readable: inout [Int32]) -> [(leg: Int, event: Event)] {
        var out: [(leg: Int, event: Event)] = []
        var wait = maximumWait
        if audioRunning, microphone == nil { wait = max(0, min(wait, nextAudioTick - now)) }
        let turn = loop.turn(maximumWait: wait, alsoWaitingOn: descriptors)
        readable = turn.readable
        for (connection, event) in turn.events {
            guard let leg = legs.first(where: { $0.peer === connection }), !leg.isClosed else { continue }
            if let e = handle(event, on: leg) { out.append((leg.id, e)) }
        }
        restartQuietPaths()
        if legs.allSatisfy(\.isClosed) {
            hasEnded = true
            stopDevices()
            return out
        }
        guard isSecured else { return out }
        if !audioRunning {
            audioRunning = true
            nextAudioTick = now
            // The microphone ran while the call connected; that audio is stale, and sent now it
            // would reach the far end as one burst that its jitter buffer carries as delay.
            microphone?.discardWaiting()
        }
        adaptAudioProtection()
        do {
            try runAudio()
        } catch {
            out.append((legs[0].id, .problem("\(error)")))
        }
        sendCameraFrame(&out)
        return out
    }

    private func handle(_ event: PeerConnection.Event, on leg: CallLeg) -> Event? {
        switch event {
        case let .connectionState(state):
            if state == .disconnected || state == .failed { leg.quietSince = leg.quietSince ?? now } else if state == .connected || state == .completed { leg.quietSince = nil }
            return .connectionState(state)
        case .secured:
            leg.isSecured = true
            // The side that offered first opens the chat channel (DCEP, RFC 8832); the other one
            // sees it arrive. Created now, it opens as soon as SCTP is up.
            if leg.peer.isInitialOfferer, leg.chatChannel == nil {
                leg.peer.createDataChannel(label: configuration.chatLabel)
                leg.peer.createDataChannel(label: Self.controlLabel)
            }
            return .secured
        case let .dataChannelOpen(id, label) where label == Self.controlLabel && leg.controlChannel == nil:
            leg.controlChannel = id
            sendViewSize(on: leg)
            return startVerification(on: leg)
        case let .message(id, .text(text)) where id == leg.controlChannel:
            return handleControl(text, on: leg)
        case let .dataChannelOpen(id, label) where label == configuration.chatLabel && leg.chatChannel == nil:
            leg.chatChannel = id
            return .chatOpen
        case let .message(id, .text(text)) where id == leg.chatChannel:
            leg.chatReceived += 1
            let size = text.utf8.count
            guard size > Self.maximumChatBytes else { return .chat(text) }
            let kept = String(decoding: text.utf8.prefix(Self.maximumChatBytes), as: UTF8.self)
            return .chat(kept + " … [\(size - Self.maximumChatBytes) more bytes not shown]")
        case let .audio(sequence, timestamp, payload), let .recoveredAudio(sequence, timestamp, payload):
            leg.audioPacketsReceived += 1
            audio.receive(sequence: sequence, timestamp: timestamp, payload: payload, now: now, farEnd: leg.id)
            return nil
        case let .videoFrame(encoded):
            guard let frame = leg.video.receive(encoded, from: leg.peer).last else { return nil }
            leg.remoteFrame = frame
            leg.remoteFramesDecoded += 1
            return .remoteVideo(first: leg.remoteFramesDecoded == 1)
        case .keyframeRequested:
            leg.video.keyframeRequested()
            return nil
        case let .track(kind): return .track(kind)
        case let .trackEnded(kind): return .trackEnded(kind)
        case .negotiationNeeded: return .negotiationNeeded
        case let .iceCandidate(line): return .iceCandidate(line)
        case let .problem(text):
            if leg.peer.signalingState == .closed, !leg.isSecured { leg.endReason = text }
            return .problem(text)
        case .networkChanged:
            // Our addresses changed: only we know, so we restart, whichever side offered first.
            leg.lastRestartAt = now
            leg.iceRestarts += 1
            leg.peer.restartIce()
            return .problem("the network changed: reconnecting")
        case .closed:
            guard !leg.isClosed else { return nil }
            leg.isClosed = true
            return .ended(byPeer: !hasEnded)
        default: return nil
        }
    }

    static let controlLabel = "termcall-control"

    /// A path quiet for `restartAfter` ms past ICE's own "disconnected" (or failed) is restarted
    /// by the side that controls ICE: new credentials in a new offer, checks on every pair
    /// again, while media waits (RFC 8445 §9). Once per `restartInterval` at most.
    public static let restartAfter: Int64 = 4_000, restartInterval: Int64 = 15_000

    private func restartQuietPaths() {
        let now = self.now
        for leg in legs where !leg.isClosed && leg.peer.isInitialOfferer {
            guard let since = leg.quietSince, now - since >= Self.restartAfter,
                  leg.lastRestartAt.map({ now - $0 >= Self.restartInterval }) ?? true else { continue }
            leg.lastRestartAt = now
            leg.iceRestarts += 1
            leg.peer.restartIce()
        }
    }

    /// Tells the far end of `leg` (every leg when nil) how large we draw its picture, in pixels:
    /// a termcall there then encodes no more than that (a terminal shows ~160x96), saving both
    /// ends bandwidth and CPU. Sent when it changes; browsers never hear of it.
    public func setViewSize(width: Int, height: Int, leg id: Int? = nil) {
        for leg in legs where id == nil || leg.id == id {
            leg.viewSize = (max(16, width), max(16, height))
            sendViewSize(on: leg)
        }
    }

    private func sendViewSize(on leg: CallLeg) {
        guard let channel = leg.controlChannel, let size = leg.viewSize, leg.viewSizeSent.map({ $0 != size }) ?? true else { return }
        if (try? leg.peer.send(.text(ControlMessage(type: .view, width: size.width, height: size.height).encoded), on: channel)) != nil {
            leg.viewSizeSent = size
        }
    }

    /// Starts the verification exchange once the control channel is open: the DTLS client commits
    /// first, the server answers (`VerificationExchange`).
    private func startVerification(on leg: CallLeg) -> Event? {
        guard leg.verification == nil, let channel = leg.controlChannel, let dtls = leg.peer.dtls,
              let remote = dtls.peerFingerprint, remote.algorithm == .sha256 else { return nil }
        let exchange = VerificationExchange(role: dtls.role == .client ? .committer : .responder,
                                            localFingerprint: leg.peer.certificate.fingerprint.digest, remoteFingerprint: remote.digest)
        leg.verification = exchange
        if let first = exchange.start() { _ = try? leg.peer.send(.text(first.encoded), on: channel) }
        return nil
    }

    /// A control message from the far end. Malformed or unknown ones are dropped (counted by the
    /// data channel's statistics as received, nothing more).
    private func handleControl(_ text: String, on leg: CallLeg) -> Event? {
        guard let message = ControlMessage.decode(text) else { return nil }
        switch message.type {
        case .view:
            if let width = message.width, (16...8192).contains(width) { leg.video.viewWidth = width }
            return nil
        case .verifyCommit, .verifyNonce, .verifyReveal:
            guard var exchange = leg.verification, let channel = leg.controlChannel else { return nil }
            let reply = exchange.handle(message)
            leg.verification = exchange
            if let reply { _ = try? leg.peer.send(.text(reply.encoded), on: channel) }
            if let failure = exchange.failure, leg.verificationCode == nil {
                leg.verificationCode = "failed"
                return .problem(failure.description)
            }
            if let code = exchange.code, leg.verificationCode == nil {
                leg.verificationCode = code
                return .verificationCode(code)
            }
            return nil
        }
    }

    private var nextProtectionUpdate: Int64 = 0

    /// Opus in-band FEC follows the loss the far ends report (RFC 7587 §3.3: the receiver's loss
    /// decides how much redundancy is worth its bits), with a margin, once a second.
    private func adaptAudioProtection() {
        let now = self.now
        guard now >= nextProtectionUpdate else { return }
        nextProtectionUpdate = now + 1_000
        let loss = legs.compactMap { $0.peer.statistics().outbound(.audio)?.remoteFractionLost }.max() ?? 0
        let percent = min(40, max(5, Int((loss * 100 * 1.5).rounded(.up))))
        if percent != expectedLossPercent {
            expectedLossPercent = percent
            try? audio.sender.encoder.setExpectedLoss(percent: percent)
        }
    }

    /// What the Opus encoder was last told to protect against.
    public private(set) var expectedLossPercent = 10

    /// Chat lines are at most this many bytes of UTF-8 (a long page): bigger is a paste gone wrong,
    /// and a far end that sends one has it cut for display.
    public static let maximumChatBytes = 16_384

    /// Why `text` cannot be sent now, in one line for the user (who keeps the line); nil if it can.
    public func chatRefusal(_ text: String) -> String? {
        let size = text.utf8.count
        if size > Self.maximumChatBytes { return "that line is \(size) bytes; a chat line is at most \(Self.maximumChatBytes): send it in parts" }
        if !legs.contains(where: { !$0.isClosed && $0.chatChannel != nil }) { return "the chat is not open yet: your line is kept, press Enter again" }
        return nil
    }

    /// Sends a chat line to every leg whose chat is open; false when `chatRefusal` says why not.
    @discardableResult
    public func sendChat(_ text: String) -> Bool {
        guard text.utf8.count <= Self.maximumChatBytes else { return false }
        var sent = false
        for leg in legs where !leg.isClosed {
            guard let channel = leg.chatChannel else { continue }
            if (try? leg.peer.send(.text(text), on: channel)) != nil { sent = true }
        }
        return sent
    }

    /// Turns the camera track on or off on every leg; each change is renegotiated (`negotiationNeeded`).
    public func setCamera(on: Bool) {
        for leg in legs where !leg.isClosed {
            if on { leg.peer.addTrack(.video) } else { leg.peer.removeTrack(.video) }
        }
    }

    /// Switches the camera during the call (the device menu). The new source opens before the old
    /// one closes, so a failure leaves the call as it was; the encoder follows the new picture
    /// size with a keyframe. Choosing no camera removes the video track, choosing one when there
    /// was none adds it (both renegotiate).
    public func replaceCamera(_ spec: VideoSourceSpec?) throws {
        guard spec != configuration.camera else { return }
        let feed = try spec.map { spec throws(DeviceError) in try LiveVideoFeed.start(spec) }
        camera?.stop()
        camera = feed
        localFrame = nil
        if (spec == nil) != (configuration.camera == nil) { setCamera(on: spec != nil) }
        configuration.camera = spec
    }

    /// Switches the microphone (or the tone) during the call; the new one opens first.
    public func replaceMicrophone(_ input: CallConfiguration.AudioInput) throws {
        guard input != configuration.microphone else { return }
        var stream: AudioStream?
        if case let .device(name) = input { stream = try AudioStream.start(device: name, direction: .capture) }
        microphone?.stop()
        microphone = stream
        tone = nil
        if case let .tone(frequency) = input { tone = ToneSource(frequency: frequency, level: -20) }
        nextAudioTick = now
        if (input == .none) != (configuration.microphone == .none) {
            for leg in legs where !leg.isClosed {
                if input == .none { leg.peer.removeTrack(.audio) } else { leg.peer.addTrack(.audio) }
            }
        }
        configuration.microphone = input
    }

    /// Switches the speaker during the call (nil: play nowhere); the new one opens first.
    public func replaceSpeaker(_ name: String?) throws {
        guard name != configuration.speaker else { return }
        let stream = try name.map { try AudioStream.start(device: $0, direction: .playback) }
        speaker?.stop()
        speaker = stream
        configuration.speaker = name
    }

    /// Ends the call: SCTP and DTLS say goodbye to the peer, devices close.
    public func hangUp() {
        guard !hasEnded else { return }
        hasEnded = true
        for leg in legs where !leg.isClosed { leg.peer.close() }
        loop.flush()
        stopDevices()
    }

    // MARK: internals

    /// 10 ms audio ticks: on the microphone's clock when there is one, else on a timer.
    private func runAudio() throws {
        if let microphone {
            while try microphone.read(into: &micFrame) { try tick(microphone: microphoneMuted ? silence : micFrame) }
            return
        }
        let now = self.now
        // After a stall (a paused process), skip ahead instead of sending a burst.
        if now - nextAudioTick > 200 { nextAudioTick = now }
        while now >= nextAudioTick {
            var frame = tone?.nextFrame(samples: AudioStream.frameSamples) ?? silence
            if microphoneMuted { frame = silence }
            try tick(microphone: frame)
            nextAudioTick += 10
        }
    }

    private func tick(microphone frame: [Int16]) throws {
        let delay = (speaker?.queuedMilliseconds ?? 0) + 20
        let result = try audio.tick(microphone: frame[...], now: now, speakerDelayMilliseconds: delay)
        try speaker?.write(result.speaker)
        guard configuration.microphone != .none, let packet = result.packet else { return }
        // Encoded once, sent to every leg (each with its own SSRC, sequence and SRTP context).
        for leg in legs where leg.isSecured && !leg.isClosed {
            if packet.transmit { leg.peer.sendAudio(packet.payload, timestampAdvance: packet.timestampAdvance) }
            else { leg.peer.skipAudio(timestampAdvance: packet.timestampAdvance) }
        }
    }

    /// The camera's newest frame, stamped with its capture time on the 90 kHz clock.
    private func sendCameraFrame(_ out: inout [(leg: Int, event: Event)]) {
        guard let camera else { return }
        do throws(DeviceError) {
            guard let frame = try camera.take() else { return }
            localFrame = frame
            if cameraPaused { return }
            let now = self.now
            let start = videoStart ?? now
            videoStart = start
            for leg in legs where leg.isSecured && !leg.isClosed {
                leg.video.send(frame, timestamp: UInt32(truncatingIfNeeded: (now - start) * 90), on: leg.peer)
            }
        } catch {
            out.append((legs[0].id, .problem("the camera stopped: \(error)")))
            self.camera = nil
        }
    }

    private func stopDevices() {
        camera?.stop()
        microphone?.stop()
        speaker?.stop()
        camera = nil
        microphone = nil
        speaker = nil
    }
}

import AudioPipeline
import Codecs
import ICE
import MediaCore
import MediaDevices
import PeerConnection
import SCTP
import STUN

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
    /// The data channel that carries chat.
    public var chatLabel = "chat"

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

/// One call: devices → pipelines → peer connection and back (ARCHITECTURE.md, "a call"). The
/// camera's newest frame goes to VP8; the microphone (or a tone) goes through echo cancellation
/// and Opus on the mic's own clock (a 10 ms timer for the tone); the far end's Opus goes through
/// the adaptive jitter buffer to the speaker, and its video into `remoteFrame`, the slot the
/// renderer reads. Chat rides the data channel labelled `chat`. Owned by one thread, which calls
/// `step` in a loop; device threads only fill rings and slots.
public final class Call {
    public enum Event: Sendable, Equatable {
        case connectionState(IceConnectionState)
        /// DTLS and SRTP are up: media flows.
        case secured
        case chatOpen
        case chat(String)
        /// A new remote frame is in `remoteFrame`.
        case remoteVideo
        case track(MediaKind)
        case trackEnded(MediaKind)
        /// Signalling must carry a new offer (`peer.createOffer()`).
        case negotiationNeeded
        case iceCandidate(String)
        /// The call ended: by us (`hangUp`) or by the peer.
        case ended(byPeer: Bool)
        /// One line for the user.
        case problem(String)
    }

    public let peer: PeerConnection
    public let audio: CallAudio
    /// The devices in use now (the device menu can change them during the call).
    public private(set) var configuration: CallConfiguration
    /// The far end's newest decoded picture (the renderer's latest-frame slot).
    public private(set) var remoteFrame: VideoFrame?
    /// The newest picture we sent (the self view).
    public private(set) var localFrame: VideoFrame?
    public private(set) var remoteFramesDecoded = 0
    public private(set) var audioPacketsReceived = 0
    public private(set) var chatReceived = 0
    public private(set) var isSecured = false
    public private(set) var hasEnded = false
    /// Mutes the microphone: silence is encoded (Opus DTX keeps it to a packet every 400 ms).
    public var microphoneMuted = false
    /// Stops sending pictures without renegotiating (the far end keeps the last one); the camera
    /// keeps running so turning it back on is instant.
    public var cameraPaused = false

    private var chatChannel: UInt16?
    private var camera: LiveVideoFeed?
    private var microphone: AudioStream?
    private var speaker: AudioStream?
    private var tone: ToneSource?
    private var micFrame = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private let silence = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private var nextAudioTick: Int64 = 0
    private var videoStart: Int64?

    /// Opens the devices and the peer connection. Device errors come out here, as one line each,
    /// before anything is sent.
    public init(configuration: CallConfiguration) throws {
        self.configuration = configuration
        var tracks: Set<MediaKind> = []
        if configuration.microphone != .none { tracks.insert(.audio) }
        if configuration.camera != nil { tracks.insert(.video) }
        peer = try PeerConnection(configuration: configuration.iceConfiguration, addresses: configuration.addresses,
                                  includeLoopback: configuration.includeLoopback, tracks: tracks)
        audio = CallAudio(sender: AudioSender(canceller: try WebRTCAudioProcessor(), encoder: try OpusEncoder()), receiver: try AudioReceiver())
        switch configuration.microphone {
        case let .tone(frequency): tone = ToneSource(frequency: frequency, level: -20)
        case let .device(name): microphone = try AudioStream.start(device: name, direction: .capture)
        case .none: break
        }
        if let name = configuration.speaker { speaker = try AudioStream.start(device: name, direction: .playback) }
        if let spec = configuration.camera { camera = try LiveVideoFeed.start(spec) }
    }

    deinit { stopDevices() }

    /// Runs one turn of the call: network input and timers (waiting up to `maximumWait` ms),
    /// audio ticks that are due, and the camera's newest frame.
    public func step(maximumWait: Int64 = 5) -> [Event] {
        guard !hasEnded else { return [] }
        var out: [Event] = []
        for event in peer.step(maximumWait: maximumWait) {
            switch event {
            case let .connectionState(state): out.append(.connectionState(state))
            case .secured:
                isSecured = true
                nextAudioTick = peer.ice.now
                out.append(.secured)
                // The side that offered first opens the chat channel (DCEP, RFC 8832); the other one
                // sees it arrive. Created now, it opens as soon as SCTP is up.
                if peer.isInitialOfferer, chatChannel == nil { peer.createDataChannel(label: configuration.chatLabel) }
            case let .dataChannelOpen(id, label) where label == configuration.chatLabel && chatChannel == nil:
                chatChannel = id
                out.append(.chatOpen)
            case let .message(id, .text(text)) where id == chatChannel:
                chatReceived += 1
                out.append(.chat(text))
            case let .audio(sequence, timestamp, payload):
                audioPacketsReceived += 1
                audio.receive(sequence: sequence, timestamp: timestamp, payload: payload, now: peer.ice.now)
            case let .video(frame):
                remoteFrame = frame
                remoteFramesDecoded += 1
                out.append(.remoteVideo)
            case let .track(kind): out.append(.track(kind))
            case let .trackEnded(kind): out.append(.trackEnded(kind))
            case .negotiationNeeded: out.append(.negotiationNeeded)
            case let .iceCandidate(line): out.append(.iceCandidate(line))
            case let .problem(text): out.append(.problem(text))
            case .closed:
                out.append(.ended(byPeer: !hasEnded))
                hasEnded = true
                stopDevices()
                return out
            default: break
            }
        }
        guard isSecured else { return out }
        do {
            try runAudio()
        } catch {
            out.append(.problem("\(error)"))
        }
        sendCameraFrame(&out)
        return out
    }

    /// Sends a chat line; false until the chat channel is open.
    @discardableResult
    public func sendChat(_ text: String) -> Bool {
        guard let chatChannel else { return false }
        return (try? peer.send(.text(text), on: chatChannel)) != nil
    }

    /// Turns the camera track on or off; the change is renegotiated (`negotiationNeeded`).
    public func setCamera(on: Bool) {
        if on { peer.addTrack(.video) } else { peer.removeTrack(.video) }
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
        nextAudioTick = peer.ice.now
        if (input == .none) != (configuration.microphone == .none) {
            if input == .none { peer.removeTrack(.audio) } else { peer.addTrack(.audio) }
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
        peer.close()
        _ = peer.step(maximumWait: 0)
        stopDevices()
    }

    // MARK: internals

    /// 10 ms audio ticks: on the microphone's clock when there is one, else on a timer.
    private func runAudio() throws {
        if let microphone {
            while try microphone.read(into: &micFrame) { try tick(microphone: microphoneMuted ? silence : micFrame) }
            return
        }
        let now = peer.ice.now
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
        let result = try audio.tick(microphone: frame[...], now: peer.ice.now, speakerDelayMilliseconds: delay)
        try speaker?.write(result.speaker)
        guard configuration.microphone != .none, let packet = result.packet else { return }
        if packet.transmit { peer.sendAudio(packet.payload, timestampAdvance: packet.timestampAdvance) }
        else { peer.skipAudio(timestampAdvance: packet.timestampAdvance) }
    }

    /// The camera's newest frame, stamped with its capture time on the 90 kHz clock.
    private func sendCameraFrame(_ out: inout [Event]) {
        guard let camera else { return }
        do throws(DeviceError) {
            guard let frame = try camera.take() else { return }
            localFrame = frame
            if cameraPaused { return }
            let now = peer.ice.now
            let start = videoStart ?? now
            videoStart = start
            peer.sendVideo(frame, timestamp: UInt32(truncatingIfNeeded: (now - start) * 90))
        } catch {
            out.append(.problem("the camera stopped: \(error)"))
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

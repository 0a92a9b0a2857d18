import Call
import MediaDevices
import PeerConnection
import STUN
import Testing

/// Two `Call`s in one process over UDP on 127.0.0.1, one with real ALSA device threads (alsa-lib's
/// clockless `null` PCM as microphone and speaker, paced by AudioStream's own timer), the other
/// with the tone and no camera. The wall-clock bound is a failure guard only.
@Suite(.serialized) struct CallTests {
    func configuration(camera: VideoSourceSpec?, microphone: CallConfiguration.AudioInput, speaker: String?) -> CallConfiguration {
        var c = CallConfiguration()
        c.camera = camera
        c.microphone = microphone
        c.speaker = speaker
        c.addresses = [TransportAddress.IP("127.0.0.1")!]
        return c
    }

    @Test func devicesToPeerAndBack() throws {
        let a = try Call(configuration: configuration(camera: .testPattern(width: 160, height: 120, fps: 30), microphone: .device("null"), speaker: "null"))
        let b = try Call(configuration: configuration(camera: nil, microphone: .tone(frequency: 440), speaker: nil))
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(try b.peer.createAnswer())
        var aEvents: [Call.Event] = [], bEvents: [Call.Event] = []
        var chatted = false
        let start = a.now
        while a.now - start < 10_000 {
            aEvents += a.step(maximumWait: 1)
            bEvents += b.step(maximumWait: 1)
            if !chatted, aEvents.contains(.chatOpen), bEvents.contains(.chatOpen) {
                chatted = a.sendChat("from a") && b.sendChat("from b ✓")
            }
            if bEvents.contains(.chat("from a")), aEvents.contains(.chat("from b ✓")),
               b.remoteFramesDecoded >= 10, a.audio.receiver.buffer.statistics.played >= 50 { break }
        }
        // a offered, so a opened the chat channel; b saw it arrive.
        #expect(bEvents.contains(.chat("from a")) && aEvents.contains(.chat("from b ✓")))
        // a's test pattern reached b's remote-frame slot; b sends no video, so a has no video track.
        #expect(b.remoteFramesDecoded >= 10 && b.remoteFrame?.width == 160)
        #expect(bEvents.contains(.track(.video)) && !aEvents.contains(.track(.video)) && a.remoteFrame == nil)
        // b's tone went through a's jitter buffer to the null speaker.
        #expect(a.audioPacketsReceived >= 50 && a.audio.receiver.buffer.statistics.played >= 50)
        // a's microphone thread delivered (silence: Opus DTX still sends its first frame).
        #expect(b.audioPacketsReceived >= 1 && a.peer.statistics().outbound(.audio)?.packetsSent ?? 0 >= 1)
        a.hangUp()
        var ended = false
        let hangup = b.now
        while !ended, b.now - hangup < 5_000 { ended = b.step(maximumWait: 5).contains(.ended(byPeer: true)) }
        #expect(ended && b.hasEnded)
    }

    /// The first frame is said once per leg, on the count's step from 0, even when the step that
    /// decodes it decodes more (a headless `first-frame` line was lost that way in a room call).
    @Test func theFirstFrameIsSaidOnceWhenOneStepDecodesSeveral() throws {
        let a = try Call(configuration: configuration(camera: nil, microphone: .tone(frequency: 440), speaker: nil))
        let b = try Call(configuration: configuration(camera: nil, microphone: .tone(frequency: 440), speaker: nil))
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(try b.peer.createAnswer())
        var bEvents: [Call.Event] = []
        var aSecured = false
        let start = a.now
        while a.now - start < 10_000, !(aSecured && bEvents.contains(.secured)) {
            aSecured = a.step(maximumWait: 1).contains(.secured) || aSecured
            bEvents += b.step(maximumWait: 1)
        }
        #expect(aSecured && bEvents.contains(.secured))
        // a turns its camera on; b is not stepped while a sends its first frames, so they wait
        // in b's socket and one step of b decodes them all.
        try a.replaceCamera(.testPattern(width: 160, height: 120, fps: 30))
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(try b.peer.createAnswer())
        let sending = a.now
        while a.now - sending < 10_000, (a.peer.statistics().outbound(.video)?.framesEncoded ?? 0) < 4 { _ = a.step(maximumWait: 5) }
        let oneStep = b.step(maximumWait: 5)
        let decoded = oneStep.filter { if case .remoteVideo = $0 { return true }; return false }
        #expect(decoded.count >= 2, "\(oneStep)")
        #expect(decoded.first == .remoteVideo(first: true) && decoded.dropFirst().allSatisfy { $0 == .remoteVideo(first: false) })
        bEvents = oneStep
        let more = a.now
        while a.now - more < 10_000, b.remoteFramesDecoded < decoded.count + 5 {
            _ = a.step(maximumWait: 1)
            bEvents += b.step(maximumWait: 1)
        }
        #expect(bEvents.filter { $0 == .remoteVideo(first: true) }.count == 1 && b.remoteFramesDecoded >= decoded.count + 5)
    }

    @Test func aMissingDeviceIsOneClearLine() {
        #expect {
            _ = try Call(configuration: configuration(camera: .camera(path: "/dev/video-none", width: 320, height: 240, fps: 30), microphone: .none, speaker: nil))
        } throws: { error in
            "\(error)".contains("/dev/video-none")
        }
    }

    /// The device menu's switches during a call: a new camera's picture size reaches the far end
    /// with no renegotiation; no camera removes the track and one brings it back (renegotiated, as
    /// signalling would carry it); a speaker and a microphone device replace the tone and nothing;
    /// a device that cannot open leaves the call as it was.
    @Test func devicesChangeDuringTheCall() throws {
        let a = try Call(configuration: configuration(camera: .testPattern(width: 160, height: 120, fps: 30), microphone: .tone(frequency: 440), speaker: nil))
        let b = try Call(configuration: configuration(camera: nil, microphone: .tone(frequency: 660), speaker: nil))
        func negotiate() throws {
            try b.peer.setRemoteDescription(try a.peer.createOffer())
            try a.peer.setRemoteDescription(try b.peer.createAnswer())
        }
        try negotiate()
        var bEvents: [Call.Event] = []
        /// Steps both until `done` (virtual-time bound: a failure guard only).
        func run(until done: () -> Bool) -> Bool {
            let start = a.now
            while a.now - start < 10_000 {
                for event in a.step(maximumWait: 1) where event == .negotiationNeeded && a.peer.signalingState == .stable { try? negotiate() }
                bEvents += b.step(maximumWait: 1)
                if done() { return true }
            }
            return false
        }
        #expect(run { b.remoteFrame?.width == 160 })
        // Another source at another size: the encoder follows, the far end decodes it.
        try a.replaceCamera(.testPattern(width: 320, height: 240, fps: 30))
        #expect(run { b.remoteFrame?.width == 320 }, "the new camera's picture never arrived")
        #expect(a.configuration.camera == .testPattern(width: 320, height: 240, fps: 30))
        // A camera that cannot open: an error, and the old one keeps sending.
        #expect(throws: DeviceError.self) { try a.replaceCamera(.camera(path: "/dev/video-none", width: 320, height: 240, fps: 30)) }
        let before = b.remoteFramesDecoded
        #expect(run { b.remoteFramesDecoded >= before + 5 })
        // No camera: the video track ends at the far end.
        try a.replaceCamera(nil)
        #expect(run { bEvents.contains(.trackEnded(.video)) }, "removing the camera did not end the track")
        #expect(!a.peer.canSend(.video))
        // A camera again: the track comes back and pictures flow.
        bEvents = []
        try a.replaceCamera(.testPattern(width: 160, height: 120, fps: 30))
        let resumed = b.remoteFramesDecoded
        #expect(run { bEvents.contains(.track(.video)) && b.remoteFramesDecoded >= resumed + 5 && b.remoteFrame?.width == 160 })
        // Audio: the null speaker and microphone replace nothing and the tone; the far end still hears a.
        try a.replaceSpeaker("null")
        try a.replaceMicrophone(.device("null"))
        #expect(a.configuration.speaker == "null" && a.configuration.microphone == .device("null"))
        #expect(throws: DeviceError.self) { try a.replaceSpeaker("nosuch") }
        #expect(a.configuration.speaker == "null")
        let heard = b.audioPacketsReceived, played = a.audio.receiver.buffer.statistics.played
        #expect(run { b.audioPacketsReceived > heard && a.audio.receiver.buffer.statistics.played >= played + 50 })
        a.hangUp()
        b.hangUp()
    }

    /// Render-aware sending: a termcall that draws the picture 160 pixels wide tells the sender
    /// on the control channel, and the sender's 640x480 camera arrives as 160x120.
    @Test func theSenderEncodesNoLargerThanTheViewerDraws() throws {
        let a = try Call(configuration: configuration(camera: .testPattern(width: 640, height: 480, fps: 30), microphone: .none, speaker: nil))
        let b = try Call(configuration: configuration(camera: nil, microphone: .none, speaker: nil))
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(try b.peer.createAnswer())
        let start = a.now
        var told = false
        while a.now - start < 10_000 {
            _ = a.step(maximumWait: 1)
            _ = b.step(maximumWait: 1)
            if !told, b.remoteFrame != nil { b.setViewSize(width: 160, height: 96); told = true }
            if told, b.remoteFrame?.width == 160 { break }
        }
        #expect(told, "no picture arrived")
        #expect(b.remoteFrame?.width == 160 && b.remoteFrame?.height == 120, "\(String(describing: b.remoteFrame?.width))")
        #expect(a.peer.statistics().outbound(.video)?.frameWidth == 160)
        a.hangUp()
        b.hangUp()
    }
}

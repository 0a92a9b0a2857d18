import Codecs

/// The send half of a call's audio, sans-IO: 10 ms microphone frames in, Opus packets out every
/// 20 ms. On the way: the echo canceller (with noise suppression, gain control and high-pass when it
/// is webrtc-audio-processing), then the level meter (which also mutes). The far-end reference —
/// every frame handed to the speaker — comes in through `playedToSpeaker`. Owned by one thread.
public final class AudioSender {
    /// One encoded 20 ms frame. `timestampAdvance` is the RTP clock advance since the previous
    /// frame (always 960 at 48 kHz); `transmit` is false during DTX silence, when the encoder's
    /// one- or two-byte packets after the first are not worth a packet on the wire (RFC 7587 §3.1.3
    /// leaves it to us).
    public struct EncodedFrame: Sendable, Equatable {
        public var payload: [UInt8]
        public var transmit: Bool
        public var timestampAdvance: UInt32
    }

    public private(set) var meter = LevelMeter()
    /// Mute: the meter still shows the microphone level, the packets carry silence.
    public var muted: Bool {
        get { meter.muted }
        set { meter.muted = newValue }
    }
    public let encoder: OpusEncoder
    private let canceller: (any EchoCanceller)?
    /// Speaker-to-microphone delay guess handed to the canceller (ms). The device layer knows it
    /// (buffer sizes); webrtc-audio-processing's delay-agnostic mode refines it itself.
    public var delayHintMilliseconds: Int
    /// Frames the canceller failed on (passed through unprocessed rather than dropped).
    public private(set) var processingFailures = 0

    private var pending: [Int16]
    private var pendingCount = 0
    private var farFrame = [Float](repeating: 0, count: EchoCancellerFrame.samples)
    private var nearFrame = [Float](repeating: 0, count: EchoCancellerFrame.samples)
    private var packet: [UInt8] = []
    private var inDiscontinuousTransmission = false

    public init(canceller: (any EchoCanceller)?, encoder: OpusEncoder, delayHintMilliseconds: Int = 60) {
        self.canceller = canceller
        self.encoder = encoder
        self.delayHintMilliseconds = delayHintMilliseconds
        pending = [Int16](repeating: 0, count: OpusEncoder.frameSamples)
        packet.reserveCapacity(OpusEncoder.maxPacketBytes)
    }

    /// Feeds 10 ms (480 samples) that the speaker is about to play, so the canceller knows what
    /// echo to expect. Call in playout order, interleaved with `captured`.
    public func playedToSpeaker(_ frame: ArraySlice<Int16>) {
        guard let canceller, frame.count == EchoCancellerFrame.samples else { return }
        for (i, s) in zip(farFrame.indices, frame) { farFrame[i] = Float(s) / 32768 }
        do { try canceller.analyzeFarEnd(farFrame) } catch { processingFailures += 1 }
    }

    /// Processes 10 ms (480 samples) from the microphone, in place (the caller may show or record
    /// the cleaned signal); every second call completes a 20 ms frame and returns it encoded.
    public func captured(_ frame: inout [Float]) throws(CodecError) -> EncodedFrame? {
        guard frame.count == EchoCancellerFrame.samples else {
            throw .invalidArgument("the sender takes 10 ms frames of \(EchoCancellerFrame.samples) samples, not \(frame.count)")
        }
        if let canceller {
            do { try canceller.processNearEnd(&frame, delayHintMilliseconds: delayHintMilliseconds) } catch { processingFailures += 1 }
        }
        meter.process(&frame)
        for s in frame {
            pending[pendingCount] = s.isFinite ? Int16((max(-1, min(1, s)) * 32767).rounded()) : 0
            pendingCount += 1
        }
        guard pendingCount == OpusEncoder.frameSamples else { return nil }
        pendingCount = 0
        try encoder.encode(pending, into: &packet)
        // DTX: the encoder's 1–2 byte frames mean "still silent". The first of a run is sent, so the
        // far decoder enters DTX cleanly instead of concealing a loss; the rest are not.
        let silent = packet.count <= 2
        let transmit = !silent || !inDiscontinuousTransmission
        inDiscontinuousTransmission = silent
        return EncodedFrame(payload: packet, transmit: transmit, timestampAdvance: UInt32(OpusEncoder.frameSamples))
    }

    /// 16-bit convenience form of `captured(_:)` for device frames.
    public func captured(_ frame: ArraySlice<Int16>) throws(CodecError) -> EncodedFrame? {
        guard frame.count == EchoCancellerFrame.samples else {
            throw .invalidArgument("the sender takes 10 ms frames of \(EchoCancellerFrame.samples) samples, not \(frame.count)")
        }
        var floats = nearFrame
        nearFrame = [] // hand the storage over without copying; it comes back below
        defer { nearFrame = floats }
        for (i, s) in zip(floats.indices, frame) { floats[i] = Float(s) / 32768 }
        return try captured(&floats)
    }
}

import Codecs

/// One side of a call's audio, sans-IO, driven by the microphone's clock: each 10 ms tick takes a
/// microphone frame and gives back the 10 ms the speaker should play next plus, every other tick,
/// an Opus packet to send. Packets from the far end go in through `receive` whenever they arrive.
///
/// The order inside a tick matters for echo cancellation: the speaker frame is fed to the canceller
/// as reference *before* the microphone frame that may contain its echo is processed.
/// Owned by one thread (the call's media thread), like the sender and receiver it joins.
public final class CallAudio {
    public let sender: AudioSender
    public let receiver: AudioReceiver
    /// Decoded far-end audio not yet handed to the speaker (the receiver produces 10–30 ms at a time).
    private var playout: [Int16] = []
    private var playoutStart = 0

    public init(sender: AudioSender, receiver: AudioReceiver) {
        self.sender = sender
        self.receiver = receiver
        playout.reserveCapacity(4 * OpusEncoder.frameSamples)
    }

    /// An RTP packet's Opus payload from the far end, arrived at `now` (ms, receiver clock).
    public func receive(sequence: UInt16, timestamp: UInt32, payload: [UInt8], now: Int64) {
        receiver.receive(sequence: sequence, timestamp: timestamp, payload: payload, now: now)
    }

    /// One 10 ms tick at `now` (ms): `microphone` (480 samples) in; the speaker's next 480 samples
    /// and possibly an encoded frame out. `speakerDelayMilliseconds` is how long audio handed to the
    /// speaker now takes to be heard (device queue plus buffer): the canceller's delay hint.
    public func tick(microphone: ArraySlice<Int16>, now: Int64, speakerDelayMilliseconds: Int = 40) throws(CodecError)
        -> (speaker: ArraySlice<Int16>, packet: AudioSender.EncodedFrame?) {
        let samples = EchoCancellerFrame.samples
        if playout.count - playoutStart < samples {
            playout.removeFirst(playoutStart)
            playoutStart = 0
            while playout.count < samples {
                let chunk = receiver.nextAudio(now: now)
                // The receiver always produces audio; should it ever not, play silence, never spin.
                playout += chunk.isEmpty ? [Int16](repeating: 0, count: samples) : chunk
            }
        }
        let speaker = playout[playoutStart..<(playoutStart + samples)]
        playoutStart += samples
        sender.playedToSpeaker(speaker)
        sender.delayHintMilliseconds = speakerDelayMilliseconds
        return (speaker, try sender.captured(microphone))
    }
}

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
    /// The first far end's receiver (a 1:1 call's only one).
    public var receiver: AudioReceiver { farEnds[0].receiver }
    /// One receiver per far end, each with its own jitter buffer; the speaker plays their sum, and
    /// that sum is the echo canceller's reference.
    private var farEnds: [FarEnd]

    /// A far end's receiver and its decoded audio not yet played (it produces 10–30 ms at a time).
    private struct FarEnd {
        let id: Int
        let receiver: AudioReceiver
        var playout: [Int16] = []
        var playoutStart = 0
    }

    public init(sender: AudioSender, receiver: AudioReceiver) {
        self.sender = sender
        farEnds = [FarEnd(id: 0, receiver: receiver)]
        farEnds[0].playout.reserveCapacity(4 * OpusEncoder.frameSamples)
    }

    /// Ids of the far ends being played (0 is the first).
    public var farEndIDs: [Int] { farEnds.map(\.id) }

    /// The receiver of far end `id`, if it is being played.
    public func receiver(_ id: Int) -> AudioReceiver? { farEnds.first { $0.id == id }?.receiver }

    /// Another far end (a group call's next participant), mixed in from the next tick.
    public func addFarEnd(id: Int, receiver: AudioReceiver) {
        guard !farEnds.contains(where: { $0.id == id }) else { return }
        farEnds.append(FarEnd(id: id, receiver: receiver))
    }

    /// Stops playing far end `id`; the last one stays (a call always has someone to hear).
    public func removeFarEnd(id: Int) {
        guard farEnds.count > 1 else { return }
        farEnds.removeAll { $0.id == id }
    }

    /// An RTP packet's Opus payload from far end `farEnd` (or a lost one's, rebuilt from the
    /// redundancy in a later packet), arrived at `now` (ms, receiver clock).
    public func receive(sequence: UInt16, timestamp: UInt32, payload: [UInt8], now: Int64, farEnd: Int = 0) {
        guard let index = farEnds.firstIndex(where: { $0.id == farEnd }) else { return }
        farEnds[index].receiver.receive(sequence: sequence, timestamp: timestamp, payload: payload, now: now)
    }

    private var mix = [Int16](repeating: 0, count: EchoCancellerFrame.samples)

    /// One 10 ms tick at `now` (ms): `microphone` (480 samples) in; the speaker's next 480 samples
    /// and possibly an encoded frame out. `speakerDelayMilliseconds` is how long audio handed to the
    /// speaker now takes to be heard (device queue plus buffer): the canceller's delay hint.
    public func tick(microphone: ArraySlice<Int16>, now: Int64, speakerDelayMilliseconds: Int = 40) throws(CodecError)
        -> (speaker: ArraySlice<Int16>, packet: AudioSender.EncodedFrame?) {
        let samples = EchoCancellerFrame.samples
        for i in farEnds.indices { fill(&farEnds[i], samples: samples, now: now) }
        let speaker: ArraySlice<Int16>
        if farEnds.count == 1 {
            speaker = farEnds[0].playout[farEnds[0].playoutStart..<(farEnds[0].playoutStart + samples)]
        } else {
            // Several voices: summed in 32 bits, saturated to 16.
            for k in 0..<samples {
                var sum: Int32 = 0
                for far in farEnds { sum += Int32(far.playout[far.playoutStart + k]) }
                mix[k] = Int16(clamping: sum)
            }
            speaker = mix[...]
        }
        for i in farEnds.indices { farEnds[i].playoutStart += samples }
        sender.playedToSpeaker(speaker)
        sender.delayHintMilliseconds = speakerDelayMilliseconds
        return (speaker, try sender.captured(microphone))
    }

    private func fill(_ far: inout FarEnd, samples: Int, now: Int64) {
        guard far.playout.count - far.playoutStart < samples else { return }
        far.playout.removeFirst(far.playoutStart)
        far.playoutStart = 0
        while far.playout.count < samples {
            let chunk = far.receiver.nextAudio(now: now)
            // The receiver always produces audio; should it ever not, play silence, never spin.
            far.playout += chunk.isEmpty ? [Int16](repeating: 0, count: samples) : chunk
        }
    }
}

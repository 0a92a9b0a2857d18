import Codecs

/// The receive half of a call's audio, sans-IO: RTP payloads in (with arrival times), 48 kHz PCM
/// out whenever the player asks. Joins the jitter buffer's decisions to the Opus decoder (decode,
/// FEC recovery, concealment) and the time scaler (accelerate/stretch). Owned by one thread.
public final class AudioReceiver {
    public private(set) var buffer: AudioJitterBuffer
    private let decoder: OpusDecoder
    private let scaler = TimeScaler()
    private var pcm: [Int16] = []

    /// Samples in one packet's slot (48 per ms).
    private let slotSamples: Int

    public init(configuration: AudioJitterBuffer.Configuration = .init()) throws(CodecError) {
        buffer = AudioJitterBuffer(configuration: configuration)
        slotSamples = configuration.packetMilliseconds * 48
        decoder = try OpusDecoder()
    }

    /// An RTP packet's Opus payload arrived at `now` (ms, receiver clock), or a lost one's rebuilt
    /// from a later packet's redundancy.
    public func receive(sequence: UInt16, timestamp: UInt32, payload: [UInt8], now: Int64) {
        buffer.insert(.init(sequence: sequence, timestamp: timestamp, payload: payload), now: now)
    }

    /// The next stretch of audio to play (about 20 ms; 10–30 ms when speeding up or slowing down).
    /// A packet the decoder refuses is concealed instead — a bad packet costs a gap, never the call.
    public func nextAudio(now: Int64) -> [Int16] {
        let (action, _) = buffer.next(now: now)
        do {
            switch action {
            case .silence:
                return [Int16](repeating: 0, count: slotSamples)
            case let .play(packet):
                try decodeOrConceal(packet.payload)
                return pcm
            case let .accelerate(packet):
                try decodeOrConceal(packet.payload)
                let out = scaler.accelerate(pcm)
                buffer.timeScaled(byMilliseconds: Double(out.count - pcm.count) / 48, nominal: -10)
                return out
            case let .stretch(packet):
                try decodeOrConceal(packet.payload)
                let out = scaler.stretch(pcm)
                buffer.timeScaled(byMilliseconds: Double(out.count - pcm.count) / 48, nominal: 10)
                return out
            case let .recover(_, next):
                try decoder.recover(fromNext: next.payload, samples: slotSamples, into: &pcm)
                return pcm
            case .conceal, .comfortNoise:
                // After a DTX frame libopus's concealment is its comfort noise.
                try decoder.conceal(samples: slotSamples, into: &pcm)
                return pcm
            }
        } catch {
            return [Int16](repeating: 0, count: slotSamples)
        }
    }

    public private(set) var corruptPackets = 0

    private func decodeOrConceal(_ payload: [UInt8]) throws(CodecError) {
        do {
            try decoder.decode(payload, into: &pcm)
        } catch {
            corruptPackets += 1
            try decoder.conceal(samples: slotSamples, into: &pcm)
        }
    }
}

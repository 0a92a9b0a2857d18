import AudioPipeline
import Codecs
import Foundation
import Testing

/// A group call's audio: one listener, two talkers on their own jitter buffers, the speaker
/// playing their sum; a talker who leaves stops being heard and the other goes on.
@Suite struct GroupAudioTests {
    /// Power of `frequency` in `x` (Goertzel), in dB relative to full scale.
    func tone(_ frequency: Double, in x: ArraySlice<Int16>) -> Double {
        let w = 2 * Double.pi * frequency / 48_000, c = 2 * cos(w)
        var s1 = 0.0, s2 = 0.0
        for v in x { let s0 = Double(v) / 32768 + c * s1 - s2; s2 = s1; s1 = s0 }
        let power = s1 * s1 + s2 * s2 - c * s1 * s2
        return 10 * log10(max(1e-12, 2 * power / Double(x.count * x.count)))
    }

    func sine(_ frequency: Double, tick: Int) -> [Int16] {
        (0..<480).map { Int16(6000 * sin(2 * Double.pi * frequency * Double(tick * 480 + $0) / 48_000)) }
    }

    @Test func theSpeakerPlaysEveryTalkerAndATalkerWhoLeavesFallsSilent() throws {
        let talkerA = CallAudio(sender: AudioSender(canceller: nil, encoder: try OpusEncoder()), receiver: try AudioReceiver())
        let talkerC = CallAudio(sender: AudioSender(canceller: nil, encoder: try OpusEncoder()), receiver: try AudioReceiver())
        let listener = CallAudio(sender: AudioSender(canceller: nil, encoder: try OpusEncoder()), receiver: try AudioReceiver())
        listener.addFarEnd(id: 7, receiver: try AudioReceiver())
        #expect(listener.farEndIDs == [0, 7])
        var heard: [Int16] = []
        var sequence: (a: UInt16, c: UInt16) = (0, 0), timestamp: (a: UInt32, c: UInt32) = (0, 0)
        let silence = [Int16](repeating: 0, count: 480)
        for tick in 0..<400 {
            let now = Int64(tick * 10)
            if tick == 200 { listener.removeFarEnd(id: 7) }
            if let p = try talkerA.tick(microphone: sine(440, tick: tick)[...], now: now).packet {
                sequence.a &+= 1
                listener.receive(sequence: sequence.a, timestamp: timestamp.a, payload: p.payload, now: now, farEnd: 0)
                timestamp.a &+= p.timestampAdvance
            }
            if let p = try talkerC.tick(microphone: sine(1500, tick: tick)[...], now: now).packet {
                sequence.c &+= 1
                listener.receive(sequence: sequence.c, timestamp: timestamp.c, payload: p.payload, now: now, farEnd: 7)
                timestamp.c &+= p.timestampAdvance
            }
            heard += try listener.tick(microphone: silence[...], now: now).speaker
        }
        let together = heard[(100 * 480)..<(190 * 480)], alone = heard[(300 * 480)..<(390 * 480)]
        // Both talkers in the mix, each near its own level (a 6000-peak sine is about -17 dBFS).
        #expect(tone(440, in: together) > -25 && tone(1500, in: together) > -25, "\(tone(440, in: together)) \(tone(1500, in: together))")
        // After C leaves: A alone, C gone by more than 40 dB.
        #expect(tone(440, in: alone) > -25)
        #expect(tone(1500, in: alone) < tone(1500, in: together) - 40, "\(tone(1500, in: alone))")
        // The last far end cannot be removed.
        listener.removeFarEnd(id: 0)
        #expect(listener.farEndIDs == [0])
    }
}

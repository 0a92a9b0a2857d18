import AudioPipeline
import Codecs
import Foundation
import MediaCore
import Testing

/// Opus over a simulated network into the receiver, on a virtual clock: the player asks for audio
/// whenever the previous piece has played out.
@Suite struct AudioReceiverTests {
    func voice(frames: Int) -> [[Int16]] {
        (0..<frames).map { f in
            (0..<960).map { i in
                let t = Double(f * 960 + i) / 48_000
                return Int16(5000 * sin(2 * .pi * 180 * t) + 2000 * sin(2 * .pi * 360 * t))
            }
        }
    }

    func run(frames: Int, lossEvery: Int? = nil, jitter: Double = 0, corruptEvery: Int? = nil) throws -> (out: [Int16], receiver: AudioReceiver) {
        let encoder = try OpusEncoder(bitrate: 32_000, expectedLossPercent: lossEvery == nil ? 0 : 10)
        let receiver = try AudioReceiver()
        var rng = SplitMix64(seed: 11)
        var arrivals: [(Double, UInt16, UInt32, [UInt8])] = []
        for (i, frame) in voice(frames: frames).enumerated() {
            var payload = try encoder.encode(frame)
            if let every = corruptEvery, i % every == 5 { payload = [0xFF, 0xFF, 0xFF] }
            if let every = lossEvery, i % every == every - 1 { continue }
            arrivals.append((Double(i) * 20 + 5 + rng.unit() * jitter, UInt16(truncatingIfNeeded: i), UInt32(i * 960), payload))
        }
        arrivals.sort { $0.0 < $1.0 }
        var out: [Int16] = [], clock = 0.0, next = 0
        // Until the last packet has played (no concealment of the stream's end).
        while clock < Double(frames) * 20 + 200 && (next < arrivals.count || receiver.buffer.bufferedMilliseconds > 0) {
            while next < arrivals.count, arrivals[next].0 <= clock {
                receiver.receive(sequence: arrivals[next].1, timestamp: arrivals[next].2, payload: arrivals[next].3, now: Int64(arrivals[next].0))
                next += 1
            }
            let audio = receiver.nextAudio(now: Int64(clock))
            out += audio
            clock += Double(audio.count) / 48.0
        }
        return (out, receiver)
    }

    func level(_ x: ArraySlice<Int16>) -> Double { 10 * log10(max(1e-9, x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)))) }

    @Test func aCleanStreamPlaysContinuouslyAtFullLevel() throws {
        let (out, receiver) = try run(frames: 250)
        let steady = out[(48_000)..<(4 * 48_000)]
        #expect(abs(level(steady) - 10 * log10((5000.0 * 5000 + 2000 * 2000) / 2)) < 2)
        #expect(receiver.buffer.statistics.concealed == 0 && receiver.buffer.statistics.played >= 249, "\(receiver.buffer.statistics)")
    }

    @Test func lossAndJitterAreBridgedWithoutGaps() throws {
        let (out, receiver) = try run(frames: 500, lossEvery: 20, jitter: 30)
        let stats = receiver.buffer.statistics
        #expect(stats.recovered + stats.concealed >= 20)
        // No 20 ms window of silence once playing: every loss was recovered or concealed.
        let start = out.firstIndex { $0 != 0 }!
        let end = 9 * 48_000
        for w in stride(from: start + 960, to: end, by: 960) {
            #expect(level(out[w..<(w + 960)]) > 50, "silent window at \(Double(w) / 48_000) s")
        }
    }

    @Test func corruptPayloadsAreConcealedAndCounted() throws {
        let (out, receiver) = try run(frames: 200, corruptEvery: 50)
        #expect(receiver.corruptPackets == 4)
        #expect(out.count > 3 * 48_000)
    }
}

import AudioPipeline
import Foundation
import MediaCore

/// The echo scene: far-end speech played into a room (60 ms bulk delay, then an exponentially
/// decaying reverberant tail, RT60 300 ms) and picked up by the microphone with a little noise.
/// The near-end talker joins at `doubleTalkFrom` seconds; until then only echo reaches the mic.
struct EchoBenchmark {
    let far: [Float]
    let echo: [Float]
    let near: [Float]
    let noise: [Float]
    let doubleTalkFrom = 14.0
    static let bulkDelay = 2880 // 60 ms

    init(far farSpeech: [Int16], near nearSpeech: [Int16]) throws {
        let n = farSpeech.count
        guard n >= 20 * 48_000 else { throw BenchmarkError(description: "the far-end speech must last at least 20 s") }
        far = farSpeech.map { Float($0) / 32768 }
        var rng = SplitMix64(seed: 11)
        // Room: a direct path after the bulk delay, then 600 reflections over 300 ms whose envelope
        // falls 60 dB (RT60), with random signs — a sparse stand-in for a measured response.
        var taps: [(Int, Float)] = [(Self.bulkDelay, 0.35)]
        let tail = 14_400
        for _ in 0..<600 {
            let offset = 48 + Int(rng.unit() * Double(tail))
            let envelope = Float(pow(10, -3 * Double(offset) / Double(tail)))
            taps.append((Self.bulkDelay + offset, Float(rng.unit() - 0.5) * 0.12 * envelope))
        }
        var echo = [Float](repeating: 0, count: n)
        for (delay, gain) in taps { for i in delay..<n { echo[i] += gain * far[i - delay] } }
        self.echo = echo
        let talkerStart = Int(doubleTalkFrom * 48_000)
        near = (0..<n).map { i in
            let j = i - talkerStart
            return j >= 0 && j < nearSpeech.count ? Float(nearSpeech[j]) / 32768 * 0.7 : 0
        }
        noise = (0..<n).map { _ in Float(rng.unit() - 0.5) * 0.0011 } // about -70 dBFS
    }

    func run() throws {
        print("## echo canceller — far-end speech through a room (60 ms bulk delay, RT60 300 ms), near-end talker from \(f1(doubleTalkFrom)) s")
        print("echo level at the microphone \(f1(dB(power(echo[...])))) dBFS, near-end talker \(f1(dB(power(near[Int(doubleTalkFrom * 48_000)...])))) dBFS, noise -70 dBFS")
        print("")
        print("| canceller | delay hint | ERLE 0.5–1 s | ERLE 1–2 s | ERLE after convergence (8–14 s) | first 0.5 s window ≥ 20 dB | near-end talker reduced in double talk |")
        print("|---|---|---|---|---|---|---|")
        let cases: [(String, Int, () throws -> any EchoCanceller)] = [
            ("webrtc AEC only (NS, AGC off)", 60, { try WebRTCAudioProcessor(noiseSuppression: .off, gainControl: false) }),
            ("webrtc AEC only (NS, AGC off)", 20, { try WebRTCAudioProcessor(noiseSuppression: .off, gainControl: false) }),
            ("webrtc as calls use it (AEC+NS high+HPF, AGC off)", 60, { try WebRTCAudioProcessor(noiseSuppression: .high, gainControl: false) }),
            ("webrtc as calls use it (AEC+NS high+HPF+AGC)", 60, { try WebRTCAudioProcessor() }),
            ("anchor: speexdsp MDF + residual suppression", 60, { try SpeexEchoCanceller(tailMilliseconds: 400) }),
        ]
        for (name, hint, make) in cases {
            let out = try process(try make(), delayHint: hint)
            let early1 = erle(out, from: 0.5, to: 1), early2 = erle(out, from: 1, to: 2)
            let converged = erle(out, from: 8, to: doubleTalkFrom)
            var reached = "never"
            for w in 0..<Int(doubleTalkFrom * 2) where erle(out, from: Double(w) / 2, to: Double(w + 1) / 2) >= 20 {
                reached = "\(f1(Double(w) / 2))–\(f1(Double(w + 1) / 2)) s"
                break
            }
            print("| \(name) | \(hint) ms | \(f1(early1)) dB | \(f1(early2)) dB | \(f1(converged)) dB | \(reached) | \(f1(doubleTalkLoss(out))) dB |")
        }
        print("")
        print("ERLE: echo power at the microphone over the output's power, summed over 10 ms frames where the echo is above -50 dBFS (speech pauses excluded).")
        print("Double talk: near-end talker power over output power, summed over frames where both talk (each above -45 dBFS), from \(f1(doubleTalkFrom + 1)) s.")
    }

    /// Runs the canceller as a call would: far-end frame to the reference, then the mic frame.
    func process(_ canceller: any EchoCanceller, delayHint: Int) throws -> [Float] {
        var out = [Float]()
        out.reserveCapacity(far.count)
        var mic = [Float](repeating: 0, count: 480)
        for start in stride(from: 0, to: far.count - 479, by: 480) {
            try canceller.analyzeFarEnd(Array(far[start..<(start + 480)]))
            for i in 0..<480 { mic[i] = echo[start + i] + near[start + i] + noise[start + i] }
            try canceller.processNearEnd(&mic, delayHintMilliseconds: delayHint)
            out += mic
        }
        return out
    }

    func erle(_ out: [Float], from: Double, to: Double) -> Double {
        var echoSum = 0.0, outSum = 0.0
        for start in stride(from: Int(from * 48_000), to: min(out.count, Int(to * 48_000)) - 479, by: 480) {
            let e = power(echo[start..<(start + 480)])
            guard dB(e) > -50 else { continue }
            echoSum += e
            outSum += power(out[start..<(start + 480)])
        }
        return echoSum == 0 ? .nan : dB(echoSum / max(outSum, 1e-20))
    }

    func doubleTalkLoss(_ out: [Float]) -> Double {
        var nearSum = 0.0, outSum = 0.0
        for start in stride(from: Int((doubleTalkFrom + 1) * 48_000), to: out.count - 479, by: 480) {
            let n = power(near[start..<(start + 480)]), e = power(echo[start..<(start + 480)])
            guard dB(n) > -45, dB(e) > -45 else { continue }
            nearSum += n
            outSum += power(out[start..<(start + 480)])
        }
        return dB(nearSum / max(outSum, 1e-20))
    }
}

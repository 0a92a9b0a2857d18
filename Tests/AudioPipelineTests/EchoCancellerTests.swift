import AudioPipeline
import Foundation
import MediaCore
import Testing

/// An echo scene: far-end "speech" (voiced segments with moving pitch, pauses, noise bursts) played
/// into a room — a sparse, exponentially decaying impulse response after a 60 ms bulk delay — and
/// picked up by the microphone, optionally with a near-end talker on top (double talk).
struct EchoScene {
    let seconds: Double
    let far: [Float]
    let echo: [Float]
    let nearTalk: [Float]

    init(seconds: Double, nearTalkFrom: Double? = nil, seed: UInt64 = 5) {
        self.seconds = seconds
        let n = Int(seconds * 48_000)
        var rng = SplitMix64(seed: seed)
        func voice(_ seed: Double, level: Double) -> [Float] {
            var phase = 0.0
            return (0..<n).map { i in
                let t = Double(i) / 48_000
                let syllable = max(0, sin(2 * .pi * (3.1 + seed) * t)) // voiced bursts with gaps
                let pitch = 110 + seed * 60 + 25 * sin(2 * .pi * 0.7 * t)
                phase += 2 * .pi * pitch / 48_000
                var v = 0.0
                for k in 1...8 { v += sin(Double(k) * phase) / Double(k) }
                return Float(level * syllable * v * 0.35)
            }
        }
        far = voice(0, level: 0.5).map { $0 + Float(rng.unit() - 0.5) * 0.002 }
        // Room: 60 ms bulk delay, then 48 reflections decaying by 60 dB over 250 ms.
        var taps: [(Int, Float)] = [(2880, 0.5)]
        for _ in 0..<48 {
            let at = 2880 + Int(rng.unit() * 12_000)
            let decay = Float(pow(10, -3 * Double(at - 2880) / 12_000))
            taps.append((at, Float(rng.unit() - 0.5) * 0.5 * decay))
        }
        var echo = [Float](repeating: 0, count: n)
        for (delay, gain) in taps { for i in delay..<n { echo[i] += gain * far[i - delay] } }
        self.echo = echo
        if let start = nearTalkFrom {
            let talker = voice(1.3, level: 0.25)
            nearTalk = (0..<n).map { Double($0) / 48_000 >= start ? talker[$0] : 0 }
        } else {
            nearTalk = [Float](repeating: 0, count: n)
        }
    }

    /// Runs the canceller over the scene; returns the processed microphone signal.
    func run(_ canceller: any EchoCanceller, delayHint: Int) throws -> [Float] {
        var output: [Float] = []
        output.reserveCapacity(far.count)
        for start in stride(from: 0, to: far.count - 479, by: 480) {
            try canceller.analyzeFarEnd(Array(far[start..<(start + 480)]))
            var mic = (start..<(start + 480)).map { echo[$0] + nearTalk[$0] }
            try canceller.processNearEnd(&mic, delayHintMilliseconds: delayHint)
            output += mic
        }
        return output
    }
}

func power(_ x: ArraySlice<Float>) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)) }

/// Echo return loss enhancement over a window, in dB: how much quieter the echo got.
func erle(mic: [Float], out: [Float], from: Double, to: Double) -> Double {
    let a = Int(from * 48_000), b = Int(to * 48_000)
    return 10 * log10(power(mic[a..<b]) / max(power(out[a..<b]), 1e-12))
}

@Suite struct EchoCancellerTests {
    @Test func webrtcCancelsTheEchoEvenWithAWrongDelayHint() throws {
        let scene = EchoScene(seconds: 6)
        let apm = try WebRTCAudioProcessor(noiseSuppression: .off, gainControl: false)
        let out = try scene.run(apm, delayHint: 20) // true delay is 60 ms: delay-agnostic mode must cope
        let converged = erle(mic: scene.echo, out: out, from: 4, to: 6)
        #expect(converged > 20, "ERLE after convergence \(converged) dB")
    }

    @Test func speexCancelsTheEchoWithTheRightHint() throws {
        let scene = EchoScene(seconds: 6)
        let speex = try SpeexEchoCanceller(tailMilliseconds: 300)
        let out = try scene.run(speex, delayHint: 40)
        let converged = erle(mic: scene.echo, out: out, from: 4, to: 6)
        #expect(converged > 10, "ERLE after convergence \(converged) dB")
    }

    @Test func doubleTalkKeepsTheNearEndTalker() throws {
        let scene = EchoScene(seconds: 8, nearTalkFrom: 5)
        let apm = try WebRTCAudioProcessor(noiseSuppression: .off, gainControl: false)
        let out = try scene.run(apm, delayHint: 60)
        // Between 6 and 8 s both talk; the talker alone would have had `talker` power.
        let a = 6 * 48_000, b = 8 * 48_000
        let talker = power(scene.nearTalk[a..<b]), kept = power(out[a..<b])
        let loss = 10 * log10(talker / max(kept, 1e-12))
        #expect(loss < 10, "near-end talker reduced by \(loss) dB during double talk")
        // ...and the canceller is working in this scene: before the talker starts, the echo is gone
        // (a canceller that did nothing would keep the talker too, and pass the check above).
        let before = erle(mic: scene.echo, out: out, from: 3.5, to: 5)
        #expect(before > 15, "ERLE before double talk \(before) dB")

    }

    @Test func framesOfTheWrongSizeAreRefused() throws {
        let apm = try WebRTCAudioProcessor()
        var short = [Float](repeating: 0, count: 479)
        #expect(throws: AudioProcessingError.wrongFrameSize(479)) { try apm.processNearEnd(&short, delayHintMilliseconds: 0) }
        #expect(throws: AudioProcessingError.wrongFrameSize(479)) { try apm.analyzeFarEnd(short) }
    }
}

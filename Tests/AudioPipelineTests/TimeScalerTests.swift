import AudioPipeline
import Foundation
import MediaCore
import Testing

@Suite struct TimeScalerTests {
    /// A 200 Hz voiced frame: its period is 240 samples (5 ms).
    func voiced(_ count: Int = 960, hz: Double = 200, phase: Double = 0) -> [Int16] {
        (0..<count).map { i in
            let t = Double(i) / 48_000
            return Int16(6000 * sin(2 * .pi * hz * t + phase) + 2500 * sin(4 * .pi * hz * t + phase))
        }
    }

    func largestStep(_ x: [Int16]) -> Int { zip(x, x.dropFirst()).map { abs(Int($0) - Int($1)) }.max() ?? 0 }

    @Test func accelerateRemovesWholePitchPeriodsWithoutAClick() {
        let frame = voiced()
        let out = TimeScaler().accelerate(frame)
        #expect((960 - out.count) % 240 == 0 && out.count < 960 && 960 - out.count <= 480, "removed \(960 - out.count) samples")
        #expect(largestStep(out) <= largestStep(frame) + 50)
        // The pitch is kept: zero crossings per sample are unchanged.
        let rate = { (x: [Int16]) in Double(zip(x, x.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count) / Double(x.count) }
        #expect(abs(rate(out) - rate(frame)) < 0.0015)
    }

    @Test func stretchAddsWholePitchPeriodsWithoutAClick() {
        let frame = voiced(hz: 125) // period 384 samples (8 ms)
        let out = TimeScaler().stretch(frame)
        #expect(out.count - 960 == 384, "added \(out.count - 960) samples")
        #expect(largestStep(out) <= largestStep(frame) + 50)
    }

    /// Loud sound that does not repeat itself (a consonant) would be heard losing a "period": it
    /// passes unchanged. The same noise, quiet (a pause), is scaled.
    @Test func loudAperiodicFramesPassUnchangedQuietOnesAreScaled() {
        var rng = SplitMix64(seed: 3)
        let noise = (0..<960).map { _ in rng.unit() * 2 - 1 }
        let loud = noise.map { Int16($0 * 8000) }, quiet = noise.map { Int16($0 * 200) }
        #expect(TimeScaler().accelerate(loud) == loud && TimeScaler().stretch(loud) == loud)
        #expect(TimeScaler().accelerate(quiet).count < 960 && TimeScaler().stretch(quiet).count > 960)
    }

    @Test func shortFramesPassUnchanged() {
        let frame = voiced(500)
        #expect(TimeScaler().accelerate(frame) == frame && TimeScaler().stretch(frame) == frame)
    }
}

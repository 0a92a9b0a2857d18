/// A sine tone in 10 ms frames at 48 kHz: what plays when there is no microphone, and what
/// `termcall audio-test` sends to the speaker. Phase-continuous across frames.
public struct ToneSource: Sendable {
    public let frequency: Double
    /// Peak amplitude in dBFS (0 is full scale).
    public let level: Double
    public let sampleRate: Int
    private var phase = 0.0

    public init(frequency: Double = 440, level: Double = -12, sampleRate: Int = 48_000) {
        self.frequency = frequency
        self.level = level
        self.sampleRate = sampleRate
    }

    public mutating func nextFrame(samples: Int = 480) -> [Int16] {
        let amplitude = 32767 * pow10(level / 20), step = 2 * Double.pi * frequency / Double(sampleRate)
        var frame = [Int16](repeating: 0, count: samples)
        for i in 0..<samples {
            let value = amplitude * sin(phase)
            frame[i] = value.isFinite ? Int16(max(-32768, min(32767, value.rounded()))) : 0
            phase += step
            if phase > 2 * .pi { phase -= 2 * .pi }
        }
        return frame
    }
}

func pow10(_ x: Double) -> Double { exp(x * 2.302585092994046) }

#if canImport(Glibc)
import Glibc
#endif

/// Makes a frame of voice shorter or longer by whole pitch periods, so the jitter buffer can drain or
/// fill without a hard jump (the idea behind NetEQ's accelerate/expand, done simply): find the lag
/// at which the signal best repeats itself, then cross-fade one period out (accelerate) or in
/// (stretch). Periodic sound — voice — keeps its pitch and has no click; so does a pause. A loud
/// frame that does not repeat itself (a consonant, speech onset) is returned unchanged: cutting a
/// "period" out of it is heard, and the speech-quality score drops with every one (BENCHMARKS.md:
/// the capped path). The jitter buffer asks again at the next frame
/// (`AudioJitterBuffer.timeScaled`), as NetEQ declines below its correlation bar.
public struct TimeScaler: Sendable {
    public let sampleRate: Int
    /// Lags searched: 2.5 ms (400 Hz voices) to 10 ms (100 Hz).
    let minimumLag: Int, maximumLag: Int
    /// Normalised correlation at the pitch lag a loud frame needs before a period is cut or added.
    public static let minimumPeriodicity = 0.9
    /// A frame quieter than this (RMS of 16-bit samples, about -40 dBFS) is a pause or a breath:
    /// scaled whatever its shape.
    public static let quietRMS = 330.0

    public init(sampleRate: Int = 48_000) {
        self.sampleRate = sampleRate
        minimumLag = sampleRate / 400
        maximumLag = sampleRate / 100
    }

    /// One pitch period shorter (frame length minus 2.5...10 ms).
    public func accelerate(_ frame: [Int16]) -> [Int16] {
        guard frame.count >= 2 * maximumLag, let lag = scalableLag(frame) else { return frame }
        var out = crossfade(Array(frame[0..<lag]), Array(frame[lag..<(2 * lag)]))
        out += frame[(2 * lag)...]
        return out
    }

    /// One pitch period longer (frame length plus 2.5...10 ms).
    public func stretch(_ frame: [Int16]) -> [Int16] {
        guard frame.count >= 2 * maximumLag, let lag = scalableLag(frame) else { return frame }
        var out = Array(frame[0..<lag])
        out += crossfade(Array(frame[lag..<(2 * lag)]), Array(frame[0..<lag]))
        out += frame[lag...]
        return out
    }

    /// The pitch lag, when the frame is periodic enough (or quiet enough) to lose or gain one
    /// period unheard; nil when it should play as it is.
    func scalableLag(_ x: [Int16]) -> Int? {
        let (lag, score) = bestLag(x)
        if score >= Self.minimumPeriodicity { return lag }
        let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))
        return meanSquare.squareRoot() < Self.quietRMS ? lag : nil
    }

    /// The lag in `minimumLag...maximumLag` with the highest normalised correlation between the
    /// frame's start and the frame shifted by that lag, and that correlation.
    func bestLag(_ x: [Int16]) -> (lag: Int, score: Double) {
        var best = minimumLag, bestScore = -Double.infinity
        let window = maximumLag
        for lag in stride(from: minimumLag, through: maximumLag, by: 2) {
            var cross = 0.0, energyA = 0.0, energyB = 0.0
            for i in stride(from: 0, to: window, by: 2) {
                let a = Double(x[i]), b = Double(x[i + lag])
                cross += a * b; energyA += a * a; energyB += b * b
            }
            let score = cross / max(1, (energyA * energyB).squareRoot())
            if score > bestScore { bestScore = score; best = lag }
        }
        return (best, bestScore)
    }

    /// Fades from `from` to `to` (same length) with a linear ramp.
    func crossfade(_ from: [Int16], _ to: [Int16]) -> [Int16] {
        let n = from.count
        return (0..<n).map { i in
            let w = Double(i) / Double(n)
            return Int16(clamping: Int((Double(from[i]) * (1 - w) + Double(to[i]) * w).rounded()))
        }
    }
}

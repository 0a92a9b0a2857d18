/// Makes a frame of voice shorter or longer by whole pitch periods, so the jitter buffer can drain or
/// fill without a hard jump (the idea behind NetEQ's accelerate/expand, done simply): find the lag
/// at which the signal best repeats itself, then cross-fade one period out (accelerate) or in
/// (stretch). Periodic sound — voice — keeps its pitch and has no click; noise-like sound is short
/// and hard to hear anyway.
public struct TimeScaler: Sendable {
    public let sampleRate: Int
    /// Lags searched: 2.5 ms (400 Hz voices) to 10 ms (100 Hz).
    let minimumLag: Int, maximumLag: Int

    public init(sampleRate: Int = 48_000) {
        self.sampleRate = sampleRate
        minimumLag = sampleRate / 400
        maximumLag = sampleRate / 100
    }

    /// One pitch period shorter (frame length minus 2.5...10 ms).
    public func accelerate(_ frame: [Int16]) -> [Int16] {
        guard frame.count >= 2 * maximumLag else { return frame }
        let lag = bestLag(frame)
        var out = crossfade(Array(frame[0..<lag]), Array(frame[lag..<(2 * lag)]))
        out += frame[(2 * lag)...]
        return out
    }

    /// One pitch period longer (frame length plus 2.5...10 ms).
    public func stretch(_ frame: [Int16]) -> [Int16] {
        guard frame.count >= 2 * maximumLag else { return frame }
        let lag = bestLag(frame)
        var out = Array(frame[0..<lag])
        out += crossfade(Array(frame[lag..<(2 * lag)]), Array(frame[0..<lag]))
        out += frame[lag...]
        return out
    }

    /// The lag in `minimumLag...maximumLag` with the highest normalised correlation between the
    /// frame's start and the frame shifted by that lag.
    func bestLag(_ x: [Int16]) -> Int {
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
        return best
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

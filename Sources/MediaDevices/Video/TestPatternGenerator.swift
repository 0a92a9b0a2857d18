import MediaCore

/// A moving test picture that carries its own frame number and capture time, drawn twice: as digits a
/// person can read and as a barcode (`TestPatternStamp`) a latency test can read back after encoding,
/// sending and decoding. Pure: frame `n` is always the same picture.
///
/// Layout: slowly drifting colour gradient background (it moves everywhere, but little per frame,
/// so a terminal preview stays cheap while a video encoder still sees motion), a ball on a Lissajous path, scrolling colour bars
/// along the bottom, the barcode and the digits in the top-left corner.
public struct TestPatternGenerator: Sendable {
    public let width: Int
    public let height: Int
    public let fps: Int

    public init(width: Int, height: Int, fps: Int) {
        self.width = width
        self.height = height
        self.fps = fps
    }

    /// Capture time of frame `number`, in microseconds from the first frame.
    public func timestampMicros(ofFrame number: UInt64) -> Int64 {
        Int64(number) * 1_000_000 / Int64(fps)
    }

    public func frame(number: UInt64) -> VideoFrame {
        let micros = timestampMicros(ofFrame: number)
        var frame = VideoFrame(width: width, height: height, timestampMicros: micros, sequence: number)
        let t = Int(truncatingIfNeeded: number)
        drawBackground(&frame, t: t)
        drawBars(&frame, t: t)
        drawBall(&frame, t: t)
        let stamp = TestPatternStamp(frameNumber: UInt32(truncatingIfNeeded: number),
                                     millis: UInt32(truncatingIfNeeded: micros / 1000))
        stamp.draw(into: &frame)
        let seconds = micros / 1_000_000, millis = (micros / 1000) % 1000
        let text = "#" + pad(Int(number % 100_000_000), 8) + " " + String(seconds) + "." + pad(Int(millis), 3) + "s"
        let scale = max(1, TestPatternStamp.blockSize(forWidth: width) / 4)
        GlyphFont.draw(text, into: &frame, x: TestPatternStamp.margin(forWidth: width),
                       y: TestPatternStamp.margin(forWidth: width) + 3 * TestPatternStamp.blockSize(forWidth: width) + scale * 2,
                       scale: scale)
        return frame
    }

    private func drawBackground(_ frame: inout VideoFrame, t: Int) {
        let w = width, h = height
        for row in 0..<h {
            let base = row * w
            let rowTerm = (row * 96) / h
            for col in 0..<w {
                frame.y[base + col] = UInt8(truncatingIfNeeded: 40 + rowTerm + ((col + t) & 127) / 2)
            }
        }
        let cw = frame.chromaWidth, ch = frame.chromaHeight
        for row in 0..<ch {
            let v = UInt8(truncatingIfNeeded: 64 + ((row * 128) / ch + t / 2) % 128)
            for col in 0..<cw {
                frame.u[row * cw + col] = UInt8(truncatingIfNeeded: 64 + ((col * 128) / cw + t) % 128)
                frame.v[row * cw + col] = v
            }
        }
    }

    /// 75% colour bars (white, yellow, cyan, green, magenta, red, blue, black) scrolling left.
    private func drawBars(_ frame: inout VideoFrame, t: Int) {
        let bars: [(UInt8, UInt8, UInt8)] = [(180, 128, 128), (168, 44, 136), (145, 147, 44), (134, 63, 52),
                                             (63, 193, 204), (51, 109, 212), (28, 212, 120), (16, 128, 128)]
        let top = height - height / 6
        let barWidth = max(1, width / bars.count)
        for row in top..<height {
            for col in 0..<width {
                let bar = bars[((col + 4 * t) / barWidth) % bars.count]
                frame.y[row * width + col] = bar.0
                if row & 1 == 0 && col & 1 == 0 {
                    let c = (row / 2) * frame.chromaWidth + col / 2
                    frame.u[c] = bar.1
                    frame.v[c] = bar.2
                }
            }
        }
    }

    private func drawBall(_ frame: inout VideoFrame, t: Int) {
        let radius = max(4, min(width, height) / 10)
        // Lissajous path from integer sine table lookups: deterministic on every platform.
        let cx = radius + (width - 2 * radius) * (sine256(t * 3) + 256) / 512
        let cy = radius + (height - height / 6 - 2 * radius) * (sine256(t * 2 + 64) + 256) / 512
        let r2 = radius * radius
        for row in max(0, cy - radius)..<min(height, cy + radius) {
            let dy = row - cy
            for col in max(0, cx - radius)..<min(width, cx + radius) {
                let dx = col - cx
                if dx * dx + dy * dy <= r2 {
                    frame.y[row * width + col] = UInt8(truncatingIfNeeded: 235 - (dx * dx + dy * dy) * 100 / r2)
                    if row & 1 == 0 && col & 1 == 0 {
                        let c = (row / 2) * frame.chromaWidth + col / 2
                        frame.u[c] = 90
                        frame.v[c] = 200
                    }
                }
            }
        }
    }

    private func pad(_ value: Int, _ digits: Int) -> String {
        let s = String(value)
        return s.count >= digits ? s : String(repeating: "0", count: digits - s.count) + s
    }
}

/// sin(2π·phase/256) scaled to -256...256, from a quarter-wave table.
func sine256(_ phase: Int) -> Int {
    let quarter: [Int] = [0, 25, 50, 74, 98, 121, 142, 162, 181, 198, 213, 226, 237, 245, 251, 255, 256]
    let p = ((phase % 256) + 256) % 256
    let q = p % 64, section = p / 64
    // Interpolate the 17-entry table (4 steps of phase per entry).
    func lookup(_ x: Int) -> Int { let i = x / 4, f = x % 4; return i >= 16 ? 256 : quarter[i] + (quarter[i + 1] - quarter[i]) * f / 4 }
    switch section {
    case 0: return lookup(q)
    case 1: return lookup(64 - q)
    case 2: return -lookup(q)
    default: return -lookup(64 - q)
    }
}

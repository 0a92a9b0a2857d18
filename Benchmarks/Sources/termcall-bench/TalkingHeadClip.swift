import Foundation
import MediaCore

/// A synthetic webcam clip of a person talking, for measuring the renderer on something that behaves
/// like real video: a textured wall and a bookshelf, a shaded head that sways and nods, blinking
/// eyes, a mouth opening at syllable rate, and camera sensor noise on every pixel of every frame.
/// Deterministic (seeded), so every run measures the same frames.
struct TalkingHeadClip {
    let width = 640, height = 480, fps = 30

    func frames(count: Int) -> [VideoFrame] {
        var rng = NoiseSource(seed: 0xC0FFEE)
        let wall = wallTexture()
        return (0..<count).map { frame(number: $0, wall: wall, rng: &rng) }
    }

    /// Low-frequency texture for the wall, fixed across frames (a wall does not move).
    private func wallTexture() -> [Double] {
        var rng = NoiseSource(seed: 7)
        let gw = 41, gh = 31
        let grid = (0..<(gw * gh)).map { _ in rng.uniform() * 2 - 1 }
        var out = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x) / 16, fy = Double(y) / 16
                let x0 = Int(fx), y0 = Int(fy), tx = fx - Double(x0), ty = fy - Double(y0)
                let a = grid[y0 * gw + x0], b = grid[y0 * gw + x0 + 1]
                let c = grid[(y0 + 1) * gw + x0], d = grid[(y0 + 1) * gw + x0 + 1]
                out[y * width + x] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
            }
        }
        return out
    }

    private func frame(number n: Int, wall: [Double], rng: inout NoiseSource) -> VideoFrame {
        let t = Double(n) / Double(fps)
        let cx = 320 + 8 * sin(2 * .pi * 0.25 * t) + 3 * sin(2 * .pi * 0.9 * t)
        let cy = 210 + 4 * sin(2 * .pi * 0.33 * t)
        let rx = 85.0, ry = 110.0
        let blinking = t.truncatingRemainder(dividingBy: 3.2) < 0.15
        let mouthOpen = 2 + 10 * max(0, sin(2 * .pi * 4.3 * t) * sin(2 * .pi * 0.7 * t))
        let exposure = 1 + 0.01 * sin(2 * .pi * 0.5 * t)
        var rgb = [Double](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x), fy = Double(y)
                var c = background(x: x, y: y, wall: wall)
                // Torso and neck.
                if fy > 330 && abs(fx - cx) < 150 + (fy - 380) * 0.8 && fy > 380 - max(0, 60 - abs(fx - cx) * 0.4) {
                    let shade = 0.85 + 0.15 * (1 - abs(fx - cx) / 260)
                    c = (40 * shade, 70 * shade, 140 * shade)
                } else if fy > cy + 80 && fy < 400 && abs(fx - cx) < 38 {
                    c = (190, 140, 112)
                }
                // Head: an ellipsoid lit from the upper left.
                let dx = (fx - cx) / rx, dy = (fy - cy) / ry
                let r2 = dx * dx + dy * dy
                if r2 < 1 {
                    let nz = (1 - r2).squareRoot()
                    let light = max(0.35, min(1.1, 0.55 + 0.45 * (nz * 0.8 - dx * 0.35 - dy * 0.25)))
                    c = (224 * light, 172 * light, 140 * light)
                    // Hair: the top of the head.
                    let hy = (fy - (cy - 28)) / 100, hx = (fx - cx) / 92
                    if hx * hx + hy * hy < 1 && fy < cy - 45 + 12 * abs(dx) * abs(dx) {
                        let strand = 0.8 + 0.2 * sin(fx * 0.9 + fy * 0.15)
                        c = (62 * strand, 42 * strand, 30 * strand)
                    }
                    // Eyes, eyebrows, nose, mouth.
                    for side in [-1.0, 1.0] {
                        let ex = (fx - (cx + side * 32)) / 14, ey = (fy - (cy - 10)) / (blinking ? 1.5 : 7)
                        if ex * ex + ey * ey < 1 {
                            let ix = fx - (cx + side * 32 + 2), iy = fy - (cy - 10)
                            c = blinking ? (120, 80, 62) : (ix * ix + iy * iy < 36 ? (50, 35, 25) : (235, 230, 225))
                        }
                        let bx = fx - (cx + side * 32), by = fy - (cy - 28 + 0.01 * bx * bx)
                        if abs(bx) < 18 && abs(by) < 2.5 { c = (70, 48, 34) }
                    }
                    if abs(fx - cx - 2) < 5 && fy > cy && fy < cy + 30 { c = (c.0 * 0.9, c.1 * 0.88, c.2 * 0.88) }
                    let mx = (fx - cx) / 26, my = (fy - (cy + 52)) / (mouthOpen + 3)
                    let m2 = mx * mx + my * my
                    if m2 < 1 { c = m2 < 0.55 && mouthOpen > 3 ? (90, 30, 32) : (178, 92, 90) }
                }
                let i = (y * width + x) * 3
                rgb[i] = c.0 * exposure; rgb[i + 1] = c.1 * exposure; rgb[i + 2] = c.2 * exposure
            }
        }
        return toI420(rgb, sequence: n, rng: &rng)
    }

    private func background(x: Int, y: Int, wall: [Double]) -> (Double, Double, Double) {
        // Bookshelf on the right: dark wood with coloured spines.
        if x >= 470 && x < 620 && y >= 40 && y < 300 {
            let shelf = (y - 40) % 86
            if shelf < 8 { return (70, 45, 28) }
            let spine = (x - 470) / 11
            let palette: [(Double, Double, Double)] = [(150, 40, 40), (40, 90, 60), (200, 170, 90), (50, 60, 120), (120, 80, 50), (180, 180, 170)]
            let p = palette[(spine * 7 + (y - 40) / 86 * 3) % palette.count]
            let edge = (x - 470) % 11 == 0 ? 0.6 : 1.0
            return (p.0 * edge, p.1 * edge, p.2 * edge)
        }
        let v = Double(y) / Double(height)
        let tex = wall[y * width + x] * 8
        return (190 - 40 * v + tex, 175 - 40 * v + tex, 150 - 35 * v + tex)
    }

    /// RGB to limited-range I420 with sensor noise (sigma about 2.5 on luma, 1.5 on chroma).
    private func toI420(_ rgb: [Double], sequence: Int, rng: inout NoiseSource) -> VideoFrame {
        var frame = VideoFrame(width: width, height: height, timestampMicros: Int64(sequence) * 1_000_000 / Int64(fps), sequence: UInt64(sequence))
        var uSum = [Int](repeating: 0, count: frame.u.count), vSum = uSum
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let yuv = ColorConversion.yuv(r: Int(rgb[i].rounded()), g: Int(rgb[i + 1].rounded()), b: Int(rgb[i + 2].rounded()))
                frame.y[y * width + x] = UInt8(clamping: Int(yuv.y) + Int((rng.gaussian() * 2.5).rounded()))
                let c = (y / 2) * frame.chromaWidth + x / 2
                uSum[c] += Int(yuv.u); vSum[c] += Int(yuv.v)
            }
        }
        for c in frame.u.indices {
            frame.u[c] = UInt8(clamping: uSum[c] / 4 + Int((rng.gaussian() * 1.5).rounded()))
            frame.v[c] = UInt8(clamping: vSum[c] / 4 + Int((rng.gaussian() * 1.5).rounded()))
        }
        return frame
    }
}

/// Seeded noise: Gaussian from the sum of four uniforms (close enough for sensor noise, and cheap).
struct NoiseSource {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func uniform() -> Double { generator.unit() }
    mutating func gaussian() -> Double { (uniform() + uniform() + uniform() + uniform() - 2) * 1.732 }
}

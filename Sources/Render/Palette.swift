/// Maps RGB to the xterm 256-colour and ANSI 16-colour palettes, and back to the RGB each index
/// shows (xterm's defaults; a terminal theme may differ for the 16 colours).
public enum Palette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// xterm's 16 default colours.
    public static let ansi16: [UInt32] = [
        0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
        0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
    ]

    /// RGB shown for a 256-colour index.
    public static func rgb256(_ index: Int) -> UInt32 {
        switch index {
        case 0..<16: return ansi16[index]
        case 16..<232:
            let i = index - 16
            return RGB.pack(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
        default:
            let v = UInt8(8 + 10 * (index - 232))
            return RGB.pack(v, v, v)
        }
    }

    /// Nearest of the 6x6x6 cube and the 24-step grey ramp (indices 16...255; 0...15 vary by theme).
    public static func index256(_ c: UInt32) -> Int {
        func level(_ v: Int) -> Int { v < 48 ? 0 : (v < 115 ? 1 : (v - 35) / 40) }
        let r = RGB.r(c), g = RGB.g(c), b = RGB.b(c)
        let ri = level(r), gi = level(g), bi = level(b)
        let cube = 16 + 36 * ri + 6 * gi + bi
        let avg = (r + g + b) / 3
        let grey = avg > 238 ? 255 : (avg < 8 ? 232 : 232 + (avg - 3) / 10)
        return weightedDistance(c, rgb256(grey)) < weightedDistance(c, rgb256(cube)) ? grey : cube
    }

    /// Nearest of the 16 ANSI colours.
    public static func index16(_ c: UInt32) -> Int {
        var best = 0, bestDistance = Int.max
        for (i, p) in ansi16.enumerated() {
            let d = weightedDistance(c, p)
            if d < bestDistance { best = i; bestDistance = d }
        }
        return best
    }

    /// Squared distance weighted roughly by the eye's sensitivity (a "redmean" approximation).
    @inline(__always) static func weightedDistance(_ a: UInt32, _ b: UInt32) -> Int {
        let rm = (RGB.r(a) + RGB.r(b)) / 2
        let dr = RGB.r(a) - RGB.r(b), dg = RGB.g(a) - RGB.g(b), db = RGB.b(a) - RGB.b(b)
        return (((512 + rm) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rm) * db * db) >> 8)
    }
}

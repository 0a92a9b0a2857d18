/// BT.601 YUV <-> RGB in fixed point (16.16), the matrix webcams and VP8 streams use.
public enum ColorConversion {
    /// RGB of one YUV sample, clamped to 0...255.
    @inline(__always)
    public static func rgb(y: Int, u: Int, v: Int, range: ColorRange) -> (r: UInt8, g: UInt8, b: UInt8) {
        let d = u - 128, e = v - 128
        let c: Int
        let rv, gu, gv, bu: Int
        switch range {
        case .limited:
            c = (y - 16) * 76309          // 1.164 * 65536
            rv = 104597; gu = 25675; gv = 53279; bu = 132201
        case .full:
            c = y << 16
            rv = 91881; gu = 22554; gv = 46802; bu = 116130
        }
        let half = 32768
        return (clamp((c + rv * e + half) >> 16),
                clamp((c - gu * d - gv * e + half) >> 16),
                clamp((c + bu * d + half) >> 16))
    }

    /// Limited-range YUV of an RGB colour.
    @inline(__always)
    public static func yuv(r: Int, g: Int, b: Int) -> (y: UInt8, u: UInt8, v: UInt8) {
        let y = (16829 * r + 33039 * g + 6416 * b + 32768) >> 16
        let u = (-9714 * r - 19070 * g + 28784 * b + 32768) >> 16
        let v = (28784 * r - 24103 * g - 4681 * b + 32768) >> 16
        return (clamp(y + 16), clamp(u + 128), clamp(v + 128))
    }

    @inline(__always)
    static func clamp(_ x: Int) -> UInt8 { UInt8(truncatingIfNeeded: x < 0 ? 0 : (x > 255 ? 255 : x)) }
}

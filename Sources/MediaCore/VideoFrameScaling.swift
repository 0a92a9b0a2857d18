extension VideoFrame {
    /// The picture at half width and height (2x2 box average per plane; even sizes kept even, as
    /// VP8 prefers). Used when the path or the receiver's screen cannot use the full size.
    public func halved() -> VideoFrame {
        let w = max(16, (width / 2) & ~1), h = max(16, (height / 2) & ~1)
        func shrink(_ plane: [UInt8], _ sw: Int, _ sh: Int, _ dw: Int, _ dh: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: dw * dh)
            plane.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<dh {
                        let y0 = min(sh - 1, 2 * y), y1 = min(sh - 1, 2 * y + 1)
                        for x in 0..<dw {
                            let x0 = min(sw - 1, 2 * x), x1 = min(sw - 1, 2 * x + 1)
                            let sum = Int(src[y0 * sw + x0]) + Int(src[y0 * sw + x1]) + Int(src[y1 * sw + x0]) + Int(src[y1 * sw + x1])
                            dst[y * dw + x] = UInt8((sum + 2) / 4)
                        }
                    }
                }
            }
            return out
        }
        let cw = (w + 1) / 2, ch = (h + 1) / 2
        return VideoFrame(width: w, height: h, y: shrink(y, width, height, w, h), u: shrink(u, chromaWidth, chromaHeight, cw, ch),
                          v: shrink(v, chromaWidth, chromaHeight, cw, ch), timestampMicros: timestampMicros, sequence: sequence, range: range)!
    }
}

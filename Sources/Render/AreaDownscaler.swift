import MediaCore

/// Scales an I420 frame straight to a pixel grid by area averaging: every output pixel is the
/// exact mean of the source area it covers (fractional edges weighted), done separably in integer
/// arithmetic. Averaging happens in YUV and each output pixel is converted to RGB once, which is
/// exact because the BT.601 conversion is affine (up to clamping).
///
/// Upscaling (a source smaller than the grid) samples the nearest source pixel instead.
public struct AreaDownscaler: Sendable {
    /// Per source index: the output index it starts in, and its weight there and in the next one.
    struct AxisMap: Sendable, Equatable {
        var first: [Int32]
        var weightFirst: [Int32]
        var weightNext: [Int32]
        /// Total weight each output sample receives.
        var unit: Int

        init(source: Int, destination: Int) {
            precondition(destination >= 1 && source >= destination)
            first = []; weightFirst = []; weightNext = []
            first.reserveCapacity(source)
            // Source index i covers [i*d, (i+1)*d) in units where one output sample spans `source` units.
            for i in 0..<source {
                let start = i * destination, end = start + destination
                let o = start / source
                let boundary = (o + 1) * source
                let last = destination - 1
                if end <= boundary || o >= last {
                    first.append(Int32(min(o, last))); weightFirst.append(Int32(destination)); weightNext.append(0)
                } else {
                    first.append(Int32(o)); weightFirst.append(Int32(boundary - start)); weightNext.append(Int32(end - boundary))
                }
            }
            unit = source
        }
    }

    public init() {}

    public func scale(_ frame: VideoFrame, width: Int, height: Int) -> PixelGrid {
        precondition(width > 0 && height > 0)
        if width > frame.width || height > frame.height {
            return sampleNearest(frame, width: width, height: height)
        }
        let ys = averagePlane(frame.y, planeWidth: frame.width, planeHeight: frame.height, width: width, height: height)
        let cw = frame.chromaWidth, ch = frame.chromaHeight
        let chromaW = min(width, cw), chromaH = min(height, ch)
        let us = averagePlane(frame.u, planeWidth: cw, planeHeight: ch, width: chromaW, height: chromaH)
        let vs = averagePlane(frame.v, planeWidth: cw, planeHeight: ch, width: chromaW, height: chromaH)
        var grid = PixelGrid(width: width, height: height)
        for oy in 0..<height {
            let cy = chromaH == height ? oy : oy * chromaH / height
            for ox in 0..<width {
                let cx = chromaW == width ? ox : ox * chromaW / width
                let c = ColorConversion.rgb(y: Int(ys[oy * width + ox]), u: Int(us[cy * chromaW + cx]),
                                            v: Int(vs[cy * chromaW + cx]), range: frame.range)
                grid.pixels[oy * width + ox] = RGB.pack(c.r, c.g, c.b)
            }
        }
        return grid
    }

    /// Area-averages one 8-bit plane to `width` x `height` (both no larger than the plane).
    func averagePlane(_ plane: [UInt8], planeWidth: Int, planeHeight: Int, width: Int, height: Int) -> [UInt8] {
        let xs = AxisMap(source: planeWidth, destination: width)
        let ys = AxisMap(source: planeHeight, destination: height)
        var rowSums = [Int](repeating: 0, count: width)       // one source row, horizontally reduced
        var outSums = [Int](repeating: 0, count: width * height)
        for sy in 0..<planeHeight {
            for i in 0..<width { rowSums[i] = 0 }
            let base = sy * planeWidth
            for sx in 0..<planeWidth {
                let p = Int(plane[base + sx])
                let o = Int(xs.first[sx])
                rowSums[o] += Int(xs.weightFirst[sx]) * p
                let wn = Int(xs.weightNext[sx])
                if wn != 0 { rowSums[o + 1] += wn * p }
            }
            let oy = Int(ys.first[sy]), wf = Int(ys.weightFirst[sy]), wn = Int(ys.weightNext[sy])
            let row0 = oy * width
            for i in 0..<width { outSums[row0 + i] += wf * rowSums[i] }
            if wn != 0 {
                let row1 = row0 + width
                for i in 0..<width { outSums[row1 + i] += wn * rowSums[i] }
            }
        }
        let total = xs.unit * ys.unit, half = total / 2
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) { out[i] = UInt8(truncatingIfNeeded: (outSums[i] + half) / total) }
        return out
    }

    private func sampleNearest(_ frame: VideoFrame, width: Int, height: Int) -> PixelGrid {
        var grid = PixelGrid(width: width, height: height)
        for oy in 0..<height {
            let sy = min(frame.height - 1, (oy * 2 + 1) * frame.height / (2 * height))
            for ox in 0..<width {
                let sx = min(frame.width - 1, (ox * 2 + 1) * frame.width / (2 * width))
                let c = ColorConversion.rgb(y: Int(frame.y[sy * frame.width + sx]),
                                            u: Int(frame.u[(sy / 2) * frame.chromaWidth + sx / 2]),
                                            v: Int(frame.v[(sy / 2) * frame.chromaWidth + sx / 2]), range: frame.range)
                grid.pixels[oy * width + ox] = RGB.pack(c.r, c.g, c.b)
            }
        }
        return grid
    }
}

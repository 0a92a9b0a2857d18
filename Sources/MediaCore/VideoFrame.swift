/// One uncompressed picture in planar I420 (YUV 4:2:0), the format every stage agrees on:
/// cameras are converted to it by libv4l2, VP8 encodes and decodes it, the renderer scales it.
///
/// Planes are tightly packed: the luma stride is `width`, the chroma stride is `chromaWidth`.
public struct VideoFrame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var y: [UInt8]
    public var u: [UInt8]
    public var v: [UInt8]
    /// Capture time on the source's clock, in microseconds.
    public var timestampMicros: Int64
    /// Position of this frame in its source's sequence, counted from 0.
    public var sequence: UInt64
    public var range: ColorRange

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    /// A frame filled with one YUV colour.
    public init(width: Int, height: Int, fillY: UInt8 = 16, fillU: UInt8 = 128, fillV: UInt8 = 128,
                timestampMicros: Int64 = 0, sequence: UInt64 = 0, range: ColorRange = .limited) {
        precondition(width > 0 && height > 0, "a video frame has a positive size")
        self.width = width
        self.height = height
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        y = [UInt8](repeating: fillY, count: width * height)
        u = [UInt8](repeating: fillU, count: cw * ch)
        v = [UInt8](repeating: fillV, count: cw * ch)
        self.timestampMicros = timestampMicros
        self.sequence = sequence
        self.range = range
    }

    /// Wraps existing planes; returns nil when their sizes do not match the dimensions.
    public init?(width: Int, height: Int, y: [UInt8], u: [UInt8], v: [UInt8],
                 timestampMicros: Int64 = 0, sequence: UInt64 = 0, range: ColorRange = .limited) {
        guard width > 0, height > 0 else { return nil }
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        guard y.count == width * height, u.count == cw * ch, v.count == cw * ch else { return nil }
        self.width = width
        self.height = height
        self.y = y
        self.u = u
        self.v = v
        self.timestampMicros = timestampMicros
        self.sequence = sequence
        self.range = range
    }

    /// Bytes of one I420 frame of this size.
    public static func byteCount(width: Int, height: Int) -> Int {
        width * height + 2 * ((width + 1) / 2) * ((height + 1) / 2)
    }
}

/// Whether luma spans 16...235 (video, what cameras and VP8 produce) or 0...255 (full, JPEG-style).
public enum ColorRange: Sendable, Equatable {
    case limited
    case full
}

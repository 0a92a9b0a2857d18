/// What the user asked a camera for.
public struct CaptureRequest: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var fps: Double
    public init(width: Int, height: Int, fps: Double) {
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// A pixel format a camera offers, with the sizes and frame rates it supports in that format.
public struct CameraFormat: Sendable, Equatable {
    public var fourcc: UInt32
    public var name: String
    /// True when libv4lconvert synthesises this format from another (V4L2_FMT_FLAG_EMULATED).
    public var emulated: Bool
    public var sizes: [CameraFrameSize]

    public init(fourcc: UInt32, name: String, emulated: Bool = false, sizes: [CameraFrameSize]) {
        self.fourcc = fourcc
        self.name = name
        self.emulated = emulated
        self.sizes = sizes
    }

    public var fourccString: String { FourCC.string(fourcc) }
    /// Compressed formats cost a decode per frame; raw formats are preferred when they keep the rate.
    public var isCompressed: Bool { [FourCC.mjpeg, FourCC.jpeg, FourCC.h264].contains(fourcc) }
}

/// One frame size: a discrete size (`minWidth == maxWidth`) or a stepwise range.
public struct CameraFrameSize: Sendable, Equatable {
    public var minWidth: Int, maxWidth: Int, stepWidth: Int
    public var minHeight: Int, maxHeight: Int, stepHeight: Int
    /// Frame rates offered at this size (discrete intervals turned into fps); empty when unknown.
    public var frameRates: [Double]

    public static func discrete(_ w: Int, _ h: Int, fps: [Double]) -> CameraFrameSize {
        CameraFrameSize(minWidth: w, maxWidth: w, stepWidth: 1, minHeight: h, maxHeight: h, stepHeight: 1, frameRates: fps)
    }

    public init(minWidth: Int, maxWidth: Int, stepWidth: Int, minHeight: Int, maxHeight: Int, stepHeight: Int, frameRates: [Double]) {
        self.minWidth = minWidth; self.maxWidth = maxWidth; self.stepWidth = max(1, stepWidth)
        self.minHeight = minHeight; self.maxHeight = maxHeight; self.stepHeight = max(1, stepHeight)
        self.frameRates = frameRates
    }

    /// The size in this range nearest to the request.
    func nearest(to width: Int, _ height: Int) -> (Int, Int) {
        func snap(_ v: Int, _ lo: Int, _ hi: Int, _ step: Int) -> Int {
            let c = min(max(v, lo), hi)
            return lo + ((c - lo + step / 2) / step) * step > hi ? hi : lo + ((c - lo + step / 2) / step) * step
        }
        return (snap(width, minWidth, maxWidth, stepWidth), snap(height, minHeight, maxHeight, stepHeight))
    }
}

/// The negotiated capture: size and rate, with the native format that reaches them best. libv4l2 is
/// then asked for I420 at that size; libv4lconvert picks the camera format it converts from by its
/// own ranking, so `fourcc` is what we expect it to stream, not a command.
public struct CaptureChoice: Sendable, Equatable {
    public var fourcc: UInt32
    public var width: Int
    public var height: Int
    public var fps: Double

    public init(fourcc: UInt32, width: Int, height: Int, fps: Double) {
        self.fourcc = fourcc
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// Picks the best native mode for a request. Pure, so it is tested without a camera.
///
/// Order of concern: size closest to the request (in log-area, with a small preference for larger
/// than asked over smaller, since downscaling looks better than upscaling), then frame rate (reach
/// the requested rate if possible, otherwise the highest), then raw over compressed formats.
/// Emulated formats are ignored: libv4l2 converts anyway, so only what the camera sends matters.
public enum V4L2FormatNegotiator {
    public static func choose(from formats: [CameraFormat], for request: CaptureRequest) -> CaptureChoice? {
        var best: (score: Double, choice: CaptureChoice)?
        let native = formats.filter { !$0.emulated }
        for format in native.isEmpty ? formats : native {
            for size in format.sizes {
                let (w, h) = size.nearest(to: request.width, request.height)
                guard w > 0, h > 0 else { continue }
                let ratio = Double(w * h) / Double(max(1, request.width * request.height))
                var sizeCost = abs(log2(ratio))
                if ratio < 1 { sizeCost *= 1.5 }
                let rates = size.frameRates
                let fps: Double
                if rates.isEmpty {
                    fps = request.fps
                } else if let enough = rates.filter({ $0 >= request.fps - 0.01 }).min() {
                    fps = enough
                } else {
                    fps = rates.max()!
                }
                let rateCost = fps >= request.fps - 0.01 ? 0 : (request.fps - fps) / request.fps * 2
                let formatCost = format.isCompressed ? 0.25 : 0
                let score = sizeCost * 4 + rateCost + formatCost
                if best == nil || score < best!.score - 1e-9 {
                    best = (score, CaptureChoice(fourcc: format.fourcc, width: w, height: h, fps: fps))
                }
            }
        }
        return best?.choice
    }
}

/// Four-character codes of the formats this file names.
public enum FourCC {
    public static func code(_ s: String) -> UInt32 {
        var v: UInt32 = 0
        for (i, b) in s.utf8.prefix(4).enumerated() { v |= UInt32(b) << UInt32(8 * i) }
        return v
    }
    public static func string(_ code: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8((code >> UInt32(8 * $0)) & 0xFF) }, as: UTF8.self)
    }
    public static let yuyv = code("YUYV")
    public static let yu12 = code("YU12")
    public static let nv12 = code("NV12")
    public static let mjpeg = code("MJPG")
    public static let jpeg = code("JPEG")
    public static let h264 = code("H264")
}

#if canImport(Glibc)
import Glibc
#endif

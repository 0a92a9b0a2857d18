/// A small RGB picture (one `UInt32` 0x00RRGGBB per pixel): a video frame already scaled to the
/// terminal's resolution, the renderer's input.
public struct PixelGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt32]

    public init(width: Int, height: Int, fill: UInt32 = 0) {
        self.width = width
        self.height = height
        pixels = [UInt32](repeating: fill, count: width * height)
    }

    public subscript(x: Int, y: Int) -> UInt32 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

/// Packing helpers for 0x00RRGGBB colours.
public enum RGB {
    @inline(__always) public static func pack(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt32 {
        UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
    }
    @inline(__always) public static func r(_ c: UInt32) -> Int { Int((c >> 16) & 0xFF) }
    @inline(__always) public static func g(_ c: UInt32) -> Int { Int((c >> 8) & 0xFF) }
    @inline(__always) public static func b(_ c: UInt32) -> Int { Int(c & 0xFF) }

    /// Largest per-channel difference: what the damage map compares against its threshold.
    @inline(__always) public static func distance(_ a: UInt32, _ b: UInt32) -> Int {
        max(abs(r(a) - r(b)), abs(g(a) - g(b)), abs(RGB.b(a) - RGB.b(b)))
    }

    /// Rec. 601 luma, 0...255.
    @inline(__always) public static func luma(_ c: UInt32) -> Int {
        (r(c) * 77 + g(c) * 150 + b(c) * 29) >> 8
    }
}

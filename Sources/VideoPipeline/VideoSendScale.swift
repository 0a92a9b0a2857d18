/// What picture a video sender encodes for the bandwidth it has and the screen at the far end:
/// how many times to halve the camera's picture, and whether to send every frame. About 0.04 bit
/// per pixel per frame keeps VP8 watchable (640x480 at 30 fps ≈ 370 kbit/s, 320x240 ≈ 90); below
/// that the picture is halved, and at the smallest size the frame rate is halved instead. Changes
/// of size cost a keyframe, so they wait 5 s after the last one and need a 30 % margin to go back up.
public struct VideoSendScale: Sendable, Equatable {
    public private(set) var halvings = 0
    public private(set) var halfFrameRate = false
    /// The far end's picture width in pixels (a terminal's), if it told us.
    public var viewWidth: Int?
    private var changedAt: Int64?
    static let bitsPerPixel = 0.04
    static let smallestWidth = 160

    public init() {}

    /// Decides for this frame: false skips it (half frame rate).
    public mutating func admit(frameSequence: UInt64, target: Int, sourceWidth: Int, sourceHeight: Int, now: Int64) -> Bool {
        func needed(_ k: Int) -> Double { Double((sourceWidth >> k) * (sourceHeight >> k)) * 30 * Self.bitsPerPixel }
        func allowed(_ k: Int) -> Bool { (sourceWidth >> k) >= Self.smallestWidth || k == 0 }
        // The most detail the path carries…
        var wanted = 0
        while allowed(wanted + 1), Double(target) < needed(wanted) { wanted += 1 }
        // …and no more than the far end can show: halve while the result is still at least its width.
        if let view = viewWidth { while allowed(wanted + 1), (sourceWidth >> (wanted + 1)) >= view { wanted += 1 } }
        if wanted != halvings, changedAt.map({ now - $0 >= 5_000 }) ?? true {
            // Going up (less halving) needs a margin, so a target hovering at a threshold does not flap.
            if wanted > halvings || Double(target) > needed(wanted) * 1.3 || viewWidth.map({ (sourceWidth >> halvings) < $0 }) == true {
                halvings = wanted
                changedAt = now
            }
        }
        halfFrameRate = Double(target) < needed(halvings) / 2
        return !halfFrameRate || frameSequence % 2 == 0
    }
}

import MediaCore

/// A barcode of a frame's number and capture time, drawn into the test pattern so that the far end
/// of a call can read both back from the decoded picture and compute end-to-end latency.
///
/// Three rows of 32 square blocks in the top-left corner: the frame number, the capture time in
/// milliseconds, and a check row holding `~(frameNumber ^ millis)` so a misread is detected rather
/// than reported. Blocks are black (bit 0) or white (bit 1) and large enough (1/40 of the width) to
/// survive VP8 at low bitrates.
public struct TestPatternStamp: Sendable, Equatable {
    public var frameNumber: UInt32
    public var millis: UInt32

    public init(frameNumber: UInt32, millis: UInt32) {
        self.frameNumber = frameNumber
        self.millis = millis
    }

    public static func blockSize(forWidth width: Int) -> Int { max(2, width / 40) }
    public static func margin(forWidth width: Int) -> Int { blockSize(forWidth: width) }

    var rows: [UInt32] { [frameNumber, millis, ~(frameNumber ^ millis)] }

    public func draw(into frame: inout VideoFrame) {
        let block = Self.blockSize(forWidth: frame.width), origin = Self.margin(forWidth: frame.width)
        let white: UInt8 = frame.range == .full ? 255 : 235, black: UInt8 = frame.range == .full ? 0 : 16
        for (r, word) in rows.enumerated() {
            for bit in 0..<32 {
                let on = (word >> UInt32(31 - bit)) & 1 == 1
                let x0 = origin + bit * block, y0 = origin + r * block
                // Pictures too small for the whole code get the part that fits (it will not read back).
                guard x0 < frame.width, y0 < frame.height else { continue }
                for y in y0..<min(frame.height, y0 + block) {
                    for x in x0..<min(frame.width, x0 + block) {
                        frame.y[y * frame.width + x] = on ? white : black
                    }
                }
                // Neutral chroma under the code, so colour bleeding cannot shift luma after decoding.
                for cy in (y0 / 2)..<min(frame.chromaHeight, (y0 + block + 1) / 2) {
                    for cx in (x0 / 2)..<min(frame.chromaWidth, (x0 + block + 1) / 2) {
                        frame.u[cy * frame.chromaWidth + cx] = 128
                        frame.v[cy * frame.chromaWidth + cx] = 128
                    }
                }
            }
        }
    }

    /// Reads the stamp back from a (possibly lossy) picture; nil when the check row disagrees.
    public static func read(from frame: VideoFrame) -> TestPatternStamp? {
        let block = blockSize(forWidth: frame.width), origin = margin(forWidth: frame.width)
        guard origin + 32 * block <= frame.width, origin + 3 * block <= frame.height else { return nil }
        var words: [UInt32] = [0, 0, 0]
        for r in 0..<3 {
            for bit in 0..<32 {
                // Average the inner half of the block: robust to blur at its edges.
                let x0 = origin + bit * block + block / 4, y0 = origin + r * block + block / 4
                let side = max(1, block / 2)
                var sum = 0
                for y in y0..<(y0 + side) { for x in x0..<(x0 + side) { sum += Int(frame.y[y * frame.width + x]) } }
                if sum / (side * side) >= 126 { words[r] |= 1 << UInt32(31 - bit) }
            }
        }
        guard words[2] == ~(words[0] ^ words[1]) else { return nil }
        return TestPatternStamp(frameNumber: words[0], millis: words[1])
    }
}

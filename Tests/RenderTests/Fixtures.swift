import MediaCore
import Render

/// A frame whose every pixel has the given RGB (limited-range YUV, as cameras produce).
func solidFrame(width: Int, height: Int, rgb: (Int, Int, Int)) -> VideoFrame {
    let yuv = ColorConversion.yuv(r: rgb.0, g: rgb.1, b: rgb.2)
    return VideoFrame(width: width, height: height, fillY: yuv.y, fillU: yuv.u, fillV: yuv.v)
}

/// A frame with four horizontal bands (red, green, blue, white), each `height / 4` rows tall.
func bandedFrame(width: Int, height: Int) -> VideoFrame {
    var frame = VideoFrame(width: width, height: height)
    let colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)].map { ColorConversion.yuv(r: $0.0, g: $0.1, b: $0.2) }
    for row in 0..<height {
        let c = colors[row * 4 / height]
        for col in 0..<width { frame.y[row * width + col] = c.y }
        if row % 2 == 0 {
            for col in 0..<frame.chromaWidth {
                frame.u[(row / 2) * frame.chromaWidth + col] = c.u
                frame.v[(row / 2) * frame.chromaWidth + col] = c.v
            }
        }
    }
    return frame
}

func near(_ a: UInt32, _ b: UInt32, within tolerance: Int) -> Bool { RGB.distance(a, b) <= tolerance }

/// Renders and encodes one frame onto a fresh screen, returning the bytes and the replayed terminal.
func renderOnce(_ frame: VideoFrame, columns: Int, rows: Int, mode: RenderMode, depth: ColorDepth)
    -> (bytes: [UInt8], replay: TerminalReplay, screen: TerminalScreen) {
    let renderer = VideoRenderer(mode: mode, depth: depth)
    var screen = TerminalScreen(columns: columns, rows: rows, depth: depth)
    screen.draw(renderer.render(frame, columns: columns, rows: rows), row: 0, column: 0)
    let bytes = screen.takeFrameBytes()
    var replay = TerminalReplay(columns: columns, rows: rows)
    replay.feed(bytes)
    return (bytes, replay, screen)
}

import Foundation
import MediaCore
import MediaDevices
import Render
import TUI

/// The preview's event loop on the main thread: waits on keyboard input, the capture feed and (when
/// a frame is still being written) the terminal, renders the newest frame, and writes only what
/// changed. While the terminal has not taken the previous frame, new frames are skipped — a slow
/// terminal or SSH link sees fresh frames rather than a growing delay.
struct PreviewScreen {
    enum Outcome { case quit, failed(String), interrupted(Int32) }

    let session: TerminalSession
    let feed: LiveVideoFeed
    var renderer: VideoRenderer
    var lastFrame: VideoFrame?
    /// A frame arrived (or the screen needs redrawing) while the terminal was still busy.
    var drawPending = false

    // Status figures, refreshed once a second so the status line itself stays cheap.
    var framesShown = 0, framesDropped = 0, bytesWritten = 0
    var windowStart = ContinuousClock.now
    var statusText = ""

    init(session: TerminalSession, feed: LiveVideoFeed, mode: RenderMode, depth: ColorDepth) {
        self.session = session
        self.feed = feed
        renderer = VideoRenderer(mode: mode, depth: depth)
    }

    mutating func run() -> Outcome {
        statusText = status(fps: 0, kilobytes: 0, dropped: 0)
        while true {
            session.wait(milliseconds: 200, alsoOn: [feed.wakeDescriptor])
            if let signal = session.receivedSignal { return .interrupted(signal) }
            var redraw = false
            if session.inputClosed { return .quit } // terminal closed
            for key in session.keys() {
                switch key {
                // Esc does not quit: over a slow link it arrives first of an arrow key's sequence.
                case .character("q"), .character("Q"), .interrupt: return .quit
                case .character("m") where renderer.depth != .none:
                    renderer.mode = RenderMode.allCases[(RenderMode.allCases.firstIndex(of: renderer.mode)! + 1) % RenderMode.allCases.count]
                    redraw = true
                case .character("c"):
                    let depths = ColorDepth.allCases
                    renderer.depth = depths[(depths.firstIndex(of: renderer.depth)! + 1) % depths.count]
                    session.depth = renderer.depth
                    redraw = true
                case .resize: redraw = true
                default: break
                }
            }
            guard session.flushFrames() else { return .quit } // terminal gone
            do {
                if let frame = try feed.take() {
                    if drawPending || session.frames.isBacklogged { framesDropped += 1 }
                    lastFrame = frame
                    redraw = true
                }
            } catch {
                return .failed(error.description)
            }
            if redraw { drawPending = true }
            if drawPending, !session.frames.isBacklogged, let frame = lastFrame {
                drawPending = false
                draw(frame)
            }
        }
    }

    private mutating func draw(_ frame: VideoFrame) {
        guard let size = session.size(), size.columns >= 2, size.rows >= 2 else { return }
        let grid = renderer.render(frame, columns: size.columns, rows: size.rows - 1)
        refreshStatus()
        let before = session.frames.bytesSent
        session.present([ScreenLayer(name: "preview.picture", row: 0, column: 0, grid: grid, isVideo: true),
                         ScreenLayer(name: "preview.status", row: size.rows - 1, column: 0, grid: statusLine(columns: size.columns))])
        framesShown += 1
        bytesWritten += session.frames.bytesSent - before
    }

    private mutating func refreshStatus() {
        let elapsed = windowStart.duration(to: .now)
        guard elapsed >= .seconds(1) else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        statusText = status(fps: Double(framesShown) / seconds,
                            kilobytes: framesShown > 0 ? Double(bytesWritten) / Double(framesShown) / 1024 : 0,
                            dropped: framesDropped)
        framesShown = 0; bytesWritten = 0; framesDropped = 0
        windowStart = .now
    }

    private func status(fps: Double, kilobytes: Double, dropped: Int) -> String {
        let mode = renderer.effectiveMode.rawValue, depth = renderer.depth.rawValue
        // Printable ASCII only: the label holds a user's path or a camera's name, and the status
        // line's cursor model assumes one column per character.
        let label = String(String.UnicodeScalarView(feed.label.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? $0 : "?" }))
        return " \(label) | \(mode)/\(depth) | \(String(format: "%.0f", fps)) fps | "
            + "\(String(format: "%.1f", kilobytes)) KB/frame | \(dropped) dropped | q quit  m mode  c colours"
    }

    private func statusLine(columns: Int) -> CellGrid {
        var grid = CellGrid(columns: columns, rows: 1,
                            fill: .text(0x20, fg: 0xE0E0E0, bg: 0x303030))
        for (i, scalar) in statusText.unicodeScalars.prefix(columns).enumerated() {
            grid.cells[i] = .text(scalar.value, fg: 0xE0E0E0, bg: 0x303030)
        }
        return grid
    }
}

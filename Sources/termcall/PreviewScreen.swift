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
    var screen: TerminalScreen
    var keys = KeyDecoder()
    var lastFrame: VideoFrame?
    /// A frame arrived (or the screen needs redrawing) while the terminal was still busy.
    var drawPending = false

    // Status figures, refreshed once a second so the status line itself stays cheap.
    var framesShown = 0, framesDropped = 0, bytesWritten = 0
    var windowStart = ContinuousClock.now
    var statusText = ""

    init(session: TerminalSession, feed: LiveVideoFeed, mode: RenderMode, depth: ColorDepth, threshold: Int) {
        self.session = session
        self.feed = feed
        renderer = VideoRenderer(mode: mode, depth: depth)
        let size = session.size() ?? (80, 24)
        screen = TerminalScreen(columns: size.columns, rows: size.rows, depth: depth, threshold: threshold)
    }

    mutating func run() -> Outcome {
        statusText = status(fps: 0, kilobytes: 0, dropped: 0)
        var fds = [pollfd(fd: session.input, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: feed.wakeDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: session.output, events: 0, revents: 0),
                   pollfd(fd: session.interruptDescriptor, events: Int16(POLLIN), revents: 0)]
        var inputBuffer = [UInt8](repeating: 0, count: 256)
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            fds[2].events = session.frames.isBacklogged ? Int16(POLLOUT) : 0
            let ready = poll(&fds, nfds_t(fds.count), 200)
            if ready < 0 && errno != EINTR { return .failed("waiting for input failed: \(String(cString: strerror(errno)))") }
            if let signal = session.receivedSignal { return .interrupted(signal) }

            var redraw = false
            if fds[0].revents & Int16(POLLIN | POLLHUP) != 0 {
                let n = read(session.input, &inputBuffer, inputBuffer.count)
                if n < 0 && errno != EINTR && errno != EAGAIN { return .quit } // terminal gone (EIO)
                if n == 0 && fds[0].revents & Int16(POLLHUP) != 0 { return .quit } // terminal closed
                for key in keys.feed(Array(inputBuffer.prefix(max(0, n)))) {
                    switch key {
                    // Esc does not quit: over a slow link it arrives first of an arrow key's sequence.
                    case .character("q"), .character("Q"), .interrupt: return .quit
                    case .character("m") where renderer.depth != .none:
                        renderer.mode = RenderMode.allCases[(RenderMode.allCases.firstIndex(of: renderer.mode)! + 1) % RenderMode.allCases.count]
                        redraw = true
                    case .character("c"):
                        let depths = ColorDepth.allCases
                        renderer.depth = depths[(depths.firstIndex(of: renderer.depth)! + 1) % depths.count]
                        screen.depth = renderer.depth
                        screen.invalidate()
                        redraw = true
                    default: break
                    }
                }
            }
            if let size = session.size(), size.columns != screen.columns || size.rows != screen.rows {
                screen.resize(columns: size.columns, rows: size.rows)
                redraw = true
            }
            if session.frames.isBacklogged, !session.frames.flush() { return .quit } // terminal gone
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
        guard screen.columns >= 2, screen.rows >= 2 else { return }
        let grid = renderer.render(frame, columns: screen.columns, rows: screen.rows - 1)
        screen.draw(grid, row: 0, column: 0)
        refreshStatus()
        screen.draw(statusLine(), row: screen.rows - 1, column: 0)
        let bytes = screen.takeFrameBytes()
        session.frames.send(bytes)
        framesShown += 1
        bytesWritten += bytes.count
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

    private func statusLine() -> CellGrid {
        var grid = CellGrid(columns: screen.columns, rows: 1,
                            fill: .text(0x20, fg: 0xE0E0E0, bg: 0x303030))
        for (i, scalar) in statusText.unicodeScalars.prefix(screen.columns).enumerated() {
            grid.cells[i] = .text(scalar.value, fg: 0xE0E0E0, bg: 0x303030)
        }
        return grid
    }
}

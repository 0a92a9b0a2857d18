#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MediaCore
import Render
import TUI

/// The screen as the product draws it: a `TerminalSession` (ncurses windows and panels, and the
/// damage-map writer inside the picture's window) on a pty of `columns` x `rows` whose other end
/// this benchmark drains. Bytes are what the session handed to the terminal.
final class PtyTerminal {
    let master: Int32
    let session: TerminalSession

    init?(term: String, columns: Int, rows: Int, depth: ColorDepth, colorterm: String? = nil) {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0, number: UInt32 = 0
        guard master >= 0, ioctl(master, UInt(0x4004_5431) /* TIOCSPTLCK */, &unlock) == 0, ioctl(master, UInt(0x8004_5430) /* TIOCGPTN */, &number) == 0 else { return nil }
        let name = "/dev/pts/\(number)"
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = term
        environment["COLORTERM"] = colorterm
        guard let session = try? TerminalSession(depth: depth, ttyPath: name, environment: environment) else { return nil }
        self.session = session
        drain()
    }

    /// Reads what the terminal was sent until the session has nothing kept back.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        repeat {
            while read(master, &buffer, buffer.count) > 0 {}
            _ = session.frames.flush()
        } while session.frames.isBacklogged
        while read(master, &buffer, buffer.count) > 0 {}
    }

    /// Presents `layers` and returns the bytes it cost.
    func present(_ layers: [ScreenLayer]) -> Int {
        let before = session.frames.bytesSent
        session.present(layers)
        let sent = session.frames.bytesSent - before
        drain()
        return sent
    }

    func close() {
        session.restore()
        drain()
        Glibc.close(master)
    }
}

struct PathResult {
    var times: [Double] = []
    var bytes: [Double] = []
    var firstBytes = 0
}

/// The picture alone, full screen, through the session on `term` and the given painter.
func measureThroughSession(_ frames: [VideoFrame], term: String, depth: ColorDepth, path: VideoPath, colorterm: String? = nil) -> PathResult? {
    guard let terminal = PtyTerminal(term: term, columns: columns, rows: rows, depth: depth, colorterm: colorterm) else { return nil }
    defer { terminal.close() }
    terminal.session.forcedVideoPath = path
    let renderer = VideoRenderer(mode: .halfBlock, depth: depth)
    for frame in frames.prefix(10) {
        _ = terminal.present([ScreenLayer(name: "picture", row: 0, column: 0, grid: renderer.render(frame, columns: columns, rows: rows), isVideo: true)])
    }
    terminal.session.forcedVideoPath = path // a full repaint, as a new screen would start
    var result = PathResult()
    for (index, frame) in frames.enumerated() {
        let start = ContinuousClock.now
        let grid = renderer.render(frame, columns: columns, rows: rows)
        let before = terminal.session.frames.bytesSent
        terminal.session.present([ScreenLayer(name: "picture", row: 0, column: 0, grid: grid, isVideo: true)])
        let elapsed = start.duration(to: .now)
        let sent = terminal.session.frames.bytesSent - before
        terminal.drain()
        result.times.append(seconds(elapsed))
        if index == 0 { result.firstBytes = sent } else { result.bytes.append(Double(sent)) }
    }
    return result
}

/// The whole call screen at 30 fps: the far end's picture with the self view inset, the chat pane
/// (a line arriving every second, the input line being typed into), the status line (figures
/// twice a second), through the session as `CallScreen` lays it out.
///
/// `term` nil: the code before ncurses — every layer composed into one canvas and sent by the
/// damage map alone (hand-written xterm sequences), the anchor for the figures above.
func measureCallScreen(_ frames: [VideoFrame], selfFrames: [VideoFrame], term: String?, depth: ColorDepth, colorterm: String? = nil) -> (PathResult, VideoPath?)? {
    var terminal: PtyTerminal?
    var canvasScreen = TerminalScreen(columns: columns, rows: rows, depth: depth)
    if let term {
        guard let made = PtyTerminal(term: term, columns: columns, rows: rows, depth: depth, colorterm: colorterm) else { return nil }
        terminal = made
    }
    defer { terminal?.close() }
    let renderer = VideoRenderer(mode: .halfBlock, depth: depth)
    let chatWidth = 32, videoColumns = columns - chatWidth, videoRows = rows - 1
    var chat: [String] = []
    var typed = ""
    var result = PathResult()
    for (index, frame) in frames.enumerated() {
        let start = ContinuousClock.now
        var video = renderer.render(frame, columns: videoColumns, rows: videoRows)
        let inset = renderer.render(selfFrames[index % selfFrames.count], columns: videoColumns / 4, rows: videoRows / 4)
        video.blit(inset, row: videoRows - inset.rows, column: videoColumns - inset.columns)
        if index % 30 == 15 { chat.append("12:0\(index / 300) them: line \(index / 30) of a conversation that wraps") }
        if index % 5 == 0 { typed += "x" }
        var pane = CellGrid(columns: chatWidth, rows: videoRows, fill: .text(0x20, fg: 0xD0D0D0, bg: 0x181818))
        for row in 0..<videoRows { pane[0, row] = .text(0x2502, fg: 0x505050, bg: 0x181818) }
        let lines = chat.flatMap { TextWrap.lines($0, width: chatWidth - 3) }.suffix(videoRows - 2)
        for (i, line) in lines.enumerated() { pane.write(line, row: i, column: 2, fg: 0x7FC4F0, bg: 0x181818) }
        pane.write("> " + typed, row: videoRows - 1, column: 2, fg: 0xFFFFFF, bg: 0x181818)
        var status = CellGrid(columns: columns, rows: 1, fill: .text(0x20, fg: 0xE0E0E0, bg: 0x303030))
        status.write(" far end | in call | rtt \(20 + (index / 15) % 7).0 ms | \(29 + (index / 15) % 2) fps | 512 kb/s | lost 0 | mic on", row: 0, column: 0, fg: 0xE0E0E0, bg: 0x303030)
        let sent: Int
        let elapsed: Duration
        if let terminal {
            let before = terminal.session.frames.bytesSent
            terminal.session.present([ScreenLayer(name: "call.video", row: 0, column: 0, grid: video, isVideo: true),
                                      ScreenLayer(name: "call.chat", row: 0, column: videoColumns, grid: pane),
                                      ScreenLayer(name: "call.status", row: rows - 1, column: 0, grid: status)])
            elapsed = start.duration(to: .now)
            sent = terminal.session.frames.bytesSent - before
            terminal.drain()
        } else {
            var canvas = CellGrid(columns: columns, rows: rows)
            canvas.blit(video, row: 0, column: 0)
            canvas.blit(pane, row: 0, column: videoColumns)
            canvas.blit(status, row: rows - 1, column: 0)
            canvasScreen.draw(canvas, row: 0, column: 0)
            sent = canvasScreen.takeFrameBytes().count
            elapsed = start.duration(to: .now)
        }
        result.times.append(seconds(elapsed))
        if index == 0 { result.firstBytes = sent } else { result.bytes.append(Double(sent)) }
    }
    return (result, terminal?.session.videoPath)
}

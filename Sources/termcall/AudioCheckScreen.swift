import Foundation
import Render
import TUI

/// The lobby's audio test: `AudioCheck` drawn full-screen — the phase, a live level meter for the
/// microphone, then the verdict. q, Esc or Ctrl-C stops it at any point.
struct AudioCheckScreen {
    enum Outcome { case finished([String]), stopped, failed(String), interrupted(Int32) }

    let session: TerminalSession
    let check: AudioCheck
    var screen: TerminalScreen
    var keys = KeyDecoder()

    init(session: TerminalSession, check: AudioCheck, depth: ColorDepth) {
        self.session = session
        self.check = check
        let size = session.size() ?? (80, 24)
        screen = TerminalScreen(columns: size.columns, rows: size.rows, depth: depth)
        screen.invalidate()
    }

    mutating func run() -> Outcome {
        var fds = [pollfd(fd: session.input, events: Int16(POLLIN), revents: 0)]
        var bytes = [UInt8](repeating: 0, count: 64)
        var lastDraw = ContinuousClock.now - .seconds(1)
        var finished = false
        while true {
            if let signal = session.receivedSignal { return .interrupted(signal) }
            fds[0].revents = 0
            _ = poll(&fds, 1, 0)
            if fds[0].revents & Int16(POLLIN | POLLHUP) != 0 {
                let n = read(session.input, &bytes, bytes.count)
                if n == 0 { return .stopped }
                for key in keys.feed(Array(bytes.prefix(max(0, n)))) {
                    switch key {
                    case .interrupt: return .interrupted(SIGINT)
                    case .character("q"), .escape: return finished ? .finished(check.verdict?.lines ?? []) : .stopped
                    case .enter where finished: return .finished(check.verdict?.lines ?? [])
                    default: break
                    }
                }
            }
            if !finished {
                do { try check.step(waitMilliseconds: 20) } catch { return .failed("\(error)") }
                finished = check.phase == .done
            } else {
                _ = poll(&fds, 1, 100)
            }
            if let size = session.size(), size.columns != screen.columns || size.rows != screen.rows {
                screen.resize(columns: size.columns, rows: size.rows)
            }
            if session.frames.isBacklogged, !session.frames.flush() { return .stopped }
            if ContinuousClock.now - lastDraw >= .milliseconds(50), !session.frames.isBacklogged {
                lastDraw = .now
                draw(finished: finished)
            }
        }
    }

    private mutating func draw(finished: Bool) {
        let bg: UInt32 = 0x101418
        var grid = CellGrid(columns: screen.columns, rows: screen.rows, fill: .text(0x20, fg: 0xD0D0D0, bg: bg))
        grid.write("Audio test — microphone \(check.microphone), speaker \(check.speaker)", row: 1, column: 3, fg: 0x7FC4F0, bg: bg)
        let steps: [(AudioCheck.Phase, String)] = [
            (.tone, "1. a 440 Hz tone on the speaker (2 s) — the meter shows what the microphone hears"),
            (.recording, "2. recording \(check.seconds) s from the microphone — say something"),
            (.playback, "3. the recording played back on the speaker"),
        ]
        let order: [AudioCheck.Phase] = [.tone, .recording, .playback, .done]
        let current = order.firstIndex(of: check.phase) ?? 0
        for (i, (phase, text)) in steps.enumerated() {
            let index = order.firstIndex(of: phase)!
            let mark = index < current ? "✓" : (index == current ? "▶" : " ")
            grid.write("\(mark) \(text)", row: 3 + i, column: 3, fg: index == current ? 0xFFFFFF : 0x909090, bg: bg)
        }
        if !finished {
            let width = max(10, min(60, screen.columns - 24))
            let level = check.meter.level
            grid.write("mic [" + AudioCheck.bar(level: level, peak: check.meter.peak, width: width, fill: "█", empty: "░") + "]"
                           + String(format: " %6.1f dBFS", max(-99, level)),
                       row: 8, column: 3, fg: level > -6 ? 0xF08060 : 0x80D080, bg: bg)
            let progress = check.framesTotal > 0 ? 100 * check.framesDone / check.framesTotal : 0
            grid.write("\(progress) %", row: 9, column: 3, fg: 0x909090, bg: bg)
        } else {
            for (i, line) in (check.verdict?.lines ?? []).enumerated() {
                for (j, piece) in TextWrap.lines(line, width: max(10, screen.columns - 6)).enumerated() where j < 3 {
                    grid.write(piece, row: 8 + i * 2 + j, column: 3, fg: i == 0 ? 0xFFFFFF : 0xB0B0B0, bg: bg)
                }
            }
        }
        grid.write(finished ? "Enter or Esc: back to the lobby" : "q or Esc: stop", row: screen.rows - 1, column: 1, fg: 0x808080, bg: bg)
        screen.draw(grid, row: 0, column: 0)
        session.frames.send(screen.takeFrameBytes())
    }
}

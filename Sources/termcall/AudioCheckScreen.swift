import Foundation
import Render
import TUI

/// The lobby's audio test: `AudioCheck` drawn full-screen — the phase, a live level meter for the
/// microphone, then the verdict. q, Esc or Ctrl-C stops it at any point.
struct AudioCheckScreen {
    enum Outcome { case finished([String]), stopped, failed(String), interrupted(Int32) }

    let session: TerminalSession
    let check: AudioCheck

    init(session: TerminalSession, check: AudioCheck) {
        self.session = session
        self.check = check
    }

    mutating func run() -> Outcome {
        var lastDraw = ContinuousClock.now - .seconds(1)
        var finished = false
        while true {
            if let signal = session.receivedSignal { return .interrupted(signal) }
            if session.inputClosed { return .stopped }
            for key in session.keys() {
                switch key {
                case .interrupt: return .interrupted(SIGINT)
                case .character("q"), .escape: return finished ? .finished(check.verdict?.lines ?? []) : .stopped
                case .enter where finished: return .finished(check.verdict?.lines ?? [])
                case .mouse(let event) where finished && event.kind == .press: return .finished(check.verdict?.lines ?? [])
                default: break
                }
            }
            if !finished {
                do { try check.step(waitMilliseconds: 20) } catch { return .failed("\(error)") }
                finished = check.phase == .done
            } else {
                session.wait(milliseconds: 100)
            }
            guard session.flushFrames() else { return .stopped }
            if ContinuousClock.now - lastDraw >= .milliseconds(50), !session.frames.isBacklogged {
                lastDraw = .now
                draw(finished: finished)
            }
        }
    }

    private mutating func draw(finished: Bool) {
        guard let size = session.size() else { return }
        let bg: UInt32 = 0x101418
        var grid = CellGrid(columns: size.columns, rows: size.rows, fill: .text(0x20, fg: 0xD0D0D0, bg: bg))
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
            let width = max(10, min(60, size.columns - 24))
            let level = check.meter.level
            grid.write("mic [" + AudioCheck.bar(level: level, peak: check.meter.peak, width: width, fill: "█", empty: "░") + "]"
                           + String(format: " %6.1f dBFS", max(-99, level)),
                       row: 8, column: 3, fg: level > -6 ? 0xF08060 : 0x80D080, bg: bg)
            let progress = check.framesTotal > 0 ? 100 * check.framesDone / check.framesTotal : 0
            grid.write("\(progress) %", row: 9, column: 3, fg: 0x909090, bg: bg)
        } else {
            for (i, line) in (check.verdict?.lines ?? []).enumerated() {
                for (j, piece) in TextWrap.lines(line, width: max(10, size.columns - 6)).enumerated() where j < 3 {
                    grid.write(piece, row: 8 + i * 2 + j, column: 3, fg: i == 0 ? 0xFFFFFF : 0xB0B0B0, bg: bg)
                }
            }
        }
        grid.write(finished ? "Enter or Esc: back to the lobby" : "q or Esc: stop", row: size.rows - 1, column: 1, fg: 0x808080, bg: bg)
        session.present([ScreenLayer(name: "audio-check", row: 0, column: 0, grid: grid)])
    }
}

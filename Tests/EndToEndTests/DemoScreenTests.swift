import Foundation
import Testing

/// The demo's call screen beyond the basics: the help overlay, the statistics box, the camera
/// switch, and relayout when the window changes size.
@Suite(.serialized) struct DemoScreenTests {
    @Test func helpStatisticsAndCamera() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("in call") && $0.contains("chat with echo is open") } != nil, "\(tmux.capture())")
        tmux.sendKeys("?")
        // (Whole frames only: a capture can catch one half written.)
        #expect(tmux.waitFor { $0.contains("termcall — keys") && $0.contains("camera off / on") } != nil, "\(tmux.capture())")
        tmux.sendKeys("x") // any key closes it
        #expect(tmux.waitFor { !$0.contains("termcall — keys") } != nil)
        tmux.sendKeys("s")
        let stats = tmux.waitFor { $0.contains("call statistics") && $0.contains("in  video") && $0.contains("path    host") && $0.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") }
        #expect(stats != nil, "\(tmux.capture())")
        tmux.sendKeys("v")
        #expect(tmux.waitFor { $0.contains("camera off") } != nil)
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    /// The device menu during the call (`d`): no camera and ASCII rendering, applied without
    /// hanging up (the camera's removal is renegotiated with the echoing peer).
    @Test func deviceMenuDuringTheCall() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("in call") && $0.contains("chat with echo is open") && $0.contains("▀") } != nil, "\(tmux.capture())")
        tmux.sendKeys("d")
        #expect(tmux.waitFor { $0.contains("devices for this call") && $0.contains("‹ test pattern ›") && $0.contains("‹ half-blocks ›") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Left")
        #expect(tmux.waitFor { $0.contains("Camera       ‹ none ›") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Down", "Down", "Down", "Right")
        #expect(tmux.waitFor { $0.contains("‹ ASCII ›") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Down", "Enter")
        let applied = tmux.waitFor { $0.contains("devices changed") && !$0.contains("devices for this call") && !$0.contains("▀") && $0.contains("in call") }
        #expect(applied != nil, "\(tmux.capture())")
        // The call goes on: the chat still echoes.
        tmux.sendKeys("Enter")
        tmux.sendKeys("-l", "ok?")
        tmux.sendKeys("Enter")
        #expect(tmux.waitFor { $0.contains("you said: ok?") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Escape")
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    /// 80x24 and 200x60: the status line stays on the last row, the video fills the rows above,
    /// and the chat pane keeps its place at the right.
    @Test func relayoutOnResize() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", columns: 120, rows: 36, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("in call") } != nil, "\(tmux.capture())")
        for (columns, rows) in [(80, 24), (200, 60)] {
            tmux.resize(columns: columns, rows: rows)
            let pane = tmux.waitFor { pane in
                let lines = pane.split(separator: "\n", omittingEmptySubsequences: false)
                return lines.count >= rows && lines[rows - 1].hasPrefix(" echo |") && lines[0].count <= columns
                    && lines.prefix(rows - 1).filter { $0.contains("│") }.count == rows - 1
            }
            #expect(pane != nil, "no clean layout at \(columns)x\(rows):\n\(tmux.capture())")
        }
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }
}

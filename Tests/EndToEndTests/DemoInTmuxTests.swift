import Foundation
import TestSupport
import Testing

/// `termcall demo` in tmux: two callers in one process over loopback; the call screen shows the
/// echoing peer's moving test pattern, a chat round trip works, and q restores the terminal.
@Suite(.serialized) struct DemoInTmuxTests {
    func pictureLines(_ pane: String) -> [Substring] {
        pane.split(separator: "\n").filter { $0.contains { PreviewInTmuxTests.halfBlocks.contains($0) } }
    }

    @Test func theDemoCallShowsVideoAndEchoesChat() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        let first = try #require(tmux.waitFor(escapes: true) { $0.contains("38;2;") && $0.contains("in call") && pictureLines($0).count > 20 },
                                 "no call screen with video:\n\(tmux.capture())")
        #expect(tmux.waitFor(escapes: true) { $0 != first && $0.contains("in call") } != nil, "the remote video did not change")
        #expect(tmux.waitFor { $0.contains("chat with echo is open") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Enter")
        tmux.sendKeys("-l", "hi echo")
        tmux.sendKeys("Enter")
        // Each line carries its time (HH:MM) and sender (whole frames only: both lines at once).
        let echoed = tmux.waitFor { $0.contains("echo: you said: hi echo") && $0.range(of: #"[0-2][0-9]:[0-5][0-9] me: hi echo"#, options: .regularExpression) != nil }
        #expect(echoed != nil, "\(tmux.capture())")
        // Up recalls the last line sent.
        // Wide characters (CJK, emoji) take two columns each, and the pane's border stays put.
        tmux.sendKeys("-l", "日本😀")
        tmux.sendKeys("Enter")
        let wide = tmux.waitFor { pane in
            pane.contains("echo: you said: 日本😀") && pane.split(separator: "\n").filter { $0.contains("│") }.count > 20
        }
        #expect(wide != nil, "\(tmux.capture())")
        tmux.sendKeys("Up")
        tmux.sendKeys("Up")
        #expect(tmux.waitFor { $0.contains("> hi echo") } != nil, "\(tmux.capture())")
        // Status: connection, RTT from RTCP, frame rate.
        #expect(tmux.waitFor { $0.contains("rtt ") && $0.contains(" fps") && !$0.contains("rtt –") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Escape")
        tmux.sendKeys("q")
        let end = tmux.waitFor { $0.contains("EXIT=") }
        #expect(end?.contains("EXIT=0 RESTORED=yes") == true, "\(end ?? tmux.capture())")
    }

    /// SIGTERM in the middle of a call: the terminal is given back (modes, cursor) and the exit
    /// status says so.
    @Test func sigtermRestoresTheTerminal() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("in call") } != nil, "\(tmux.capture())")
        let killed = try runProcess("/usr/bin/pkill", ["-TERM", "-P", String(tmux.shellPID), "termcall"])
        #expect(killed.status == 0)
        let end = tmux.waitFor { $0.contains("EXIT=") }
        #expect(end?.contains("EXIT=143 RESTORED=yes") == true, "\(end ?? tmux.capture())")
    }
}

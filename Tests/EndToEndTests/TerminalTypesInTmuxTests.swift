import Foundation
import TestSupport
import Testing

/// The call screen on terminals other than tmux's own entry, through their terminfo: the Linux
/// console (8 colours, ncurses paints the picture), screen-256color (the writer's palette), a
/// direct-colour xterm, and a vt100 (no colour: ASCII art). Then the ways out — q, Ctrl-C, SIGHUP —
/// each leaving the terminal as it was: tty modes (`RESTORED=yes`), cursor shown, main screen.
@Suite(.serialized) struct TerminalTypesInTmuxTests {
    static let halfBlocks: Set<Character> = ["▀", "▄", "█"]

    func pictureLines(_ pane: String) -> Int {
        pane.split(separator: "\n").filter { $0.contains { Self.halfBlocks.contains($0) } }.count
    }

    /// tmux's view of the pane after the program left: cursor shown, alternate screen off.
    func cursorShownOnMainScreen(_ tmux: Tmux) -> Bool {
        let flags = (try? tmux.run(["display-message", "-p", "-t", tmux.session, "#{cursor_flag} #{alternate_on}"])) ?? ""
        return flags.trimmingCharacters(in: .whitespacesAndNewlines) == "1 0"
    }

    func endsRestored(_ tmux: Tmux, status: Int = 0) {
        let end = tmux.waitFor { $0.contains("EXIT=") }
        #expect(end?.contains("EXIT=\(status) RESTORED=yes") == true, "\(end ?? tmux.capture())")
        #expect(cursorShownOnMainScreen(tmux), "cursor hidden or still on the alternate screen")
    }

    @Test func theLinuxConsoleGetsItsEightColoursFromNcurses() throws {
        let tmux = try Tmux("TERM=linux \(Tmux.termcall) demo")
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor(escapes: true) { $0.contains("in call") && pictureLines($0) > 20 }, "\(tmux.capture())")
        // terminfo's linux entry: setaf/setab 30–37/40–47 only; nothing from the writer's palettes.
        #expect(pane.range(of: #"\[(3[0-7]|4[0-7])(;|m)"#, options: .regularExpression) != nil)
        #expect(!pane.contains("38;2;") && !pane.contains("38;5;"), "sequences the Linux console does not have")
        tmux.sendKeys("q")
        endsRestored(tmux)
    }

    @Test func screen256ColourGetsThePalette() throws {
        let tmux = try Tmux("TERM=screen-256color \(Tmux.termcall) demo")
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor(escapes: true) { $0.contains("in call") && pictureLines($0) > 20 && $0.contains("38;5;") }, "\(tmux.capture())")
        #expect(!pane.contains("38;2;"))
        tmux.sendKeys("C-c") // Ctrl-C hangs up like q
        endsRestored(tmux)
    }

    @Test func aDirectColourTerminalGetsTruecolor() throws {
        let tmux = try Tmux("TERM=xterm-direct \(Tmux.termcall) demo")
        defer { tmux.kill() }
        let pane = tmux.waitFor(escapes: true) { $0.contains("in call") && pictureLines($0) > 20 && $0.contains("8;2;") }
        #expect(pane != nil, "\(tmux.capture())")
        tmux.sendKeys("q")
        endsRestored(tmux)
    }

    @Test func aVT100GetsAsciiArtWithoutColour() throws {
        let tmux = try Tmux("TERM=vt100 \(Tmux.termcall) demo")
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor(escapes: true) { pane in
            pane.contains("in call") && pane.split(separator: "\n").filter { $0.prefix(80).contains { "~;=+".contains($0) } }.count > 10
        }, "\(tmux.capture())")
        #expect(pictureLines(pane) == 0, "half blocks on a terminal without colour")
        #expect(!pane.contains("38;") && !pane.contains("48;"), "colour sent to a vt100")
        let picture = tmux.capture().split(separator: "\n").map { $0.prefix(80) }.dropLast()
        #expect(picture.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "the picture is not ASCII")
        #expect(pane.split(separator: "\n").last?.hasPrefix(" echo | in call") == true, "the status line is not where it belongs:\n\(tmux.capture())")
        tmux.sendKeys("q")
        endsRestored(tmux)
    }

    /// Twelve resizes without waiting between them, then the picture, chat border and status line
    /// are where the last size puts them.
    @Test func aResizeStormEndsInTheLastLayout() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        _ = try #require(tmux.waitFor { $0.contains("in call") && pictureLines($0) > 20 }, "\(tmux.capture())")
        for (columns, rows) in [(80, 24), (150, 50), (61, 20), (200, 60), (90, 30), (120, 40), (70, 22), (160, 45), (100, 35), (64, 18), (130, 44), (100, 30)] {
            tmux.resize(columns: columns, rows: rows)
        }
        let settled = tmux.waitFor { pane in
            let lines = pane.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 30 else { return false }
            let border = lines[0..<29].filter { $0.count >= 69 && Array($0)[68] == "│" }.count
            return border == 29 && lines[29].contains("in call") && pictureLines(pane) > 15
        }
        #expect(settled != nil, "the screen did not settle at 100x30:\n\(tmux.capture())")
        tmux.sendKeys("q")
        endsRestored(tmux)
    }

    /// Mouse (SGR reports, as xterm sends them): a click on the chat pane focuses its line, typing
    /// then goes to the chat; a click on the picture leaves it.
    @Test func clicksFocusTheChatAndLeaveIt() throws {
        let tmux = try Tmux("TERM=xterm-256color \(Tmux.termcall) demo", columns: 100, rows: 30, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        _ = try #require(tmux.waitFor { $0.contains("chat with echo is open") }, "\(tmux.capture())")
        func click(column: Int, row: Int) { // 1-based, as the terminal reports
            tmux.sendKeys("-l", "\u{1B}[<0;\(column);\(row)M")
            tmux.sendKeys("-l", "\u{1B}[<0;\(column);\(row)m")
        }
        click(column: 85, row: 10)
        #expect(tmux.waitFor { $0.contains("Enter send  Esc back") } != nil, "the click did not focus the chat:\n\(tmux.capture())")
        tmux.sendKeys("-l", "clicked")
        tmux.sendKeys("Enter")
        #expect(tmux.waitFor { $0.contains("echo: you said: clicked") } != nil, "\(tmux.capture())")
        click(column: 20, row: 10)
        #expect(tmux.waitFor { $0.contains("q hang up") } != nil, "the click on the picture did not leave the chat:\n\(tmux.capture())")
        tmux.sendKeys("q")
        endsRestored(tmux)
    }

    /// The terminal closed (SIGHUP): the terminal is put back and the exit status says so.
    @Test func sighupRestoresTheTerminal() throws {
        let tmux = try Tmux("\(Tmux.termcall) demo", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        _ = try #require(tmux.waitFor { $0.contains("in call") }, "\(tmux.capture())")
        let sent = try runProcess("/usr/bin/pkill", ["-HUP", "-P", String(tmux.shellPID), "termcall"])
        #expect(sent.status == 0)
        endsRestored(tmux, status: 129)
    }
}

/// The lobby with the mouse: a click picks an item.
@Suite(.serialized) struct LobbyMouseInTmuxTests {
    @Test func aClickOnQuitQuits() throws {
        let config = NSTemporaryDirectory() + "termcall-xdg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let tmux = try Tmux("TERM=xterm-256color \(Tmux.termcall)", environment: ["XDG_CONFIG_HOME": config])
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor { $0.contains("› Demo call") }, "\(tmux.capture())")
        let rows = pane.split(separator: "\n", omittingEmptySubsequences: false)
        let quitRow = try #require(rows.firstIndex { $0.contains("Quit") })
        tmux.sendKeys("-l", "\u{1B}[<0;8;\(quitRow + 1)M")
        tmux.sendKeys("-l", "\u{1B}[<0;8;\(quitRow + 1)m")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(tmux.capture())")
    }
}

import Render
import Testing

/// The damage-map writer painting one window's rectangle of a screen ncurses owns: it addresses
/// cells from its origin, never erases the terminal, leaves cells covered by another window alone
/// and ends each frame where ncurses believes the cursor and attributes are.
@Suite struct WindowPainterTests {
    func painter(columns: Int = 6, rows: Int = 3, at origin: (Int, Int) = (2, 10)) -> TerminalScreen {
        var screen = TerminalScreen(columns: columns, rows: rows, depth: .truecolor)
        screen.clearsOnRedraw = false
        screen.origin = origin
        return screen
    }

    @Test func paintsAtItsOriginWithoutErasingTheTerminal() {
        var screen = painter()
        var replay = TerminalReplay(columns: 40, rows: 10)
        replay.feed(Array("\u{1B}[1;1Hncurses text".utf8)) // someone else's cells
        let grid = CellGrid(columns: 6, rows: 3, fill: .halfBlock(top: 0xFF0000, bottom: 0x0000FF))
        screen.draw(grid, row: 0, column: 0)
        let bytes = screen.takeFrameBytes(leavingCursorAt: (9, 0))
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\u{1B}[2J"))
        replay.feed(bytes)
        #expect(replay[0, 0].scalar == UInt32(UInt8(ascii: "n")), "the painter erased cells it does not own")
        for r in 2..<5 { for c in 10..<16 { #expect(replay.pixels(column: c, row: r) == (0xFF0000, 0x0000FF)) } }
        #expect(replay[9, 2].scalar == 0x20 && replay[16, 2].scalar == 0x20)
        #expect(replay.row == 9 && replay.column == 0, "the frame did not end where ncurses' cursor is")
        #expect(replay.unknownSequences.isEmpty)
    }

    @Test func theFirstFrameSendsEveryCellAndALaterOneOnlyWhatChanged() {
        var screen = painter()
        var grid = CellGrid(columns: 6, rows: 3, fill: .text(0x20, bg: 0x000000))
        screen.draw(grid, row: 0, column: 0)
        #expect(!screen.takeFrameBytes(leavingCursorAt: (0, 0)).isEmpty) // unknown until painted, blank or not
        screen.draw(grid, row: 0, column: 0)
        #expect(screen.takeFrameBytes(leavingCursorAt: (0, 0)).isEmpty)
        grid[2, 1] = .text(0x41, fg: 0xFFFFFF, bg: 0x000000)
        screen.draw(grid, row: 0, column: 0)
        var replay = TerminalReplay(columns: 40, rows: 10)
        replay.feed(screen.takeFrameBytes(leavingCursorAt: (0, 0)))
        #expect(replay[12, 3].scalar == 0x41)
    }

    @Test func transparentCellsAreLeftAloneAndRepaintedWhenUncovered() {
        var screen = painter()
        let picture = CellGrid(columns: 6, rows: 3, fill: .halfBlock(top: 0x00FF00, bottom: 0x00FF00))
        var covered = picture
        for c in 0..<3 { covered[c, 0] = .text(Cell.transparent) } // a help box over the top-left
        screen.draw(covered, row: 0, column: 0)
        var replay = TerminalReplay(columns: 40, rows: 10)
        replay.feed(Array("\u{1B}[3;11Hbox".utf8))
        replay.feed(screen.takeFrameBytes(leavingCursorAt: (0, 0)))
        #expect(replay[10, 2].scalar == UInt32(UInt8(ascii: "b")) && replay[12, 2].scalar == UInt32(UInt8(ascii: "x")))
        // The box closes (ncurses blanks its cells): the painter paints them again.
        replay.feed(Array("\u{1B}[3;11H   ".utf8))
        screen.draw(picture, row: 0, column: 0)
        replay.feed(screen.takeFrameBytes(leavingCursorAt: (0, 0)))
        for c in 10..<13 { #expect(replay.pixels(column: c, row: 2) == (0x00FF00, 0x00FF00)) }
    }

    @Test func itSpeaksLikeATerminfoThatSendsItsSequencesAndNotOtherwise() {
        let xterm = TerminalScreen.speaksLike(colors: 256, setForeground: { n in n < 8 ? "\u{1B}[3\(n)m" : n < 16 ? "\u{1B}[9\(n - 8)m" : "\u{1B}[38;5;\(n)m" },
                                              setBackground: { n in n < 8 ? "\u{1B}[4\(n)m" : n < 16 ? "\u{1B}[10\(n - 8)m" : "\u{1B}[48;5;\(n)m" },
                                              cursorTo: { "\u{1B}[\($0 + 1);\($1 + 1)H" })
        #expect(xterm)
        let linux = TerminalScreen.speaksLike(colors: 8, setForeground: { "\u{1B}[3\($0)m" }, setBackground: { "\u{1B}[4\($0)m" },
                                              cursorTo: { "\u{1B}[\($0 + 1);\($1 + 1)H" })
        #expect(!linux)
        let colonForm = TerminalScreen.speaksLike(colors: 256, setForeground: { "\u{1B}[38:5:\($0)m" }, setBackground: { "\u{1B}[48:5:\($0)m" },
                                                  cursorTo: { "\u{1B}[\($0 + 1);\($1 + 1)H" })
        #expect(!colonForm)
    }
}

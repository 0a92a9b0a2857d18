import Render
import Testing

@Suite struct TextCellsTests {
    @Test func widthsFollowEastAsianWidthAndEmoji() {
        #expect(DisplayWidth.of("hello") == 5)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("한국") == 4)
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1) // a combining accent takes no column
        #expect(DisplayWidth.of("Ａ") == 2) // fullwidth Latin
        #expect(DisplayWidth.of("é→▀") == 3)
        #expect(DisplayWidth.of("\u{200B}") == 0)
    }

    @Test func writingPlacesWideGlyphsWithTheirTails() {
        var grid = CellGrid(columns: 6, rows: 1)
        let end = grid.write("a日b", row: 0, column: 0, fg: 1, bg: 2)
        #expect(end == 4)
        #expect(grid.cells.map(\.scalar) == [0x61, 0x65E5, Cell.wideTail, 0x62, 0x20, 0x20])
        // A wide glyph that would cross the right edge is left out, not cut in half.
        var narrow = CellGrid(columns: 3, rows: 1)
        #expect(narrow.write("ab日", row: 0, column: 0, fg: 1, bg: 2) == 2)
        #expect(narrow.cells.map(\.scalar) == [0x61, 0x62, 0x20])
        // Control characters are shown, as "?", never sent to the terminal.
        var control = CellGrid(columns: 3, rows: 1)
        control.write("\u{1B}[", row: 0, column: 0, fg: 1, bg: 2)
        #expect(control.cells.map(\.scalar) == [0x3F, 0x5B, 0x20])
    }

    @Test func wrappingCountsColumnsNotCharacters() {
        #expect(TextWrap.lines("hello world again", width: 11) == ["hello world", "again"])
        #expect(TextWrap.lines("日本語のテキスト", width: 6) == ["日本語", "のテキ", "スト"])
        #expect(TextWrap.lines("a 日本語", width: 5) == ["a 日", "本語"]) // too long for a line of its own: broken where it is
        #expect(TextWrap.lines("a 日本", width: 4) == ["a", "日本"])
        #expect(TextWrap.lines("https://example.com/a/long/path", width: 10) == ["https://ex", "ample.com/", "a/long/pat", "h"])
        #expect(TextWrap.lines("", width: 10) == [""])
        for line in TextWrap.lines("x 😀😀😀 yy 日本 z", width: 5) { #expect(DisplayWidth.of(line) <= 5) }
    }

    @Test func anInputLineShowsTheEndThatFits() {
        #expect(TextWrap.suffix("abcdef", fitting: 3) == "def")
        #expect(TextWrap.suffix("日本語", fitting: 5) == "本語")
        #expect(TextWrap.suffix("ab", fitting: 5) == "ab")
    }

    @Test func theScreenDrawsAWideGlyphOnceAndRepairsWhatOverwritingHalfOfItBlanks() {
        var screen = TerminalScreen(columns: 6, rows: 1, depth: .truecolor)
        var replay = TerminalReplay(columns: 6, rows: 1)
        var grid = CellGrid(columns: 6, rows: 1)
        grid.write("日本語", row: 0, column: 0, fg: 0xFFFFFF, bg: 0)
        screen.draw(grid, row: 0, column: 0)
        let bytes = screen.takeFrameBytes()
        replay.feed(bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains("日本語"))
        // Shift the text one column: every old glyph is half-overwritten.
        var shifted = CellGrid(columns: 6, rows: 1)
        shifted.write("x日本", row: 0, column: 0, fg: 0xFFFFFF, bg: 0)
        screen.draw(shifted, row: 0, column: 0)
        replay.feed(screen.takeFrameBytes())
        #expect(replay.unknownSequences.isEmpty)
        #expect(replay.cells.map(\.scalar) == shifted.cells.map(\.scalar))
        // Drawing only the middle: the glyph left of it loses its right half on the terminal, and
        // the screen redraws that cell as a space.
        screen.draw(CellGrid(columns: 1, rows: 1, fill: .text(0x2D, fg: 0xFFFFFF, bg: 0)), row: 0, column: 2)
        replay.feed(screen.takeFrameBytes())
        for x in 0..<6 { #expect(replay[x, 0].scalar == screen.shownCell(column: x, row: 0).scalar) }
        #expect(replay[2, 0].scalar == 0x2D && replay[1, 0].scalar == 0x20)
    }
}

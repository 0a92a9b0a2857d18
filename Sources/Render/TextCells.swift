/// Text in cells: writing a string into a grid by display width, wrapping it to a width, and the
/// tail of an input line that fits. A wide character takes its cell and a `Cell.wideTail` to its
/// right; `TerminalScreen` draws the pair as one glyph.
extension CellGrid {
    /// Writes `text` from (`column`, `row`), clipped to the grid; control characters show as `?`,
    /// zero-width ones are dropped, and a wide character that would not fit at the right edge is
    /// left out. Returns the column after the last one written.
    @discardableResult
    public mutating func write(_ text: some StringProtocol, row: Int, column: Int, fg: UInt32, bg: UInt32) -> Int {
        guard row >= 0, row < rows else { return column }
        var x = column
        for scalar in text.unicodeScalars {
            var value = scalar.value
            if value < 0x20 || (0x7F..<0xA0).contains(value) { value = 0x3F }
            let width = DisplayWidth.of(value)
            if width == 0 { continue }
            if x + width > columns { break }
            if x >= 0 {
                self[x, row] = .text(value, fg: fg, bg: bg)
                if width == 2 { self[x + 1, row] = .text(Cell.wideTail, fg: fg, bg: bg) }
            }
            x += width
        }
        return x
    }

    /// Copies `grid` in at (row, column), clipped to this grid. A wide character cut in half by the
    /// clip is drawn as a space (`TerminalScreen` never shows half a glyph).
    public mutating func blit(_ grid: CellGrid, row: Int, column: Int) {
        for y in 0..<grid.rows where row + y >= 0 && row + y < rows {
            for x in 0..<grid.columns where column + x >= 0 && column + x < columns {
                self[column + x, row + y] = grid[x, y]
            }
        }
    }
}

public enum TextWrap {
    /// `text` broken into lines of at most `width` columns, at spaces where a word fits on a line
    /// of its own, else mid-word (a URL longer than the pane). Always at least one line.
    public static func lines(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var line = "", lineWidth = 0
        func newLine() { lines.append(line); line = ""; lineWidth = 0 }
        // Words with the spaces before them: "a b" is ["a", " b"].
        var words: [String] = []
        for character in text {
            if character == " " || words.isEmpty { words.append(String(character)) } else { words[words.count - 1].append(character) }
        }
        for var word in words {
            var wordWidth = DisplayWidth.of(word)
            if lineWidth + wordWidth <= width { line += word; lineWidth += wordWidth; continue }
            if lineWidth > 0, wordWidth - (word.first == " " ? 1 : 0) <= width {
                // The word moves to the next line; the space before it ends this one.
                if word.first == " " { word.removeFirst(); wordWidth -= 1 }
                newLine(); line = word; lineWidth = wordWidth; continue
            }
            for character in word {
                let w = DisplayWidth.of(character)
                if lineWidth + w > width, lineWidth > 0 { newLine() }
                line.append(character); lineWidth += w
            }
        }
        lines.append(line)
        return lines
    }

    /// The end of `text` that fits in `width` columns (an input line longer than its box shows its end).
    public static func suffix(_ text: String, fitting width: Int) -> Substring {
        var used = 0
        var start = text.endIndex
        while start > text.startIndex {
            let previous = text.index(before: start)
            let w = DisplayWidth.of(text[previous])
            if used + w > width { break }
            used += w
            start = previous
        }
        return text[start...]
    }
}

import Render

/// A one-line text field that edits the way readline does: cursor keys, Home/End (and Ctrl-A/E),
/// Backspace/Delete, Ctrl-W (the word before the cursor), Ctrl-U/Ctrl-K (to the start/end),
/// Up/Down through what was entered before. Characters are grapheme clusters, so the cursor never
/// stops inside an emoji or a letter with its accent; widths are display columns (wide glyphs).
public struct LineEditor: Sendable, Equatable {
    public private(set) var characters: [Character] = []
    /// Insertion point, 0...characters.count.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    private var historyIndex: Int?
    /// What was being typed before Up went into the history.
    private var draft: [Character] = []
    /// Longest line accepted, in characters.
    public let limit: Int

    public init(text: String = "", limit: Int = 2_000) {
        self.limit = limit
        characters = Array(text.prefix(limit))
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Applies an editing key; false when the key is not an editing key (Enter, Esc, Tab…).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case let .character(c):
            guard characters.count < limit else { return true }
            characters.insert(c, at: cursor)
            cursor += 1
        case .left, .control("b"): cursor = max(0, cursor - 1)
        case .right, .control("f"): cursor = min(characters.count, cursor + 1)
        case .home, .control("a"): cursor = 0
        case .end, .control("e"): cursor = characters.count
        case .backspace, .control("h"):
            guard cursor > 0 else { return true }
            characters.remove(at: cursor - 1)
            cursor -= 1
        case .delete, .control("d"):
            guard cursor < characters.count else { return true }
            characters.remove(at: cursor)
        case .control("w"):
            var start = cursor
            while start > 0, characters[start - 1].isWhitespace { start -= 1 }
            while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
            characters.removeSubrange(start..<cursor)
            cursor = start
        case .control("u"):
            characters.removeSubrange(0..<cursor)
            cursor = 0
        case .control("k"):
            characters.removeSubrange(cursor...)
        case .up:
            guard !history.isEmpty else { return true }
            if historyIndex == nil { draft = characters }
            let i = max(0, (historyIndex ?? history.count) - 1)
            historyIndex = i
            characters = Array(history[i])
            cursor = characters.count
        case .down:
            guard let i = historyIndex else { return true }
            if i + 1 < history.count {
                historyIndex = i + 1
                characters = Array(history[i + 1])
            } else {
                historyIndex = nil
                characters = draft
            }
            cursor = characters.count
        default:
            return false
        }
        return true
    }

    /// The line is done (sent): it goes into the history and the field empties.
    public mutating func commit() -> String {
        let line = text
        if !line.isEmpty, history.last != line { history.append(line) }
        characters = []
        cursor = 0
        historyIndex = nil
        draft = []
        return line
    }

    /// Replaces the whole line (a setting shown for editing).
    public mutating func set(_ text: String) {
        characters = Array(text.prefix(limit))
        cursor = characters.count
        historyIndex = nil
    }

    /// The part of the line a field `width` columns wide shows, scrolled so the cursor is inside,
    /// and the cursor's column in it.
    public func view(width: Int) -> (text: String, cursorColumn: Int) {
        guard width > 1 else { return ("", 0) }
        let widths = characters.map { DisplayWidth.of($0) }
        var start = 0
        var beforeCursor = widths[0..<cursor].reduce(0, +)
        // Keep one column for the cursor itself after the last character.
        while beforeCursor > width - 1, start < cursor {
            beforeCursor -= widths[start]
            start += 1
        }
        var shown = "", used = 0
        for i in start..<characters.count {
            if used + widths[i] > width { break }
            shown.append(characters[i])
            used += widths[i]
        }
        return (shown, beforeCursor)
    }
}

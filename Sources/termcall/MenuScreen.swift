import Foundation
import Render
import TUI

/// A full-screen list: the lobby, its forms and the device menu. Up/Down move; Left/Right (or
/// Space) change a choice; Enter picks an action or edits a text field (which edits like a
/// readline line); q or Esc leaves. A click picks an item, the wheel moves. Drawn as ncurses
/// windows: the list, and a live side panel (the device menu's camera picture and mic level).
struct MenuScreen {
    struct Item {
        enum Kind {
            case action
            /// One of `options` (values), shown with their labels.
            case choice(options: [(value: String, label: String)])
            case text
            /// A text field whose value is never shown (a passphrase): one • per character.
            case secret
        }
        var id: String
        var label: String
        var kind: Kind
        var value: String = ""

        var isText: Bool {
            switch kind {
            case .text, .secret: return true
            default: return false
            }
        }
    }

    enum Outcome { case picked(String), back, interrupted(Int32) }

    let session: TerminalSession
    var title: String
    var footer: String
    var items: [Item]
    var selected = 0
    /// The field being edited, while one is.
    var editor: LineEditor?
    /// A live panel at the right (the device menu's camera picture and mic level), redrawn ~10
    /// times a second; it gets the current items and the panel's size.
    var sidePanel: (([Item], Int, Int) -> CellGrid)?

    static let firstItemRow = 3, itemColumn = 3

    init(session: TerminalSession, title: String, footer: String, items: [Item]) {
        self.session = session
        self.title = title
        self.footer = footer
        self.items = items
    }

    func value(_ id: String) -> String { items.first { $0.id == id }?.value ?? "" }

    mutating func run() -> Outcome {
        present()
        while true {
            session.wait(milliseconds: sidePanel == nil ? 250 : 100)
            if let signal = session.receivedSignal { return .interrupted(signal) }
            guard session.flushFrames() else { return .back }
            if session.inputClosed { return .back }
            for key in session.keys() {
                if let outcome = handle(key) { return outcome }
            }
            if !session.frames.isBacklogged { present() }
        }
    }

    private mutating func handle(_ key: Key) -> Outcome? {
        if editor != nil {
            switch key {
            case .enter, .escape, .tab:
                items[selected].value = editor!.text
                editor = nil
            case .interrupt: return .interrupted(SIGINT)
            case .mouse: items[selected].value = editor!.text; editor = nil; return handle(key)
            default: editor!.handle(key)
            }
            return nil
        }
        switch key {
        case .up, .character("k"), .backTab: selected = (selected + items.count - 1) % items.count
        case .down, .character("j"), .tab: selected = (selected + 1) % items.count
        case .home: selected = 0
        case .end: selected = items.count - 1
        case .left, .right, .character(" "):
            if case let .choice(options) = items[selected].kind, !options.isEmpty {
                let at = options.firstIndex { $0.value == items[selected].value } ?? 0
                let step = key == .left ? options.count - 1 : 1
                items[selected].value = options[(at + step) % options.count].value
            }
        case .enter: return activate()
        case let .mouse(event):
            switch event.kind {
            case .wheelUp: return handle(.up)
            case .wheelDown: return handle(.down)
            case .press, .secondaryPress:
                let i = event.row - Self.firstItemRow
                guard i >= 0, i < items.count, event.column >= Self.itemColumn else { return nil }
                selected = i
                return activate()
            }
        case .character("q"), .escape: return .back
        case .interrupt: return .interrupted(SIGINT)
        default: break
        }
        return nil
    }

    private mutating func activate() -> Outcome? {
        switch items[selected].kind {
        case .action: return .picked(items[selected].id)
        case .text, .secret: editor = LineEditor(text: items[selected].value, limit: 200)
        case .choice: return handle(.right)
        }
        return nil
    }

    private mutating func present() {
        guard let size = session.size(), size.columns > 0, size.rows > 0 else { return }
        let bg: UInt32 = 0x101418
        var grid = CellGrid(columns: size.columns, rows: size.rows, fill: .text(0x20, fg: 0xD0D0D0, bg: bg))
        grid.write(title, row: 1, column: Self.itemColumn, fg: 0x7FC4F0, bg: bg)
        for (i, item) in items.enumerated() {
            let row = Self.firstItemRow + i
            let chosen = i == selected
            let marker = chosen ? "›" : " "
            var text = "\(marker) \(item.label)"
            let fieldColumn = 22
            switch item.kind {
            case .action: break
            case let .choice(options):
                let label = options.first { $0.value == item.value }?.label ?? item.value
                text = text.padding(toLength: fieldColumn, withPad: " ", startingAt: 0) + "‹ \(label) ›"
            case .text, .secret:
                text = text.padding(toLength: fieldColumn, withPad: " ", startingAt: 0)
                let width = max(2, size.columns - Self.itemColumn - fieldColumn - 2)
                let value = chosen && editor != nil ? editor!.text : item.value
                let hidden = { (s: String) in String(repeating: "•", count: s.count) }
                if chosen, let editor {
                    var shown = editor.view(width: width)
                    if case .secret = item.kind { shown.text = hidden(shown.text) }
                    grid.write(text, row: row, column: Self.itemColumn, fg: 0xFFFFFF, bg: 0x2A3A4A)
                    let start = Self.itemColumn + fieldColumn
                    grid.write(shown.text, row: row, column: start, fg: 0xFFFFFF, bg: 0x2A3A4A)
                    // The cursor: the cell under it in reverse colours.
                    let at = start + shown.cursorColumn
                    if at < size.columns {
                        let under = grid[at, row]
                        grid[at, row] = .text(under.scalar == Cell.wideTail ? 0x20 : under.scalar, fg: 0x2A3A4A, bg: 0xFFFFFF)
                    }
                    continue
                }
                if case .secret = item.kind { text += hidden(value) } else { text += String(TextWrap.suffix(value, fitting: width)) }
            }
            grid.write(text, row: row, column: Self.itemColumn, fg: chosen ? 0xFFFFFF : 0xB0B0B0, bg: chosen ? 0x2A3A4A : bg)
        }
        grid.write(editor != nil ? "type; ←→ Home End move, Ctrl-W deletes a word, Enter done" : footer,
                   row: size.rows - 1, column: 1, fg: 0x808080, bg: bg)
        var layers = [ScreenLayer(name: "menu", row: 0, column: 0, grid: grid)]
        if let sidePanel, size.columns >= 100, size.rows >= 16 {
            let columns = min(60, size.columns - 64), rows = min(24, size.rows - 4)
            layers.append(ScreenLayer(name: "menu.side", row: 2, column: size.columns - columns - 2,
                                      grid: sidePanel(items, columns, rows), isVideo: true))
        }
        session.present(layers)
    }
}

import Foundation
import Render
import TUI

/// A full-screen list: the lobby and the device menu. Up/Down move; Left/Right (or Space) change
/// a choice; Enter picks an action or edits a text field; q or Esc leaves. Drawn through the same
/// damage-map screen as the video.
struct MenuScreen {
    struct Item {
        enum Kind {
            case action
            /// One of `options` (values), shown with their labels.
            case choice(options: [(value: String, label: String)])
            case text
        }
        var id: String
        var label: String
        var kind: Kind
        var value: String = ""
    }

    enum Outcome { case picked(String), back, interrupted(Int32) }

    let session: TerminalSession
    var title: String
    var footer: String
    var items: [Item]
    var selected = 0
    var editing = false
    var screen: TerminalScreen
    var keys = KeyDecoder()
    /// A live panel at the right (the device menu's camera picture and mic level), redrawn ~10
    /// times a second; it gets the current items and the panel's size.
    var sidePanel: (([Item], Int, Int) -> CellGrid)?

    init(session: TerminalSession, title: String, footer: String, items: [Item], depth: ColorDepth) {
        self.session = session
        self.title = title
        self.footer = footer
        self.items = items
        let size = session.size() ?? (80, 24)
        screen = TerminalScreen(columns: size.columns, rows: size.rows, depth: depth)
        screen.invalidate()
    }

    func value(_ id: String) -> String { items.first { $0.id == id }?.value ?? "" }

    mutating func run() -> Outcome {
        var fds = [pollfd(fd: session.input, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: session.interruptDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: session.output, events: 0, revents: 0)]
        var bytes = [UInt8](repeating: 0, count: 256)
        draw()
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            // A previous screen (a call's video) may have left bytes the terminal has not taken:
            // keep writing them, or this menu's first frame waits behind them for ever.
            fds[2].events = session.frames.isBacklogged ? Int16(POLLOUT) : 0
            _ = poll(&fds, nfds_t(fds.count), sidePanel == nil ? 250 : 100)
            if let signal = session.receivedSignal { return .interrupted(signal) }
            if session.frames.isBacklogged, !session.frames.flush() { return .back }
            if let size = session.size(), size.columns != screen.columns || size.rows != screen.rows {
                screen.resize(columns: size.columns, rows: size.rows)
                draw()
            }
            guard fds[0].revents & Int16(POLLIN | POLLHUP) != 0 else {
                if sidePanel != nil { draw() }
                continue
            }
            let n = read(session.input, &bytes, bytes.count)
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { return .back }
            for key in keys.feed(Array(bytes.prefix(max(0, n)))) {
                if let outcome = handle(key) { return outcome }
            }
            draw()
        }
    }

    private mutating func handle(_ key: Key) -> Outcome? {
        if editing {
            switch key {
            case .enter, .escape, .tab: editing = false
            case .backspace: if !items[selected].value.isEmpty { items[selected].value.removeLast() }
            case let .character(c): if items[selected].value.count < 200 { items[selected].value.append(c) }
            case .interrupt: return .interrupted(SIGINT)
            default: break
            }
            return nil
        }
        switch key {
        case .up, .character("k"): selected = (selected + items.count - 1) % items.count
        case .down, .character("j"), .tab: selected = (selected + 1) % items.count
        case .left, .right, .character(" "):
            if case let .choice(options) = items[selected].kind, !options.isEmpty {
                let at = options.firstIndex { $0.value == items[selected].value } ?? 0
                let step = key == .left ? options.count - 1 : 1
                items[selected].value = options[(at + step) % options.count].value
            }
        case .enter:
            switch items[selected].kind {
            case .action: return .picked(items[selected].id)
            case .text: editing = true
            case .choice: return handle(.right)
            }
        case .character("q"), .escape: return .back
        case .interrupt: return .interrupted(SIGINT)
        default: break
        }
        return nil
    }

    private mutating func draw() {
        let bg: UInt32 = 0x101418
        var grid = CellGrid(columns: screen.columns, rows: screen.rows, fill: .text(0x20, fg: 0xD0D0D0, bg: bg))
        put(title, into: &grid, row: 1, column: 3, fg: 0x7FC4F0, bg: bg)
        for (i, item) in items.enumerated() {
            let row = 3 + i
            let chosen = i == selected
            let marker = chosen ? "›" : " "
            var text = "\(marker) \(item.label)"
            switch item.kind {
            case .action: break
            case let .choice(options):
                let label = options.first { $0.value == item.value }?.label ?? item.value
                text = text.padding(toLength: 22, withPad: " ", startingAt: 0) + "‹ \(label) ›"
            case .text:
                text = text.padding(toLength: 22, withPad: " ", startingAt: 0) + item.value + (editing && chosen ? "▏" : "")
            }
            put(text, into: &grid, row: row, column: 3, fg: chosen ? 0xFFFFFF : 0xB0B0B0, bg: chosen ? 0x2A3A4A : bg)
        }
        put(editing ? "type, Enter done" : footer, into: &grid, row: screen.rows - 1, column: 1, fg: 0x808080, bg: bg)
        if let sidePanel, screen.columns >= 100, screen.rows >= 16 {
            let columns = min(60, screen.columns - 64), rows = min(24, screen.rows - 4)
            grid.blit(sidePanel(items, columns, rows), row: 2, column: screen.columns - columns - 2)
        }
        screen.draw(grid, row: 0, column: 0)
        session.frames.send(screen.takeFrameBytes())
    }

    private func put(_ text: String, into grid: inout CellGrid, row: Int, column: Int, fg: UInt32, bg: UInt32) {
        grid.write(text, row: row, column: column, fg: fg, bg: bg)
    }
}

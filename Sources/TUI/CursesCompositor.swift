import CNCurses
import Render

/// One rectangle of a screen: its cells and where they go. Layers are given bottom to top; each
/// becomes an ncurses window in a panel, so the panel library decides what covers what.
public struct ScreenLayer: Sendable {
    /// Identity across frames: the same name keeps its window (only its changed cells are drawn).
    public var name: String
    public var row: Int
    public var column: Int
    public var grid: CellGrid
    /// A picture: painted by the damage-map writer where its sequences are the terminal's.
    public var isVideo: Bool

    public init(name: String, row: Int, column: Int, grid: CellGrid, isVideo: Bool = false) {
        self.name = name
        self.row = row
        self.column = column
        self.grid = grid
        self.isVideo = isVideo
    }
}

/// Who paints the pictures on this terminal.
public enum VideoPath: String, Sendable {
    /// ncurses, like everything else: it can express the colours (direct colour, a palette, none).
    case curses
    /// The damage-map writer inside the picture's window: truecolor (`COLORTERM=truecolor` on an
    /// xterm-256color entry, the common case, or a direct-colour entry), or a palette on a
    /// terminal whose terminfo sends the writer's own sequences.
    case writer
}

/// Puts screen layers on the terminal through ncurses windows and panels. Each window remembers
/// the cells it was given, so only cells that visibly changed (`CellDamage`) reach ncurses; ncurses
/// then sends what differs from the terminal. One owner: the `TerminalSession`.
final class CursesCompositor {
    private final class Pane {
        let window: UnsafeMutablePointer<WINDOW>
        let panel: UnsafeMutablePointer<PANEL>
        var row: Int, column: Int
        let rows: Int, columns: Int
        /// What the window shows (displayed colours); `unknownCell` forces a draw.
        var shown: [Cell]
        var pairs: [Int32]

        init?(row: Int, column: Int, rows: Int, columns: Int) {
            guard let window = newwin(Int32(rows), Int32(columns), Int32(row), Int32(column)) else { return nil }
            guard let panel = new_panel(window) else { delwin(window); return nil }
            self.window = window
            self.panel = panel
            self.row = row
            self.column = column
            self.rows = rows
            self.columns = columns
            shown = [Cell](repeating: .blank, count: rows * columns)
            pairs = [Int32](repeating: 0, count: rows * columns)
        }
    }

    static let unknownCell = Cell(scalar: 0xFFFF_FFFF, fg: Cell.defaultColor, bg: Cell.defaultColor)

    private let colorPairs: CursesColorPairs
    private var panes: [String: Pane] = [:]
    private var order: [String] = []
    /// The colours asked for; ncurses content gets as many of them as the terminal can show.
    var depth: ColorDepth { didSet { if depth != oldValue { repaintEverything() } } }
    var threshold: Int
    /// Paints pictures where its sequences are the terminal's (`videoPath`).
    private var writer: TerminalScreen?
    private var writerPane: String?
    /// Set when ncurses must repaint the whole terminal at the next refresh (a resize, a path change).
    private var fullRepaint = true

    /// The terminal's terminfo speaks the writer's palette sequences (`TerminalSession.writerSpeaksTerminfo`).
    let writerSpeaksTerminfo: Bool
    var forcedVideoPath: VideoPath?

    init(colorPairs: CursesColorPairs, depth: ColorDepth, threshold: Int, writerSpeaksTerminfo: Bool) {
        self.colorPairs = colorPairs
        self.writerSpeaksTerminfo = writerSpeaksTerminfo
        self.depth = depth
        self.threshold = threshold
    }

    var videoPath: VideoPath {
        if let forcedVideoPath { return forcedVideoPath }
        // Measured (BENCHMARKS.md, "The screen through ncurses"): on the same frames the writer
        // sends 0.67x ncurses' bytes in truecolor (xterm-direct) and 0.62x in 256 colours, in
        // under 0.7x the time — it joins fg and bg in one SGR, swaps ▀/▄ to save colour changes and
        // never churns colour pairs. So the writer paints wherever its sequences are the
        // terminal's: truecolor (asked for, or terminfo's direct colour), and palettes when
        // terminfo's setaf/setab/cup are the ones it sends. Elsewhere (the Linux console, vt100,
        // no colour) ncurses paints the picture as terminfo says.
        switch depth {
        case .truecolor: return .writer
        case .palette256, .palette16: return writerSpeaksTerminfo ? .writer : .curses
        case .none: return .curses
        }
    }

    /// The depth ncurses draws its cells at.
    private var cursesDepth: ColorDepth {
        let deepest = colorPairs.deepest
        let order: [ColorDepth] = [.none, .palette16, .palette256, .truecolor]
        return order[min(order.firstIndex(of: depth)!, order.firstIndex(of: deepest)!)]
    }

    /// The terminal changed size or someone else drew: repaint all of it at the next `present`.
    func repaintEverything() {
        fullRepaint = true
        for pane in panes.values { forget(pane) }
        writer?.invalidate()
    }

    /// Draws `layers` into their windows and refreshes; returns the writer's bytes for the
    /// pictures, to go to the terminal after ncurses' own (nil when ncurses painted everything).
    func present(_ layers: [ScreenLayer]) -> [UInt8] {
        let names = layers.map(\.name)
        for name in panes.keys where !names.contains(name) { remove(name) }
        var restacked = names != order
        for layer in layers {
            let rows = layer.grid.rows, columns = layer.grid.columns
            if let pane = panes[layer.name], pane.rows == rows, pane.columns == columns {
                if pane.row != layer.row || pane.column != layer.column {
                    move_panel(pane.panel, Int32(layer.row), Int32(layer.column))
                    pane.row = layer.row
                    pane.column = layer.column
                }
                continue
            }
            remove(layer.name)
            guard rows > 0, columns > 0, let pane = Pane(row: layer.row, column: layer.column, rows: rows, columns: columns) else { continue }
            panes[layer.name] = pane
            restacked = true
        }
        if restacked {
            for name in names { if let pane = panes[name] { top_panel(pane.panel) } }
            order = names
        }
        let path = videoPath
        let damage = CellDamage(depth: cursesDepth, threshold: threshold)
        var picture: (index: Int, layer: ScreenLayer)?
        for (index, layer) in layers.enumerated() {
            guard let pane = panes[layer.name] else { continue }
            if layer.isVideo, path == .writer {
                if picture == nil { picture = (index, layer) }
                continue
            }
            paint(layer.grid, into: pane, damage: damage)
        }
        if picture == nil, writer != nil {
            // The writer's cells are still on the terminal, unknown to ncurses: repaint them.
            writer = nil
            writerPane = nil
            fullRepaint = true
        }
        if fullRepaint {
            clearok(tc_curscr(), true)
            writer?.invalidate()
            fullRepaint = false
        }
        update_panels()
        doupdate()
        guard let (index, layer) = picture else { return [] }
        return paintPicture(layer, under: layers[(index + 1)...])
    }

    /// The writer's frame for `layer`: cells under any layer above it are left to ncurses.
    private func paintPicture(_ layer: ScreenLayer, under above: ArraySlice<ScreenLayer>) -> [UInt8] {
        let rows = layer.grid.rows, columns = layer.grid.columns
        if writer == nil || writer!.depth != depth || writer!.columns != columns || writer!.rows != rows || writerPane != layer.name
            || writer!.origin != (layer.row, layer.column) {
            var screen = TerminalScreen(columns: columns, rows: rows, depth: depth == .none ? .palette16 : depth, threshold: threshold)
            screen.clearsOnRedraw = false
            screen.origin = (layer.row, layer.column)
            writer = screen
            writerPane = layer.name
        }
        var grid = layer.grid
        for cover in above {
            let top = max(cover.row, layer.row), bottom = min(cover.row + cover.grid.rows, layer.row + rows)
            let left = max(cover.column, layer.column), right = min(cover.column + cover.grid.columns, layer.column + columns)
            guard top < bottom, left < right else { continue }
            for r in top..<bottom {
                for c in left..<right { grid[c - layer.column, r - layer.row] = .text(Cell.transparent) }
            }
        }
        writer!.draw(grid, row: 0, column: 0)
        var y: Int32 = 0, x: Int32 = 0
        tc_getyx(tc_curscr(), &y, &x)
        return writer!.takeFrameBytes(leavingCursorAt: (Int(y), Int(x)))
    }

    private func paint(_ grid: CellGrid, into pane: Pane, damage: CellDamage) {
        let depth = damage.depth
        var text: [wchar_t] = [0, 0]
        for y in 0..<grid.rows {
            let rowStart = y * grid.columns
            var x = 0
            while x < grid.columns {
                defer { x += 1 }
                let i = rowStart + x
                var want = grid.cells[i]
                if want.scalar == Cell.transparent { want = .blank }
                if want.scalar == Cell.wideTail {
                    // Drawn with its glyph; alone (the glyph clipped) it is a space.
                    if x > 0, DisplayWidth.isWide(grid.cells[i - 1].scalar) { continue }
                    want.scalar = 0x20
                }
                var wide = false
                if DisplayWidth.isWide(want.scalar) {
                    if x + 1 < grid.columns, grid.cells[i + 1].scalar == Cell.wideTail { wide = true } else { want.scalar = 0x20 }
                }
                guard damage.differs(want, pane.shown[i]) || (wide && pane.shown[i + 1].scalar != Cell.wideTail) else { continue }
                let fg = damage.display(want.fg), bg = damage.display(want.bg)
                // Fewer distinct pairs: a half block whose halves match is a space in that colour,
                // and a pair is always (lower, higher) with ▀ or ▄ choosing which half is which.
                var glyph = want.scalar, pairFg = fg, pairBg = bg
                // (Text keeps its pair across the spaces between words.)
                if want.scalar == Cell.upperHalf {
                    if fg == bg { glyph = 0x20 } else if fg > bg { glyph = Cell.lowerHalf; pairFg = bg; pairBg = fg }
                }
                let (pair, attributes) = colorPairs.retain(fg: pairFg, bg: pairBg, depth: depth)
                colorPairs.release(pane.pairs[i])
                pane.pairs[i] = pair
                text[0] = wchar_t(bitPattern: glyph)
                _ = tc_put_cell(pane.window, Int32(y), Int32(x), text, attributes, pair)
                pane.shown[i] = Cell(scalar: want.scalar, fg: want.scalar == 0x20 ? damage.display(want.fg) : fg, bg: bg)
                if wide {
                    colorPairs.release(pane.pairs[i + 1])
                    pane.pairs[i + 1] = 0
                    pane.shown[i + 1] = Cell(scalar: Cell.wideTail, fg: fg, bg: bg)
                    x += 1
                }
            }
        }
    }

    private func forget(_ pane: Pane) {
        for i in pane.shown.indices { pane.shown[i] = Self.unknownCell }
    }

    private func remove(_ name: String) {
        guard let pane = panes.removeValue(forKey: name) else { return }
        for pair in pane.pairs { colorPairs.release(pair) }
        del_panel(pane.panel)
        delwin(pane.window)
        if writerPane == name { writer = nil; writerPane = nil; fullRepaint = true }
    }

    /// Every window gone (the session ends).
    func removeAll() {
        for name in Array(panes.keys) { remove(name) }
        order = []
    }
}

/// A model of what the terminal currently shows, and the encoder that brings it up to date.
///
/// Callers `draw` the cells they want (a video pane, a status line); `takeFrameBytes` returns the
/// escape sequences for just the cells that differ visibly from what is on screen, wrapped in a
/// synchronized update (`CSI ?2026 h/l`) so the terminal never shows half a frame. A static frame
/// therefore costs zero bytes. The SGR state and cursor position are tracked across cells and frames
/// so colours are only re-sent when they change and unchanged runs are skipped with cursor moves.
public struct TerminalScreen: Sendable {
    public private(set) var columns: Int
    public private(set) var rows: Int
    /// When a cell is sent again, and the colours the terminal shows.
    public var damage: CellDamage
    public var depth: ColorDepth {
        get { damage.depth }
        set { damage.depth = newValue }
    }
    public var threshold: Int {
        get { damage.threshold }
        set { damage.threshold = newValue }
    }
    /// Where this screen's top-left cell is on the terminal. Not (0, 0) when it paints one window's
    /// rectangle of a screen that ncurses owns (`clearsOnRedraw` false).
    public var origin: (row: Int, column: Int) = (0, 0)
    /// A full redraw starts by erasing the terminal (this screen is the whole terminal); when false
    /// it repaints every cell of its rectangle instead and leaves the rest of the terminal alone.
    public var clearsOnRedraw = true

    /// Displayed colours (after quantisation) of every cell; valid when `shownValid`.
    private var shown: [Cell]
    private var shownValid = false
    private var attributesFg: UInt32?
    private var attributesBg: UInt32?
    private var cursorRow = -1, cursorColumn = -1
    private var pending: [UInt8] = []
    private var pendingCells = 0

    public struct Statistics: Sendable, Equatable {
        public var frames = 0
        public var cellsSent = 0
        public var bytes = 0
    }
    public private(set) var statistics = Statistics()

    public init(columns: Int, rows: Int, depth: ColorDepth, threshold: Int = 6) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        damage = CellDamage(depth: depth, threshold: threshold)
        shown = [Cell](repeating: .blank, count: self.columns * self.rows)
        pending.reserveCapacity(64 * 1024)
    }

    /// A new terminal size: the next frame starts by clearing the screen and redraws everything.
    public mutating func resize(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        shown = [Cell](repeating: .blank, count: self.columns * self.rows)
        invalidate()
    }

    /// Forget what is on screen (someone else drew, or the colour depth changed): full redraw next.
    public mutating func invalidate() {
        shownValid = false
        attributesFg = nil
        attributesBg = nil
        cursorRow = -1
    }

    /// What the terminal shows at a position (displayed colours), for tests and quality measurements.
    public func shownCell(column: Int, row: Int) -> Cell { shown[row * columns + column] }

    /// Queues the changes needed to show `grid` with its top-left corner at (`row`, `column`).
    /// Parts outside the screen are clipped.
    public mutating func draw(_ grid: CellGrid, row: Int, column: Int) {
        guard columns > 0, rows > 0 else { return }
        if !shownValid { beginFullRedraw() }
        for r in 0..<grid.rows {
            let y = row + r
            guard y >= 0, y < rows else { continue }
            let rowStart = r * grid.columns
            var c = 0
            while c < grid.columns {
                defer { c += 1 }
                let x = column + c
                var want = grid.cells[rowStart + c]
                if want.scalar == Cell.transparent {
                    // Someone else's cell (a window over this one): not ours to paint, and unknown
                    // once it is ours again.
                    if x >= 0, x < columns { shown[y * columns + x].scalar = Self.unknown }
                    continue
                }
                if want.scalar == Cell.wideTail {
                    // Drawn with its glyph; alone (its glyph clipped or overwritten) it is a space.
                    if c > 0, x > 0, DisplayWidth.isWide(grid.cells[rowStart + c - 1].scalar) { continue }
                    want.scalar = 0x20
                }
                guard x >= 0, x < columns else { continue }
                let index = y * columns + x
                if DisplayWidth.isWide(want.scalar) {
                    if c + 1 < grid.columns, x + 1 < columns, grid.cells[rowStart + c + 1].scalar == Cell.wideTail {
                        if differs(want, shown[index]) || shown[index + 1].scalar != Cell.wideTail {
                            put(want, row: y, column: x, index: index)
                        }
                        continue
                    }
                    want.scalar = 0x20 // half a wide glyph cannot be shown
                }
                if differs(want, shown[index]) {
                    put(want, row: y, column: x, index: index)
                }
            }
        }
        // Cells the terminal blanked because half of their wide glyph was overwritten: show what
        // the grid wants there, or a space outside it.
        while let index = blanked.popLast() {
            guard shown[index].scalar == Self.unknown else { continue }
            let y = index / columns, x = index % columns
            let r = y - row, c = x - column
            var want = Cell(scalar: 0x20, fg: Cell.defaultColor, bg: Cell.defaultColor)
            if r >= 0, r < grid.rows, c >= 0, c < grid.columns {
                want = grid.cells[r * grid.columns + c]
                if want.scalar == Cell.wideTail || DisplayWidth.isWide(want.scalar) { want.scalar = 0x20 }
            }
            put(want, row: y, column: x, index: index)
        }
    }

    /// A `shown` scalar that matches nothing: the terminal blanked the cell and we redraw it.
    static let unknown: UInt32 = 0xFFFF_FFFF
    private var blanked: [Int] = []

    /// The bytes for everything drawn since the last call, in one synchronized update; empty when
    /// nothing visible changed.
    ///
    /// `leavingCursorAt` (terminal row and column) ends the frame with default attributes and the
    /// cursor there: where ncurses believes them to be, when this screen paints inside its screen.
    public mutating func takeFrameBytes(leavingCursorAt cursor: (row: Int, column: Int)? = nil) -> [UInt8] {
        guard !pending.isEmpty else { return [] }
        if let cursor {
            pending += Array("\u{1B}[0m".utf8)
            attributesFg = Cell.defaultColor
            attributesBg = Cell.defaultColor
            // Absolute, so the next frame's first move does not depend on where ncurses left it.
            pending += [0x1B, 0x5B]
            appendNumber(cursor.row + 1)
            pending.append(0x3B)
            appendNumber(cursor.column + 1)
            pending.append(0x48)
            cursorRow = -1
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(pending.count + 16)
        frame += Self.syncBegin
        frame += pending
        frame += Self.syncEnd
        statistics.frames += 1
        statistics.cellsSent += pendingCells
        statistics.bytes += frame.count
        pending.removeAll(keepingCapacity: true)
        pendingCells = 0
        return frame
    }

    /// True when a terminal's own sequences (terminfo's setaf, setab and cup, given as functions)
    /// are the ones this writer sends for palette colours and cursor motion: ECMA-48 SGR 30–37 and
    /// 90–97 (40–47, 100–107), `38;5`/`48;5` with 256 colours, CUP.
    public static func speaksLike(colors: Int, setForeground: (Int) -> String, setBackground: (Int) -> String,
                                  cursorTo: (Int, Int) -> String) -> Bool {
        guard colors >= 16 else { return false }
        var pairs = [(setForeground(1), "\u{1B}[31m"), (setForeground(9), "\u{1B}[91m"),
                     (setBackground(1), "\u{1B}[41m"), (setBackground(9), "\u{1B}[101m"), (cursorTo(4, 9), "\u{1B}[5;10H")]
        if colors >= 256 { pairs += [(setForeground(200), "\u{1B}[38;5;200m"), (setBackground(200), "\u{1B}[48;5;200m")] }
        return pairs.allSatisfy { $0.0 == $0.1 }
    }

    static let syncBegin: [UInt8] = Array("\u{1B}[?2026h".utf8)
    static let syncEnd: [UInt8] = Array("\u{1B}[?2026l".utf8)

    @inline(__always)
    private func differs(_ want: Cell, _ have: Cell) -> Bool { damage.differs(want, have) }

    @inline(__always)
    func display(_ c: UInt32) -> UInt32 { damage.display(c) }

    // MARK: emission

    private mutating func beginFullRedraw() {
        pending += Array((clearsOnRedraw ? "\u{1B}[0m\u{1B}[2J" : "\u{1B}[0m").utf8)
        attributesFg = Cell.defaultColor
        attributesBg = Cell.defaultColor
        cursorRow = -1
        let start = clearsOnRedraw ? Cell.blank : Cell(scalar: Self.unknown, fg: Cell.defaultColor, bg: Cell.defaultColor)
        for i in shown.indices { shown[i] = start }
        blanked.removeAll()
        shownValid = true
    }

    private mutating func put(_ want: Cell, row: Int, column: Int, index: Int) {
        let wide = want.scalar != Cell.upperHalf && DisplayWidth.isWide(want.scalar)
        // Overwriting half of a wide glyph on screen makes the terminal blank its other half.
        if shown[index].scalar == Cell.wideTail, column > 0 { forget(index - 1) }
        let last = index + (wide ? 1 : 0)
        if column + (wide ? 1 : 0) + 1 < columns, DisplayWidth.isWide(shown[last].scalar), shown[last + 1].scalar == Cell.wideTail {
            forget(last + 1)
        }
        moveCursor(row: row, column: column)
        let fg = display(want.fg), bg = display(want.bg)
        var glyph = want.scalar
        if want.scalar == Cell.upperHalf {
            if fg == bg {
                // One colour: a full block if the foreground already matches, else a space on the background.
                if attributesFg == fg { glyph = Cell.fullBlock } else { setAttributes(fg: nil, bg: bg); glyph = 0x20 }
            } else {
                let costUpper = (attributesFg == fg ? 0 : 1) + (attributesBg == bg ? 0 : 1)
                let costLower = (attributesFg == bg ? 0 : 1) + (attributesBg == fg ? 0 : 1)
                if costLower < costUpper {
                    glyph = Cell.lowerHalf
                    setAttributes(fg: bg, bg: fg)
                } else {
                    setAttributes(fg: fg, bg: bg)
                }
            }
            shown[index] = Cell(scalar: Cell.upperHalf, fg: fg, bg: bg)
        } else {
            setAttributes(fg: want.scalar == 0x20 ? nil : fg, bg: bg)
            shown[index] = Cell(scalar: want.scalar, fg: want.scalar == 0x20 ? display(want.fg) : fg, bg: bg)
        }
        appendScalar(glyph)
        pendingCells += 1
        cursorColumn += 1
        if wide {
            shown[index + 1] = Cell(scalar: Cell.wideTail, fg: fg, bg: bg)
            cursorColumn += 1
        }
        if cursorColumn >= columns { cursorRow = -1 } // pending-wrap state differs between terminals
    }

    private mutating func forget(_ index: Int) {
        guard shown[index].scalar != Self.unknown else { return }
        shown[index] = Cell(scalar: Self.unknown, fg: Cell.defaultColor, bg: Cell.defaultColor)
        blanked.append(index)
    }

    private mutating func moveCursor(row: Int, column: Int) {
        if row == cursorRow && column == cursorColumn { return }
        if row == cursorRow && column > cursorColumn {
            let gap = column - cursorColumn
            pending += [0x1B, 0x5B]
            if gap > 1 { appendNumber(gap) }
            pending.append(0x43) // CUF
        } else {
            pending += [0x1B, 0x5B]
            appendNumber(origin.row + row + 1)
            if origin.column + column > 0 { pending.append(0x3B); appendNumber(origin.column + column + 1) }
            pending.append(0x48) // CUP
        }
        cursorRow = row
        cursorColumn = column
    }

    /// Emits one SGR with whichever of fg/bg differ from the current state (nil: leave as is).
    private mutating func setAttributes(fg: UInt32?, bg: UInt32?) {
        let fgChange = fg != nil && fg != attributesFg
        let bgChange = bg != nil && bg != attributesBg
        guard fgChange || bgChange else { return }
        pending += [0x1B, 0x5B]
        if fgChange { appendColor(fg!, background: false) }
        if fgChange && bgChange { pending.append(0x3B) }
        if bgChange { appendColor(bg!, background: true) }
        pending.append(0x6D) // m
        if fgChange { attributesFg = fg }
        if bgChange { attributesBg = bg }
    }

    private mutating func appendColor(_ c: UInt32, background: Bool) {
        if c == Cell.defaultColor {
            appendNumber(background ? 49 : 39)
            return
        }
        switch depth {
        case .truecolor:
            appendNumber(background ? 48 : 38); pending += [0x3B, 0x32, 0x3B] // ;2;
            appendNumber(RGB.r(c)); pending.append(0x3B)
            appendNumber(RGB.g(c)); pending.append(0x3B)
            appendNumber(RGB.b(c))
        case .palette256:
            appendNumber(background ? 48 : 38); pending += [0x3B, 0x35, 0x3B] // ;5;
            appendNumber(Palette.index256(c))
        case .palette16:
            let i = Palette.index16(c)
            appendNumber((background ? 40 : 30) + (i < 8 ? i : 60 + i - 8))
        case .none:
            appendNumber(background ? 49 : 39)
        }
    }

    @inline(__always)
    private mutating func appendNumber(_ n: Int) {
        if n >= 1000 { pending += Array(String(n).utf8); return }
        if n >= 100 { pending.append(UInt8(48 + n / 100)) }
        if n >= 10 { pending.append(UInt8(48 + (n / 10) % 10)) }
        pending.append(UInt8(48 + n % 10))
    }

    @inline(__always)
    private mutating func appendScalar(_ s: UInt32) {
        switch s {
        case 0..<0x80: pending.append(UInt8(s))
        case 0x80..<0x800:
            pending.append(UInt8(0xC0 | (s >> 6))); pending.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            pending.append(UInt8(0xE0 | (s >> 12))); pending.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            pending.append(UInt8(0x80 | (s & 0x3F)))
        default:
            pending.append(UInt8(0xF0 | (s >> 18))); pending.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            pending.append(UInt8(0x80 | ((s >> 6) & 0x3F))); pending.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}

/// One terminal cell as the renderer means it: a character and two colours.
///
/// Colours are 0x00RRGGBB, or `Cell.defaultColor` for the terminal's own colour. A half-block cell is
/// always stored as `▀` with fg = upper pixel and bg = lower pixel; the encoder may print it as `▄`,
/// `█` or a space when that needs fewer attribute changes — the picture is the same.
public struct Cell: Sendable, Equatable {
    public var scalar: UInt32
    public var fg: UInt32
    public var bg: UInt32

    public static let defaultColor: UInt32 = 0x0100_0000
    public static let upperHalf: UInt32 = 0x2580 // ▀
    public static let lowerHalf: UInt32 = 0x2584 // ▄
    public static let fullBlock: UInt32 = 0x2588 // █
    /// The right half of a wide character (CJK, emoji): the cell to its left holds the glyph.
    public static let wideTail: UInt32 = 0
    /// A cell another painter owns (a window over the video): `TerminalScreen` leaves it alone.
    public static let transparent: UInt32 = 0xFFFF_FFFE
    public static let blank = Cell(scalar: 0x20, fg: defaultColor, bg: defaultColor)

    public init(scalar: UInt32, fg: UInt32, bg: UInt32) {
        self.scalar = scalar
        self.fg = fg
        self.bg = bg
    }

    /// A half-block cell showing two pixels.
    public static func halfBlock(top: UInt32, bottom: UInt32) -> Cell { Cell(scalar: upperHalf, fg: top, bg: bottom) }

    /// A character with the given colours (ASCII art, status text).
    public static func text(_ scalar: UInt32, fg: UInt32 = defaultColor, bg: UInt32 = defaultColor) -> Cell {
        Cell(scalar: scalar, fg: fg, bg: bg)
    }
}

/// A rectangle of cells, row-major.
public struct CellGrid: Sendable, Equatable {
    public let columns: Int
    public let rows: Int
    public var cells: [Cell]

    public init(columns: Int, rows: Int, fill: Cell = .blank) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        cells = [Cell](repeating: fill, count: self.columns * self.rows)
    }

    public subscript(column: Int, row: Int) -> Cell {
        get { cells[row * columns + column] }
        set { cells[row * columns + column] = newValue }
    }
}

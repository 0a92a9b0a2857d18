/// A tiny terminal emulator for the subset of escape sequences `TerminalScreen` emits (CUP, CUF, SGR
/// colours, ED 2, synchronized update). Tests and the benchmark replay our bytes into it to check
/// what a real terminal would show — colours are resolved to RGB the way xterm's defaults would.
public struct TerminalReplay: Sendable {
    public let columns: Int
    public let rows: Int
    public private(set) var cells: [Cell]
    public private(set) var row = 0
    public private(set) var column = 0
    private var fg = Cell.defaultColor
    private var bg = Cell.defaultColor
    /// Sequences this replay does not understand; tests assert it stays empty.
    public private(set) var unknownSequences: [String] = []

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        cells = [Cell](repeating: .blank, count: columns * rows)
    }

    public subscript(column: Int, row: Int) -> Cell { cells[row * columns + column] }

    /// Upper and lower pixel colours of a cell, whichever glyph shows them.
    public func pixels(column: Int, row: Int) -> (top: UInt32, bottom: UInt32) {
        let c = self[column, row]
        switch c.scalar {
        case Cell.upperHalf: return (c.fg, c.bg)
        case Cell.lowerHalf: return (c.bg, c.fg)
        case Cell.fullBlock: return (c.fg, c.fg)
        default: return (c.bg, c.bg)
        }
    }

    public mutating func feed(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B, i + 1 < bytes.count, bytes[i + 1] == 0x5B {
                var j = i + 2
                while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                guard j < bytes.count else { return }
                let params = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                csi(params, final: bytes[j])
                i = j + 1
                continue
            }
            let length = b < 0x80 ? 1 : (b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2))
            guard i + length <= bytes.count else { return }
            var scalar = UInt32(b)
            if length > 1 {
                scalar = UInt32(b) & (length == 2 ? 0x1F : (length == 3 ? 0x0F : 0x07))
                for k in 1..<length { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
            }
            put(scalar)
            i += length
        }
    }

    private mutating func put(_ scalar: UInt32) {
        if scalar == 0x0A { row = min(rows - 1, row + 1); return }
        if scalar == 0x0D { column = 0; return }
        guard row < rows, column < columns else { return }
        let width = DisplayWidth.isWide(scalar) ? 2 : 1
        if width == 2, column + 1 >= columns { unknownSequences.append("wide glyph in the last column"); return }
        // Like xterm: overwriting either half of a wide glyph blanks the other half.
        let base = row * columns
        for x in column..<(column + width) {
            if cells[base + x].scalar == Cell.wideTail, x > 0 { blankHalf(base + x - 1) }
            if DisplayWidth.isWide(cells[base + x].scalar), x + 1 < columns { blankHalf(base + x + 1) }
        }
        cells[base + column] = Cell(scalar: scalar, fg: fg, bg: bg)
        if width == 2 { cells[base + column + 1] = Cell(scalar: Cell.wideTail, fg: fg, bg: bg) }
        column = min(columns, column + width)
    }

    private mutating func blankHalf(_ index: Int) {
        cells[index].scalar = 0x20
    }

    private mutating func csi(_ params: String, final: UInt8) {
        let numbers = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        switch final {
        case 0x48: // CUP
            row = max(0, (numbers.first ?? 1) - 1)
            column = max(0, (numbers.count > 1 ? numbers[1] : 1) - 1)
            if numbers.first == 0 { row = 0 }
        case 0x43: // CUF
            column = min(columns, column + max(1, numbers.first ?? 1))
        case 0x4A where params == "2": // ED: clear with the current background
            for k in cells.indices { cells[k] = Cell(scalar: 0x20, fg: fg, bg: bg) }
        case 0x68 where params.hasPrefix("?"), 0x6C where params.hasPrefix("?"): // modes (sync update, cursor, wrap)
            break
        case 0x6D: // SGR
            sgr(params.isEmpty ? [0] : numbers)
        default:
            unknownSequences.append(params + String(UnicodeScalar(final)))
        }
    }

    private mutating func sgr(_ p: [Int]) {
        var k = 0
        while k < p.count {
            let n = p[k]
            switch n {
            case 0: fg = Cell.defaultColor; bg = Cell.defaultColor
            case 30...37: fg = Palette.ansi16[n - 30]
            case 90...97: fg = Palette.ansi16[n - 90 + 8]
            case 40...47: bg = Palette.ansi16[n - 40]
            case 100...107: bg = Palette.ansi16[n - 100 + 8]
            case 39: fg = Cell.defaultColor
            case 49: bg = Cell.defaultColor
            case 38, 48:
                var color: UInt32?
                if k + 4 < p.count || (k + 2 < p.count && p[k + 1] == 5) {
                    if p[k + 1] == 2, k + 4 < p.count {
                        color = RGB.pack(UInt8(clamping: p[k + 2]), UInt8(clamping: p[k + 3]), UInt8(clamping: p[k + 4]))
                        k += 4
                    } else if p[k + 1] == 5 {
                        color = Palette.rgb256(min(255, max(0, p[k + 2])))
                        k += 2
                    }
                }
                if let color {
                    if n == 38 { fg = color } else { bg = color }
                } else {
                    unknownSequences.append("SGR \(p)")
                    return
                }
            default:
                unknownSequences.append("SGR \(n)")
            }
            k += 1
        }
    }
}

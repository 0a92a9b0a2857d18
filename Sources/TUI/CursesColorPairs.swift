import CNCurses
import Render

/// ncurses colour pairs for the cells on screen: colours mapped to the terminal's colour numbers
/// (direct RGB, 256, 16 or 8 — bright ones then bold), pairs made with `alloc_pair` and counted by
/// the cells that use them, freed when none does. A pair is never recycled while a cell still
/// shows it (ncurses would repaint that cell in the new colours).
final class CursesColorPairs {
    /// The terminal's colours (`COLORS`); direct when colour numbers are RGB values (terminfo
    /// `RGB`, as xterm-direct has).
    let colors: Int
    let direct: Bool
    private var pairByColors: [UInt64: Int32] = [:]
    private var uses: [Int32: (key: UInt64, count: Int)] = [:]

    init(colors: Int, direct: Bool) {
        self.colors = colors
        self.direct = direct
    }

    /// The deepest colour ncurses itself can show on this terminal.
    var deepest: ColorDepth {
        if direct { return .truecolor }
        if colors >= 256 { return .palette256 }
        if colors >= 8 { return .palette16 }
        return .none
    }

    /// The pair (and attribute: bold for a bright colour on an 8-colour terminal) that shows
    /// displayed colours `fg` on `bg` at `depth`, retained once; release it when the cell changes.
    func retain(fg: UInt32, bg: UInt32, depth: ColorDepth) -> (pair: Int32, attributes: attr_t) {
        guard depth != .none else { return (0, tc_a_normal()) }
        let (f, bold) = number(fg, depth: depth)
        let (b, _) = number(bg, depth: depth)
        guard f != -1 || b != -1 else { return (0, bold ? tc_a_bold() : tc_a_normal()) }
        let key = UInt64(UInt32(bitPattern: f)) << 32 | UInt64(UInt32(bitPattern: b))
        let attributes = bold ? tc_a_bold() : tc_a_normal()
        if let pair = pairByColors[key] {
            uses[pair]!.count += 1
            return (pair, attributes)
        }
        let pair = alloc_pair(f, b)
        guard pair > 0 else { return (0, attributes) } // the table is full: default colours
        if let old = uses[pair] { pairByColors[old.key] = nil } // ncurses recycled one: ours no more
        pairByColors[key] = pair
        uses[pair] = (key, 1)
        return (Int32(pair), attributes)
    }

    func release(_ pair: Int32) {
        guard pair > 0, var use = uses[pair] else { return }
        use.count -= 1
        if use.count > 0 { uses[pair] = use; return }
        uses[pair] = nil
        pairByColors[use.key] = nil
        _ = free_pair(pair)
    }

    /// A displayed colour as the terminal's colour number (-1: the terminal's default).
    private func number(_ c: UInt32, depth: ColorDepth) -> (Int32, bold: Bool) {
        if c == Cell.defaultColor { return (-1, false) }
        switch depth {
        case .truecolor where direct: return (Int32(c & 0xFF_FFFF), false)
        case .truecolor, .palette256:
            if colors >= 256 { return (Int32(Palette.index256(c)), false) }
            fallthrough
        case .palette16:
            let i = Palette.index16(c)
            if colors >= 16 || i < 8 { return (Int32(i), false) }
            return (Int32(i - 8), true)
        case .none: return (-1, false)
        }
    }
}

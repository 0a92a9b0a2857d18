/// Whether a cell on screen must be sent again, and which colour the terminal will show for a wanted
/// one. The one rule both painters follow: the damage-map writer (`TerminalScreen`) and the ncurses
/// windows (`CursesCompositor`).
public struct CellDamage: Sendable, Equatable {
    public var depth: ColorDepth
    /// A colour is re-sent only when the shown colour is more than this (per channel, 0...255) worse
    /// than the best the terminal could show: sensor noise and codec shimmer then cost no bytes.
    public var threshold: Int

    public init(depth: ColorDepth, threshold: Int = 6) {
        self.depth = depth
        self.threshold = threshold
    }

    /// True when `have` (displayed colours) no longer shows `want` well enough.
    @inline(__always)
    public func differs(_ want: Cell, _ have: Cell) -> Bool {
        if want.scalar != have.scalar { return true }
        if want.scalar == 0x20 { return colorChanged(want.bg, have.bg) } // a space shows only its background
        return colorChanged(want.fg, have.fg) || colorChanged(want.bg, have.bg)
    }

    @inline(__always)
    func colorChanged(_ want: UInt32, _ have: UInt32) -> Bool {
        if want == have { return false }
        let displayed = display(want)
        if displayed == have { return false }
        if want == Cell.defaultColor || have == Cell.defaultColor { return true }
        // Keep what is shown while it is within `threshold` of the best the terminal could show:
        // in truecolor that is the colour itself; in a palette it stops cells flickering between
        // two neighbouring palette entries when the colour sits near their boundary.
        return RGB.distance(want, have) > RGB.distance(want, displayed) + threshold
    }

    /// The colour the terminal will actually show for `c` at this depth.
    @inline(__always)
    public func display(_ c: UInt32) -> UInt32 {
        if c == Cell.defaultColor { return c }
        switch depth {
        case .truecolor: return c
        case .palette256: return Palette.rgb256(Palette.index256(c))
        case .palette16: return Palette.ansi16[Palette.index16(c)]
        case .none: return Cell.defaultColor
        }
    }
}

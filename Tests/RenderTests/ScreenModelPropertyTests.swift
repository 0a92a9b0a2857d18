import MediaCore
import Render
import Testing

/// Property: whatever is drawn, in whatever order and depth, replaying the emitted bytes into a
/// terminal gives exactly what `TerminalScreen` believes is shown. If the two ever diverged, the
/// damage map would leave wrong cells on screen for good.
@Suite struct ScreenModelPropertyTests {
    @Test(arguments: ColorDepth.allCases, [false, true])
    func replayedBytesMatchTheScreenModel(depth: ColorDepth, wide: Bool) {
        var rng = SplitMix64(seed: 0xD1FF + UInt64(ColorDepth.allCases.firstIndex(of: depth)!) + (wide ? 7 : 0))
        var columns = 1 + Int(rng.next() % 30), rows = 1 + Int(rng.next() % 12)
        var screen = TerminalScreen(columns: columns, rows: rows, depth: depth, threshold: Int(rng.next() % 10))
        var replay = TerminalReplay(columns: columns, rows: rows)
        let palette: [UInt32] = [0x000000, 0xFFFFFF, 0x102030, 0x112233, 0xFF0000, 0x808080, 0x7F7F7F, Cell.defaultColor]
        func color() -> UInt32 { rng.next() % 3 == 0 ? palette[Int(rng.next() % UInt64(palette.count))] : UInt32(truncatingIfNeeded: rng.next()) & 0xFFFFFF }
        for step in 0..<400 {
            if rng.next() % 40 == 0 {
                columns = 1 + Int(rng.next() % 30); rows = 1 + Int(rng.next() % 12)
                screen.resize(columns: columns, rows: rows)
                replay = TerminalReplay(columns: columns, rows: rows)
            }
            let w = 1 + Int(rng.next() % UInt64(columns + 4)), h = 1 + Int(rng.next() % UInt64(rows + 2))
            var grid = CellGrid(columns: w, rows: h)
            for i in grid.cells.indices {
                switch rng.next() % 4 {
                case 0: grid.cells[i] = .halfBlock(top: color(), bottom: color())
                case 1: grid.cells[i] = .text(0x20 + UInt32(rng.next() % 95), fg: color(), bg: color())
                case 2: grid.cells[i] = .text(0x20, fg: color(), bg: color())
                default: grid.cells[i] = .halfBlock(top: 0x445566, bottom: 0x445566)
                }
            }
            if wide {
                // Wide glyphs with their tails, lone tails and tail-less glyphs (clipped text).
                let glyphs: [UInt32] = [0x4E2D, 0x6587, 0xAC00, 0x1F600, 0xFF21]
                for _ in 0..<(w * h / 3) {
                    let i = Int(rng.next() % UInt64(grid.cells.count))
                    let glyph = glyphs[Int(rng.next() % UInt64(glyphs.count))]
                    switch rng.next() % 6 {
                    case 0: grid.cells[i] = .text(Cell.wideTail, fg: color(), bg: color())
                    case 1: grid.cells[i] = .text(glyph, fg: color(), bg: color())
                    default:
                        if (i + 1) % w != 0 {
                            let fg = color(), bg = color()
                            grid.cells[i] = .text(glyph, fg: fg, bg: bg)
                            grid.cells[i + 1] = .text(Cell.wideTail, fg: fg, bg: bg)
                        }
                    }
                }
            }
            screen.draw(grid, row: Int(rng.next() % UInt64(rows + 2)) - 1, column: Int(rng.next() % UInt64(columns + 2)) - 1)
            replay.feed(screen.takeFrameBytes())
            #expect(replay.unknownSequences.isEmpty)
            for r in 0..<rows {
                for c in 0..<columns {
                    let model = screen.shownCell(column: c, row: r), seen = replay[c, r]
                    if model.scalar == Cell.upperHalf {
                        let (top, bottom) = replay.pixels(column: c, row: r)
                        #expect(top == model.fg && bottom == model.bg, "step \(step) cell \(c),\(r): model \(model) terminal \(seen)")
                    } else if model.scalar == 0x20 {
                        #expect(seen.scalar == 0x20 && seen.bg == model.bg, "step \(step) cell \(c),\(r): model \(model) terminal \(seen)")
                    } else {
                        #expect(seen == model, "step \(step) cell \(c),\(r): model \(model) terminal \(seen)")
                    }
                }
            }
        }
    }
}

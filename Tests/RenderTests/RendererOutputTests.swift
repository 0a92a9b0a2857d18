import MediaCore
import Render
import Testing

/// Decodes what the renderer emits back into a cell grid and checks the colours a terminal shows.
@Suite struct RendererOutputTests {
    @Test func halfBlockTruecolorShowsTheBandsAtTheRightRows() {
        // 80x40 source into 40x10 cells: 40x20 pixels, each band 5 pixel rows (2.5 cells).
        let out = renderOnce(bandedFrame(width: 80, height: 40), columns: 40, rows: 10, mode: .halfBlock, depth: .truecolor)
        #expect(out.replay.unknownSequences.isEmpty)
        let expected: [UInt32] = [0xFF0000, 0x00FF00, 0x0000FF, 0xFFFFFF]
        for row in 0..<10 {
            for column in 0..<40 {
                let (top, bottom) = out.replay.pixels(column: column, row: row)
                let topBand = (2 * row) / 5, bottomBand = (2 * row + 1) / 5
                #expect(near(top, expected[topBand], within: 4), "cell \(column),\(row) top \(String(top, radix: 16))")
                #expect(near(bottom, expected[bottomBand], within: 4), "cell \(column),\(row) bottom \(String(bottom, radix: 16))")
            }
        }
        // What the screen model says it shows equals what the replay shows.
        for row in 0..<10 {
            let shown = out.screen.shownCell(column: 3, row: row)
            let (top, bottom) = out.replay.pixels(column: 3, row: row)
            #expect(shown.fg == top && shown.bg == bottom)
        }
    }

    @Test(arguments: [ColorDepth.palette256, .palette16])
    func paletteModesShowTheNearestPaletteColour(depth: ColorDepth) {
        let out = renderOnce(solidFrame(width: 64, height: 48, rgb: (250, 10, 10)), columns: 16, rows: 6, mode: .halfBlock, depth: depth)
        #expect(out.replay.unknownSequences.isEmpty)
        let (top, bottom) = out.replay.pixels(column: 8, row: 3)
        let expected: UInt32 = depth == .palette256 ? 0xFF0000 : 0xFF0000 // cube 196 / bright red 9
        #expect(top == expected && bottom == expected)
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(text.contains(depth == .palette256 ? "48;5;196" : "101") )
        #expect(!text.contains(";2;"))
    }

    @Test func asciiWithoutColourEmitsOnlyAsciiAndCursorControls() {
        let out = renderOnce(bandedFrame(width: 80, height: 40), columns: 40, rows: 10, mode: .halfBlock, depth: .none)
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(out.bytes.allSatisfy { $0 < 0x80 })
        #expect(!text.contains("38;") && !text.contains("48;"))
        // White band is the densest character, blue the faintest of the four.
        #expect(out.replay[5, 9].scalar == UInt32(UInt8(ascii: "@")))
        #expect(out.replay[5, 0].scalar != out.replay[5, 9].scalar)
    }

    @Test func asciiColourBrightensTheHue() {
        let out = renderOnce(solidFrame(width: 64, height: 48, rgb: (100, 0, 0)), columns: 16, rows: 6, mode: .asciiColor, depth: .truecolor)
        let cell = out.replay[8, 3]
        #expect(near(cell.fg, 0xFF0000, within: 6))
        #expect(cell.scalar != 0x20)
    }

    @Test func aUniformAreaReusesOneAttributeSequence() {
        let out = renderOnce(solidFrame(width: 64, height: 48, rgb: (0, 0, 200)), columns: 20, rows: 5, mode: .halfBlock, depth: .truecolor)
        let text = String(decoding: out.bytes, as: UTF8.self)
        // Uniform cells are drawn as spaces on one background colour, set once.
        #expect(text.split(separator: "48;2;", omittingEmptySubsequences: false).count - 1 == 1)
    }
}

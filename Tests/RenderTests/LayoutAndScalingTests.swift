import MediaCore
@testable import Render
import Testing

@Suite struct LayoutAndScalingTests {
    @Test func fourByThreeFillsTheHeightOfAWidePane() {
        let layout = VideoLayout.fit(sourceWidth: 640, sourceHeight: 480, paneColumns: 160, paneRows: 48, mode: .halfBlock)
        #expect(layout == VideoLayout(column: 16, row: 0, columns: 128, rows: 48, pixelWidth: 128, pixelHeight: 96))
    }

    @Test func wideVideoFillsTheWidthOfATallPane() {
        let layout = VideoLayout.fit(sourceWidth: 1280, sourceHeight: 720, paneColumns: 80, paneRows: 60, mode: .ascii)
        #expect(layout?.columns == 80 && layout?.rows == 23 && layout?.pixelHeight == 23 && layout?.row == 18)
    }

    @Test func tinyPanesStillGetAPicture() {
        #expect(VideoLayout.fit(sourceWidth: 640, sourceHeight: 480, paneColumns: 1, paneRows: 1, mode: .halfBlock)?.columns == 1)
        #expect(VideoLayout.fit(sourceWidth: 640, sourceHeight: 480, paneColumns: 0, paneRows: 10, mode: .halfBlock) == nil)
    }

    /// Property: for any pane the picture fits inside it and keeps the source aspect within one cell.
    @Test func layoutsAlwaysFitAndKeepTheAspect() {
        for columns in stride(from: 4, through: 300, by: 7) {
            for rows in stride(from: 2, through: 120, by: 5) {
                for (w, h) in [(640, 480), (1280, 720), (480, 640), (100, 100)] {
                    guard let l = VideoLayout.fit(sourceWidth: w, sourceHeight: h, paneColumns: columns, paneRows: rows, mode: .halfBlock) else {
                        Issue.record("no layout for \(columns)x\(rows)"); continue
                    }
                    #expect(l.column >= 0 && l.row >= 0 && l.column + l.columns <= columns && l.row + l.rows <= rows)
                    let aspect = Double(l.columns) / Double(2 * l.rows), want = Double(w) / Double(h)
                    let slack = 1.0 / Double(l.rows) + 1.0 / Double(l.columns)
                    #expect(abs(aspect / want - 1) <= slack * 2 + 0.02, "\(w)x\(h) in \(columns)x\(rows): \(l)")
                }
            }
        }
    }

    @Test func integerRatiosAverageWholeBlocks() {
        let plane: [UInt8] = [0, 10, 20, 30,
                              40, 50, 60, 70]
        let out = AreaDownscaler().averagePlane(plane, planeWidth: 4, planeHeight: 2, width: 2, height: 1)
        #expect(out == [25, 45])
    }

    @Test func fractionalRatiosWeighPartialPixels() {
        // 3 -> 2: output 0 = (a + b/2) / 1.5, output 1 = (b/2 + c) / 1.5.
        let out = AreaDownscaler().averagePlane([30, 60, 90], planeWidth: 3, planeHeight: 1, width: 2, height: 1)
        #expect(out == [40, 80])
    }

    /// Property: a uniform picture stays uniform at any size (weights always sum to one).
    @Test func uniformPicturesStayUniform() {
        let frame = solidFrame(width: 97, height: 61, rgb: (40, 160, 220))
        let expected = AreaDownscaler().scale(frame, width: 1, height: 1).pixels[0]
        for (w, h) in [(97, 61), (50, 30), (13, 7), (96, 60), (1, 61), (97, 1), (200, 100)] {
            let grid = AreaDownscaler().scale(frame, width: w, height: h)
            #expect(grid.pixels.allSatisfy { $0 == expected }, "\(w)x\(h)")
        }
    }
}

@Suite struct ColorDepthTests {
    @Test func noColorWinsOverEverything() {
        #expect(ColorDepth.detect(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], terminfoColors: 256) == .none)
        #expect(ColorDepth.detect(environment: ["NO_COLOR": "", "COLORTERM": "truecolor"], terminfoColors: 256) == .truecolor)
    }

    @Test func detectsFromColortermThenTerminfoThenTerm() {
        #expect(ColorDepth.detect(environment: ["COLORTERM": "24bit", "TERM": "xterm"], terminfoColors: 8) == .truecolor)
        #expect(ColorDepth.detect(environment: ["TERM": "xterm-direct"], terminfoColors: nil) == .truecolor)
        #expect(ColorDepth.detect(environment: ["TERM": "xterm-256color"], terminfoColors: 256) == .palette256)
        #expect(ColorDepth.detect(environment: ["TERM": "xterm"], terminfoColors: 8) == .palette16)
        #expect(ColorDepth.detect(environment: ["TERM": "foo-256color"], terminfoColors: nil) == .palette256)
        #expect(ColorDepth.detect(environment: ["TERM": "dumb"], terminfoColors: nil) == .none)
        #expect(ColorDepth.detect(environment: [:], terminfoColors: nil) == .none)
    }

    @Test func paletteIndicesMapToTheirOwnColours() {
        for index in 16..<256 { #expect(Palette.index256(Palette.rgb256(index)) == index) }
        for index in 0..<16 { #expect(Palette.index16(Palette.ansi16[index]) == index) }
    }
}

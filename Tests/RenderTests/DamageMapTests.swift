import MediaCore
import Render
import Testing

@Suite struct DamageMapTests {
    func screenAfterFirstFrame(_ frame: VideoFrame, depth: ColorDepth = .truecolor) -> (TerminalScreen, VideoRenderer) {
        let renderer = VideoRenderer(mode: .halfBlock, depth: depth)
        var screen = TerminalScreen(columns: 160, rows: 48, depth: depth)
        screen.draw(renderer.render(frame, columns: 160, rows: 48), row: 0, column: 0)
        _ = screen.takeFrameBytes()
        return (screen, renderer)
    }

    @Test(arguments: [ColorDepth.truecolor, .palette256, .palette16, .none])
    func aStaticFrameSentTwiceCostsAtMostAHundredBytes(depth: ColorDepth) {
        let frame = bandedFrame(width: 640, height: 480)
        var (screen, renderer) = screenAfterFirstFrame(frame, depth: depth)
        screen.draw(renderer.render(frame, columns: 160, rows: 48), row: 0, column: 0)
        #expect(screen.takeFrameBytes().count <= 100)
    }

    @Test func noiseBelowTheThresholdCostsNothing() {
        let frame = bandedFrame(width: 640, height: 480)
        var (screen, renderer) = screenAfterFirstFrame(frame)
        var noisy = frame
        for i in noisy.y.indices { noisy.y[i] = UInt8(clamping: Int(noisy.y[i]) + (i % 7) - 3) }
        screen.draw(renderer.render(noisy, columns: 160, rows: 48), row: 0, column: 0)
        #expect(screen.takeFrameBytes().isEmpty)
    }

    @Test func onlyChangedCellsAreSentAndTheRestIsSkipped() {
        let renderer = VideoRenderer(mode: .halfBlock, depth: .truecolor)
        var screen = TerminalScreen(columns: 40, rows: 10, depth: .truecolor)
        var grid = CellGrid(columns: 40, rows: 10, fill: .halfBlock(top: 0x102030, bottom: 0x102030))
        screen.draw(grid, row: 0, column: 0)
        var replay = TerminalReplay(columns: 40, rows: 10)
        replay.feed(screen.takeFrameBytes())
        grid[3, 2] = .halfBlock(top: 0xFF0000, bottom: 0x00FF00)
        grid[30, 2] = .halfBlock(top: 0xFFFFFF, bottom: 0x000000)
        grid[5, 7] = .halfBlock(top: 0x0000FF, bottom: 0x102030)
        screen.draw(grid, row: 0, column: 0)
        let bytes = screen.takeFrameBytes()
        replay.feed(bytes)
        #expect(replay.pixels(column: 3, row: 2) == (0xFF0000, 0x00FF00))
        #expect(replay.pixels(column: 30, row: 2) == (0xFFFFFF, 0x000000))
        #expect(replay.pixels(column: 5, row: 7) == (0x0000FF, 0x102030))
        #expect(replay.pixels(column: 4, row: 2) == (0x102030, 0x102030))
        // Three cells: three glyphs (3 bytes each) and a handful of cursor moves and colours.
        let glyphs = bytes.filter { $0 == 0xE2 }.count
        #expect(glyphs == 3)
        #expect(bytes.count < 160)
        _ = renderer
    }

    @Test func paletteHysteresisKeepsACellWhoseColourBarelyMoved() {
        var screen = TerminalScreen(columns: 4, rows: 1, depth: .palette256, threshold: 6)
        // 114 and 116 sit either side of the cube's 95/135 boundary at 115.
        screen.draw(CellGrid(columns: 4, rows: 1, fill: .halfBlock(top: RGB.pack(114, 0, 0), bottom: 0)), row: 0, column: 0)
        _ = screen.takeFrameBytes()
        screen.draw(CellGrid(columns: 4, rows: 1, fill: .halfBlock(top: RGB.pack(116, 0, 0), bottom: 0)), row: 0, column: 0)
        #expect(screen.takeFrameBytes().isEmpty)
        screen.draw(CellGrid(columns: 4, rows: 1, fill: .halfBlock(top: RGB.pack(140, 0, 0), bottom: 0)), row: 0, column: 0)
        #expect(!screen.takeFrameBytes().isEmpty)
    }

    @Test func aSlowDriftIsSentOnceItPassesTheThreshold() {
        var screen = TerminalScreen(columns: 1, rows: 1, depth: .truecolor, threshold: 6)
        var sent: [Int] = []
        for step in 0..<20 {
            let v = UInt8(100 + step)
            screen.draw(CellGrid(columns: 1, rows: 1, fill: .halfBlock(top: RGB.pack(v, v, v), bottom: 0)), row: 0, column: 0)
            if !screen.takeFrameBytes().isEmpty { sent.append(step) }
        }
        #expect(sent == [0, 7, 14])
    }

    @Test func resizeClearsAndRedrawsAtTheNewSize() {
        let frame = bandedFrame(width: 640, height: 480)
        var (screen, renderer) = screenAfterFirstFrame(frame)
        screen.resize(columns: 80, rows: 24)
        screen.draw(renderer.render(frame, columns: 80, rows: 24), row: 0, column: 0)
        let bytes = screen.takeFrameBytes()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}[?2026h\u{1B}[0m\u{1B}[2J"))
        #expect(text.hasSuffix("\u{1B}[?2026l"))
        var replay = TerminalReplay(columns: 80, rows: 24)
        replay.feed(bytes)
        // 4:3 into 80x24 cells (80x48 pixels): 64x48 pixels, centred with 8 blank columns each side.
        #expect(replay[7, 12] == .blank && replay[72, 12] == .blank)
        #expect(replay.pixels(column: 8, row: 0).top != Cell.defaultColor)
        #expect(replay.pixels(column: 71, row: 23).bottom != Cell.defaultColor)
        #expect(replay.unknownSequences.isEmpty)
    }

    @Test func drawingOutsideTheScreenIsClipped() {
        var screen = TerminalScreen(columns: 10, rows: 3, depth: .truecolor)
        screen.draw(CellGrid(columns: 20, rows: 5, fill: .text(0x41, fg: 0xFFFFFF)), row: 1, column: 4)
        var replay = TerminalReplay(columns: 10, rows: 3)
        replay.feed(screen.takeFrameBytes())
        #expect(replay[3, 1] == .blank && replay[4, 1].scalar == 0x41 && replay[9, 2].scalar == 0x41)
    }
}

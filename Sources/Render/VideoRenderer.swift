import MediaCore

/// Turns a decoded frame into the cells of a pane: layout, area-averaging downscale, then one cell
/// per grid position in the chosen mode. Colours stay full RGB here; `TerminalScreen` quantises to
/// the terminal's depth when it prints.
public struct VideoRenderer: Sendable {
    public var mode: RenderMode
    public var depth: ColorDepth
    let scaler = AreaDownscaler()

    /// Density ramp from empty to full, chosen for even steps of ink in common monospace fonts.
    public static let ramp: [UInt8] = Array(" .'`-:;~=+*x%#@".utf8)

    public init(mode: RenderMode, depth: ColorDepth) {
        self.mode = mode
        self.depth = depth
    }

    /// Without colour a half-block picture is meaningless, so it falls back to ASCII.
    public var effectiveMode: RenderMode {
        depth == .none ? .ascii : mode
    }

    /// Renders `frame` into a pane of `columns` x `rows`; cells outside the picture are blank.
    public func render(_ frame: VideoFrame, columns: Int, rows: Int) -> CellGrid {
        var grid = CellGrid(columns: columns, rows: rows)
        let mode = effectiveMode
        guard let layout = VideoLayout.fit(sourceWidth: frame.width, sourceHeight: frame.height,
                                           paneColumns: columns, paneRows: rows, mode: mode) else { return grid }
        let pixels = scaler.scale(frame, width: layout.pixelWidth, height: layout.pixelHeight)
        fill(&grid, from: pixels, layout: layout, mode: mode)
        return grid
    }

    /// Cells for an already scaled picture (used by `render` and by benchmarks that time stages).
    public func fill(_ grid: inout CellGrid, from pixels: PixelGrid, layout: VideoLayout, mode: RenderMode) {
        let w = layout.columns
        for r in 0..<layout.rows {
            let rowBase = (layout.row + r) * grid.columns + layout.column
            for c in 0..<w {
                let cell: Cell
                switch mode {
                case .halfBlock:
                    cell = .halfBlock(top: pixels.pixels[(2 * r) * w + c], bottom: pixels.pixels[(2 * r + 1) * w + c])
                case .ascii:
                    let p = pixels.pixels[r * w + c]
                    cell = .text(UInt32(Self.ramp[RGB.luma(p) * Self.ramp.count / 256]))
                case .asciiColor:
                    let p = pixels.pixels[r * w + c]
                    cell = .text(UInt32(Self.ramp[RGB.luma(p) * Self.ramp.count / 256]), fg: Self.brightened(p))
                }
                grid.cells[rowBase + c] = cell
            }
        }
    }

    /// The colour at full brightness: the character's density already shows how bright the area is.
    static func brightened(_ c: UInt32) -> UInt32 {
        let r = RGB.r(c), g = RGB.g(c), b = RGB.b(c)
        let m = max(r, g, b)
        guard m > 0 else { return RGB.pack(96, 96, 96) }
        return RGB.pack(UInt8(r * 255 / m), UInt8(g * 255 / m), UInt8(b * 255 / m))
    }
}

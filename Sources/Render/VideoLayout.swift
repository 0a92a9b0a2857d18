/// Where a picture goes inside a pane of cells, keeping its aspect ratio.
///
/// Cells are about twice as tall as wide, so a cell is treated as 1 unit wide and 2 units tall: a
/// half-block cell then holds two square pixels, and an ASCII cell one 1x2 sample.
public struct VideoLayout: Sendable, Equatable {
    /// Offset and size of the picture inside the pane, in cells.
    public var column: Int
    public var row: Int
    public var columns: Int
    public var rows: Int
    /// Size of the pixel grid to scale the frame to.
    public var pixelWidth: Int
    public var pixelHeight: Int

    public static func fit(sourceWidth: Int, sourceHeight: Int, paneColumns: Int, paneRows: Int,
                           mode: RenderMode) -> VideoLayout? {
        guard sourceWidth > 0, sourceHeight > 0, paneColumns > 0, paneRows > 0 else { return nil }
        // Pane size in square units: columns x (2 * rows).
        let unitsHigh = 2 * paneRows
        var columns = paneColumns
        var unitsTall = (columns * sourceHeight + sourceWidth / 2) / sourceWidth
        if unitsTall > unitsHigh {
            unitsTall = unitsHigh
            columns = max(1, (unitsHigh * sourceWidth + sourceHeight / 2) / sourceHeight)
        }
        let rows = max(1, min(paneRows, (unitsTall + 1) / 2))
        columns = min(columns, paneColumns)
        let pixelHeight = mode == .halfBlock ? 2 * rows : rows
        return VideoLayout(column: (paneColumns - columns) / 2, row: (paneRows - rows) / 2,
                           columns: columns, rows: rows, pixelWidth: columns, pixelHeight: pixelHeight)
    }
}

import CChafa
import MediaCore

/// chafa (libchafa) rendering the same frames to the same cell area, on one thread: the anchor the
/// renderer's speed and output size are compared with. Frames are converted to packed RGB before
/// timing starts, since chafa takes RGB and we take I420.
final class ChafaAnchor {
    let columns: Int, rows: Int
    private let canvas: OpaquePointer
    private let config: OpaquePointer
    private let symbols: OpaquePointer
    private let term: OpaquePointer

    enum Symbols { case halfBlocks, chafaDefault }

    init(columns: Int, rows: Int, symbols kind: Symbols) {
        self.columns = columns
        self.rows = rows
        chafa_set_n_threads(1)
        symbols = chafa_symbol_map_new()
        switch kind {
        case .halfBlocks: chafa_symbol_map_add_by_tags(symbols, ChafaSymbolTags(rawValue: CHAFA_SYMBOL_TAG_VHALF.rawValue | CHAFA_SYMBOL_TAG_SPACE.rawValue))
        case .chafaDefault: chafa_symbol_map_add_by_tags(symbols, ChafaSymbolTags(rawValue: CHAFA_SYMBOL_TAG_BLOCK.rawValue | CHAFA_SYMBOL_TAG_BORDER.rawValue | CHAFA_SYMBOL_TAG_SPACE.rawValue))
        }
        config = chafa_canvas_config_new()
        chafa_canvas_config_set_geometry(config, Int32(columns), Int32(rows))
        chafa_canvas_config_set_canvas_mode(config, CHAFA_CANVAS_MODE_TRUECOLOR)
        chafa_canvas_config_set_symbol_map(config, symbols)
        canvas = chafa_canvas_new(config)
        term = tc_chafa_truecolor_term()
    }

    deinit {
        chafa_canvas_unref(canvas)
        chafa_canvas_config_unref(config)
        chafa_symbol_map_unref(symbols)
        chafa_term_info_unref(term)
    }

    /// Draws one RGB picture and returns the bytes chafa prints for it.
    func render(rgb: [UInt8], width: Int, height: Int) -> Int {
        rgb.withUnsafeBufferPointer { chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGB8, $0.baseAddress, Int32(width), Int32(height), Int32(width * 3)) }
        let printed = chafa_canvas_print(canvas, term)
        let length = Int(tc_gstring_len(printed))
        g_string_free(printed, 1)
        return length
    }

    static func packedRGB(_ frame: VideoFrame) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frame.width * frame.height * 3)
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let c = (y / 2) * frame.chromaWidth + x / 2
                let p = ColorConversion.rgb(y: Int(frame.y[y * frame.width + x]), u: Int(frame.u[c]), v: Int(frame.v[c]), range: frame.range)
                let i = (y * frame.width + x) * 3
                out[i] = p.r; out[i + 1] = p.g; out[i + 2] = p.b
            }
        }
        return out
    }
}

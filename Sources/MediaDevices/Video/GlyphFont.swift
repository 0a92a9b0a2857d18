import MediaCore

/// A 5x7 bitmap font for the characters the test pattern prints (digits, '#', '.', ':', 's', space).
enum GlyphFont {
    /// Each glyph is 7 rows of 5 bits, most significant bit on the left.
    static let glyphs: [Character: [UInt8]] = [
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11110, 0b00001, 0b00001, 0b01110, 0b00001, 0b00001, 0b11110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        "#": [0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010],
        ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        ":": [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
        "s": [0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]

    /// Draws white text with a one-pixel-scaled black shadow box behind it, clipped to the frame.
    static func draw(_ text: String, into frame: inout VideoFrame, x: Int, y: Int, scale: Int) {
        let advance = 6 * scale
        let boxW = text.count * advance + scale, boxH = 9 * scale
        fillLuma(&frame, x: x - scale, y: y - scale, w: boxW + scale, h: boxH, value: 16)
        for (i, ch) in text.enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (r, bits) in rows.enumerated() {
                for c in 0..<5 where (bits >> UInt8(4 - c)) & 1 == 1 {
                    fillLuma(&frame, x: x + i * advance + c * scale, y: y + r * scale, w: scale, h: scale, value: 235)
                }
            }
        }
    }

    private static func fillLuma(_ frame: inout VideoFrame, x: Int, y: Int, w: Int, h: Int, value: UInt8) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(frame.width, x + w), y1 = min(frame.height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 { for col in x0..<x1 { frame.y[row * frame.width + col] = value } }
        for row in (y0 / 2)..<((y1 + 1) / 2) {
            for col in (x0 / 2)..<((x1 + 1) / 2) {
                frame.u[row * frame.chromaWidth + col] = 128
                frame.v[row * frame.chromaWidth + col] = 128
            }
        }
    }
}

/// Keys a full-screen view reacts to, decoded from raw terminal input bytes.
public enum Key: Sendable, Equatable {
    case character(Character)
    case interrupt      // Ctrl-C
    case escape
    case up, down, left, right
    case enter, tab, backspace
    case other
}

/// Decodes raw input bytes into keys. Escape sequences split across reads are kept until complete.
public struct KeyDecoder: Sendable {
    private var buffer: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: [UInt8]) -> [Key] {
        buffer += bytes
        var keys: [Key] = []
        var i = 0
        while i < buffer.count {
            let b = buffer[i]
            if b == 0x1B {
                if i + 1 >= buffer.count { keys.append(.escape); i += 1; continue }
                if buffer[i + 1] == 0x5B || buffer[i + 1] == 0x4F {
                    guard i + 2 < buffer.count else { break } // incomplete: wait for more
                    var j = i + 2
                    while j < buffer.count, !(0x40...0x7E).contains(buffer[j]) { j += 1 }
                    guard j < buffer.count else { break }
                    switch buffer[j] {
                    case 0x41: keys.append(.up)
                    case 0x42: keys.append(.down)
                    case 0x43: keys.append(.right)
                    case 0x44: keys.append(.left)
                    default: keys.append(.other)
                    }
                    i = j + 1
                    continue
                }
                keys.append(.escape)
                i += 1
                continue
            }
            if b == 0x03 { keys.append(.interrupt); i += 1; continue }
            if b == 0x0D || b == 0x0A { keys.append(.enter); i += 1; continue }
            if b == 0x09 { keys.append(.tab); i += 1; continue }
            if b == 0x7F || b == 0x08 { keys.append(.backspace); i += 1; continue }
            if b < 0x80 {
                keys.append(b >= 0x20 && b < 0x7F ? .character(Character(Unicode.Scalar(b))) : .other)
                i += 1
                continue
            }
            // UTF-8 sequence: take it whole when complete.
            let length = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : (b >= 0xC0 ? 2 : 1))
            guard i + length <= buffer.count else { break }
            if let s = String(validating: buffer[i..<(i + length)], as: UTF8.self), let ch = s.first {
                keys.append(.character(ch))
                i += length
            } else {
                keys.append(.other) // an invalid lead byte: drop it alone, keep what follows
                i += 1
            }
        }
        buffer.removeFirst(i)
        if buffer.count > 64 { buffer.removeAll() } // garbage: never grow without bound
        return keys
    }
}

import MediaCore

/// The stream header of a YUV4MPEG2 file: `YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg`.
public struct Y4MHeader: Sendable, Equatable {
    public enum Chroma: String, Sendable, Equatable {
        case c420 = "420", c420jpeg = "420jpeg", c420paldv = "420paldv", c420mpeg2 = "420mpeg2"
        case c422 = "422", c444 = "444", mono = "mono"
    }

    public var width: Int
    public var height: Int
    public var frameRateNumerator: Int
    public var frameRateDenominator: Int
    public var chroma: Chroma
    public var range: ColorRange

    /// Frames per second; 30 when the file does not say.
    public var framesPerSecond: Double { Double(frameRateNumerator) / Double(frameRateDenominator) }

    /// Bytes of one frame's planes as stored in the file.
    public var frameByteCount: Int {
        let luma = width * height
        switch chroma {
        case .c420, .c420jpeg, .c420paldv, .c420mpeg2: return luma + 2 * ((width + 1) / 2) * ((height + 1) / 2)
        case .c422: return luma + 2 * ((width + 1) / 2) * height
        case .c444: return 3 * luma
        case .mono: return luma
        }
    }

    /// The largest picture accepted: bigger headers are refused before any allocation.
    public static let maxDimension = 8192

    /// Parses the header line (without its trailing newline).
    public static func parse(_ line: some Collection<UInt8>) throws(Y4MError) -> Y4MHeader {
        guard let text = String(validating: Array(line), as: UTF8.self) else { throw .notY4M }
        var fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.first == "YUV4MPEG2" else { throw .notY4M }
        fields.removeFirst()
        var width: Int?, height: Int?
        var rate = (30, 1)
        var chroma = Chroma.c420jpeg
        var range = ColorRange.limited
        for field in fields {
            let tag = field.first!, value = field.dropFirst()
            switch tag {
            case "W": width = Int(value)
                if width == nil { throw .badField("W\(value)") }
            case "H": height = Int(value)
                if height == nil { throw .badField("H\(value)") }
            case "F":
                let parts = value.split(separator: ":")
                // Between one frame in 1000 s and 1000 a second: slower would put frame timestamps
                // past what microseconds in 64 bits can hold.
                guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]), n > 0, d > 0,
                      (0.001...1000).contains(Double(n) / Double(d)) else { throw .badField("F\(value)") }
                rate = (n, d)
            case "C":
                let name = value.hasPrefix("420") || value.hasPrefix("422") || value.hasPrefix("444") || value == "mono"
                    ? String(value) : ""
                // XYSCSS-style suffixes such as "420p10" are higher bit depths we do not read.
                guard let c = Chroma(rawValue: name) else { throw .unsupportedChroma(String(value)) }
                chroma = c
            case "I":
                guard value == "p" || value == "?" else { throw .unsupportedInterlace(String(value)) }
            case "X":
                if value.uppercased() == "COLORRANGE=FULL" { range = .full }
            default:
                break // A (aspect) and unknown tags do not change how we read planes.
            }
        }
        guard let w = width, let h = height else { throw .missingDimensions }
        guard (1...maxDimension).contains(w), (1...maxDimension).contains(h) else { throw .badDimensions(w, h) }
        return Y4MHeader(width: w, height: h, frameRateNumerator: rate.0, frameRateDenominator: rate.1,
                         chroma: chroma, range: range)
    }

    /// Converts one frame's stored planes to I420.
    func makeFrame(_ bytes: [UInt8], sequence: UInt64) -> VideoFrame {
        let luma = width * height
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        let y = Array(bytes[0..<luma])
        var u = [UInt8](repeating: 128, count: cw * ch), v = u
        switch chroma {
        case .c420, .c420jpeg, .c420paldv, .c420mpeg2:
            u = Array(bytes[luma..<(luma + cw * ch)])
            v = Array(bytes[(luma + cw * ch)..<(luma + 2 * cw * ch)])
        case .c422:
            // Average vertical pairs of chroma rows.
            let plane = cw * height
            for r in 0..<ch {
                let r0 = 2 * r, r1 = min(2 * r + 1, height - 1)
                for c in 0..<cw {
                    u[r * cw + c] = avg(bytes[luma + r0 * cw + c], bytes[luma + r1 * cw + c])
                    v[r * cw + c] = avg(bytes[luma + plane + r0 * cw + c], bytes[luma + plane + r1 * cw + c])
                }
            }
        case .c444:
            // Average 2x2 chroma blocks.
            for r in 0..<ch {
                let r0 = 2 * r, r1 = min(2 * r + 1, height - 1)
                for c in 0..<cw {
                    let c0 = 2 * c, c1 = min(2 * c + 1, width - 1)
                    for (plane, offset) in [(0, luma), (1, 2 * luma)] {
                        let sum = Int(bytes[offset + r0 * width + c0]) + Int(bytes[offset + r0 * width + c1])
                            + Int(bytes[offset + r1 * width + c0]) + Int(bytes[offset + r1 * width + c1])
                        if plane == 0 { u[r * cw + c] = UInt8((sum + 2) / 4) } else { v[r * cw + c] = UInt8((sum + 2) / 4) }
                    }
                }
            }
        case .mono:
            break
        }
        let micros = Int64(Double(sequence) * 1_000_000 / framesPerSecond)
        return VideoFrame(width: width, height: height, y: y, u: u, v: v,
                          timestampMicros: micros, sequence: sequence, range: range)!
    }

    private func avg(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Int(a) + Int(b) + 1) / 2) }
}

/// Why a Y4M stream was refused; each reads as the end of "cannot play FILE: ...".
public enum Y4MError: Error, Sendable, Equatable, CustomStringConvertible {
    case notY4M
    case headerTooLong
    case missingDimensions
    case badDimensions(Int, Int)
    case badField(String)
    case unsupportedChroma(String)
    case unsupportedInterlace(String)
    case badFrameMarker(frame: UInt64)
    case truncatedFrame(frame: UInt64, expected: Int, got: Int)
    case empty

    public var description: String {
        switch self {
        case .notY4M: return "not a YUV4MPEG2 file — convert it with `ffmpeg -i IN -pix_fmt yuv420p OUT.y4m`"
        case .headerTooLong: return "header line is longer than 1 KiB — the file is damaged"
        case .missingDimensions: return "header has no W (width) or H (height)"
        case let .badDimensions(w, h): return "picture size \(w)x\(h) is outside 1...\(Y4MHeader.maxDimension)"
        case let .badField(f): return "header field '\(f)' is malformed"
        case let .unsupportedChroma(c): return "colour format C\(c) is not supported — use 8-bit 420, 422, 444 or mono (ffmpeg -pix_fmt yuv420p)"
        case let .unsupportedInterlace(i): return "interlaced video (I\(i)) is not supported — deinterlace it first"
        case let .badFrameMarker(n): return "frame \(n) does not start with FRAME — the file is damaged"
        case let .truncatedFrame(n, expected, got): return "frame \(n) is truncated (\(got) of \(expected) bytes)"
        case .empty: return "the file holds no frames"
        }
    }
}

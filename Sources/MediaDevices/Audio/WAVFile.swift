/// 16-bit PCM WAV (RIFF/WAVE, RFC 2361's format tag 1): test clips in, recordings out, for machines
/// without sound hardware. Only what termcall needs; anything else is refused with a reason.
public struct WAVAudio: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Interleaved samples.
    public var samples: [Int16]

    public init(sampleRate: Int, channels: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    /// Parses a whole file's bytes. Unknown chunks (LIST, fact, ...) are skipped.
    public static func parse(_ bytes: [UInt8]) throws(WAVError) -> WAVAudio {
        guard bytes.count >= 12, bytes[0..<4] == Array("RIFF".utf8)[...], bytes[8..<12] == Array("WAVE".utf8)[...] else {
            throw .notWAV
        }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
            let size = Int(le32(bytes, offset + 4))
            let body = offset + 8
            guard size >= 0, body + size <= bytes.count || id == "data" else { throw .truncated(id) }
            switch id {
            case "fmt ":
                guard size >= 16 else { throw .truncated("fmt ") }
                let tag = Int(le16(bytes, body))
                let channels = Int(le16(bytes, body + 2)), rate = Int(le32(bytes, body + 4)), bits = Int(le16(bytes, body + 14))
                // WAVE_FORMAT_EXTENSIBLE (0xFFFE) carrying PCM is accepted too.
                guard tag == 1 || tag == 0xFFFE else { throw .unsupported("format tag \(tag) (only PCM)") }
                guard bits == 16 else { throw .unsupported("\(bits)-bit samples (only 16-bit)") }
                guard (1...2).contains(channels) else { throw .unsupported("\(channels) channels (only mono or stereo)") }
                guard (8_000...192_000).contains(rate) else { throw .unsupported("sample rate \(rate)") }
                format = (channels, rate, bits)
            case "data":
                guard let format else { throw .missingFormat }
                // Whole frames only: a cut-short stereo file must not end on half a frame, which
                // would shift left and right for whoever reads it in pairs (found by fuzzing).
                let frameBytes = 2 * format.channels
                let present = min(size, bytes.count - body)
                let available = present - present % frameBytes
                var samples = [Int16](repeating: 0, count: available / 2)
                for i in 0..<samples.count { samples[i] = Int16(bitPattern: le16(bytes, body + 2 * i)) }
                return WAVAudio(sampleRate: format.rate, channels: format.channels, samples: samples)
            default:
                break
            }
            offset = body + size + (size & 1) // chunks are padded to even sizes
        }
        throw format == nil ? .missingFormat : .missingData
    }

    /// The file's bytes (a canonical 44-byte header, then the samples). Out-of-range rates and
    /// channel counts are clamped into what the header can say.
    public func serialized() -> [UInt8] {
        let channels = max(1, min(2, self.channels)), sampleRate = max(1, min(192_000, self.sampleRate))
        let dataBytes = samples.count * 2
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataBytes)
        out += Array("RIFF".utf8); out += le(UInt32(36 + dataBytes)); out += Array("WAVE".utf8)
        out += Array("fmt ".utf8); out += le(UInt32(16)); out += le(UInt16(1)); out += le(UInt16(channels))
        out += le(UInt32(sampleRate)); out += le(UInt32(sampleRate * channels * 2)); out += le(UInt16(channels * 2)); out += le(UInt16(16))
        out += Array("data".utf8); out += le(UInt32(dataBytes))
        for s in samples { out += le(UInt16(bitPattern: s)) }
        return out
    }

    private static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    private func le(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> UInt32(8 * $0)) & 0xFF) } }
}

public enum WAVError: Error, Sendable, Equatable, CustomStringConvertible {
    case notWAV, missingFormat, missingData
    case truncated(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .notWAV: return "not a WAV file — convert it with `sox IN -b 16 OUT.wav`"
        case .missingFormat: return "the WAV file has no fmt chunk before its data"
        case .missingData: return "the WAV file has no audio data"
        case let .truncated(chunk): return "the WAV file is cut short in its '\(chunk)' chunk"
        case let .unsupported(what): return "\(what) is not supported — convert with `sox IN -b 16 OUT.wav`"
        }
    }
}

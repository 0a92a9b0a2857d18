import CZlib
import Foundation

/// An offer or answer as one line a person can paste into any chat (server-less calls):
/// `termcall1:o:` or `termcall1:a:` then base64url of the zlib-compressed SDP. A 4 KB Chromium offer
/// becomes about 1.7 KB of text. Decoding never inflates past 64 KiB (no decompression bombs).
public enum PastedDescription {
    public static let prefix = "termcall1:"

    public enum Kind: String, Sendable { case offer = "o", answer = "a" }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notADescription
        case damaged
        public var description: String {
            switch self {
            case .notADescription: return "that is not a termcall line (it starts with \(PastedDescription.prefix)o: or \(PastedDescription.prefix)a:)"
            case .damaged: return "that line is damaged or cut short; copy the whole line again"
            }
        }
    }

    public static func encode(_ sdp: String, as kind: Kind) -> String {
        let input = Array(sdp.utf8)
        var length = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { compress2(out.baseAddress, &length, $0.baseAddress, uLong(input.count), Z_BEST_COMPRESSION) }
        }
        precondition(status == Z_OK, "zlib compress2 cannot fail with a compressBound buffer")
        let text = Data(output[..<Int(length)]).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + kind.rawValue + ":" + text
    }

    public static func decode(_ line: String) throws(Failure) -> (kind: Kind, sdp: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(prefix) else { throw .notADescription }
        let rest = trimmed.dropFirst(prefix.count)
        guard rest.count > 2, let kind = Kind(rawValue: String(rest.prefix(1))), rest.dropFirst().first == ":" else { throw .notADescription }
        var base64 = String(rest.dropFirst(2)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { throw .damaged }
        let input = Array(data)
        var length = uLong(65_536)
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong(input.count)) }
        }
        guard status == Z_OK, let sdp = String(validating: output[..<Int(length)], as: UTF8.self) else { throw .damaged }
        return (kind, sdp)
    }
}

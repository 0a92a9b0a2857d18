import Foundation

/// One message on termcall's own data channel ("termcall-control"), as JSON text: the size we draw
/// the far end's picture at, and the verification exchange. Unknown types are dropped, so either
/// end may be newer.
public struct ControlMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case view
        case verifyCommit = "verify-commit", verifyNonce = "verify-nonce", verifyReveal = "verify-reveal"
    }

    public var type: Kind
    public var width: Int?
    public var height: Int?
    /// Hex: a commitment or a nonce (`VerificationExchange`).
    public var value: String?

    public init(type: Kind, width: Int? = nil, height: Int? = nil, value: String? = nil) {
        self.type = type
        self.width = width
        self.height = height
        self.value = value
    }

    /// Far more than any real message; a bigger one is dropped unread.
    public static let maximumSize = 512

    public var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Nil for anything malformed, oversized or of an unknown type.
    public static func decode(_ text: String) -> ControlMessage? {
        guard text.utf8.count <= maximumSize else { return nil }
        return try? JSONDecoder().decode(ControlMessage.self, from: Data(text.utf8))
    }
}

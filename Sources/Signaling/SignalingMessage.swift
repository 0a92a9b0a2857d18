import Foundation
import ICE

/// One message of termcall's signalling protocol (version 1): JSON text frames over a WebSocket,
/// the same for terminals and browsers (assets/web/app.js speaks it too).
///
/// Client → server: `join` {room, name, passphrase, id: to resume after a dropped connection}; `offer`/`answer` {to, sdp}; `candidate` {to, candidate, mid};
/// `bye`. Server → client: `peers` {id: yours, peers, iceServers} on joining and whenever the room
/// changes; `offer`/`answer`/`candidate` with `from`; `bye` {from} when a peer leaves; `error`
/// {code, message}. A candidate of "" means the sender has no more (end-of-candidates).
public struct SignalingMessage: Codable, Sendable, Equatable {
    public static let version = 1
    /// Room names: 1–64 of A–Z a–z 0–9 `-` `_` (they appear in URLs and logs).
    public static let maximumRoomName = 64
    public static let maximumName = 64
    public static let maximumPassphrase = 256
    /// A description with every candidate of a large host still fits; more is abuse.
    public static let maximumSDP = 32_768

    public enum Kind: String, Codable, Sendable {
        case join, peers, offer, answer, candidate, bye, error
    }

    public struct Peer: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// RTCIceServer's shape, so browsers can pass it to RTCPeerConnection unchanged: ICE's own.
    public typealias IceServer = ICE.IceServer

    public var v: Int
    public var type: Kind
    public var room: String?
    public var name: String?
    /// `join`: the room's passphrase, when it has one (the first to join sets it).
    public var passphrase: String?
    /// `peers`: the receiver's own id.
    public var id: String?
    public var from: String?
    public var to: String?
    public var sdp: String?
    public var candidate: String?
    public var mid: String?
    public var peers: [Peer]?
    public var iceServers: [IceServer]?
    /// `error`: room-full, too-large, rate-limited, bad-message, unknown-peer, not-joined.
    public var code: String?
    public var message: String?

    public init(_ type: Kind) {
        v = Self.version
        self.type = type
    }

    public static func join(room: String, name: String) -> SignalingMessage {
        var m = SignalingMessage(.join)
        m.room = room
        m.name = name
        return m
    }

    public static func description(_ type: Kind, to: String?, sdp: String) -> SignalingMessage {
        var m = SignalingMessage(type)
        m.to = to
        m.sdp = sdp
        return m
    }

    public static func candidate(to: String?, _ candidate: String, mid: String?) -> SignalingMessage {
        var m = SignalingMessage(.candidate)
        m.to = to
        m.candidate = candidate
        m.mid = mid
        return m
    }

    public static func error(_ code: String, _ message: String) -> SignalingMessage {
        var m = SignalingMessage(.error)
        m.code = code
        m.message = message
        return m
    }

    // MARK: wire form

    public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        case notJSON
        case unsupportedVersion(Int)
        case missing(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .notJSON: return "not a JSON signalling message"
            case let .unsupportedVersion(v): return "signalling protocol version \(v) is not supported (this is version \(SignalingMessage.version))"
            case let .missing(field): return "the message lacks \"\(field)\""
            case let .invalid(why): return why
            }
        }
    }

    /// Parses and validates one text frame; never traps on any input.
    public static func decode(_ text: String) throws(DecodeError) -> SignalingMessage {
        let message: SignalingMessage
        do { message = try JSONDecoder().decode(SignalingMessage.self, from: Data(text.utf8)) } catch { throw .notJSON }
        guard message.v == version else { throw .unsupportedVersion(message.v) }
        try message.validate()
        return message
    }

    public var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    func validate() throws(DecodeError) {
        switch type {
        case .join:
            guard let room else { throw .missing("room") }
            guard Self.isValidRoomName(room) else { throw .invalid("room names are 1–\(Self.maximumRoomName) letters, digits, - or _") }
            if let name, name.count > Self.maximumName { throw .invalid("names are at most \(Self.maximumName) characters") }
            if let passphrase, passphrase.utf8.count > Self.maximumPassphrase { throw .invalid("a passphrase is at most \(Self.maximumPassphrase) bytes") }
        case .offer, .answer:
            guard let sdp else { throw .missing("sdp") }
            guard sdp.utf8.count <= Self.maximumSDP else { throw .invalid("a session description is at most \(Self.maximumSDP) bytes") }
        case .candidate:
            guard let candidate else { throw .missing("candidate") }
            guard candidate.utf8.count <= 1_024 else { throw .invalid("a candidate line is at most 1024 bytes") }
        case .peers, .bye, .error:
            break
        }
    }

    public static func isValidRoomName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumRoomName && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}

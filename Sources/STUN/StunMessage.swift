import CryptoPrimitives

/// A STUN message (RFC 8489 §5) as a value: type, transaction ID and attributes in order. Integrity
/// and fingerprint are not attributes here — `encode` appends them and `StunMessage.decode` checks
/// where they sit; `StunIntegrity` verifies them against the raw bytes.
public struct StunMessage: Sendable, Equatable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerBytes = 20

    public var method: StunMethod
    public var messageClass: StunClass
    /// 96 bits (RFC 8489 §5); `StunMessage.newTransactionID()` makes a fresh random one.
    public var transactionID: [UInt8]
    public var attributes: [StunAttribute]

    public init(method: StunMethod, messageClass: StunClass, transactionID: [UInt8], attributes: [StunAttribute] = []) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID
        self.attributes = attributes
    }

    public static func newTransactionID() -> [UInt8] { SecureRandom.bytes(12) }

    /// The first attribute matching `pick`.
    public func first<T>(_ pick: (StunAttribute) -> T?) -> T? {
        for a in attributes { if let v = pick(a) { return v } }
        return nil
    }

    public var xorMappedAddress: TransportAddress? { first { if case let .xorMappedAddress(a) = $0 { return a }; return nil } }
    public var mappedAddress: TransportAddress? { first { if case let .mappedAddress(a) = $0 { return a }; return nil } }
    public var username: String? { first { if case let .username(u) = $0 { return u }; return nil } }
    public var errorCode: (code: Int, reason: String)? { first { if case let .errorCode(c, r) = $0 { return (c, r) }; return nil } }
    public var realm: String? { first { if case let .realm(r) = $0 { return r }; return nil } }
    public var nonce: String? { first { if case let .nonce(n) = $0 { return n }; return nil } }
    public var priority: UInt32? { first { if case let .priority(p) = $0 { return p }; return nil } }
    public var useCandidate: Bool { first { if case .useCandidate = $0 { return true }; return nil } ?? false }
    public var iceControlling: UInt64? { first { if case let .iceControlling(t) = $0 { return t }; return nil } }
    public var iceControlled: UInt64? { first { if case let .iceControlled(t) = $0 { return t }; return nil } }
    public var lifetime: UInt32? { first { if case let .lifetime(s) = $0 { return s }; return nil } }
    public var xorRelayedAddress: TransportAddress? { first { if case let .xorRelayedAddress(a) = $0 { return a }; return nil } }
    public var xorPeerAddress: TransportAddress? { first { if case let .xorPeerAddress(a) = $0 { return a }; return nil } }
    public var data: [UInt8]? { first { if case let .data(d) = $0 { return d }; return nil } }
    public var software: String? { first { if case let .software(s) = $0 { return s }; return nil } }
    public var unknownAttributes: [UInt16]? { first { if case let .unknownAttributes(t) = $0 { return t }; return nil } }
}

/// The STUN/TURN methods termcall speaks (RFC 8489 §18.2, RFC 8656 §17).
public struct StunMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    public static let binding = StunMethod(rawValue: 0x001)
    public static let allocate = StunMethod(rawValue: 0x003)
    public static let refresh = StunMethod(rawValue: 0x004)
    public static let send = StunMethod(rawValue: 0x006)
    public static let data = StunMethod(rawValue: 0x007)
    public static let createPermission = StunMethod(rawValue: 0x008)
    public static let channelBind = StunMethod(rawValue: 0x009)

    public var description: String {
        switch self {
        case .binding: return "Binding"
        case .allocate: return "Allocate"
        case .refresh: return "Refresh"
        case .send: return "Send"
        case .data: return "Data"
        case .createPermission: return "CreatePermission"
        case .channelBind: return "ChannelBind"
        default: return "method 0x\(String(rawValue, radix: 16))"
        }
    }
}

public enum StunClass: UInt8, Sendable {
    case request = 0b00, indication = 0b01, success = 0b10, error = 0b11
}

extension StunMessage {
    /// The 14-bit message type: method bits M11..M0 interleaved with class bits C1 C0 (RFC 8489 §5).
    var typeField: UInt16 {
        let m = method.rawValue, c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    static func split(typeField t: UInt16) -> (StunMethod, StunClass) {
        let method = (t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2)
        let c = UInt8(((t >> 4) & 0b01) | ((t >> 7) & 0b10))
        return (StunMethod(rawValue: method), StunClass(rawValue: c)!)
    }
}

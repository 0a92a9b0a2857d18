/// The attributes termcall reads and writes (RFC 8489 §14, RFC 8445 §16.1, RFC 8656 §18). Anything
/// else is kept as `.unknown` so a message survives a round trip; integrity and fingerprint are
/// handled by the codec, not listed here.
public enum StunAttribute: Sendable, Equatable {
    case mappedAddress(TransportAddress)
    case xorMappedAddress(TransportAddress)
    case username(String)
    case errorCode(Int, String)
    case unknownAttributes([UInt16])
    case realm(String)
    case nonce(String)
    case software(String)
    case alternateServer(TransportAddress)
    // ICE (RFC 8445 §16.1)
    case priority(UInt32)
    case useCandidate
    case iceControlled(UInt64)
    case iceControlling(UInt64)
    // TURN (RFC 8656 §18)
    case channelNumber(UInt16)
    case lifetime(UInt32)
    case xorPeerAddress(TransportAddress)
    case data([UInt8])
    case xorRelayedAddress(TransportAddress)
    case requestedAddressFamily(UInt8)
    case requestedTransport(UInt8)
    case dontFragment
    case unknown(type: UInt16, value: [UInt8])

    public enum Kind: UInt16, Sendable {
        case mappedAddress = 0x0001, username = 0x0006, messageIntegrity = 0x0008, errorCode = 0x0009
        case unknownAttributes = 0x000A, channelNumber = 0x000C, lifetime = 0x000D, xorPeerAddress = 0x0012
        case data = 0x0013, realm = 0x0014, nonce = 0x0015, xorRelayedAddress = 0x0016
        case requestedAddressFamily = 0x0017, requestedTransport = 0x0019, dontFragment = 0x001A
        case messageIntegritySHA256 = 0x001C, xorMappedAddress = 0x0020, priority = 0x0024, useCandidate = 0x0025
        case software = 0x8022, alternateServer = 0x8023, fingerprint = 0x8028
        case iceControlled = 0x8029, iceControlling = 0x802A
    }

    public var type: UInt16 {
        switch self {
        case .mappedAddress: return Kind.mappedAddress.rawValue
        case .xorMappedAddress: return Kind.xorMappedAddress.rawValue
        case .username: return Kind.username.rawValue
        case .errorCode: return Kind.errorCode.rawValue
        case .unknownAttributes: return Kind.unknownAttributes.rawValue
        case .realm: return Kind.realm.rawValue
        case .nonce: return Kind.nonce.rawValue
        case .software: return Kind.software.rawValue
        case .alternateServer: return Kind.alternateServer.rawValue
        case .priority: return Kind.priority.rawValue
        case .useCandidate: return Kind.useCandidate.rawValue
        case .iceControlled: return Kind.iceControlled.rawValue
        case .iceControlling: return Kind.iceControlling.rawValue
        case .channelNumber: return Kind.channelNumber.rawValue
        case .lifetime: return Kind.lifetime.rawValue
        case .xorPeerAddress: return Kind.xorPeerAddress.rawValue
        case .data: return Kind.data.rawValue
        case .xorRelayedAddress: return Kind.xorRelayedAddress.rawValue
        case .requestedAddressFamily: return Kind.requestedAddressFamily.rawValue
        case .requestedTransport: return Kind.requestedTransport.rawValue
        case .dontFragment: return Kind.dontFragment.rawValue
        case let .unknown(type, _): return type
        }
    }

    /// Types below 0x8000 must be understood; a request carrying one we do not know is answered with
    /// 420 and UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1, §15).
    public var isComprehensionRequired: Bool { type < 0x8000 }
}

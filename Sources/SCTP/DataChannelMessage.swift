/// DCEP messages (RFC 8832 §5) and the payload protocol identifiers of data channels (RFC 8831 §8).
public enum DataChannelMessage: Sendable, Equatable {
    case open(DataChannelOpen)
    case ack

    public enum ParseError: Error, Sendable, Equatable { case tooShort, unknownType(UInt8), badLength }

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> DataChannelMessage {
        guard let type = bytes.first else { throw .tooShort }
        switch type {
        case 0x02: return .ack
        case 0x03:
            guard bytes.count >= 12 else { throw .tooShort }
            let labelLength = Int(bytes[8]) << 8 | Int(bytes[9]), protocolLength = Int(bytes[10]) << 8 | Int(bytes[11])
            guard 12 + labelLength + protocolLength <= bytes.count else { throw .badLength }
            let reliability = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            return .open(DataChannelOpen(channelType: bytes[1], priority: UInt16(bytes[2]) << 8 | UInt16(bytes[3]), reliabilityParameter: reliability,
                                         label: String(decoding: bytes[12..<(12 + labelLength)], as: UTF8.self),
                                         protocolName: String(decoding: bytes[(12 + labelLength)..<(12 + labelLength + protocolLength)], as: UTF8.self)))
        default:
            throw .unknownType(type)
        }
    }

    public var serialized: [UInt8] {
        switch self {
        case .ack: return [0x02]
        case let .open(o):
            let label = Array(o.label.utf8.prefix(65_535)), proto = Array(o.protocolName.utf8.prefix(65_535))
            var out: [UInt8] = [0x03, o.channelType, UInt8(o.priority >> 8), UInt8(o.priority & 0xFF)]
            out += [UInt8(o.reliabilityParameter >> 24), UInt8((o.reliabilityParameter >> 16) & 0xFF), UInt8((o.reliabilityParameter >> 8) & 0xFF), UInt8(o.reliabilityParameter & 0xFF)]
            out += [UInt8(label.count >> 8), UInt8(label.count & 0xFF), UInt8(proto.count >> 8), UInt8(proto.count & 0xFF)]
            return out + label + proto
        }
    }
}

/// DATA_CHANNEL_OPEN (RFC 8832 §5.1).
public struct DataChannelOpen: Sendable, Equatable {
    /// 0x00 reliable, 0x01 partial (retransmits), 0x02 partial (timed); +0x80 unordered.
    public var channelType: UInt8
    public var priority: UInt16
    public var reliabilityParameter: UInt32
    public var label: String
    public var protocolName: String

    public init(channelType: UInt8, priority: UInt16 = 256, reliabilityParameter: UInt32, label: String, protocolName: String) {
        self.channelType = channelType
        self.priority = priority
        self.reliabilityParameter = reliabilityParameter
        self.label = label
        self.protocolName = protocolName
    }

    public init(label: String, protocolName: String, options: DataChannelOptions) {
        var type: UInt8 = 0, parameter: UInt32 = 0
        if let n = options.maxRetransmits { type = 0x01; parameter = n } else if let ms = options.maxPacketLifeTime { type = 0x02; parameter = ms }
        if !options.ordered { type |= 0x80 }
        self.init(channelType: type, reliabilityParameter: parameter, label: label, protocolName: protocolName)
    }

    public var options: DataChannelOptions {
        var o = DataChannelOptions()
        o.ordered = channelType & 0x80 == 0
        switch channelType & 0x7F {
        case 0x01: o.maxRetransmits = reliabilityParameter
        case 0x02: o.maxPacketLifeTime = reliabilityParameter
        default: break
        }
        o.protocolName = protocolName
        return o
    }
}

/// RTCDataChannelInit's reliability and framing choices (W3C webrtc-pc §6.2).
public struct DataChannelOptions: Sendable, Equatable {
    public var ordered = true
    public var maxRetransmits: UInt32?
    /// Milliseconds.
    public var maxPacketLifeTime: UInt32?
    public var protocolName = ""
    /// Negotiated out of band on this stream id: no DCEP.
    public var negotiatedID: UInt16?
    public init() {}
}

/// Payload protocol identifiers (RFC 8831 §8).
public enum DataChannelPPID {
    public static let dcep: UInt32 = 50
    public static let string: UInt32 = 51
    public static let binary: UInt32 = 53
    public static let emptyString: UInt32 = 56
    public static let emptyBinary: UInt32 = 57
}

extension RtpHeaderExtension {
    /// The extensions termcall reads and writes, named by the URI that `a=extmap` carries (RFC 8285 §5).
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// RFC 6464: voice activity and level of the audio in this packet.
        case audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
        /// Sender clock at transmission, for receive-side bandwidth estimation (REMB).
        case absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
        /// One counter across all streams of the transport, for send-side estimation (TWCC).
        case transportSequenceNumber = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
        /// RFC 8843 §15.2: which m= section a bundled packet belongs to.
        case mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    }
}

/// Local id ↔ URI as negotiated in SDP (`a=extmap:<id> <uri>`, RFC 8285 §5). Ids mean nothing
/// without it, so every typed accessor takes one.
public struct RtpExtensionMap: Sendable, Equatable {
    public private(set) var uriById: [UInt8: String]

    public init(_ uriById: [UInt8: String] = [:]) { self.uriById = uriById }

    public init(kinds kindsById: [UInt8: RtpHeaderExtension.Kind]) {
        self.uriById = kindsById.mapValues(\.rawValue)
    }

    /// Binds `id` to `uri`, replacing whatever either was bound to before.
    public mutating func register(id: UInt8, uri: String) {
        for (existing, value) in uriById where value == uri { uriById[existing] = nil }
        uriById[id] = uri
    }

    public mutating func register(id: UInt8, kind: RtpHeaderExtension.Kind) { register(id: id, uri: kind.rawValue) }

    public func id(of kind: RtpHeaderExtension.Kind) -> UInt8? {
        uriById.first { $0.value == kind.rawValue }?.key
    }

    public func kind(of id: UInt8) -> RtpHeaderExtension.Kind? {
        uriById[id].flatMap { RtpHeaderExtension.Kind(rawValue: $0) }
    }
}

/// RFC 6464 §3: one octet, V (voice activity) then the level in −dBov, 0 (loudest) to 127 (silence).
public struct AudioLevel: Sendable, Equatable {
    public var voiceActivity: Bool
    /// −dBov, clamped to 0…127 when written.
    public var level: UInt8

    public init(voiceActivity: Bool, level: UInt8) {
        self.voiceActivity = voiceActivity
        self.level = level
    }

    public init?(_ data: [UInt8]) {
        guard let octet = data.first else { return nil }
        self.init(voiceActivity: octet & 0x80 != 0, level: octet & 0x7F)
    }

    public var bytes: [UInt8] { [(voiceActivity ? 0x80 : 0) | min(level, 127)] }
}

/// The abs-send-time value: 24 bits of 6.18 fixed-point seconds, wrapping every 64 s.
public struct AbsSendTime: Sendable, Equatable {
    public static let wrapMicroseconds: Int64 = 64_000_000
    /// The low 24 bits are the value.
    public var raw: UInt32

    public init(raw: UInt32) { self.raw = raw & 0xFF_FFFF }

    /// From any monotonic clock in microseconds; only its position modulo 64 s survives.
    public init(microseconds: Int64) {
        let inWrap = ((microseconds % Self.wrapMicroseconds) + Self.wrapMicroseconds) % Self.wrapMicroseconds
        self.init(raw: UInt32(truncatingIfNeeded: (inWrap << 18) / 1_000_000))
    }

    /// From a 64-bit NTP timestamp (32.32): the bits from 2^5 s down to 2^-18 s.
    public init(ntpTimestamp: UInt64) { self.init(raw: UInt32(truncatingIfNeeded: ntpTimestamp >> 14)) }

    public init?(_ data: [UInt8]) {
        guard data.count >= 3 else { return nil }
        self.init(raw: UInt32(data[0]) << 16 | UInt32(data[1]) << 8 | UInt32(data[2]))
    }

    /// Position within the 64 s wrap, rounded down to the microsecond.
    public var microseconds: Int64 { (Int64(raw) * 1_000_000) >> 18 }

    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: raw >> 16), UInt8(truncatingIfNeeded: raw >> 8), UInt8(truncatingIfNeeded: raw)]
    }
}

/// Typed access through a negotiated map. Getters return nil when the extension is not negotiated,
/// absent or too short; setters return false (and change nothing) when it is not negotiated.
extension RtpPacket {
    public func extensionData(_ kind: RtpHeaderExtension.Kind, in map: RtpExtensionMap) -> [UInt8]? {
        map.id(of: kind).flatMap { extensionData(id: $0) }
    }

    @discardableResult
    public mutating func setExtension(_ kind: RtpHeaderExtension.Kind, data: [UInt8], in map: RtpExtensionMap) -> Bool {
        guard let id = map.id(of: kind) else { return false }
        setExtension(id: id, data: data)
        return true
    }

    public func audioLevel(in map: RtpExtensionMap) -> AudioLevel? {
        extensionData(.audioLevel, in: map).flatMap { AudioLevel($0) }
    }

    @discardableResult
    public mutating func setAudioLevel(_ value: AudioLevel, in map: RtpExtensionMap) -> Bool {
        setExtension(.audioLevel, data: value.bytes, in: map)
    }

    public func absSendTime(in map: RtpExtensionMap) -> AbsSendTime? {
        extensionData(.absSendTime, in: map).flatMap { AbsSendTime($0) }
    }

    @discardableResult
    public mutating func setAbsSendTime(_ value: AbsSendTime, in map: RtpExtensionMap) -> Bool {
        setExtension(.absSendTime, data: value.bytes, in: map)
    }

    /// The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    public func transportSequenceNumber(in map: RtpExtensionMap) -> UInt16? {
        guard let data = extensionData(.transportSequenceNumber, in: map), data.count >= 2 else { return nil }
        return UInt16(data[0]) << 8 | UInt16(data[1])
    }

    @discardableResult
    public mutating func setTransportSequenceNumber(_ value: UInt16, in map: RtpExtensionMap) -> Bool {
        setExtension(.transportSequenceNumber, data: [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)], in: map)
    }

    /// RFC 8843 §15.2: the MID as UTF-8 text (invalid bytes become U+FFFD).
    public func mid(in map: RtpExtensionMap) -> String? {
        extensionData(.mid, in: map).map { String(decoding: $0, as: UTF8.self) }
    }

    /// An empty MID is not written (a one-byte element carries at least one byte).
    @discardableResult
    public mutating func setMid(_ value: String, in map: RtpExtensionMap) -> Bool {
        guard !value.isEmpty else { return false }
        return setExtension(.mid, data: Array(value.utf8), in: map)
    }
}

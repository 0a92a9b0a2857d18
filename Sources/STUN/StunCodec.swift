import CryptoPrimitives

/// Why bytes are not a STUN message. Callers drop and count such datagrams; nothing here traps.
public enum StunParseError: Error, Sendable, Equatable {
    case notStun            // too short, top bits set, wrong cookie: another protocol (RFC 7983 demux)
    case badLength
    case truncatedAttribute(type: UInt16)
    case malformedAttribute(type: UInt16)
    case fingerprintMismatch
    case fingerprintNotLast
}

/// Message integrity key (RFC 8489 §9): short-term is the password itself (ICE); long-term is
/// MD5(username ":" realm ":" password) (TURN). Passwords are used as given: SASLprep (RFC 4013)
/// changes only non-ASCII or odd-space passwords, which ICE never generates.
public struct StunCredentials: Sendable, Equatable {
    public var key: [UInt8]
    public var username: String?

    public static func shortTerm(password: String) -> StunCredentials {
        StunCredentials(key: Array(password.utf8), username: nil)
    }

    public static func longTerm(username: String, realm: String, password: String) -> StunCredentials {
        StunCredentials(key: HashFunction.md5.digest(Array("\(username):\(realm):\(password)".utf8)), username: username)
    }
}

/// A decoded message plus where its integrity attributes sat in the bytes, so they can be checked
/// once the key is known (the key often depends on the message: USERNAME, REALM).
public struct DecodedStunMessage: Sendable {
    public var message: StunMessage
    public let bytes: [UInt8]
    /// Offset of the MESSAGE-INTEGRITY attribute header, if present.
    public let integrityOffset: Int?
    public let integritySHA256Offset: Int?
    public let hasFingerprint: Bool

    public var hasIntegrity: Bool { integrityOffset != nil || integritySHA256Offset != nil }

    /// True when MESSAGE-INTEGRITY (or, if that is absent, MESSAGE-INTEGRITY-SHA256) matches `key`.
    public func verifyIntegrity(key: [UInt8]) -> Bool {
        if let at = integrityOffset { return Self.check(bytes, at: at, hash: .sha1, key: key) }
        if let at = integritySHA256Offset {
            // RFC 8489 §14.6: the value may be truncated to 16…32 bytes; compare what was sent.
            let length = Int(StunMessage.get16(bytes, at + 2))
            return Self.check(bytes, at: at, hash: .sha256, key: key, macLength: length)
        }
        return false
    }

    static func check(_ bytes: [UInt8], at offset: Int, hash: HashFunction, key: [UInt8], macLength: Int? = nil) -> Bool {
        let macLength = min(hash.outputBytes, macLength ?? hash.outputBytes)
        guard offset + 4 + macLength <= bytes.count else { return false }
        var covered = Array(bytes[0..<offset])
        StunMessage.putLength(&covered, offset + 4 + macLength - StunMessage.headerBytes)
        let expected = hash.authenticationCode(key: key, covered).prefix(macLength)
        return constantTimeEqual(expected, bytes[(offset + 4)..<(offset + 4 + macLength)])
    }
}

extension StunMessage {
    public enum Integrity: Sendable { case sha1, sha256 }

    /// Serialises the message; with `credentials`, appends MESSAGE-INTEGRITY (SHA-1 unless asked),
    /// then FINGERPRINT when `fingerprint` (RFC 8489 §14.5, §14.7 order).
    public func encode(credentials: StunCredentials? = nil, integrity: Integrity = .sha1, fingerprint: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        Self.put16(&out, typeField)
        Self.put16(&out, 0)
        Self.put32(&out, Self.magicCookie)
        out += transactionID.count == 12 ? transactionID : Array((transactionID + [UInt8](repeating: 0, count: 12)).prefix(12))
        for attribute in attributes { appendAttribute(attribute, to: &out) }
        if let credentials {
            let hash: HashFunction = integrity == .sha1 ? .sha1 : .sha256
            Self.putLength(&out, out.count - Self.headerBytes + 4 + hash.outputBytes)
            let mac = hash.authenticationCode(key: credentials.key, out)
            Self.put16(&out, integrity == .sha1 ? StunAttribute.Kind.messageIntegrity.rawValue : StunAttribute.Kind.messageIntegritySHA256.rawValue)
            Self.put16(&out, UInt16(mac.count))
            out += mac
        }
        if fingerprint {
            Self.putLength(&out, out.count - Self.headerBytes + 8)
            let crc = CRC32.checksum(out) ^ 0x5354_554E
            Self.put16(&out, StunAttribute.Kind.fingerprint.rawValue)
            Self.put16(&out, 4)
            Self.put32(&out, crc)
        }
        Self.putLength(&out, out.count - Self.headerBytes)
        return out
    }

    /// Quick test used by the RFC 7983 demultiplexer and before a full parse: 20+ bytes, top two bits
    /// zero, the magic cookie in place.
    public static func looksLikeStun(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count >= headerBytes else { return false }
        var i = bytes.startIndex
        guard bytes[i] & 0xC0 == 0 else { return false }
        i = bytes.index(i, offsetBy: 4)
        var cookie: UInt32 = 0
        for _ in 0..<4 { cookie = cookie << 8 | UInt32(bytes[i]); i = bytes.index(after: i) }
        return cookie == magicCookie
    }

    /// Parses and checks structure and FINGERPRINT (when present). Never traps, whatever the bytes.
    public static func decode(_ bytes: [UInt8]) throws(StunParseError) -> DecodedStunMessage {
        guard looksLikeStun(bytes) else { throw .notStun }
        let length = Int(get16(bytes, 2))
        guard length % 4 == 0, length + headerBytes == bytes.count else { throw .badLength }
        let (method, messageClass) = split(typeField: get16(bytes, 0))
        var message = StunMessage(method: method, messageClass: messageClass, transactionID: Array(bytes[8..<20]))
        var offset = headerBytes
        var integrityAt: Int?, integritySHA256At: Int?, fingerprint = false
        while offset < bytes.count {
            guard offset + 4 <= bytes.count else { throw .truncatedAttribute(type: 0) }
            let type = get16(bytes, offset), valueLength = Int(get16(bytes, offset + 2))
            let start = offset + 4, end = start + valueLength
            guard end <= bytes.count else { throw .truncatedAttribute(type: type) }
            let value = bytes[start..<end]
            if fingerprint { throw .fingerprintNotLast }
            switch type {
            case StunAttribute.Kind.messageIntegrity.rawValue:
                guard valueLength == 20 else { throw .malformedAttribute(type: type) }
                if integrityAt == nil, integritySHA256At == nil { integrityAt = offset }
            case StunAttribute.Kind.messageIntegritySHA256.rawValue:
                guard (16...32).contains(valueLength), valueLength % 4 == 0 else { throw .malformedAttribute(type: type) }
                if integritySHA256At == nil { integritySHA256At = offset }
            case StunAttribute.Kind.fingerprint.rawValue:
                guard valueLength == 4 else { throw .malformedAttribute(type: type) }
                var covered = Array(bytes[0..<offset])
                putLength(&covered, offset + 8 - headerBytes)
                guard CRC32.checksum(covered) ^ 0x5354_554E == get32(bytes, start) else { throw .fingerprintMismatch }
                fingerprint = true
            default:
                // After MESSAGE-INTEGRITY only the integrity/fingerprint attributes count (§14.5).
                if integrityAt == nil, integritySHA256At == nil {
                    message.attributes.append(try decodeAttribute(type: type, value, transactionID: message.transactionID))
                }
            }
            offset = end + (4 - valueLength % 4) % 4
        }
        guard offset == bytes.count else { throw .badLength }
        return DecodedStunMessage(message: message, bytes: bytes, integrityOffset: integrityAt,
                                  integritySHA256Offset: integritySHA256At, hasFingerprint: fingerprint)
    }

    // MARK: attributes

    private func appendAttribute(_ attribute: StunAttribute, to out: inout [UInt8]) {
        var value: [UInt8] = []
        switch attribute {
        case let .mappedAddress(a), let .alternateServer(a): value = Self.addressValue(a, xor: nil)
        case let .xorMappedAddress(a), let .xorPeerAddress(a), let .xorRelayedAddress(a): value = Self.addressValue(a, xor: transactionID)
        case let .username(s), let .realm(s), let .nonce(s), let .software(s): value = Array(s.utf8)
        case let .errorCode(code, reason):
            value = [0, 0, UInt8((code / 100) & 0x7), UInt8(code % 100)] + Array(reason.utf8)
        case let .unknownAttributes(types): for t in types { Self.put16(&value, t) }
        case let .priority(p), let .lifetime(p): Self.put32(&value, p)
        case .useCandidate, .dontFragment: break
        case let .iceControlled(t), let .iceControlling(t): Self.put32(&value, UInt32(t >> 32)); Self.put32(&value, UInt32(t & 0xFFFF_FFFF))
        case let .channelNumber(n): Self.put16(&value, n); Self.put16(&value, 0)
        case let .data(d): value = d
        case let .requestedAddressFamily(f): value = [f, 0, 0, 0]
        case let .requestedTransport(p): value = [p, 0, 0, 0]
        case let .unknown(_, v): value = v
        }
        Self.put16(&out, attribute.type)
        Self.put16(&out, UInt16(value.count))
        out += value
        out += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    private static func decodeAttribute(type: UInt16, _ v: ArraySlice<UInt8>, transactionID: [UInt8]) throws(StunParseError) -> StunAttribute {
        let value = Array(v)
        func string(max: Int) throws(StunParseError) -> String {
            guard value.count <= max else { throw .malformedAttribute(type: type) }
            return String(decoding: value, as: UTF8.self)
        }
        func word() throws(StunParseError) -> UInt32 {
            guard value.count == 4 else { throw .malformedAttribute(type: type) }
            return get32(value, 0)
        }
        func tieBreaker() throws(StunParseError) -> UInt64 {
            guard value.count == 8 else { throw .malformedAttribute(type: type) }
            return UInt64(get32(value, 0)) << 32 | UInt64(get32(value, 4))
        }
        func address(xor: Bool) throws(StunParseError) -> TransportAddress {
            guard let a = parseAddress(value, xor: xor ? transactionID : nil) else { throw .malformedAttribute(type: type) }
            return a
        }
        guard let kind = StunAttribute.Kind(rawValue: type) else { return .unknown(type: type, value: value) }
        switch kind {
        case .mappedAddress: return .mappedAddress(try address(xor: false))
        case .alternateServer: return .alternateServer(try address(xor: false))
        case .xorMappedAddress: return .xorMappedAddress(try address(xor: true))
        case .xorPeerAddress: return .xorPeerAddress(try address(xor: true))
        case .xorRelayedAddress: return .xorRelayedAddress(try address(xor: true))
        case .username: return .username(try string(max: 513))
        case .realm: return .realm(try string(max: 763))
        case .nonce: return .nonce(try string(max: 763))
        case .software: return .software(try string(max: 763))
        case .errorCode:
            guard value.count >= 4, (3...6).contains(value[2] & 0x7), value[3] < 100 else { throw .malformedAttribute(type: type) }
            return .errorCode(Int(value[2] & 0x7) * 100 + Int(value[3]), String(decoding: value[4...], as: UTF8.self))
        case .unknownAttributes:
            guard value.count % 2 == 0 else { throw .malformedAttribute(type: type) }
            return .unknownAttributes(stride(from: 0, to: value.count, by: 2).map { get16(value, $0) })
        case .priority: return .priority(try word())
        case .lifetime: return .lifetime(try word())
        case .useCandidate: return .useCandidate
        case .dontFragment: return .dontFragment
        case .iceControlled: return .iceControlled(try tieBreaker())
        case .iceControlling: return .iceControlling(try tieBreaker())
        case .channelNumber: return .channelNumber(UInt16(try word() >> 16))
        case .data: return .data(value)
        case .requestedAddressFamily: return .requestedAddressFamily(UInt8(try word() >> 24))
        case .requestedTransport: return .requestedTransport(UInt8(try word() >> 24))
        case .messageIntegrity, .messageIntegritySHA256, .fingerprint: return .unknown(type: type, value: value) // handled by decode
        }
    }

    static func addressValue(_ a: TransportAddress, xor transactionID: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = [0, a.isIPv4 ? 0x01 : 0x02]
        let mask = [UInt8]([0x21, 0x12, 0xA4, 0x42]) + (transactionID ?? [])
        put16(&out, transactionID == nil ? a.port : a.port ^ 0x2112)
        for (i, b) in a.ip.bytes.enumerated() { out.append(transactionID == nil ? b : b ^ mask[i]) }
        return out
    }

    static func parseAddress(_ v: [UInt8], xor transactionID: [UInt8]?) -> TransportAddress? {
        guard v.count >= 4 else { return nil }
        let family = v[1]
        let mask = [UInt8]([0x21, 0x12, 0xA4, 0x42]) + (transactionID ?? [UInt8](repeating: 0, count: 12))
        var port = get16(v, 2)
        if transactionID != nil { port ^= 0x2112 }
        switch family {
        case 0x01:
            guard v.count == 8 else { return nil }
            let b = (0..<4).map { transactionID == nil ? v[4 + $0] : v[4 + $0] ^ mask[$0] }
            return TransportAddress(ip: .v4(b.reduce(0) { $0 << 8 | UInt32($1) }), port: port)
        case 0x02:
            guard v.count == 20 else { return nil }
            return TransportAddress(ip: .v6((0..<16).map { transactionID == nil ? v[4 + $0] : v[4 + $0] ^ mask[$0] }), port: port)
        default:
            return nil
        }
    }

    // MARK: byte helpers (big-endian, bounds already checked by callers)

    static func put16(_ out: inout [UInt8], _ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func put32(_ out: inout [UInt8], _ v: UInt32) { out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func putLength(_ out: inout [UInt8], _ length: Int) { out[2] = UInt8((length >> 8) & 0xFF); out[3] = UInt8(length & 0xFF) }
    static func get16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    static func get32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
}

/// CRC-32 (ISO 3309, the one zlib computes), for STUN's FINGERPRINT.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

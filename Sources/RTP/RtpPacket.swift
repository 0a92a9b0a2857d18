/// An RTP data packet (RFC 3550 §5.1) as a value. Padding is stripped on parse and its length kept,
/// so what was received can be written back; header extensions are decoded into RFC 8285 elements.
public struct RtpPacket: Sendable, Equatable {
    /// Frame boundary for video, talkspurt start for audio (RFC 3551 §4.1).
    public var marker: Bool
    /// 7 bits; serialisation masks the top bit.
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// At most 15 are written (the CC field is 4 bits, RFC 3550 §5.1).
    public var csrcs: [UInt32]
    /// RFC 8285 elements; the form (one- or two-byte) is chosen on serialisation.
    public var extensions: [RtpHeaderExtension]
    /// A block with a profile RFC 8285 does not define; written only when `extensions` is empty.
    public var rawExtension: RtpRawHeaderExtension?
    public var payload: [UInt8]
    /// Padding octets after the payload, count octet included (RFC 3550 §5.1 "P"); 0 for none.
    public var paddingLength: UInt8

    public static let version: UInt8 = 2
    public static let fixedHeaderLength = 12

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                csrcs: [UInt32] = [], extensions: [RtpHeaderExtension] = [], rawExtension: RtpRawHeaderExtension? = nil,
                payload: [UInt8], paddingLength: UInt8 = 0) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensions = extensions
        self.rawExtension = rawExtension
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// Parses one RTP packet (RFC 3550 §5.1, header extension §5.3.1 and RFC 8285). Throws rather
    /// than trapping on any byte string.
    public static func parse(_ bytes: [UInt8]) throws(RtpParseError) -> RtpPacket {
        var reader = ByteReader(bytes)
        let first = try reader.readUInt8()
        guard first >> 6 == version else { throw .badVersion }
        let hasPadding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
        let second = try reader.readUInt8()
        let sequenceNumber = try reader.readUInt16()
        let timestamp = try reader.readUInt32()
        let ssrc = try reader.readUInt32()
        var csrcs: [UInt32] = []
        csrcs.reserveCapacity(csrcCount)
        for _ in 0..<csrcCount { csrcs.append(try reader.readUInt32()) }

        var extensions: [RtpHeaderExtension] = []
        var rawExtension: RtpRawHeaderExtension?
        if hasExtension {
            guard reader.remaining >= 4 else { throw .badExtension }
            let profile = try reader.readUInt16()
            let words = Int(try reader.readUInt16())
            guard reader.remaining >= words * 4 else { throw .badExtension }
            let data = try reader.readBytes(words * 4)
            if profile == RtpHeaderExtensionBlock.oneByteProfile {
                extensions = try RtpHeaderExtensionBlock.parseOneByte(data)
            } else if RtpHeaderExtensionBlock.isTwoByteProfile(profile) {
                extensions = try RtpHeaderExtensionBlock.parseTwoByte(data)
            } else {
                rawExtension = RtpRawHeaderExtension(profile: profile, data: data)
            }
        }

        var rest = reader.readRest()
        var paddingLength: UInt8 = 0
        if hasPadding {
            // §5.1: the last octet counts the padding, itself included.
            guard let count = rest.last, count >= 1, Int(count) <= rest.count else { throw .badPadding }
            paddingLength = count
            rest.removeLast(Int(count))
        }
        return RtpPacket(marker: second & 0x80 != 0, payloadType: second & 0x7F, sequenceNumber: sequenceNumber,
                         timestamp: timestamp, ssrc: ssrc, csrcs: csrcs, extensions: extensions,
                         rawExtension: rawExtension, payload: rest, paddingLength: paddingLength)
    }

    /// The wire form. Extensions use the one-byte form when every element fits it (RFC 8285 §4.2),
    /// else the two-byte form (§4.3); padding is zeros ending in the count octet.
    public func serialized() -> [UInt8] {
        let writtenCsrcs = csrcs.prefix(15)
        var block: (profile: UInt16, data: [UInt8])? = RtpHeaderExtensionBlock.serialize(extensions)
        if block == nil, let raw = rawExtension {
            var data = raw.data
            data.padToWordBoundary()
            block = (profile: raw.profile, data: data)
        }
        var out: [UInt8] = []
        out.reserveCapacity(Self.fixedHeaderLength + writtenCsrcs.count * 4 + (block.map { $0.data.count + 4 } ?? 0)
                            + payload.count + Int(paddingLength))
        var first = Self.version << 6 | UInt8(writtenCsrcs.count)
        if paddingLength > 0 { first |= 0x20 }
        if block != nil { first |= 0x10 }
        out.append(first)
        out.append((marker ? 0x80 : 0) | payloadType & 0x7F)
        out.appendUInt16(sequenceNumber)
        out.appendUInt32(timestamp)
        out.appendUInt32(ssrc)
        for csrc in writtenCsrcs { out.appendUInt32(csrc) }
        if let block {
            out.appendUInt16(block.profile)
            out.appendUInt16(UInt16(truncatingIfNeeded: block.data.count / 4))
            out += block.data
        }
        out += payload
        if paddingLength > 0 {
            out += [UInt8](repeating: 0, count: Int(paddingLength) - 1)
            out.append(paddingLength)
        }
        return out
    }

    /// The bytes of the first element with `id`, if present.
    public func extensionData(id: UInt8) -> [UInt8]? {
        extensions.first { $0.id == id }?.data
    }

    /// Replaces the element with `id` (or appends one) so each id appears once.
    public mutating func setExtension(id: UInt8, data: [UInt8]) {
        if let index = extensions.firstIndex(where: { $0.id == id }) {
            extensions.removeAll { $0.id == id }
            extensions.insert(RtpHeaderExtension(id: id, data: data), at: min(index, extensions.count))
        } else {
            extensions.append(RtpHeaderExtension(id: id, data: data))
        }
    }

    public mutating func removeExtension(id: UInt8) {
        extensions.removeAll { $0.id == id }
    }
}

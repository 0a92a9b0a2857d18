/// One Generic NACK FCI entry (RFC 4585 §6.2.1): a lost packet id and a bitmask of the 16 after it.
public struct NackEntry: Sendable, Equatable {
    public var packetId: UInt16
    /// Bit i set: packet `packetId + i + 1` is lost too.
    public var lostBitmask: UInt16

    public init(packetId: UInt16, lostBitmask: UInt16 = 0) {
        self.packetId = packetId
        self.lostBitmask = lostBitmask
    }

    /// The sequence numbers this entry reports, in order (wrapping past 65535).
    public var sequenceNumbers: [UInt16] {
        var out = [packetId]
        for bit in 0..<16 where lostBitmask & (1 << bit) != 0 { out.append(packetId &+ UInt16(bit + 1)) }
        return out
    }

    /// Packs sequence numbers into PID/BLP pairs, keeping their order: a number joins the current
    /// entry only when it lies 1–16 after its PID and after the last number already in it, so
    /// `expand(compress(x)) == x` for any list, duplicates and wraps included.
    public static func compress(_ lost: [UInt16]) -> [NackEntry] {
        var entries: [NackEntry] = []
        var lastOffset: UInt16 = 0
        for sequence in lost {
            if let current = entries.last {
                let offset = sequence &- current.packetId
                if (1...16).contains(offset), offset > lastOffset {
                    entries[entries.count - 1].lostBitmask |= 1 << (offset - 1)
                    lastOffset = offset
                    continue
                }
            }
            entries.append(NackEntry(packetId: sequence))
            lastOffset = 0
        }
        return entries
    }

    public static func expand(_ entries: [NackEntry]) -> [UInt16] {
        entries.flatMap(\.sequenceNumbers)
    }
}

/// One FIR FCI entry (RFC 5104 §4.3.1.1): whose decoder to refresh, and a command sequence number
/// that the sender increments per new request so repeats are recognised.
public struct FirEntry: Sendable, Equatable {
    public var ssrc: UInt32
    public var sequenceNumber: UInt8

    public init(ssrc: UInt32, sequenceNumber: UInt8) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}

/// FCI codecs for the RTPFB (205) and PSFB (206) messages termcall speaks. Every feedback body
/// starts with the packet sender's and the media source's SSRC (RFC 4585 §6.1).
enum RtcpFeedbackCodec {
    static let nackFormat: UInt8 = 1                 // RFC 4585 §6.2.1
    static let transportFeedbackFormat: UInt8 = 15   // draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1
    static let pictureLossFormat: UInt8 = 1          // RFC 4585 §6.3.1
    static let fullIntraRequestFormat: UInt8 = 4     // RFC 5104 §4.3.1
    static let applicationLayerFormat: UInt8 = 15    // RFC 4585 §6.4, REMB rides on it
    static let rembIdentifier: [UInt8] = Array("REMB".utf8)

    static func readSsrcs(_ reader: inout ByteReader) throws(RtpParseError) -> (sender: UInt32, media: UInt32) {
        let sender = try reader.readUInt32()
        return (sender: sender, media: try reader.readUInt32())
    }

    static func header(sender: UInt32, media: UInt32) -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt32(sender)
        body.appendUInt32(media)
        return body
    }

    // MARK: Generic NACK

    static func parseNack(_ reader: inout ByteReader) throws(RtpParseError) -> [UInt16] {
        guard reader.remaining % 4 == 0 else { throw .malformedBody }
        var entries: [NackEntry] = []
        while !reader.isAtEnd {
            let packetId = try reader.readUInt16()
            entries.append(NackEntry(packetId: packetId, lostBitmask: try reader.readUInt16()))
        }
        return NackEntry.expand(entries)
    }

    static func nackBody(sender: UInt32, media: UInt32, lost: [UInt16]) -> [UInt8] {
        var body = header(sender: sender, media: media)
        for entry in NackEntry.compress(lost) {
            body.appendUInt16(entry.packetId)
            body.appendUInt16(entry.lostBitmask)
        }
        return body
    }

    // MARK: FIR

    static func parseFir(_ reader: inout ByteReader) throws(RtpParseError) -> [FirEntry] {
        guard reader.remaining % 8 == 0 else { throw .malformedBody }
        var entries: [FirEntry] = []
        while !reader.isAtEnd {
            let ssrc = try reader.readUInt32()
            let sequence = try reader.readUInt8()
            try reader.skip(3)   // reserved
            entries.append(FirEntry(ssrc: ssrc, sequenceNumber: sequence))
        }
        return entries
    }

    /// RFC 5104 §4.3.1.2: the media source SSRC of a FIR is 0; the targets are in the FCI.
    static func firBody(sender: UInt32, entries: [FirEntry]) -> [UInt8] {
        var body = header(sender: sender, media: 0)
        for entry in entries {
            body.appendUInt32(entry.ssrc)
            body.append(entry.sequenceNumber)
            body += [0, 0, 0]
        }
        return body
    }

    // MARK: REMB (draft-alvestrand-rmcat-remb-03 §2.2)

    /// Nil when the application-layer message is not REMB (it is then kept as `.unknown`).
    static func parseRemb(_ reader: inout ByteReader) throws(RtpParseError) -> (bitrate: UInt64, ssrcs: [UInt32])? {
        guard reader.remaining >= 4, try reader.readBytes(4) == rembIdentifier else { return nil }
        let count = try reader.readUInt8()
        let field = try reader.readUInt24()
        let exponent = field >> 18
        let mantissa = UInt64(field & 0x3_FFFF)
        // A bitrate beyond 64 bits is nonsense; refuse it rather than wrap.
        guard mantissa == 0 || mantissa.leadingZeroBitCount >= Int(exponent) else { throw .malformedBody }
        let bitrate = mantissa << exponent
        guard reader.remaining >= Int(count) * 4 else { throw .badLength }
        var ssrcs: [UInt32] = []
        for _ in 0..<count { ssrcs.append(try reader.readUInt32()) }
        return (bitrate: bitrate, ssrcs: ssrcs)
    }

    /// The smallest exponent whose 18-bit mantissa holds the bitrate; lower bits are dropped, so a
    /// parsed value always serialises back exactly. At most 255 SSRCs are written.
    static func rembBody(sender: UInt32, bitrate: UInt64, ssrcs: [UInt32]) -> [UInt8] {
        var exponent: UInt64 = 0
        while bitrate >> exponent > 0x3_FFFF { exponent += 1 }
        let mantissa = bitrate >> exponent
        let written = ssrcs.prefix(255)
        var body = header(sender: sender, media: 0)
        body += rembIdentifier
        body.append(UInt8(written.count))
        body.appendUInt24(UInt32(truncatingIfNeeded: exponent << 18 | mantissa))
        for ssrc in written { body.appendUInt32(ssrc) }
        return body
    }
}

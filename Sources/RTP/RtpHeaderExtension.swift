/// One RTP header extension element (RFC 8285 §4): a local identifier negotiated in SDP
/// (`a=extmap`) and its bytes. The wire form — one-byte or two-byte — is chosen when serialising.
public struct RtpHeaderExtension: Sendable, Equatable {
    public var id: UInt8
    public var data: [UInt8]

    public init(id: UInt8, data: [UInt8]) {
        self.id = id
        self.data = data
    }

    /// RFC 8285 §4.2: ids 1–14 with 1–16 data bytes fit the one-byte form.
    var fitsOneByteForm: Bool { (1...14).contains(id) && (1...16).contains(data.count) }
    /// RFC 8285 §4.3: ids 1–255 with 0–255 data bytes fit the two-byte form (id 0 is padding).
    var fitsTwoByteForm: Bool { id != 0 && data.count <= 255 }
}

/// A header extension block whose profile is neither RFC 8285 form: kept as raw words so the
/// packet survives a round trip (RFC 3550 §5.3.1).
public struct RtpRawHeaderExtension: Sendable, Equatable {
    /// The 16-bit "defined by profile" field.
    public var profile: UInt16
    /// The extension words; serialisation pads this to a multiple of four bytes.
    public var data: [UInt8]

    public init(profile: UInt16, data: [UInt8]) {
        self.profile = profile
        self.data = data
    }
}

/// Codec for the RFC 8285 header extension block (the bytes after the RFC 3550 §5.3.1 header).
enum RtpHeaderExtensionBlock {
    static let oneByteProfile: UInt16 = 0xBEDE
    /// RFC 8285 §4.3: 0x100 in the top 12 bits, "appbits" in the low 4.
    static let twoByteProfile: UInt16 = 0x1000

    static func isTwoByteProfile(_ profile: UInt16) -> Bool { profile & 0xFFF0 == twoByteProfile }

    /// Elements of a one-byte block (RFC 8285 §4.2): zero bytes are padding; id 15 ends parsing.
    static func parseOneByte(_ data: [UInt8]) throws(RtpParseError) -> [RtpHeaderExtension] {
        var elements: [RtpHeaderExtension] = []
        var index = 0
        while index < data.count {
            let header = data[index]
            let id = header >> 4
            if id == 0 { index += 1; continue }   // padding byte; its length nibble is ignored
            if id == 15 { break }                  // reserved: stop, keep what came before
            let length = Int(header & 0x0F) + 1
            guard index + 1 + length <= data.count else { throw .badExtension }
            elements.append(RtpHeaderExtension(id: id, data: Array(data[(index + 1)..<(index + 1 + length)])))
            index += 1 + length
        }
        return elements
    }

    /// Elements of a two-byte block (RFC 8285 §4.3): a zero id byte is one byte of padding.
    static func parseTwoByte(_ data: [UInt8]) throws(RtpParseError) -> [RtpHeaderExtension] {
        var elements: [RtpHeaderExtension] = []
        var index = 0
        while index < data.count {
            let id = data[index]
            if id == 0 { index += 1; continue }
            guard index + 2 <= data.count else { throw .badExtension }
            let length = Int(data[index + 1])
            guard index + 2 + length <= data.count else { throw .badExtension }
            elements.append(RtpHeaderExtension(id: id, data: Array(data[(index + 2)..<(index + 2 + length)])))
            index += 2 + length
        }
        return elements
    }

    /// Profile and padded element bytes: one-byte form when every element fits it, else two-byte
    /// (RFC 8285 §4.1.2: one form per packet). Elements that fit neither form are left out.
    static func serialize(_ elements: [RtpHeaderExtension]) -> (profile: UInt16, data: [UInt8])? {
        let usable = elements.filter(\.fitsTwoByteForm)
        guard !usable.isEmpty else { return nil }
        var out: [UInt8] = []
        if usable.allSatisfy(\.fitsOneByteForm) {
            for element in usable {
                out.append(element.id << 4 | UInt8(truncatingIfNeeded: element.data.count - 1))
                out += element.data
            }
            out.padToWordBoundary()
            return (profile: oneByteProfile, data: out)
        }
        for element in usable {
            out.append(element.id)
            out.append(UInt8(truncatingIfNeeded: element.data.count))
            out += element.data
        }
        out.padToWordBoundary()
        return (profile: twoByteProfile, data: out)
    }
}

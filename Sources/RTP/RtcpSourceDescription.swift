/// One SDES item (RFC 3550 §6.5): a type octet and up to 255 octets of UTF-8 text.
public struct SdesItem: Sendable, Equatable {
    /// Item types of RFC 3550 §6.5.1–§6.5.8.
    public enum Kind: UInt8, Sendable, Equatable {
        case cname = 1, name, email, phone, location, tool, note, privateExtension
    }

    /// Never 0 (that octet ends a chunk's item list); items of type 0 are not written.
    public var itemType: UInt8
    /// Cut to 255 UTF-8 octets on a character boundary when written.
    public var text: String

    public init(itemType: UInt8, text: String) {
        self.itemType = itemType
        self.text = text
    }

    public init(_ kind: Kind, _ text: String) { self.init(itemType: kind.rawValue, text: text) }

    /// The canonical name that binds a participant's SSRCs together (§6.5.1).
    public static func cname(_ text: String) -> SdesItem { SdesItem(.cname, text) }

    public var kind: Kind? { Kind(rawValue: itemType) }
}

/// The items describing one SSRC or CSRC (RFC 3550 §6.5).
public struct SdesChunk: Sendable, Equatable {
    public var ssrc: UInt32
    public var items: [SdesItem]

    public init(ssrc: UInt32, items: [SdesItem]) {
        self.ssrc = ssrc
        self.items = items
    }
}

/// Body codecs for SDES (§6.5) and BYE (§6.6).
enum RtcpSourceDescriptionCodec {
    static let maximumPerPacket = 31

    static func parseChunks(count: UInt8, body: [UInt8]) throws(RtpParseError) -> [SdesChunk] {
        var reader = ByteReader(body)
        var chunks: [SdesChunk] = []
        for _ in 0..<count {
            let ssrc = try reader.readUInt32()
            var items: [SdesItem] = []
            while true {
                let itemType = try reader.readUInt8()
                if itemType == 0 { break }   // the null octet ending the list
                let length = try reader.readUInt8()
                let text = try reader.readBytes(Int(length))
                items.append(SdesItem(itemType: itemType, text: RtcpText.decode(text)))
            }
            // Chunks start on word boundaries; the null octets that follow fill up to one.
            try reader.skip(min((4 - reader.position % 4) % 4, reader.remaining))
            chunks.append(SdesChunk(ssrc: ssrc, items: items))
        }
        return chunks
    }

    /// More than 31 chunks are written as several SDES packets.
    static func append(_ chunks: [SdesChunk], to out: inout [UInt8]) {
        var rest = chunks[...]
        repeat {
            let group = rest.prefix(maximumPerPacket)
            rest = rest.dropFirst(maximumPerPacket)
            var body: [UInt8] = []
            for chunk in group {
                body.appendUInt32(chunk.ssrc)
                for item in chunk.items where item.itemType != 0 {
                    let text = RtcpText.encode(item.text)
                    body.append(item.itemType)
                    body.append(UInt8(text.count))
                    body += text
                }
                body.append(0)
                body.padToWordBoundary()
            }
            RtcpFraming.append(format: UInt8(group.count), packetType: RtcpPacket.PacketType.sourceDescription, body: body, to: &out)
        } while !rest.isEmpty
    }

    static func parseGoodbye(count: UInt8, body: [UInt8]) throws(RtpParseError) -> (ssrcs: [UInt32], reason: String?) {
        var reader = ByteReader(body)
        var ssrcs: [UInt32] = []
        for _ in 0..<count { ssrcs.append(try reader.readUInt32()) }
        guard !reader.isAtEnd else { return (ssrcs: ssrcs, reason: nil) }
        let length = try reader.readUInt8()
        let text = try reader.readBytes(Int(length))
        return (ssrcs: ssrcs, reason: RtcpText.decode(text))
    }

    /// More than 31 SSRCs are written as several BYE packets, the reason in the last.
    static func appendGoodbye(ssrcs: [UInt32], reason: String?, to out: inout [UInt8]) {
        var rest = ssrcs[...]
        repeat {
            let group = rest.prefix(maximumPerPacket)
            rest = rest.dropFirst(maximumPerPacket)
            var body: [UInt8] = []
            for ssrc in group { body.appendUInt32(ssrc) }
            if rest.isEmpty, let reason {
                let text = RtcpText.encode(reason)
                body.append(UInt8(text.count))
                body += text
                body.padToWordBoundary()
            }
            RtcpFraming.append(format: UInt8(group.count), packetType: RtcpPacket.PacketType.goodbye, body: body, to: &out)
        } while !rest.isEmpty
    }
}

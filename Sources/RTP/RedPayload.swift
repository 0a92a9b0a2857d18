/// Redundant audio (RFC 2198): one RTP payload carrying the newest frame (the primary) after
/// copies of earlier ones, so a lost packet is rebuilt from the next that arrives. Each redundant
/// block has a 4-byte header (§3: F=1, its payload type, how far before the packet's timestamp it
/// belongs, its length); the primary's header is one byte (F=0, its payload type).
public struct RedPayload: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        public var payloadType: UInt8
        /// How many timestamp units before the packet's own timestamp this frame belongs (14 bits).
        public var timestampOffset: UInt16
        public var data: [UInt8]

        public init(payloadType: UInt8, timestampOffset: UInt16, data: [UInt8]) {
            self.payloadType = payloadType
            self.timestampOffset = timestampOffset
            self.data = data
        }
    }

    /// Oldest first.
    public var redundant: [Block]
    public var primaryPayloadType: UInt8
    public var primary: [UInt8]

    /// A redundant block's length field is 10 bits, its offset 14 (§3).
    public static let maximumBlockLength = 1_023
    public static let maximumTimestampOffset: UInt16 = 0x3FFF

    public init(redundant: [Block], primaryPayloadType: UInt8, primary: [UInt8]) {
        self.redundant = redundant
        self.primaryPayloadType = primaryPayloadType
        self.primary = primary
    }

    /// Reads a RED payload. Malformed ones (headers that run past the payload, lengths that do not
    /// add up) throw; the caller drops and counts them.
    public static func parse(_ payload: [UInt8]) throws(RtpParseError) -> RedPayload {
        var headers: [(payloadType: UInt8, offset: UInt16, length: Int)] = []
        var index = 0
        while true {
            guard index < payload.count else { throw .tooShort }
            let first = payload[index]
            if first & 0x80 == 0 {
                index += 1
                break
            }
            guard index + 4 <= payload.count else { throw .tooShort }
            let offset = UInt16(payload[index + 1]) << 6 | UInt16(payload[index + 2] >> 2)
            let length = Int(payload[index + 2] & 0x03) << 8 | Int(payload[index + 3])
            headers.append((first & 0x7F, offset, length))
            index += 4
            // More blocks than bytes could ever carry is not a RED payload.
            guard headers.count <= 32 else { throw .malformedBody }
        }
        let primaryType = payload[index - 1] & 0x7F
        var blocks: [Block] = []
        for header in headers {
            guard index + header.length <= payload.count else { throw .badLength }
            blocks.append(Block(payloadType: header.payloadType, timestampOffset: header.offset, data: Array(payload[index..<(index + header.length)])))
            index += header.length
        }
        return RedPayload(redundant: blocks, primaryPayloadType: primaryType, primary: Array(payload[index...]))
    }

    /// The payload bytes. Blocks that do not fit the header's fields (over 1023 bytes, or too old
    /// for the 14-bit offset) are left out: redundancy is best effort, the primary always goes.
    public var serialized: [UInt8] {
        let kept = redundant.filter { $0.data.count <= Self.maximumBlockLength && $0.timestampOffset <= Self.maximumTimestampOffset }
        var out: [UInt8] = []
        out.reserveCapacity(kept.count * 4 + 1 + kept.reduce(0) { $0 + $1.data.count } + primary.count)
        for block in kept {
            out.append(0x80 | (block.payloadType & 0x7F))
            out.append(UInt8(truncatingIfNeeded: block.timestampOffset >> 6))
            out.append(UInt8(truncatingIfNeeded: block.timestampOffset << 2) | UInt8(truncatingIfNeeded: block.data.count >> 8))
            out.append(UInt8(truncatingIfNeeded: block.data.count))
        }
        out.append(primaryPayloadType & 0x7F)
        for block in kept { out += block.data }
        out += primary
        return out
    }
}

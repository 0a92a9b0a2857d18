/// The VP8 payload descriptor that starts every VP8 RTP payload (RFC 7741 §4.2):
///
///     X R N S R PID            required
///     I L T K RSV              if X
///     M PictureID (7 or 15)    if I
///     TL0PICIDX                if L
///     TID Y KEYIDX             if T or K
public struct Vp8PayloadDescriptor: Sendable, Equatable {
    /// RFC 7741 §4.2 "M": a 7-bit or a 15-bit picture id. Senders keep one width for a stream.
    public enum PictureId: Sendable, Equatable {
        case short(UInt8)
        case long(UInt16)

        public var value: UInt16 {
            switch self {
            case let .short(id): return UInt16(id & 0x7F)
            case let .long(id): return id & 0x7FFF
            }
        }
    }

    /// N: nothing references this frame, so it can be dropped without harm.
    public var nonReferenceFrame: Bool
    /// S: the payload starts a VP8 partition; set on the first packet of every frame.
    public var startOfPartition: Bool
    /// PID: which partition the payload starts in or continues (0–7).
    public var partitionIndex: UInt8
    public var pictureId: PictureId?
    /// TL0PICIDX: running index of the base temporal layer frames.
    public var tl0PictureIndex: UInt8?
    /// TID: temporal layer (0–3).
    public var temporalLayerIndex: UInt8?
    /// Y: layer sync; meaningful only with `temporalLayerIndex`.
    public var layerSync: Bool
    /// KEYIDX: running index of key frames (0–31).
    public var keyIndex: UInt8?

    public init(nonReferenceFrame: Bool = false, startOfPartition: Bool, partitionIndex: UInt8 = 0,
                pictureId: PictureId? = nil, tl0PictureIndex: UInt8? = nil, temporalLayerIndex: UInt8? = nil,
                layerSync: Bool = false, keyIndex: UInt8? = nil) {
        self.nonReferenceFrame = nonReferenceFrame
        self.startOfPartition = startOfPartition
        self.partitionIndex = partitionIndex
        self.pictureId = pictureId
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayerIndex = temporalLayerIndex
        self.layerSync = layerSync
        self.keyIndex = keyIndex
    }

    /// True for the packet that starts a frame: S=1 and PID=0 (RFC 7741 §4.2).
    public var startsFrame: Bool { startOfPartition && partitionIndex == 0 }

    /// The descriptor and how many payload bytes it took. Reserved bits are ignored (§4.2).
    public static func parse(_ payload: [UInt8]) throws(RtpParseError) -> (descriptor: Vp8PayloadDescriptor, length: Int) {
        var reader = ByteReader(payload)
        let first = try reader.readUInt8()
        var descriptor = Vp8PayloadDescriptor(nonReferenceFrame: first & 0x20 != 0, startOfPartition: first & 0x10 != 0,
                                              partitionIndex: first & 0x07)
        if first & 0x80 != 0 {
            let flags = try reader.readUInt8()
            if flags & 0x80 != 0 {
                let high = try reader.readUInt8()
                if high & 0x80 != 0 {
                    let low = try reader.readUInt8()
                    descriptor.pictureId = .long(UInt16(high & 0x7F) << 8 | UInt16(low))
                } else {
                    descriptor.pictureId = .short(high)
                }
            }
            if flags & 0x40 != 0 { descriptor.tl0PictureIndex = try reader.readUInt8() }
            let hasTemporalLayer = flags & 0x20 != 0, hasKeyIndex = flags & 0x10 != 0
            if hasTemporalLayer || hasKeyIndex {
                let byte = try reader.readUInt8()
                if hasTemporalLayer {
                    descriptor.temporalLayerIndex = byte >> 6
                    descriptor.layerSync = byte & 0x20 != 0
                }
                if hasKeyIndex { descriptor.keyIndex = byte & 0x1F }
            }
        }
        return (descriptor: descriptor, length: reader.position)
    }

    /// The wire form; X is set only when an optional field is present.
    public func serialized() -> [UInt8] {
        var flags: UInt8 = 0
        if pictureId != nil { flags |= 0x80 }
        if tl0PictureIndex != nil { flags |= 0x40 }
        if temporalLayerIndex != nil { flags |= 0x20 }
        if keyIndex != nil { flags |= 0x10 }
        var first: UInt8 = (nonReferenceFrame ? 0x20 : 0) | (startOfPartition ? 0x10 : 0) | partitionIndex & 0x07
        if flags != 0 { first |= 0x80 }
        var out = [first]
        guard flags != 0 else { return out }
        out.append(flags)
        switch pictureId {
        case let .short(id)?: out.append(id & 0x7F)
        case let .long(id)?: out += [0x80 | UInt8(truncatingIfNeeded: id >> 8) & 0x7F, UInt8(truncatingIfNeeded: id)]
        case nil: break
        }
        if let tl0PictureIndex { out.append(tl0PictureIndex) }
        if temporalLayerIndex != nil || keyIndex != nil {
            var byte: UInt8 = 0
            if let temporalLayerIndex { byte |= (temporalLayerIndex & 0x03) << 6 | (layerSync ? 0x20 : 0) }
            if let keyIndex { byte |= keyIndex & 0x1F }
            out.append(byte)
        }
        return out
    }
}

/// Keyframe tests on VP8 data (RFC 7741 §4.3, RFC 6386 §9.1).
public enum Vp8Payload {
    /// The first byte of a frame carries the inverse key frame flag P in its low bit: 0 means key frame.
    public static func frameIsKeyframe(_ frame: [UInt8]) -> Bool {
        guard let first = frame.first else { return false }
        return first & 0x01 == 0
    }

    /// True when this RTP payload starts a key frame: the descriptor says S=1, PID=0 and the VP8
    /// payload header right after it has P=0.
    public static func isKeyframe(_ payload: [UInt8]) -> Bool {
        guard let parsed = try? Vp8PayloadDescriptor.parse(payload), parsed.descriptor.startsFrame,
              parsed.length < payload.count else { return false }
        return payload[parsed.length] & 0x01 == 0
    }
}

/// One reassembled VP8 frame, ready for the decoder.
public struct Vp8Frame: Sendable, Equatable {
    public var data: [UInt8]
    public var rtpTimestamp: UInt32
    /// From the descriptor of the frame's first packet, if it carried one.
    public var pictureId: UInt16?
    /// RFC 7741 §4.3: P=0 in the VP8 payload header.
    public var isKeyframe: Bool
    /// Packets went missing since the previous complete frame: a delta frame may reference a frame
    /// the decoder never got, so the caller should ask for a keyframe (PLI) if decoding fails.
    public var followsLoss: Bool

    public init(data: [UInt8], rtpTimestamp: UInt32, pictureId: UInt16?, isKeyframe: Bool, followsLoss: Bool) {
        self.data = data
        self.rtpTimestamp = rtpTimestamp
        self.pictureId = pictureId
        self.isKeyframe = isKeyframe
        self.followsLoss = followsLoss
    }
}

public enum Vp8DepacketizerEvent: Sendable, Equatable {
    case frame(Vp8Frame)
    /// A frame that lost packets (or whose packets were unreadable) and was dropped, reported once,
    /// so the caller can NACK or send a PLI.
    case incompleteFrame(rtpTimestamp: UInt32, pictureId: UInt16?)
}

/// Reassembles VP8 frames from RTP packets fed in sequence order (after any reordering buffer).
/// A frame starts with S=1, PID=0 (RFC 7741 §4.2) and ends with the marker bit (§4.1); a gap in
/// sequence numbers drops the frame in progress. A new frame start after a continuous run also ends
/// the previous frame, for senders that forget the marker. Sans-IO: packets in, events out.
public struct Vp8Depacketizer: Sendable, Equatable {
    /// Frames growing beyond this are dropped (a bound on memory for hostile input).
    public let maximumFrameSize: Int

    private struct Assembly: Sendable, Equatable {
        var rtpTimestamp: UInt32
        var pictureId: UInt16?
        var data: [UInt8]
        var followsLoss: Bool
    }

    private var assembly: Assembly?
    private var lastSequenceNumber: UInt16?
    private var lossSinceLastFrame = false
    private var backwardPackets = 0
    /// The timestamp of a frame already reported incomplete, whose remaining packets are skipped quietly.
    private var discardedTimestamp: UInt32?

    public init(maximumFrameSize: Int = 4 << 20) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Feeds one packet. Packets at or before the last sequence number seen (late or duplicate) are ignored.
    public mutating func push(_ packet: RtpPacket) -> [Vp8DepacketizerEvent] {
        var events: [Vp8DepacketizerEvent] = []
        if let last = lastSequenceNumber {
            let step = Int16(bitPattern: packet.sequenceNumber &- last)
            if step <= 0 {
                // Late or duplicate — unless the sender restarted with lower numbers: after a run of
                // "old" packets, follow the new numbering instead of waiting for it to catch up.
                backwardPackets += 1
                guard backwardPackets >= 16 else { return [] }
                noteLoss(&events)
            } else if step != 1 {
                noteLoss(&events)
            }
            if step > 0 { backwardPackets = 0 }
        }
        lastSequenceNumber = packet.sequenceNumber

        guard !packet.payload.isEmpty else { return events }   // padding-only packet (RFC 3550 §5.1)
        guard let parsed = try? Vp8PayloadDescriptor.parse(packet.payload) else {
            noteLoss(&events)
            return events
        }
        let descriptor = parsed.descriptor
        let data = packet.payload[parsed.length...]

        if descriptor.startsFrame {
            if let previous = assembly {
                assembly = nil
                if previous.rtpTimestamp != packet.timestamp {
                    emit(previous, into: &events)   // continuous run, marker missing: the frame ended
                } else {
                    events.append(.incompleteFrame(rtpTimestamp: previous.rtpTimestamp, pictureId: previous.pictureId))
                    lossSinceLastFrame = true
                }
            }
            assembly = Assembly(rtpTimestamp: packet.timestamp, pictureId: descriptor.pictureId?.value,
                                data: Array(data), followsLoss: lossSinceLastFrame)
            discardedTimestamp = nil
        } else if assembly?.rtpTimestamp == packet.timestamp {
            assembly?.data += data
        } else {
            // The middle of a frame whose start never arrived.
            if let previous = assembly {
                assembly = nil
                events.append(.incompleteFrame(rtpTimestamp: previous.rtpTimestamp, pictureId: previous.pictureId))
            }
            if discardedTimestamp != packet.timestamp {
                events.append(.incompleteFrame(rtpTimestamp: packet.timestamp, pictureId: descriptor.pictureId?.value))
                discardedTimestamp = packet.timestamp
            }
            lossSinceLastFrame = true
            return events
        }

        if let current = assembly, current.data.count > maximumFrameSize {
            assembly = nil
            discardedTimestamp = current.rtpTimestamp
            lossSinceLastFrame = true
            events.append(.incompleteFrame(rtpTimestamp: current.rtpTimestamp, pictureId: current.pictureId))
        } else if packet.marker, let current = assembly {
            assembly = nil
            emit(current, into: &events)
        }
        return events
    }

    /// A gap or an unreadable packet: the frame in progress cannot be completed.
    private mutating func noteLoss(_ events: inout [Vp8DepacketizerEvent]) {
        lossSinceLastFrame = true
        if let current = assembly {
            assembly = nil
            discardedTimestamp = current.rtpTimestamp
            events.append(.incompleteFrame(rtpTimestamp: current.rtpTimestamp, pictureId: current.pictureId))
        }
    }

    private mutating func emit(_ assembly: Assembly, into events: inout [Vp8DepacketizerEvent]) {
        events.append(.frame(Vp8Frame(data: assembly.data, rtpTimestamp: assembly.rtpTimestamp, pictureId: assembly.pictureId,
                                      isKeyframe: Vp8Payload.frameIsKeyframe(assembly.data), followsLoss: assembly.followsLoss)))
        lossSinceLastFrame = false
    }
}

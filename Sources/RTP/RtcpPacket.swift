/// One RTCP packet (RFC 3550 §6.4–§6.6, RFC 4585 §6, RFC 5104 §4.3.1, REMB, TWCC) as a value.
/// Types and formats termcall does not interpret are kept as `.unknown` so they survive a round trip.
public enum RtcpPacket: Sendable, Equatable {
    case senderReport(SenderReport)
    case receiverReport(ReceiverReport)
    case sourceDescription([SdesChunk])
    /// RFC 3550 §6.6; the reason is cut to 255 UTF-8 octets when written.
    case goodbye(ssrcs: [UInt32], reason: String?)
    /// RFC 4585 §6.2.1; `lost` in the order given, packed into PID/BLP pairs on the wire.
    case genericNack(sender: UInt32, media: UInt32, lost: [UInt16])
    /// RFC 4585 §6.3.1: the receiver lost decoder state and wants a keyframe.
    case pictureLossIndication(sender: UInt32, media: UInt32)
    /// RFC 5104 §4.3.1.
    case fullIntraRequest(sender: UInt32, entries: [FirEntry])
    /// draft-alvestrand-rmcat-remb §2.2: the receiver's estimate in bits per second for `ssrcs`.
    /// Written with an 18-bit mantissa, so large values lose their low bits.
    case remb(sender: UInt32, bitrate: UInt64, ssrcs: [UInt32])
    case transportFeedback(TransportFeedback)
    /// Any other packet: its type, its 5-bit count/format field and its body without padding.
    case unknown(packetType: UInt8, format: UInt8, payload: [UInt8])

    /// RTCP packet type numbers (RFC 3550 §12.1, RFC 4585 §6.1).
    public enum PacketType {
        public static let senderReport: UInt8 = 200
        public static let receiverReport: UInt8 = 201
        public static let sourceDescription: UInt8 = 202
        public static let goodbye: UInt8 = 203
        public static let application: UInt8 = 204
        public static let transportFeedback: UInt8 = 205   // RTPFB
        public static let payloadFeedback: UInt8 = 206     // PSFB
    }

    /// RFC 5761 §4: with RTP and RTCP multiplexed on one port, a second octet of 192–223 marks RTCP
    /// (RTP payload types 64–95 are never used there).
    public static func looksLikeRtcp(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] >> 6 == 2 && (192...223).contains(bytes[1])
    }

    /// Parses a compound packet: every packet must be version 2 and the lengths must add up to the
    /// datagram exactly (RFC 3550 §A.2). Reduced-size RTCP (RFC 5506) is accepted: the first packet
    /// need not be SR or RR, and a single feedback packet alone is fine. Padding is accepted on any
    /// packet, not only the last, as some senders put it there.
    public static func parseCompound(_ bytes: [UInt8]) throws(RtpParseError) -> [RtcpPacket] {
        guard bytes.count >= RtcpFraming.headerLength else { throw .tooShort }
        var packets: [RtcpPacket] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= RtcpFraming.headerLength else { throw .tooShort }
            let first = bytes[offset]
            guard first >> 6 == RtpPacket.version else { throw .badVersion }
            let packetType = bytes[offset + 1]
            let length = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard length <= bytes.count - offset else { throw .badLength }
            var bodyEnd = offset + length
            if first & 0x20 != 0 {
                let padding = Int(bytes[bodyEnd - 1])
                guard padding >= 1, padding <= length - RtcpFraming.headerLength else { throw .badPadding }
                bodyEnd -= padding
            }
            let body = Array(bytes[(offset + RtcpFraming.headerLength)..<bodyEnd])
            packets.append(try parse(format: first & 0x1F, packetType: packetType, body: body))
            offset += length
        }
        return packets
    }

    /// The packets back to back. Reports with more than 31 blocks, SDES with more than 31 chunks and
    /// BYE with more than 31 SSRCs become several packets (RFC 3550 §6.4.2).
    public static func serializeCompound(_ packets: [RtcpPacket]) -> [UInt8] {
        var out: [UInt8] = []
        for packet in packets { packet.append(to: &out) }
        return out
    }

    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }

    static func parse(format: UInt8, packetType: UInt8, body: [UInt8]) throws(RtpParseError) -> RtcpPacket {
        var reader = ByteReader(body)
        switch (packetType, format) {
        case (PacketType.senderReport, _):
            return .senderReport(try RtcpReportCodec.parseSenderReport(count: format, body: body))
        case (PacketType.receiverReport, _):
            return .receiverReport(try RtcpReportCodec.parseReceiverReport(count: format, body: body))
        case (PacketType.sourceDescription, _):
            return .sourceDescription(try RtcpSourceDescriptionCodec.parseChunks(count: format, body: body))
        case (PacketType.goodbye, _):
            let goodbye = try RtcpSourceDescriptionCodec.parseGoodbye(count: format, body: body)
            return .goodbye(ssrcs: goodbye.ssrcs, reason: goodbye.reason)
        case (PacketType.transportFeedback, RtcpFeedbackCodec.nackFormat):
            let ssrcs = try RtcpFeedbackCodec.readSsrcs(&reader)
            return .genericNack(sender: ssrcs.sender, media: ssrcs.media, lost: try RtcpFeedbackCodec.parseNack(&reader))
        case (PacketType.transportFeedback, RtcpFeedbackCodec.transportFeedbackFormat):
            let ssrcs = try RtcpFeedbackCodec.readSsrcs(&reader)
            return .transportFeedback(try TransportFeedbackCodec.parse(sender: ssrcs.sender, media: ssrcs.media, &reader))
        case (PacketType.payloadFeedback, RtcpFeedbackCodec.pictureLossFormat):
            let ssrcs = try RtcpFeedbackCodec.readSsrcs(&reader)
            return .pictureLossIndication(sender: ssrcs.sender, media: ssrcs.media)
        case (PacketType.payloadFeedback, RtcpFeedbackCodec.fullIntraRequestFormat):
            let ssrcs = try RtcpFeedbackCodec.readSsrcs(&reader)
            return .fullIntraRequest(sender: ssrcs.sender, entries: try RtcpFeedbackCodec.parseFir(&reader))
        case (PacketType.payloadFeedback, RtcpFeedbackCodec.applicationLayerFormat):
            let ssrcs = try RtcpFeedbackCodec.readSsrcs(&reader)
            if let remb = try RtcpFeedbackCodec.parseRemb(&reader) {
                return .remb(sender: ssrcs.sender, bitrate: remb.bitrate, ssrcs: remb.ssrcs)
            }
            return .unknown(packetType: packetType, format: format, payload: body)
        default:
            return .unknown(packetType: packetType, format: format, payload: body)
        }
    }

    func append(to out: inout [UInt8]) {
        switch self {
        case let .senderReport(report):
            RtcpReportCodec.append(report, to: &out)
        case let .receiverReport(report):
            RtcpReportCodec.append(report, to: &out)
        case let .sourceDescription(chunks):
            RtcpSourceDescriptionCodec.append(chunks, to: &out)
        case let .goodbye(ssrcs, reason):
            RtcpSourceDescriptionCodec.appendGoodbye(ssrcs: ssrcs, reason: reason, to: &out)
        case let .genericNack(sender, media, lost):
            RtcpFraming.append(format: RtcpFeedbackCodec.nackFormat, packetType: PacketType.transportFeedback,
                               body: RtcpFeedbackCodec.nackBody(sender: sender, media: media, lost: lost), to: &out)
        case let .transportFeedback(feedback):
            RtcpFraming.append(format: RtcpFeedbackCodec.transportFeedbackFormat, packetType: PacketType.transportFeedback,
                               body: TransportFeedbackCodec.body(feedback), to: &out)
        case let .pictureLossIndication(sender, media):
            RtcpFraming.append(format: RtcpFeedbackCodec.pictureLossFormat, packetType: PacketType.payloadFeedback,
                               body: RtcpFeedbackCodec.header(sender: sender, media: media), to: &out)
        case let .fullIntraRequest(sender, entries):
            RtcpFraming.append(format: RtcpFeedbackCodec.fullIntraRequestFormat, packetType: PacketType.payloadFeedback,
                               body: RtcpFeedbackCodec.firBody(sender: sender, entries: entries), to: &out)
        case let .remb(sender, bitrate, ssrcs):
            RtcpFraming.append(format: RtcpFeedbackCodec.applicationLayerFormat, packetType: PacketType.payloadFeedback,
                               body: RtcpFeedbackCodec.rembBody(sender: sender, bitrate: bitrate, ssrcs: ssrcs), to: &out)
        case let .unknown(packetType, format, payload):
            RtcpFraming.append(format: format, packetType: packetType, body: payload, to: &out)
        }
    }
}

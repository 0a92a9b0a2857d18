/// Reception statistics for one source (RFC 3550 §6.4.1), as carried in SR and RR packets.
public struct ReportBlock: Sendable, Equatable {
    public static let length = 24
    /// Largest and smallest cumulative loss the 24-bit signed field can carry (§6.4.1).
    public static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    public var ssrc: UInt32
    /// Lost fraction since the previous report, as a fixed-point number with the point at the left edge.
    public var fractionLost: UInt8
    /// 24-bit signed on the wire; clamped to `cumulativeLostRange` when written.
    public var cumulativeLost: Int32
    /// Cycles in the high 16 bits, highest sequence number received in the low 16.
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in RTP timestamp units (§6.4.1, §A.8).
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR from this source, 0 if none.
    public var lastSenderReport: UInt32
    /// Since that SR, in units of 1/65536 s; 0 if none.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static func parse(_ reader: inout ByteReader) throws(RtpParseError) -> ReportBlock {
        let ssrc = try reader.readUInt32()
        let fraction = try reader.readUInt8()
        let lost = try reader.readUInt24()
        let highest = try reader.readUInt32()
        let jitter = try reader.readUInt32()
        let lastSenderReport = try reader.readUInt32()
        let delay = try reader.readUInt32()
        return ReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(bitPattern: lost << 8) >> 8,
                           extendedHighestSequenceNumber: highest, jitter: jitter,
                           lastSenderReport: lastSenderReport, delaySinceLastSenderReport: delay)
    }

    func append(to out: inout [UInt8]) {
        out.appendUInt32(ssrc)
        out.append(fractionLost)
        let clamped = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        out.appendUInt24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        out.appendUInt32(extendedHighestSequenceNumber)
        out.appendUInt32(jitter)
        out.appendUInt32(lastSenderReport)
        out.appendUInt32(delaySinceLastSenderReport)
    }
}

/// SR (RFC 3550 §6.4.1): what an active sender has sent, plus reports on what it received.
public struct SenderReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// 64-bit NTP format (32.32 seconds since 1900); its middle 32 bits come back as LSR.
    public var ntpTimestamp: UInt64
    /// The same instant on the media clock, for lip sync.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    /// More than 31 are written as extra RR packets after this one (§6.4.2).
    public var reports: [ReportBlock]
    /// Profile-specific extension octets after the report blocks (§6.4.1), kept verbatim.
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reports: [ReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
        self.profileExtension = profileExtension
    }
}

/// RR (RFC 3550 §6.4.2): reception reports from a participant that is not sending.
public struct ReceiverReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// More than 31 are written as several RR packets (§6.4.2).
    public var reports: [ReportBlock]
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, reports: [ReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.reports = reports
        self.profileExtension = profileExtension
    }
}

/// Body codecs for SR and RR.
enum RtcpReportCodec {
    static let maximumBlocksPerPacket = 31

    static func parseSenderReport(count: UInt8, body: [UInt8]) throws(RtpParseError) -> SenderReport {
        var reader = ByteReader(body)
        let ssrc = try reader.readUInt32()
        let ntp = try reader.readUInt64()
        let rtp = try reader.readUInt32()
        let packets = try reader.readUInt32()
        let octets = try reader.readUInt32()
        let reports = try parseBlocks(count: count, from: &reader)
        return SenderReport(ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: rtp, packetCount: packets, octetCount: octets,
                            reports: reports, profileExtension: reader.readRest())
    }

    static func parseReceiverReport(count: UInt8, body: [UInt8]) throws(RtpParseError) -> ReceiverReport {
        var reader = ByteReader(body)
        let ssrc = try reader.readUInt32()
        let reports = try parseBlocks(count: count, from: &reader)
        return ReceiverReport(ssrc: ssrc, reports: reports, profileExtension: reader.readRest())
    }

    private static func parseBlocks(count: UInt8, from reader: inout ByteReader) throws(RtpParseError) -> [ReportBlock] {
        guard reader.remaining >= Int(count) * ReportBlock.length else { throw .badLength }
        var blocks: [ReportBlock] = []
        for _ in 0..<count { blocks.append(try ReportBlock.parse(&reader)) }
        return blocks
    }

    static func append(_ report: SenderReport, to out: inout [UInt8]) {
        let first = Array(report.reports.prefix(maximumBlocksPerPacket))
        var body: [UInt8] = []
        body.appendUInt32(report.ssrc)
        body.appendUInt64(report.ntpTimestamp)
        body.appendUInt32(report.rtpTimestamp)
        body.appendUInt32(report.packetCount)
        body.appendUInt32(report.octetCount)
        for block in first { block.append(to: &body) }
        body += report.profileExtension
        RtcpFraming.append(format: UInt8(first.count), packetType: RtcpPacket.PacketType.senderReport, body: body, to: &out)
        appendOverflow(ssrc: report.ssrc, blocks: report.reports.dropFirst(maximumBlocksPerPacket), to: &out)
    }

    static func append(_ report: ReceiverReport, to out: inout [UInt8]) {
        let first = Array(report.reports.prefix(maximumBlocksPerPacket))
        var body: [UInt8] = []
        body.appendUInt32(report.ssrc)
        for block in first { block.append(to: &body) }
        body += report.profileExtension
        RtcpFraming.append(format: UInt8(first.count), packetType: RtcpPacket.PacketType.receiverReport, body: body, to: &out)
        appendOverflow(ssrc: report.ssrc, blocks: report.reports.dropFirst(maximumBlocksPerPacket), to: &out)
    }

    /// §6.4.2: blocks beyond 31 go in further RR packets from the same SSRC.
    private static func appendOverflow(ssrc: UInt32, blocks: ArraySlice<ReportBlock>, to out: inout [UInt8]) {
        var rest = blocks
        while !rest.isEmpty {
            let chunk = rest.prefix(maximumBlocksPerPacket)
            rest = rest.dropFirst(maximumBlocksPerPacket)
            var body: [UInt8] = []
            body.appendUInt32(ssrc)
            for block in chunk { block.append(to: &body) }
            RtcpFraming.append(format: UInt8(chunk.count), packetType: RtcpPacket.PacketType.receiverReport, body: body, to: &out)
        }
    }
}

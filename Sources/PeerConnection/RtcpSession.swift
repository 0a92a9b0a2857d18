import RTP

/// Audio or video: the two kinds of RTP stream a call carries.
public enum MediaKind: String, Sendable, CaseIterable, Hashable {
    case audio, video
    /// RTP clock rate: Opus 48 kHz (RFC 7587 §4.1), video 90 kHz (RFC 7741 §4.1).
    public var clockRate: Int { self == .audio ? 48_000 : 90_000 }
}

/// RTCP for the media streams of one bundled transport (RFC 3550 §6, RFC 4585, RFC 5104): sender
/// reports for what we send, report blocks for what we receive, keyframe requests in both
/// directions, and the figures getStats reads: the round trip from LSR/DLSR (RFC 3550 §6.4.1),
/// and the peer's view of our loss and jitter. Sans-IO: times in milliseconds on the owner's
/// monotonic clock; `poll` hands out serialized compound packets for SRTCP.
public struct RtcpSession: Sendable {
    /// What we send on one SSRC (counted by the RTP layer's SR builder), and what the peer's
    /// reports say about it.
    public struct Outbound: Sendable, Equatable {
        public let ssrc: UInt32
        public let kind: MediaKind
        var reporter: SenderReportScheduler
        public var packetsSent: Int { Int(reporter.packetCount) }
        /// Payload octets (RFC 3550 §6.4.1's octet count).
        public var bytesSent: Int { Int(reporter.octetCount) }
        /// From the peer's latest report block on this SSRC.
        public var remotePacketsLost: Int?
        public var remoteFractionLost: Double?
        /// The peer's extended highest sequence number received (RFC 3550 §6.4.1).
        public var remoteHighestSequence: UInt32?
        /// Seconds.
        public var remoteJitter: Double?
        public var roundTripTime: Double?
        public var pliReceived = 0, firReceived = 0, nackReceived = 0
    }

    /// One SSRC the peer sends us.
    public struct Inbound: Sendable, Equatable {
        public let kind: MediaKind
        public var statistics: ReceiveStatistics
        public var bytesReceived = 0
        public var pliSent = 0
        var lastKeyframeRequestAt: Int64?
    }

    /// What the peer asked of us.
    public enum Request: Sendable, Equatable {
        /// PLI or FIR on our video SSRC: send a keyframe.
        case keyframe(ssrc: UInt32)
        /// The peer's receive estimate (REMB), bits per second.
        case estimatedBitrate(UInt64)
        /// A report block on our stream `ssrc` arrived (its loss and round trip are updated).
        case reportReceived(ssrc: UInt32)
        /// A generic NACK (RFC 4585 §6.2.1): resend these packets of our stream `ssrc`.
        case retransmit(ssrc: UInt32, sequenceNumbers: [UInt16])
        /// Transport-wide feedback on the packets we stamped (for our send-side estimate).
        case transportFeedback(TransportFeedback)
    }

    /// At most this many remote SSRCs are tracked (only authenticated SRTP reaches here).
    public static let maximumInbound = 8
    /// Keyframe requests for one stream no closer together than this (a lost keyframe is asked for again).
    public static let keyframeRequestInterval: Int64 = 250

    public let cname: String
    /// Sender SSRC for RTCP when we send no media of our own (RFC 3550 §6.4.2 still needs one).
    public let receiverSsrc: UInt32
    public private(set) var outbound: [UInt32: Outbound] = [:]
    public private(set) var inbound: [UInt32: Inbound] = [:]
    public private(set) var malformed = 0
    public private(set) var lastRemoteEstimate: UInt64?
    private let ntpAtZero: UInt64
    private let interval: Int64
    private var nextReportAt: Int64?
    private var random: UInt64
    private var pending: [[RtcpPacket]] = []

    /// - Parameters:
    ///   - ntpAtZero: NTP time (32.32) when the owner's clock read zero, so SRs carry wall-clock time.
    ///   - interval: nominal report interval (RFC 3550 §6.2's minimum is 5 s; RFC 4585 AVPF lets
    ///     a two-party call report far more often, which keeps RTT and loss fresh).
    public init(cname: String, receiverSsrc: UInt32, ntpAtZero: UInt64, interval: Int64 = 1_000, seed: UInt64) {
        self.cname = cname
        self.receiverSsrc = receiverSsrc
        self.ntpAtZero = ntpAtZero
        self.interval = max(10, interval)
        random = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// Registers one of our streams (before its first packet).
    public mutating func addSender(ssrc: UInt32, kind: MediaKind) {
        if outbound[ssrc] == nil {
            // Its own schedule stays unused: this session sends every stream's SR on one timer.
            outbound[ssrc] = Outbound(ssrc: ssrc, kind: kind, reporter: SenderReportScheduler(ssrc: ssrc, clockRate: kind.clockRate, ntpAtZero: ntpAtZero, seed: 1))
        }
    }

    public mutating func sent(_ packet: RtpPacket, now: Int64) {
        guard outbound[packet.ssrc] != nil else { return }
        var counted = packet
        outbound[packet.ssrc]?.reporter.outgoing(&counted, now: now)
        if nextReportAt == nil { nextReportAt = now + randomizedInterval() }
    }

    /// An authenticated RTP packet of `kind` from the peer.
    public mutating func received(_ packet: RtpPacket, kind: MediaKind, now: Int64) {
        if inbound[packet.ssrc] == nil {
            guard inbound.count < Self.maximumInbound else { return }
            inbound[packet.ssrc] = Inbound(kind: kind, statistics: ReceiveStatistics(ssrc: packet.ssrc, clockRate: kind.clockRate))
        }
        inbound[packet.ssrc]?.statistics.record(packet, now: now)
        inbound[packet.ssrc]?.bytesReceived += packet.payload.count
        if nextReportAt == nil { nextReportAt = now + randomizedInterval() }
    }

    /// A decrypted SRTCP compound packet from the peer. Malformed ones are counted and dropped.
    public mutating func receivedCompound(_ bytes: [UInt8], now: Int64) -> [Request] {
        guard let packets = try? RtcpPacket.parseCompound(bytes) else { malformed += 1; return [] }
        var requests: [Request] = []
        for packet in packets {
            switch packet {
            case let .senderReport(report):
                inbound[report.ssrc]?.statistics.senderReportReceived(ntpTimestamp: report.ntpTimestamp, now: now)
                for block in report.reports where outbound[block.ssrc] != nil {
                    apply(block, now: now)
                    requests.append(.reportReceived(ssrc: block.ssrc))
                }
            case let .receiverReport(report):
                for block in report.reports where outbound[block.ssrc] != nil {
                    apply(block, now: now)
                    requests.append(.reportReceived(ssrc: block.ssrc))
                }
            case let .pictureLossIndication(_, media):
                guard outbound[media]?.kind == .video else { continue }
                outbound[media]?.pliReceived += 1
                requests.append(.keyframe(ssrc: media))
            case let .fullIntraRequest(_, entries):
                for entry in entries where outbound[entry.ssrc]?.kind == .video {
                    outbound[entry.ssrc]?.firReceived += 1
                    requests.append(.keyframe(ssrc: entry.ssrc))
                }
            case let .genericNack(_, media, lost):
                guard outbound[media] != nil else { continue }
                outbound[media]?.nackReceived += lost.count
                requests.append(.retransmit(ssrc: media, sequenceNumbers: lost))
            case let .remb(_, bitrate, _):
                lastRemoteEstimate = bitrate
                requests.append(.estimatedBitrate(bitrate))
            case let .transportFeedback(feedback):
                requests.append(.transportFeedback(feedback))
            default:
                break
            }
        }
        return requests
    }

    /// Asks the peer for a keyframe on `ssrc` (RFC 4585 §6.3.1 PLI), at most once per
    /// `keyframeRequestInterval`; sent with the next `poll`, not on the report schedule.
    public mutating func requestKeyframe(ssrc: UInt32, now: Int64) {
        guard var stream = inbound[ssrc], stream.kind == .video else { return }
        if let last = stream.lastKeyframeRequestAt, now - last < Self.keyframeRequestInterval { return }
        stream.lastKeyframeRequestAt = now
        stream.pliSent += 1
        inbound[ssrc] = stream
        pending.append([.receiverReport(ReceiverReport(ssrc: senderSsrc)), .pictureLossIndication(sender: senderSsrc, media: ssrc)])
    }

    /// Queues feedback (NACKs) to go out with the next `poll`, behind a receiver report as
    /// every compound must start with one (RFC 3550 §6.1).
    public mutating func sendFeedback(_ packets: [RtcpPacket]) {
        guard !packets.isEmpty else { return }
        pending.append([.receiverReport(ReceiverReport(ssrc: senderSsrc))] + packets)
    }

    /// Our SSRC as the sender of feedback.
    public var feedbackSsrc: UInt32 { senderSsrc }

    /// Compound packets due now: queued feedback, and the periodic reports — one compound per
    /// stream we send, SR then SDES CNAME (RFC 3550 §6.1: every compound starts with a report and
    /// names its source), the first SR carrying the report blocks; an RR when we send nothing.
    /// One SDES chunk per compound: aiortc 1.16 misreads the padding of a second chunk and drops
    /// the whole compound (its parser skips two octets after the null item, not to the boundary).
    public mutating func poll(now: Int64) -> [[UInt8]] {
        var out = pending.map(RtcpPacket.serializeCompound)
        pending = []
        guard let due = nextReportAt, now >= due else { return out }
        nextReportAt = now + randomizedInterval()
        var blocks: [ReportBlock] = []
        for ssrc in inbound.keys.sorted() where reportsOnReceivedStreams { if let block = inbound[ssrc]?.statistics.makeReportBlock(now: now) { blocks.append(block) } }
        var sentReport = false
        for ssrc in outbound.keys.sorted() {
            guard let stream = outbound[ssrc], stream.packetsSent > 0 else { continue }
            let report = stream.reporter.report(now: now, blocks: sentReport ? [] : blocks)
            out.append(RtcpPacket.serializeCompound([.senderReport(report), .sourceDescription([SdesChunk(ssrc: ssrc, items: [.cname(cname)])])]))
            sentReport = true
        }
        if !sentReport {
            out.append(RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: receiverSsrc, reports: blocks)),
                                                      .sourceDescription([SdesChunk(ssrc: receiverSsrc, items: [.cname(cname)])])]))
        }
        return out
    }

    /// Off, reports carry no blocks about what we receive: a far end as some stacks are by
    /// default, which tests use to check the round trip's fallback to ICE.
    var reportsOnReceivedStreams = true

    /// When `poll` next has something to send.
    public var nextTimeout: Int64? { pending.isEmpty ? nextReportAt : Int64.min }

    // MARK: internals

    /// The SSRC our reports come from: our first sending stream, else the receive-only one.
    private var senderSsrc: UInt32 { outbound.keys.sorted().first ?? receiverSsrc }


    /// A report block about one of our streams: loss, jitter, and the round trip
    /// (RFC 3550 §6.4.1: arrival − LSR − DLSR, in 1/65536 s).
    private mutating func apply(_ block: ReportBlock, now: Int64) {
        guard var stream = outbound[block.ssrc] else { return }
        stream.remotePacketsLost = Int(block.cumulativeLost)
        stream.remoteFractionLost = Double(block.fractionLost) / 256
        stream.remoteHighestSequence = block.extendedHighestSequenceNumber
        stream.remoteJitter = Double(block.jitter) / Double(stream.kind.clockRate)
        if block.lastSenderReport != 0 {
            let arrival = UInt32(truncatingIfNeeded: SenderReportScheduler.ntp(now, atZero: ntpAtZero) >> 16)
            let rtt = arrival &- block.lastSenderReport &- block.delaySinceLastSenderReport
            if rtt < 0x8000_0000 { stream.roundTripTime = Double(rtt) / 65_536 } // a negative result means clock trouble: keep the old figure
        }
        outbound[block.ssrc] = stream
    }

    /// interval × [0.5, 1.5) (RFC 3550 §6.3.1), xorshift64*.
    private mutating func randomizedInterval() -> Int64 {
        random ^= random >> 12
        random ^= random << 25
        random ^= random >> 27
        let unit = Double((random &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(UInt64(1) << 53)
        return max(1, Int64((Double(interval) * (0.5 + unit)).rounded()))
    }
}

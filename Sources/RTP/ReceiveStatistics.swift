/// Reception statistics for one SSRC (RFC 3550 §A.3 loss, §A.8 jitter), the numbers an RR block
/// carries. Sans-IO: the caller passes arrival times in milliseconds on any monotonic clock.
public struct ReceiveStatistics: Sendable, Equatable {
    public let ssrc: UInt32
    /// RTP clock ticks per second of the stream (48000 for Opus, 90000 for video).
    public let clockRate: Int

    private var unwrapper = SequenceUnwrapper()
    /// Extended sequence number of the first packet (§A.1 `base_seq`).
    public private(set) var baseSequenceNumber: Int64?
    /// Every packet counted, duplicates included (§A.3: loss may then be negative).
    public private(set) var packetsReceived: Int64 = 0
    /// Interarrival jitter estimate in RTP timestamp units (§6.4.1, §A.8).
    public private(set) var jitter: Double = 0

    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    private var previousArrival: Int64?
    private var previousTimestamp: UInt32 = 0
    /// Middle 32 bits of the last SR's NTP timestamp, and when that SR arrived.
    private struct SenderReportArrival: Sendable, Equatable {
        var ntpMiddle: UInt32
        var arrival: Int64
    }

    private var lastSenderReport: SenderReportArrival?

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = max(clockRate, 1)
    }

    /// Highest extended sequence number received (§A.3: `cycles + max_seq`).
    public var highestSequenceNumber: Int64? { unwrapper.highest }

    /// §A.3: `extended_max - base_seq + 1`.
    public var packetsExpected: Int64 {
        guard let base = baseSequenceNumber, let highest = unwrapper.highest else { return 0 }
        return highest - base + 1
    }

    /// §A.3: expected minus received; negative when duplicates arrived.
    public var cumulativeLost: Int64 { packetsExpected - packetsReceived }

    public mutating func record(_ packet: RtpPacket, now: Int64) {
        record(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, now: now)
    }

    /// Counts a packet and updates jitter with §A.8's estimator: D is the change in transit time
    /// between this packet and the previous one to arrive, J += (|D| − J) / 16.
    public mutating func record(sequenceNumber: UInt16, rtpTimestamp: UInt32, now: Int64) {
        let extended = unwrapper.unwrap(sequenceNumber)
        if baseSequenceNumber == nil { baseSequenceNumber = extended }
        packetsReceived &+= 1
        if let previousArrival {
            let arrivalDelta = Double(now &- previousArrival) * Double(clockRate) / 1000
            let timestampDelta = Double(Int32(bitPattern: rtpTimestamp &- previousTimestamp))
            let transitChange = arrivalDelta - timestampDelta
            jitter += (abs(transitChange) - jitter) / 16
        }
        previousArrival = now
        previousTimestamp = rtpTimestamp
    }

    /// Remembers an SR from this source, for the LSR and DLSR fields of the next report (§6.4.1).
    public mutating func senderReportReceived(ntpTimestamp: UInt64, now: Int64) {
        lastSenderReport = SenderReportArrival(ntpMiddle: UInt32(truncatingIfNeeded: ntpTimestamp >> 16), arrival: now)
    }

    /// The report block for this source, and the start of the next reporting interval (§A.3:
    /// fraction lost counts only since the previous call). DLSR is the time since the last SR in
    /// units of 1/65536 s.
    public mutating func makeReportBlock(now: Int64) -> ReportBlock {
        let expected = packetsExpected
        let expectedInterval = expected - expectedPrior
        let receivedInterval = packetsReceived - receivedPrior
        expectedPrior = expected
        receivedPrior = packetsReceived
        let lostInterval = expectedInterval - receivedInterval
        var fraction: UInt8 = 0
        if expectedInterval > 0, lostInterval > 0 {
            fraction = UInt8(clamping: (lostInterval << 8) / expectedInterval)
        }
        let range = ReportBlock.cumulativeLostRange
        let lost = Int32(clamping: min(max(cumulativeLost, Int64(range.lowerBound)), Int64(range.upperBound)))
        var block = ReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost,
                                extendedHighestSequenceNumber: UInt32(truncatingIfNeeded: unwrapper.highest ?? 0),
                                jitter: Self.reportedJitter(jitter))
        if let lastSenderReport {
            block.lastSenderReport = lastSenderReport.ntpMiddle
            let elapsed = max(0, now &- lastSenderReport.arrival)
            block.delaySinceLastSenderReport = UInt32(clamping: elapsed.multipliedReportingOverflow(by: 65_536).overflow
                                                      ? Int64.max : elapsed * 65_536 / 1000)
        }
        return block
    }

    /// Rounded and clamped to the 32-bit field, never trapping however wild the clock was.
    private static func reportedJitter(_ value: Double) -> UInt32 {
        guard value.isFinite, value > 0 else { return 0 }
        return value >= Double(UInt32.max) ? UInt32.max : UInt32(value.rounded())
    }
}

/// The receiver's half of transport-wide congestion control (draft-holmer-rmcat-transport-wide-
/// cc-extensions-01): notes when each packet carrying a transport sequence number arrived and,
/// every `interval`, reports the run since the last report so the sender (Chromium) can estimate
/// the path's bandwidth from delay and loss. Packets arriving after their run was reported are left
/// out. Sans-IO: arrival times in microseconds, `now` in ms, on the owner's clocks.
public struct TransportFeedbackGenerator: Sendable {
    public let senderSsrc: UInt32
    public var interval: Int64
    private var unwrapper = SequenceUnwrapper()
    private var arrivals: [Int64: Int64] = [:]
    private var nextToReport: Int64?
    private var mediaSsrc: UInt32 = 0
    private var feedbackCount: UInt8 = 0
    private var nextReportAt: Int64?
    public private(set) var reportsSent = 0

    /// At most this many packets are described per feedback (a bound for hostile numbering).
    static let maximumRun: Int64 = 2_000

    public init(senderSsrc: UInt32, interval: Int64 = 50) {
        self.senderSsrc = senderSsrc
        self.interval = interval
    }

    public mutating func received(transportSequenceNumber: UInt16, mediaSsrc: UInt32, arrivalMicroseconds: Int64, now: Int64) {
        let extended = unwrapper.unwrap(transportSequenceNumber)
        if nextToReport == nil { nextToReport = extended }
        guard let floor = nextToReport, extended >= floor else { return }
        if extended - floor > Self.maximumRun {
            // A jump: describe only the recent past.
            nextToReport = extended - Self.maximumRun
            arrivals = arrivals.filter { $0.key >= extended - Self.maximumRun }
        }
        arrivals[extended] = arrivalMicroseconds
        self.mediaSsrc = mediaSsrc
        if nextReportAt == nil { nextReportAt = now + interval }
    }

    /// Feedback due at `now`.
    public mutating func poll(now: Int64) -> [RtcpPacket] {
        guard let due = nextReportAt, now >= due, let base = nextToReport, let newest = arrivals.keys.max(), newest >= base else { return [] }
        nextReportAt = nil
        let times = (base...newest).map { arrivals[$0] }
        let feedback = TransportFeedback(senderSsrc: senderSsrc, mediaSsrc: mediaSsrc, baseSequenceNumber: UInt16(truncatingIfNeeded: base),
                                         feedbackPacketCount: feedbackCount, arrivalMicroseconds: times)
        feedbackCount &+= 1
        reportsSent += 1
        nextToReport = newest + 1
        arrivals = arrivals.filter { $0.key > newest }
        return [.transportFeedback(feedback)]
    }

    public var nextTimeout: Int64? { nextReportAt }
}

/// A per-stream RTP/RTCP processor in the manner of Pion's interceptors and str0m: sans-IO values
/// that watch (or adjust) packets going out and coming in and produce RTCP when polled. The owner
/// calls `poll` at or after `nextTimeout`; times are milliseconds on any monotonic clock.
public protocol RtpStreamProcessor: Sendable {
    /// A packet about to be sent; the processor may change it (add an extension, say).
    mutating func outgoing(_ packet: inout RtpPacket, now: Int64)
    /// A packet received on the stream.
    mutating func incoming(_ packet: RtpPacket, now: Int64)
    /// An RTCP packet received that concerns the stream (an SR, say).
    mutating func incomingRtcp(_ packet: RtcpPacket, now: Int64)
    /// RTCP due by `now`; empty when nothing is.
    mutating func poll(now: Int64) -> [RtcpPacket]
    /// When `poll` next has something to do; nil when it has nothing pending.
    var nextTimeout: Int64? { get }
}

extension RtpStreamProcessor {
    public mutating func outgoing(_ packet: inout RtpPacket, now: Int64) {}
    public mutating func incoming(_ packet: RtpPacket, now: Int64) {}
    public mutating func incomingRtcp(_ packet: RtcpPacket, now: Int64) {}
}

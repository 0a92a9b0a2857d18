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

    /// This processor followed by `next`: packets pass through both in that order.
    public func chained<Next: RtpStreamProcessor>(with next: Next) -> RtpProcessorChain<Self, Next> {
        RtpProcessorChain(first: self, second: next)
    }
}

/// Two processors as one, so a stream's chain is a single value with a concrete type.
public struct RtpProcessorChain<First: RtpStreamProcessor, Second: RtpStreamProcessor>: RtpStreamProcessor {
    public var first: First
    public var second: Second

    public init(first: First, second: Second) {
        self.first = first
        self.second = second
    }

    public mutating func outgoing(_ packet: inout RtpPacket, now: Int64) {
        first.outgoing(&packet, now: now)
        second.outgoing(&packet, now: now)
    }

    public mutating func incoming(_ packet: RtpPacket, now: Int64) {
        first.incoming(packet, now: now)
        second.incoming(packet, now: now)
    }

    public mutating func incomingRtcp(_ packet: RtcpPacket, now: Int64) {
        first.incomingRtcp(packet, now: now)
        second.incomingRtcp(packet, now: now)
    }

    public mutating func poll(now: Int64) -> [RtcpPacket] {
        first.poll(now: now) + second.poll(now: now)
    }

    public var nextTimeout: Int64? {
        switch (first.nextTimeout, second.nextTimeout) {
        case let (a?, b?): return min(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }
}

extension RtpProcessorChain: Equatable where First: Equatable, Second: Equatable {}

#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp
import Synchronization

/// One SCTP association over DTLS (RFC 8261) with usrsctp in AF_CONN mode and without its threads:
/// packets from DTLS in through `handleDatagram`, packets for DTLS out through `pollTransmit`,
/// messages and state through `pollEvent`, timers through `handleTimeout`. Port 5000 on both ends
/// (RFC 8841 default); both ends connect (simultaneous open, as browsers do).
///
/// usrsctp keeps process-wide state and is not thread-safe without its threads, so every call into
/// it holds `SctpRuntime.lock`; its callbacks run inside those calls and find their association
/// through the context pointer. Several associations in one process each get their own address.
public final class SctpAssociation: @unchecked Sendable {
    // @unchecked: all mutable state is touched only while SctpRuntime.lock is held.

    public enum Event: Sendable, Equatable {
        case connected
        case message(stream: UInt16, ppid: UInt32, data: [UInt8])
        /// The peer reset these incoming streams of ours (it closed its side of a data channel).
        case streamsReset([UInt16])
        /// Everything queued has been sent and acknowledged (flow control: bufferedAmount can drop).
        case senderDry
        case closed
    }

    public enum SendError: Error, Sendable, Equatable {
        case notConnected
        /// The send buffer is full: try again after `senderDry` (the caller queues).
        case wouldBlock
        case failed(Int32)
    }

    public enum Reliability: Sendable, Equatable {
        case reliable
        case maximumRetransmits(UInt32)
        case maximumLifetime(milliseconds: UInt32)
    }

    /// Path MTU given to usrsctp: its packets come out up to ~10 bytes larger, and each must fit one
    /// DTLS record (1200 − `DtlsEndpoint.recordOverhead`); `DataChannelTests` checks none is refused.
    public static let mtu: UInt32 = 1_100

    public private(set) var isConnected = false
    private var socket: OpaquePointer?
    /// The C context usrsctp hands back to our callbacks: our address and the socket's ulp_info.
    private let context: UnsafeMutablePointer<tc_sctp_context>
    private var outgoing: [[UInt8]] = []
    private var events: [Event] = []

    /// `sendBufferBytes`: how much usrsctp may hold unacknowledged (bigger: faster bulk transfer).
    public init(sendBufferBytes: Int32 = 4 << 20) throws(SendError) {
        SctpRuntime.start()
        context = .allocate(capacity: 1)
        context.initialize(to: tc_sctp_context(output: { owner, bytes, length in
            guard let owner, let bytes else { return }
            Unmanaged<SctpAssociation>.fromOpaque(owner).takeUnretainedValue().output(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
        }, event: { owner, kind, bytes, length, stream, ppid, flags in
            guard let owner else { return }
            let data = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
            Unmanaged<SctpAssociation>.fromOpaque(owner).takeUnretainedValue().event(kind: kind, bytes: data, stream: stream, ppid: ppid,
                                                                                      complete: flags & Int32(MSG_EOR) != 0)
        }, owner: nil))
        context.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        var opened: OpaquePointer?
        let c = context
        SctpRuntime.lock.withLock { _ in opened = tc_sctp_open(c, 5000, 5000, Self.mtu, sendBufferBytes, 1) }
        guard let opened else {
            SctpRuntime.lock.withLock { _ in usrsctp_deregister_address(c) }
            c.deallocate()
            throw .failed(errno)
        }
        socket = opened
    }

    deinit {
        close()
        context.deallocate()
    }

    /// A packet DTLS delivered (its application data).
    public func handleDatagram(_ bytes: [UInt8], now: Int64) {
        let context = self.context
        SctpRuntime.lock.withLock { _ in
            bytes.withUnsafeBytes { usrsctp_conninput(context, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Runs usrsctp's timers up to `now` (shared by every association in the process).
    public func handleTimeout(now: Int64) { SctpRuntime.advance(to: now) }

    /// usrsctp offers no "next timer" query: while anything is in flight, wake every 10 ms (its
    /// timer granularity).
    public func nextTimeout(now: Int64) -> Int64? { socket == nil ? nil : now + 10 }

    public func send(_ data: [UInt8], stream: UInt16, ppid: UInt32, ordered: Bool, reliability: Reliability) throws(SendError) {
        guard isConnected, let socket else { throw .notConnected }
        let (policy, value): (Int32, UInt32)
        switch reliability {
        case .reliable: (policy, value) = (0, 0)
        case let .maximumRetransmits(n): (policy, value) = (tc_sctp_pr_rtx(), n)
        case let .maximumLifetime(ms): (policy, value) = (tc_sctp_pr_ttl(), ms)
        }
        let sent = SctpRuntime.lock.withLock { _ in
            data.withUnsafeBytes { tc_sctp_send(socket, $0.baseAddress, $0.count, stream, ppid, ordered ? 0 : 1, policy, value) }
        }
        if sent == -Int(EWOULDBLOCK) || sent == -Int(EAGAIN) { throw .wouldBlock }
        if sent < 0 { throw .failed(Int32(-sent)) }
    }

    /// Resets our outgoing side of `streams` (closing data channels, RFC 8831 §6.7).
    public func resetStreams(_ streams: [UInt16]) {
        guard let socket, !streams.isEmpty else { return }
        _ = SctpRuntime.lock.withLock { _ in streams.withUnsafeBufferPointer { tc_sctp_reset_outgoing(socket, $0.baseAddress, UInt16($0.count)) } }
    }

    public func close() {
        let context = self.context
        SctpRuntime.lock.withLock { _ in
            guard let socket else { return }
            usrsctp_close(socket)
            usrsctp_deregister_address(context)
            // Timers of the closed association may still fire: they must find no owner.
            context.pointee.output = nil
            context.pointee.event = nil
            self.socket = nil
        }
    }

    public func pollTransmit() -> [UInt8]? {
        SctpRuntime.lock.withLock { _ in outgoing.isEmpty ? nil : outgoing.removeFirst() }
    }

    public func pollEvent() -> Event? {
        SctpRuntime.lock.withLock { _ in events.isEmpty ? nil : events.removeFirst() }
    }

    // MARK: callbacks (inside usrsctp calls, lock held)

    fileprivate func output(_ bytes: [UInt8]) { outgoing.append(bytes) }

    /// Parts of messages usrsctp delivered in pieces (partial delivery of large messages), by stream.
    private var partial: [UInt16: [UInt8]] = [:]

    fileprivate func event(kind: Int32, bytes: [UInt8], stream: UInt16, ppid: UInt32, complete: Bool) {
        switch kind {
        case 1:
            guard complete else { partial[stream, default: []] += bytes; return }
            let message = (partial.removeValue(forKey: stream) ?? []) + bytes
            events.append(.message(stream: stream, ppid: ppid, data: message))
        case 2: isConnected = true; events.append(.connected)
        case 3: isConnected = false; events.append(.closed)
        case 4: events.append(.streamsReset([stream]))
        case 6: events.append(.senderDry)
        default: break
        }
    }
}

/// The process-wide usrsctp: started once, timers advanced from the owners' clocks, one lock for
/// every call into it.
enum SctpRuntime {
    static let lock = Mutex(())
    private static let started: Bool = {
        tc_sctp_start()
        return true
    }()
    private static let clock = Mutex<Int64?>(nil)

    static func start() { _ = started }

    /// Hands usrsctp the time elapsed since the last call (any association's).
    static func advance(to now: Int64) {
        let elapsed = clock.withLock { last -> Int64 in
            defer { last = max(last ?? now, now) }
            return max(0, now - (last ?? now))
        }
        guard elapsed > 0 else { return }
        lock.withLock { _ in usrsctp_handle_timers(UInt32(clamping: elapsed)) }
    }
}

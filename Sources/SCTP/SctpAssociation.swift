#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp
import Synchronization

/// One SCTP association over DTLS (RFC 8261) with usrsctp in AF_CONN mode and without its threads:
/// packets from DTLS in through `handleDatagram`, packets for DTLS out through `pollTransmit`,
/// messages and state through `pollEvent`, timers through `handleTimeout`. Port 5000 on both ends
/// (RFC 8841 default); both ends send an INIT whatever their DTLS role (RFC 8841 §9.3: the
/// simultaneous open of RFC 9260 §5.2.1, which usrsctp resolves), as browsers, aiortc and
/// libdatachannel do. A peer that only initiates from one role is reached either way.
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
        /// A message over `maximumReassembly` (our max-message-size) was dropped.
        case oversizedMessageDropped(stream: UInt16)
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

    private var isConnected = false
    /// The association was up and went down (or never came up): nothing more is taken.
    private var wentDown = false
    /// The largest message we take: what our SDP advertises as max-message-size (RFC 8841 §6).
    /// Larger ones are dropped whole, and counted, however they arrive.
    public static let maximumReassembly = 262_144
    /// Messages dropped for being larger than `maximumReassembly`.
    public private(set) var oversizedDropped = 0
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
            let code = errno
            SctpRuntime.lock.withLock { _ in usrsctp_deregister_address(c) } // deinit frees the context
            throw .failed(code)
        }
        socket = opened
    }

    deinit {
        close()
        SctpRuntime.forget(ObjectIdentifier(self))
        context.deallocate()
    }

    /// A packet DTLS delivered (its application data).
    public func handleDatagram(_ bytes: [UInt8], now: Int64) {
        let context = self.context
        SctpRuntime.lock.withLock { _ in
            bytes.withUnsafeBytes { usrsctp_conninput(context, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Runs usrsctp's timers up to `now` on the owner's clock (`SctpRuntime`: one wheel for the
    /// process, following the fastest owner).
    public func handleTimeout(now: Int64) { SctpRuntime.advance(ObjectIdentifier(self), now: now) }

    /// usrsctp offers no "next timer" query: while the association exists, wake every 10 ms (its
    /// timer granularity); nothing once it is closed.
    public func nextTimeout(now: Int64) -> Int64? { SctpRuntime.lock.withLock { _ in socket == nil ? nil : now + 10 } }

    public func send(_ data: [UInt8], stream: UInt16, ppid: UInt32, ordered: Bool, reliability: Reliability) throws(SendError) {
        let (policy, value): (Int32, UInt32)
        switch reliability {
        case .reliable: (policy, value) = (0, 0)
        case let .maximumRetransmits(n): (policy, value) = (tc_sctp_pr_rtx(), n)
        case let .maximumLifetime(ms): (policy, value) = (tc_sctp_pr_ttl(), ms)
        }
        // State read and the send made under the lock: another thread's timers may close us meanwhile.
        let sent = SctpRuntime.lock.withLock { _ -> Int? in
            guard acceptsMessages, let socket else { return nil }
            return data.withUnsafeBytes { tc_sctp_send(socket, $0.baseAddress, $0.count, stream, ppid, ordered ? 0 : 1, policy, value) }
        }
        guard let sent else { throw .notConnected }
        if sent == -Int(EWOULDBLOCK) || sent == -Int(EAGAIN) { throw .wouldBlock }
        if sent < 0 { throw .failed(Int32(-sent)) }
    }

    /// Resets our outgoing side of `streams` (closing data channels, RFC 8831 §6.7); false if
    /// usrsctp refused (not connected, or a reset already pending: try again later).
    @discardableResult
    public func resetStreams(_ streams: [UInt16]) -> Bool {
        guard !streams.isEmpty else { return true }
        return SctpRuntime.lock.withLock { _ in
            guard isConnected, let socket else { return false }
            for s in streams { partial[s] = nil }
            return streams.withUnsafeBufferPointer { tc_sctp_reset_outgoing(socket, $0.baseAddress, UInt16($0.count)) } == 0
        }
    }

    /// Whether the association is up (read under the lock: other threads' timers change it).
    public var connected: Bool { SctpRuntime.lock.withLock { _ in isConnected } }

    /// Whether `send` takes messages: once up, and already while the handshake runs — usrsctp holds
    /// them and the first go out with the COOKIE-ECHO (RFC 9260 §5.1 lets DATA ride with it), a
    /// round trip sooner than after the COOKIE-ACK.
    public var takesMessages: Bool { SctpRuntime.lock.withLock { _ in acceptsMessages } }
    /// `takesMessages`, for callers already holding the lock.
    private var acceptsMessages: Bool { socket != nil && (isConnected || !wentDown) }

    public func close() {
        let context = self.context
        SctpRuntime.lock.withLock { _ in
            guard let socket else { return }
            usrsctp_close(socket)
            usrsctp_deregister_address(context)
            if isConnected { events.append(.closed) }
            isConnected = false
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
    /// Streams whose current message went over the limit: the rest of it is skipped, up to its end
    /// (else its tail would arrive as a message of its own).
    private var skipping: Set<UInt16> = []

    fileprivate func event(kind: Int32, bytes: [UInt8], stream: UInt16, ppid: UInt32, complete: Bool) {
        switch kind {
        case 1:
            // Bounded: a peer cannot make us hold more than one maximal message per stream.
            if skipping.contains(stream) {
                if complete { skipping.remove(stream) }
                return
            }
            if (partial[stream]?.count ?? 0) + bytes.count > Self.maximumReassembly {
                partial[stream] = nil
                oversizedDropped += 1
                events.append(.oversizedMessageDropped(stream: stream))
                if !complete { skipping.insert(stream) }
                return
            }
            guard complete else {
                partial[stream, default: []] += bytes
                return
            }
            let message = (partial.removeValue(forKey: stream) ?? []) + bytes
            events.append(.message(stream: stream, ppid: ppid, data: message))
        case 2: isConnected = true; events.append(.connected)
        case 3: isConnected = false; wentDown = true; events.append(.closed)
        case 4:
            partial[stream] = nil
            skipping.remove(stream)
            events.append(.streamsReset([stream]))
        case 6: events.append(.senderDry)
        default: break
        }
    }
}

/// The process-wide usrsctp: started once, timers advanced from the owners' clocks, one lock for
/// every call into it.
///
/// usrsctp has one timer wheel for the whole process, while each association's owner has its own
/// clock (a call's loop, a test's virtual clock). The wheel follows the fastest of them: each
/// association is anchored to the wheel (`wheel = anchor + its now`); a call from one that is
/// ahead moves the wheel up to it, and one that lags is re-anchored to the wheel's present. One
/// clock (a call, however many legs) drives the wheel exactly, associations on the same clock
/// never count the same milliseconds twice, and an owner whose clock runs fast (a simulation)
/// neither freezes the others' timers nor is frozen when it stops.
enum SctpRuntime {
    static let lock = Mutex(())
    private static let started: Bool = {
        tc_sctp_start()
        return true
    }()
    private struct Wheel {
        var position: Int64 = 0
        var anchors: [ObjectIdentifier: Int64] = [:]
    }
    private static let wheel = Mutex(Wheel())

    static func start() { _ = started }

    /// The association `owner` was handled at `now` (ms on its owner's clock): usrsctp's timers
    /// advance by whatever that moves the wheel.
    static func advance(_ owner: ObjectIdentifier, now: Int64) {
        let elapsed = wheel.withLock { w -> Int64 in
            let anchor = w.anchors[owner] ?? (w.position - now)
            let target = anchor + now
            guard target > w.position else {
                w.anchors[owner] = w.position - now
                return 0
            }
            defer { w.position = target }
            w.anchors[owner] = anchor
            return target - w.position
        }
        guard elapsed > 0 else { return }
        lock.withLock { _ in usrsctp_handle_timers(UInt32(clamping: elapsed)) }
    }

    /// A closed association no longer takes part.
    static func forget(_ owner: ObjectIdentifier) {
        _ = wheel.withLock { $0.anchors.removeValue(forKey: owner) }
    }
}

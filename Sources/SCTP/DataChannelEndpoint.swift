/// Data channels (RFC 8831) over one SCTP association, opened with DCEP (RFC 8832) or negotiated
/// out of band. Sans-IO like the association it owns: DTLS application data in, SCTP packets out,
/// events out. Stream ids follow the DTLS role (client even, server odd, RFC 8832 §6); a message
/// larger than the peer's `max-message-size` is refused with a clear error; messages the association
/// cannot take yet wait in the channel's queue (`bufferedAmount`), flushed as SCTP drains.
public final class DataChannelEndpoint {
    public enum Message: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
    }

    public enum Event: Sendable, Equatable {
        case connected
        case channelOpened(UInt16)
        case message(UInt16, Message)
        /// `bufferedAmount` fell to the channel's low-water mark.
        case bufferedAmountLow(UInt16)
        case channelClosed(UInt16)
        /// The peer sent a message larger than our max-message-size; it was dropped, the channel stays.
        case oversizedMessageDropped(UInt16)
        case closed
    }

    public enum SendError: Error, Sendable, Equatable, CustomStringConvertible {
        case noSuchChannel(UInt16)
        case notOpen(UInt16)
        case tooLarge(size: Int, limit: Int)
        case noFreeStream
        case idInUse(UInt16)
        case conflictingReliability

        public var description: String {
            switch self {
            case let .noSuchChannel(id): return "no data channel \(id)"
            case let .notOpen(id): return "data channel \(id) is not open"
            case let .tooLarge(size, limit): return "message of \(size) bytes is larger than the peer accepts (max-message-size \(limit))"
            case .noFreeStream: return "no free SCTP stream for another data channel"
            case let .idInUse(id): return "data channel id \(id) is already in use"
            case .conflictingReliability: return "a data channel takes maxRetransmits or maxPacketLifeTime, not both"
            }
        }
    }

    public enum State: Sendable, Equatable { case connecting, open, closing, closed }

    public struct Channel: Sendable {
        public let id: UInt16
        public let label: String
        public let options: DataChannelOptions
        public internal(set) var state: State
        /// Bytes queued and not yet accepted by SCTP.
        public internal(set) var bufferedAmount = 0
        public var bufferedAmountLowThreshold = 0
        var pending: [(ppid: UInt32, data: [UInt8])] = []
        var resetOutgoing = false, resetIncoming = false
    }

    public let association: SctpAssociation
    /// Messages SCTP refused outright (counted, dropped).
    public private(set) var droppedMessages = 0
    public let isDtlsClient: Bool
    /// The peer's `a=max-message-size` (RFC 8841 §6): absent means 64 KiB, 0 means no limit.
    public let maximumMessageSize: Int?
    public private(set) var channels: [UInt16: Channel] = [:]
    private var events: [Event] = []

    /// Streams asked for at association setup (`CUsrsctp/shim.h`): ids stay below this.
    public static let streamCount: UInt16 = 1024
    /// What one message may be at most on our side: usrsctp takes a message whole into its send
    /// buffer (4 MiB), so "no limit" from the peer still means this.
    public static let localMaximumMessageSize = 4 << 20

    public init(association: SctpAssociation, isDtlsClient: Bool, remoteMaxMessageSize: Int? = nil) {
        self.association = association
        self.isDtlsClient = isDtlsClient
        switch remoteMaxMessageSize {
        case nil: maximumMessageSize = 65_536
        case 0?: maximumMessageSize = nil
        case let size?: maximumMessageSize = size
        }
    }

    // MARK: transport

    public func handleDatagram(_ bytes: [UInt8], now: Int64) {
        association.handleDatagram(bytes, now: now)
        process()
    }

    public func handleTimeout(now: Int64) {
        association.handleTimeout(now: now)
        process()
    }

    public func pollTransmit() -> [UInt8]? { association.pollTransmit() }
    public func pollEvent() -> Event? { events.isEmpty ? nil : events.removeFirst() }

    // MARK: channels

    /// Opens a channel: DCEP OPEN on a fresh stream of our parity, or directly on the negotiated id.
    @discardableResult
    public func open(label: String, options: DataChannelOptions = .init()) throws(SendError) -> UInt16 {
        guard options.maxRetransmits == nil || options.maxPacketLifeTime == nil else { throw .conflictingReliability }
        let id: UInt16
        if let negotiated = options.negotiatedID {
            guard negotiated < Self.streamCount else { throw .noFreeStream }
            guard channels[negotiated] == nil else { throw .idInUse(negotiated) }
            id = negotiated
        } else {
            // The lowest free id of our parity (RFC 8832 §6), below the streams we asked for.
            guard let free = stride(from: isDtlsClient ? 0 : 1, to: Int(Self.streamCount), by: 2).first(where: { channels[UInt16($0)] == nil }) else {
                throw .noFreeStream
            }
            id = UInt16(free)
        }
        channels[id] = Channel(id: id, label: label, options: options, state: options.negotiatedID == nil ? .connecting : .open)
        if options.negotiatedID == nil {
            enqueue(id, ppid: DataChannelPPID.dcep, DataChannelMessage.open(DataChannelOpen(label: label, protocolName: options.protocolName, options: options)).serialized)
        } else if association.connected {
            events.append(.channelOpened(id))
        }
        flush()
        return id
    }

    public func send(_ message: Message, on id: UInt16) throws(SendError) {
        guard let channel = channels[id] else { throw .noSuchChannel(id) }
        guard channel.state == .open || channel.state == .connecting else { throw .notOpen(id) }
        let (ppid, data): (UInt32, [UInt8])
        switch message {
        case let .text(s): (ppid, data) = s.isEmpty ? (DataChannelPPID.emptyString, [0]) : (DataChannelPPID.string, Array(s.utf8))
        case let .binary(b): (ppid, data) = b.isEmpty ? (DataChannelPPID.emptyBinary, [0]) : (DataChannelPPID.binary, b)
        }
        let limit = min(maximumMessageSize ?? Int.max, Self.localMaximumMessageSize)
        if data.count > limit { throw .tooLarge(size: data.count, limit: limit) }
        enqueue(id, ppid: ppid, data)
        flush()
    }

    public func setBufferedAmountLowThreshold(_ bytes: Int, on id: UInt16) {
        channels[id]?.bufferedAmountLowThreshold = max(0, bytes)
    }

    /// Closes a channel: once what is queued has gone, reset our outgoing stream; it is closed
    /// once the peer resets its own too (RFC 8831 §6.7). A channel whose OPEN never reached SCTP
    /// closes at once.
    public func close(_ id: UInt16) {
        guard var channel = channels[id], channel.state != .closed, channel.state != .closing else { return }
        if channel.state == .connecting, channel.pending.first?.0 == DataChannelPPID.dcep {
            channels[id] = nil
            events.append(.channelClosed(id))
            return
        }
        channel.state = .closing
        channels[id] = channel
        flush()
    }

    // MARK: internals

    private func enqueue(_ id: UInt16, ppid: UInt32, _ data: [UInt8]) {
        channels[id]?.pending.append((ppid, data))
        if ppid != DataChannelPPID.dcep { channels[id]?.bufferedAmount += data.count } // app data only (W3C)
    }

    /// Hands queued messages to SCTP until it pushes back.
    private func flush() {
        guard association.takesMessages else { return }
        for id in channels.keys.sorted() {
            guard var channel = channels[id] else { continue }
            let before = channel.bufferedAmount
            while let (ppid, data) = channel.pending.first {
                // DCEP messages are always reliable and ordered (RFC 8832 §6).
                let dcep = ppid == DataChannelPPID.dcep
                let reliability: SctpAssociation.Reliability = dcep ? .reliable
                    : channel.options.maxRetransmits.map { .maximumRetransmits($0) }
                    ?? channel.options.maxPacketLifeTime.map { .maximumLifetime(milliseconds: $0) } ?? .reliable
                // Ordered until the peer's ACK: an unordered message must not overtake the OPEN (§6).
                let ordered = dcep || channel.options.ordered || channel.state == .connecting
                var blocked = false
                do {
                    try association.send(data, stream: id, ppid: ppid, ordered: ordered, reliability: reliability)
                } catch .wouldBlock {
                    blocked = true
                } catch {
                    // Refused for good (too large for the buffer, a bad stream): drop it rather than
                    // let it block everything behind it.
                    droppedMessages += 1
                }
                if blocked { break }
                channel.pending.removeFirst()
                if ppid != DataChannelPPID.dcep { channel.bufferedAmount -= data.count }
            }
            // A closing channel resets its stream once its queue is empty; retried until usrsctp takes it.
            if channel.state == .closing, channel.pending.isEmpty, !channel.resetOutgoing, association.resetStreams([id]) {
                channel.resetOutgoing = true
            }
            channels[id] = channel
            if before > channel.bufferedAmountLowThreshold && channel.bufferedAmount <= channel.bufferedAmountLowThreshold {
                events.append(.bufferedAmountLow(id))
            }
        }
    }

    private func process() {
        while let event = association.pollEvent() {
            switch event {
            case .connected:
                events.append(.connected)
                for (id, channel) in channels.sorted(by: { $0.key < $1.key }) where channel.options.negotiatedID != nil { events.append(.channelOpened(id)) }
            case let .message(stream, ppid, data):
                receive(stream: stream, ppid: ppid, data: data)
            case let .oversizedMessageDropped(stream):
                events.append(.oversizedMessageDropped(stream))
            case let .streamsReset(streams):
                for id in streams {
                    guard var channel = channels[id] else { continue }
                    channel.resetIncoming = true
                    if !channel.resetOutgoing {
                        // The peer closed: close our side too (RFC 8831 §6.7), after what we queued.
                        channel.state = .closing
                        if channel.pending.isEmpty, association.resetStreams([id]) { channel.resetOutgoing = true }
                    }
                    channels[id] = channel
                    finishCloseIfDone(id)
                }
            case .senderDry:
                break
            case .closed:
                for id in channels.keys where channels[id]?.state != .closed {
                    channels[id]?.state = .closed
                    events.append(.channelClosed(id))
                }
                events.append(.closed)
            }
        }
        flush()
    }

    private func finishCloseIfDone(_ id: UInt16) {
        guard let channel = channels[id], channel.resetOutgoing, channel.resetIncoming, channel.state != .closed else { return }
        channels[id]?.state = .closed
        events.append(.channelClosed(id))
        channels[id] = nil // the stream id may be reused
    }

    private func receive(stream: UInt16, ppid: UInt32, data: [UInt8]) {
        if ppid == DataChannelPPID.dcep {
            guard let message = try? DataChannelMessage.parse(data) else { return }
            switch message {
            case let .open(open):
                guard channels[stream] == nil else { return }
                channels[stream] = Channel(id: stream, label: open.label, options: open.options, state: .open)
                enqueue(stream, ppid: DataChannelPPID.dcep, DataChannelMessage.ack.serialized)
                events.append(.channelOpened(stream))
            case .ack:
                if channels[stream]?.state == .connecting {
                    channels[stream]?.state = .open
                    events.append(.channelOpened(stream))
                }
            }
            return
        }
        guard var channel = channels[stream] else { return }
        // Data before the ACK proves the peer opened the channel (RFC 8832 §6).
        if channel.state == .connecting {
            channel.state = .open
            channels[stream] = channel
            events.append(.channelOpened(stream))
        }
        switch ppid {
        case DataChannelPPID.string: events.append(.message(stream, .text(String(decoding: data, as: UTF8.self))))
        case DataChannelPPID.binary: events.append(.message(stream, .binary(data)))
        case DataChannelPPID.emptyString: events.append(.message(stream, .text("")))
        case DataChannelPPID.emptyBinary: events.append(.message(stream, .binary([])))
        default: break // unknown payload protocol: ignored
        }
    }

    public func channel(_ id: UInt16) -> Channel? { channels[id] }
}

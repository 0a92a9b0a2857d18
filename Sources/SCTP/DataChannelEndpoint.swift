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
        case closed
    }

    public enum SendError: Error, Sendable, Equatable, CustomStringConvertible {
        case noSuchChannel(UInt16)
        case notOpen(UInt16)
        case tooLarge(size: Int, limit: Int)
        case noFreeStream

        public var description: String {
            switch self {
            case let .noSuchChannel(id): return "no data channel \(id)"
            case let .notOpen(id): return "data channel \(id) is not open"
            case let .tooLarge(size, limit): return "message of \(size) bytes is larger than the peer accepts (max-message-size \(limit))"
            case .noFreeStream: return "no free SCTP stream for another data channel"
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
    public let isDtlsClient: Bool
    /// The peer's `a=max-message-size` (RFC 8841 §6): absent means 64 KiB, 0 means no limit.
    public let maximumMessageSize: Int?
    public private(set) var channels: [UInt16: Channel] = [:]
    private var events: [Event] = []
    private var nextID: UInt16

    public init(association: SctpAssociation, isDtlsClient: Bool, remoteMaxMessageSize: Int? = nil) {
        self.association = association
        self.isDtlsClient = isDtlsClient
        switch remoteMaxMessageSize {
        case nil: maximumMessageSize = 65_536
        case 0?: maximumMessageSize = nil
        case let size?: maximumMessageSize = size
        }
        nextID = isDtlsClient ? 0 : 1
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
        let id: UInt16
        if let negotiated = options.negotiatedID {
            id = negotiated
        } else {
            var candidate = nextID
            while channels[candidate] != nil {
                guard candidate <= 65_531 else { throw .noFreeStream }
                candidate += 2
            }
            id = candidate
            nextID = candidate &+ 2
        }
        channels[id] = Channel(id: id, label: label, options: options, state: options.negotiatedID == nil ? .connecting : .open)
        if options.negotiatedID == nil {
            enqueue(id, ppid: DataChannelPPID.dcep, DataChannelMessage.open(DataChannelOpen(label: label, protocolName: options.protocolName, options: options)).serialized)
        } else if association.isConnected {
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
        if let limit = maximumMessageSize, data.count > limit { throw .tooLarge(size: data.count, limit: limit) }
        enqueue(id, ppid: ppid, data)
        flush()
    }

    public func setBufferedAmountLowThreshold(_ bytes: Int, on id: UInt16) {
        channels[id]?.bufferedAmountLowThreshold = max(0, bytes)
    }

    /// Closes a channel: reset our outgoing stream; it is closed once the peer resets its own.
    public func close(_ id: UInt16) {
        guard var channel = channels[id], channel.state != .closed, channel.state != .closing else { return }
        channel.state = .closing
        channel.resetOutgoing = true
        channels[id] = channel
        association.resetStreams([id])
        finishCloseIfDone(id)
    }

    // MARK: internals

    private func enqueue(_ id: UInt16, ppid: UInt32, _ data: [UInt8]) {
        channels[id]?.pending.append((ppid, data))
        channels[id]?.bufferedAmount += data.count
    }

    /// Hands queued messages to SCTP until it pushes back.
    private func flush() {
        guard association.isConnected else { return }
        for id in channels.keys.sorted() {
            guard var channel = channels[id] else { continue }
            let before = channel.bufferedAmount
            while let (ppid, data) = channel.pending.first {
                // DCEP messages are always reliable and ordered (RFC 8832 §6).
                let dcep = ppid == DataChannelPPID.dcep
                let reliability: SctpAssociation.Reliability = dcep ? .reliable
                    : channel.options.maxRetransmits.map { .maximumRetransmits($0) }
                    ?? channel.options.maxPacketLifeTime.map { .maximumLifetime(milliseconds: $0) } ?? .reliable
                do {
                    try association.send(data, stream: id, ppid: ppid, ordered: dcep || channel.options.ordered, reliability: reliability)
                } catch .wouldBlock {
                    break
                } catch {
                    break
                }
                channel.pending.removeFirst()
                channel.bufferedAmount -= data.count
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
            case let .streamsReset(streams):
                for id in streams {
                    guard var channel = channels[id] else { continue }
                    channel.resetIncoming = true
                    if !channel.resetOutgoing {
                        // The peer closed: close our side too (RFC 8831 §6.7).
                        channel.resetOutgoing = true
                        channel.state = .closing
                        association.resetStreams([id])
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

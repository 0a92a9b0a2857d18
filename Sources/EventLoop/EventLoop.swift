#if canImport(Glibc)
import Glibc
#endif
import ICE
import PeerConnection
import STUN
import UDPTransport

/// The one loop of a call: it owns every peer connection's sockets (all legs of a group call),
/// the one clock, and whatever else the owner waits on (the terminal, device wake pipes). Each turn
/// polls all of them at once, stamps arrival times, hands each input to the connection whose
/// sockets it came in on, runs due timers, sends every transmit, and sleeps until the earliest
/// wake-up any connection asked for. No leg waits while another is read.
public final class EventLoop {
    /// A connection and the sockets that carry it.
    final class Entry {
        let connection: PeerConnection
        let sockets: IceSockets
        init(connection: PeerConnection, sockets: IceSockets) {
            self.connection = connection
            self.sockets = sockets
        }
    }

    public let clock: MonotonicClock
    private var entries: [Entry] = []
    /// Turns taken, and how many of them ended on input rather than a timer (benchmarks print these).
    public private(set) var turns = 0, wokenByInput = 0

    public init(clock: MonotonicClock = MonotonicClock()) { self.clock = clock }

    public var now: Int64 { clock.milliseconds }
    public var connections: [PeerConnection] { entries.map(\.connection) }

    /// A new peer connection on its own sockets (one per address; every interface when nil).
    public func addConnection(configuration: IceConfiguration = .init(), addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false,
                              tracks: Set<MediaKind> = [.audio, .video]) throws -> PeerConnection {
        let now = self.now
        let sockets = try IceSockets(configuration: configuration, addresses: addresses, includeLoopback: includeLoopback, now: now)
        let connection = try PeerConnection(configuration: configuration, tracks: tracks, now: now, unixMillisecondsAtZero: clock.unixMillisecondsAtZero)
        for input in sockets.takeInputs() { connection.handle(input, now: now) }
        entries.append(Entry(connection: connection, sockets: sockets))
        send(entries[entries.count - 1])
        return connection
    }

    /// Stops serving a connection (a leg that ended); what it still had to send goes out first,
    /// and its sockets close.
    public func removeConnection(_ connection: PeerConnection) {
        guard let index = entries.firstIndex(where: { $0.connection === connection }) else { return }
        send(entries[index])
        entries.remove(at: index)
    }

    /// The sockets under `connection` (tests aim hostile traffic at them).
    public func sockets(of connection: PeerConnection) -> IceSockets? { entries.first { $0.connection === connection }?.sockets }

    /// Sends what API calls made since the last turn (a chat line, a frame) without waiting for one.
    public func flush() {
        for entry in entries { send(entry) }
    }

    /// One turn: waits at most `maximumWait` ms for input on any connection's sockets or on
    /// `descriptors` (each polled for reading), or for the earliest timer; then handles it all.
    /// Returns every connection's events and the descriptors that are readable.
    public func turn(maximumWait: Int64, alsoWaitingOn descriptors: [Int32] = []) -> (events: [(PeerConnection, PeerConnection.Event)], readable: [Int32]) {
        turns += 1
        var start = now
        var pending: [(PeerConnection, PeerConnection.Event)] = []
        for entry in entries {
            send(entry)
            pending += entry.connection.takeEvents().map { (entry.connection, $0) }
            entry.sockets.prepare(agent: entry.connection.ice, now: start)
        }
        var due = Int64.max
        for entry in entries {
            if let t = entry.connection.nextTimeout { due = min(due, t) }
            if let t = entry.sockets.nextDeadline(agent: entry.connection.ice) { due = min(due, t) }
        }
        let wait = pending.isEmpty ? (due <= start ? 0 : min(maximumWait, due - start)) : 0
        var fds: [pollfd] = []
        var ranges: [Range<Int>] = []
        for entry in entries {
            let own = entry.sockets.descriptors
            ranges.append(fds.count..<(fds.count + own.count))
            fds += own
        }
        let extraAt = fds.count
        fds += descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: wait))
        if ready > 0 { wokenByInput += 1 }
        start = now
        let arrival = clock.microseconds
        for (entry, range) in zip(entries, ranges) {
            let connection = entry.connection
            for input in entry.sockets.handleReady(fds[range], agent: connection.ice, now: start) {
                connection.handle(input, now: start, microseconds: arrival)
            }
            connection.handleTimeout(now: start)
            send(entry)
            pending += connection.takeEvents().map { (connection, $0) }
        }
        let readable = fds[extraAt...].filter { $0.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 }.map(\.fd)
        return (pending, readable)
    }

    private func send(_ entry: Entry) {
        for t in entry.connection.takeTransmits() { entry.sockets.send(t) }
    }
}

/// One peer connection on its own loop: for programs and tests that have exactly one (a CLI
/// answering a browser, an interop test against aiortc).
public final class NetworkedPeer {
    public let loop: EventLoop
    public let connection: PeerConnection

    public init(configuration: IceConfiguration = .init(), addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false,
                tracks: Set<MediaKind> = [.audio, .video]) throws {
        loop = EventLoop()
        connection = try loop.addConnection(configuration: configuration, addresses: addresses, includeLoopback: includeLoopback, tracks: tracks)
    }

    public var now: Int64 { loop.now }

    /// Waits up to `maximumWait` ms for input or a timer, handles it, and returns what happened.
    public func step(maximumWait: Int64 = 10) -> [PeerConnection.Event] {
        loop.turn(maximumWait: maximumWait).events.map(\.1)
    }
}

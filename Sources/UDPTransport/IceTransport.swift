#if canImport(Glibc)
import Glibc
#endif
import ICE
import STUN
import TURN

/// The UDP shell around an `IceAgent`: one socket per usable interface address, a poll loop that
/// feeds the agent datagrams and the time and carries out what it asks. Non-STUN traffic is sorted
/// by RFC 7983 and handed up (DTLS/SRTP later share these sockets). Owned by one thread, which calls
/// `step` in its loop; nothing here sleeps except inside `poll`.
public final class IceTransport {
    public enum Event: Sendable, Equatable {
        case ice(IceEvent)
        /// Application data (DTLS, RTP, …) from the peer, direct or relayed.
        case data([UInt8], from: TransportAddress)
        /// The machine's interface addresses changed (a new network, a lost one): the owner should
        /// restart ICE so the peer learns the new candidates and checks them.
        case interfacesChanged
    }

    public private(set) var agent: IceAgent
    public private(set) var sockets: [UDPSocket] = []
    /// TCP/TLS connections to the TURN servers reached that way, one per server.
    private var streams: [TurnStreamConnection] = []
    /// ICE-TCP (RFC 6544): a listener per address (our passive candidates) and the connections
    /// peers' active candidates opened to them.
    private var listeners: [IceTcpListener] = []
    private var tcpConnections: [IceTcpConnection] = []
    /// Multicast DNS for mDNS candidates: opened when a peer's candidate needs resolving or ours
    /// are hidden behind names. Queries go out at 0, 1 and 2 s (browsers answer at most once a
    /// second per name) and are given up after 3 s; the peer's checks may still find the path.
    private var mdns: MdnsSocket?
    private var mdnsUnavailable = false
    private var mdnsQueries: [String: (firstAt: Int64, sends: Int)] = [:]
    private var announced = false
    public private(set) var discarded = 0
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var pending: [Event] = []
    private let start = IceTransport.monotonicMilliseconds()
    /// Set when the caller let us choose the addresses: they are then watched for changes.
    private let watchInterfaces: Bool
    private let includeLoopback: Bool
    private var knownAddresses: Set<TransportAddress.IP> = []
    private var nextInterfaceCheck: Int64 = 2_000
    /// How often the interface list is read again (getifaddrs: microseconds).
    static let interfaceCheckInterval: Int64 = 1_000

    /// Milliseconds since this transport was made (the agent's clock).
    public var now: Int64 { Self.monotonicMilliseconds() - start }

    /// Opens a socket on each of `addresses` (port 0: the kernel picks), or on every usable interface
    /// address when nil, and starts gathering.
    public init(agent: IceAgent, addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false) throws(TransportError) {
        self.agent = agent
        watchInterfaces = addresses == nil
        self.includeLoopback = includeLoopback
        let ips = addresses ?? InterfaceAddresses.usable(includeLoopback: includeLoopback)
        knownAddresses = Set(ips)
        for ip in ips {
            do throws(TransportError) {
                sockets.append(try UDPSocket(bindTo: TransportAddress(ip: ip, port: 0)))
            } catch {
                continue // an address that cannot be bound (an IPv6 one in a v4-only namespace) is skipped
            }
        }
        guard !sockets.isEmpty else { throw .noUsableAddress }
        let t = now
        for server in agent.configuration.turnServers where server.transport != .udp && sockets.contains(where: { $0.local.isIPv4 == server.address.isIPv4 }) {
            do throws(TransportError) {
                streams.append(try TurnStreamConnection(server: server, caFile: agent.configuration.turnCAFile, now: t))
            } catch {
                pendingStreamFailures.append((server, error.description))
            }
        }
        for socket in sockets { self.agent.addLocalSocket(socket.local, now: t) }
        if agent.configuration.tcpCandidates && !agent.configuration.relayOnly {
            for socket in sockets { openListener(on: socket.local.ip, now: t) }
        }
        self.agent.localSocketsComplete(now: t)
        for (server, reason) in pendingStreamFailures { self.agent.turnStreamFailed(server, reason: reason, now: t) }
        pendingStreamFailures = []
        flush()
    }

    private var pendingStreamFailures: [(TurnServer, String)] = []

    // MARK: signalling input (forwarded to the agent)

    public func setRemoteCredentials(_ credentials: IceCredentials) { agent.setRemoteCredentials(credentials, now: now); flush() }
    public func addRemoteCandidate(_ candidate: IceCandidate) { agent.addRemoteCandidate(candidate, now: now); flush() }
    public func remoteCandidatesComplete() { agent.remoteCandidatesComplete(now: now); flush() }
    public func restart(credentials: IceCredentials = .random()) { agent.restart(credentials: credentials, now: now); flush() }
    public func setRole(_ role: IceRole) { agent.setRole(role) }

    /// Sends application data to the peer over the selected pair; false before one is selected.
    @discardableResult
    public func send(_ payload: [UInt8]) -> Bool {
        guard let transmit = agent.transmitApplicationData(payload) else { return false }
        emit(transmit)
        return true
    }

    /// Waits up to `maximumWait` ms for datagrams or the agent's next timer, handles everything
    /// ready, and returns what happened.
    public func step(maximumWait: Int64) -> [Event] {
        serviceMdns()
        let deadlines = [agent.nextTimeout, nextMdnsQuery] + streams.map(\.nextDeadline) + tcpConnections.filter { !$0.proven }.map { $0.openedAt + IceTcpConnection.proofTimeout }
        let wait = max(0, min(maximumWait, (deadlines.compactMap { $0 }.min() ?? Int64.max) - now))
        var fds = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let streamsAt = fds.count
        fds += streams.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN) | ($0.wantsWrite ? Int16(POLLOUT) : 0), revents: 0) }
        let listenersAt = fds.count
        fds += listeners.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let connectionsAt = fds.count
        fds += tcpConnections.map { pollfd(fd: $0.stream.descriptor, events: Int16(POLLIN) | ($0.stream.wantsWrite ? Int16(POLLOUT) : 0), revents: 0) }
        let mdnsAt = fds.count
        if let mdns { fds.append(pollfd(fd: mdns.descriptor, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&fds, nfds_t(fds.count), Int32(clamping: wait))
        if mdns != nil, fds[mdnsAt].revents & Int16(POLLIN) != 0 { receiveMdns() }
        for (i, stream) in streams.enumerated() {
            let revents = fds[streamsAt + i].revents
            if revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 { stream.handleWritable() }
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                for message in stream.handleReadable() { agent.handleTurnStream(message, from: stream.server, now: now) }
            }
            stream.checkDeadline(now: now)
            if let reason = stream.failure { agent.turnStreamFailed(stream.server, reason: reason, now: now) }
        }
        streams.removeAll { !$0.isUsable }
        for (i, connection) in tcpConnections.enumerated() {
            let revents = fds[connectionsAt + i].revents
            if revents & Int16(POLLOUT) != 0 { _ = connection.stream.handleWritable() }
            if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { handleTcpPackets(connection.handleReadable(), on: connection) }
            connection.checkSilence(now: now)
            if !connection.isUsable { agent.tcpConnectionClosed(from: connection.peer, local: connection.local, now: now) }
        }
        tcpConnections.removeAll { !$0.isUsable }
        for (i, listener) in listeners.enumerated() where fds[listenersAt + i].revents & Int16(POLLIN) != 0 {
            for connection in listener.accept(now: now) { admit(connection) }
        }
        for (i, fd) in fds.prefix(sockets.count).enumerated() where fd.revents & Int16(POLLIN) != 0 {
            let socket = sockets[i]
            // At most 256 datagrams per socket per step: a flood must not starve the agent's timers.
            var budget = 256
            while budget > 0, let (count, from) = socket.receive(into: &buffer) {
                budget -= 1
                let datagram = Array(buffer[0..<count])
                guard let first = datagram.first else { continue }
                let fromServer = agent.configuration.turnServers.contains { $0.address == from && $0.transport == .udp }
                switch DatagramKind(firstByte: first) {
                case .stun, .turnChannel:
                    agent.handleDatagram(datagram, from: from, local: socket.local, now: now)
                case .dtls, .rtp:
                    if fromServer { agent.handleDatagram(datagram, from: from, local: socket.local, now: now); break }
                    guard agent.isRemoteCandidate(from) else { discarded += 1; continue }
                    agent.noteApplicationData(from: from, now: now)
                    pending.append(.data(datagram, from: from))
                case .zrtp, .unknown:
                    discarded += 1
                }
            }
        }
        if let deadline = agent.nextTimeout, deadline <= now { agent.handleTimeout(now: now) }
        if watchInterfaces, now >= nextInterfaceCheck {
            nextInterfaceCheck = now + Self.interfaceCheckInterval
            checkInterfaces()
        }
        flush()
        defer { pending = [] }
        return pending
    }

    /// New interface addresses get a socket and a host candidate (trickled, and offered on the
    /// restart the owner makes); addresses that went away close their sockets. RFC 8445 §9 leaves
    /// the rest to the restart: new credentials, checks on every pair again.
    private func checkInterfaces() {
        let current = Set(InterfaceAddresses.usable(includeLoopback: includeLoopback))
        guard current != knownAddresses else { return }
        let added = current.subtracting(knownAddresses), removed = knownAddresses.subtracting(current)
        knownAddresses = current
        for socket in sockets where removed.contains(socket.local.ip) { agent.removeLocalSocket(socket.local) }
        for listener in listeners where removed.contains(listener.local.ip) { agent.removeLocalSocket(listener.local) }
        listeners.removeAll { removed.contains($0.local.ip) }
        sockets.removeAll { removed.contains($0.local.ip) }
        for ip in added.sorted(by: { "\($0)" < "\($1)" }) {
            guard let socket = try? UDPSocket(bindTo: TransportAddress(ip: ip, port: 0)) else { continue }
            sockets.append(socket)
            agent.addLocalSocket(socket.local, now: now)
            if agent.configuration.tcpCandidates && !agent.configuration.relayOnly { openListener(on: ip, now: now) }
        }
        pending.append(.interfacesChanged)
    }

    /// Asks the LAN for the peer's unresolved `.local` names and, when ours are hidden, announces
    /// them once (browsers ask once and never again, so an answer ready in their cache helps).
    private func serviceMdns() {
        let publishing = !agent.hostnames.isEmpty
        guard publishing || agent.hasUnresolvedRemoteHostnames else { return }
        let names = agent.unresolvedRemoteHostnames.filter(MdnsMessage.isCandidateHostname)
        guard (!names.isEmpty || publishing), !mdnsUnavailable else { return }
        if mdns == nil {
            let interfaces = InterfaceAddresses.usable(includeLoopback: false).filter(\.isIPv4)
            do throws(TransportError) { mdns = try MdnsSocket(interfaces: interfaces) } catch { mdnsUnavailable = true; return }
        }
        guard let mdns else { return }
        if publishing, !announced {
            announced = true
            for (ip, name) in agent.hostnames { mdns.multicast(MdnsMessage.answer(name, ip: ip)) }
        }
        let t = now
        for name in names {
            let query = mdnsQueries[name] ?? (t, 0)
            guard query.sends < 3, t >= query.firstAt + Int64(query.sends) * 1_000 else { continue }
            mdns.multicast(MdnsMessage.query(name))
            mdnsQueries[name] = (query.firstAt, query.sends + 1)
        }
    }

    private var nextMdnsQuery: Int64? {
        guard !mdnsQueries.isEmpty, agent.hasUnresolvedRemoteHostnames else { return nil }
        let unresolved = Set(agent.unresolvedRemoteHostnames)
        return mdnsQueries.filter { unresolved.contains($0.key) && $0.value.sends < 3 }.map { $0.value.firstAt + Int64($0.value.sends) * 1_000 }.min()
    }

    /// Answers for the peer's names go to the agent; questions for ours are answered by multicast.
    private func receiveMdns() {
        guard let mdns else { return }
        var budget = 64
        while budget > 0, let bytes = mdns.receive(into: &buffer) {
            budget -= 1
            switch MdnsMessage.parse(bytes) {
            case let .answer(records)?:
                let unresolved = Set(agent.unresolvedRemoteHostnames)
                for record in records where unresolved.contains(record.name) {
                    agent.resolveRemoteHostname(record.name, to: record.ip, now: now)
                }
            case let .query(names)?:
                for (ip, name) in agent.hostnames where names.contains(name.lowercased()) { mdns.multicast(MdnsMessage.answer(name, ip: ip)) }
            case nil:
                break
            }
        }
    }

    /// Opens the passive ICE-TCP candidate for an address (skipped quietly where it cannot listen).
    private func openListener(on ip: TransportAddress.IP, now: Int64) {
        guard let listener = try? IceTcpListener(on: ip) else { return }
        listeners.append(listener)
        agent.addLocalListener(listener.local, now: now)
    }

    /// A new ICE-TCP connection; past the limit the oldest that has not spoken yet (else the oldest)
    /// makes room, so a stranger holding connections open cannot lock the peer out.
    private func admit(_ connection: IceTcpConnection) {
        if tcpConnections.count >= IceTcpListener.maximumConnections {
            let victim = tcpConnections.firstIndex { !$0.proven } ?? 0
            let old = tcpConnections.remove(at: victim)
            old.stream.fail("closed to make room")
            agent.tcpConnectionClosed(from: old.peer, local: old.local, now: now)
        }
        tcpConnections.append(connection)
    }

    /// RFC 4571 frames from an ICE-TCP connection: STUN to the agent, DTLS/SRTP up like datagrams.
    private func handleTcpPackets(_ packets: [[UInt8]], on connection: IceTcpConnection) {
        for packet in packets {
            guard let first = packet.first else { continue }
            switch DatagramKind(firstByte: first) {
            case .stun:
                agent.handleTcpMessage(packet, from: connection.peer, local: connection.local, now: now)
            case .dtls, .rtp:
                guard agent.isRemoteCandidate(connection.peer) else { discarded += 1; continue }
                agent.noteApplicationData(from: connection.peer, now: now)
                pending.append(.data(packet, from: connection.peer))
            case .zrtp, .turnChannel, .unknown:
                discarded += 1
            }
        }
    }

    /// Sends what the agent wants sent and collects its events for the next `step`.
    private func flush() {
        while let t = agent.pollTransmit() { emit(t) }
        while let e = agent.pollEvent() {
            if case let .relayedData(bytes, from) = e { pending.append(.data(bytes, from: from)) } else { pending.append(.ice(e)) }
        }
    }

    private func emit(_ t: IceTransmit) {
        if t.tcp {
            tcpConnections.first { $0.local == t.local && $0.peer == t.destination }?.send(t.bytes)
            return
        }
        if let server = t.turnStream {
            streams.first { $0.server == server }?.send(t.bytes)
            return
        }
        (sockets.first { $0.local == t.local } ?? sockets.first { $0.local.isIPv4 == t.destination.isIPv4 })?.send(t.bytes, to: t.destination)
    }

    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

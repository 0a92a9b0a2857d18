#if canImport(Glibc)
import Glibc
#endif
import ICE
import STUN
import TURN

/// The sockets of one ICE agent, and nothing else: a UDP socket per usable interface address,
/// TCP/TLS connections to TURN servers, ICE-TCP listeners and their connections, multicast DNS and
/// the watch on the interface list. It reads what is ready into `SocketInput` values and sends
/// what the agent (or the peer connection above it) asks; it never waits. The owner's loop polls
/// `descriptors` together with everything else it waits on, then calls `handleReady`.
public final class IceSockets {
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
    private let configuration: IceConfiguration
    /// Received into only (recv writes what is read): not zeroed first.
    private var buffer = [UInt8](unsafeUninitializedCapacity: 65_536) { _, count in count = 65_536 }
    private var pending: [SocketInput] = []
    /// Set when the caller let us choose the addresses: they are then watched for changes.
    private let watchInterfaces: Bool
    private let includeLoopback: Bool
    private var knownAddresses: Set<TransportAddress.IP> = []
    private var nextInterfaceCheck: Int64
    /// How often the interface list is read again (getifaddrs: microseconds).
    static let interfaceCheckInterval: Int64 = 1_000
    /// Datagrams read per socket per turn at most: a flood must not starve everyone's timers.
    static let readBudget = 256

    /// Opens a socket on each of `addresses` (port 0: the kernel picks), or on every usable
    /// interface address when nil, and the TURN connections and listeners `configuration` asks
    /// for. What opened is in the first `takeInputs()`.
    public init(configuration: IceConfiguration, addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false,
                now: Int64) throws(TransportError) {
        self.configuration = configuration
        watchInterfaces = addresses == nil
        self.includeLoopback = includeLoopback
        nextInterfaceCheck = now + 2_000
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
        var failures: [SocketInput] = []
        for server in configuration.turnServers where server.transport != .udp && sockets.contains(where: { $0.local.isIPv4 == server.address.isIPv4 }) {
            do throws(TransportError) {
                streams.append(try TurnStreamConnection(server: server, caFile: configuration.turnCAFile, now: now))
            } catch {
                failures.append(.turnStreamFailed(server, reason: error.description))
            }
        }
        pending += sockets.map { .localSocketAdded($0.local) }
        if configuration.tcpCandidates && !configuration.relayOnly {
            for socket in sockets { if let listener = openListener(on: socket.local.ip) { pending.append(.localListenerAdded(listener)) } }
        }
        pending.append(.localSocketsComplete)
        pending += failures
    }

    /// Inputs made outside `handleReady` (at start): hand them to the agent.
    public func takeInputs() -> [SocketInput] {
        defer { pending = [] }
        return pending
    }

    /// What to poll, in the order `handleReady` expects them back.
    public var descriptors: [pollfd] {
        var fds = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        fds += streams.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN) | ($0.wantsWrite ? Int16(POLLOUT) : 0), revents: 0) }
        fds += listeners.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        fds += tcpConnections.map { pollfd(fd: $0.stream.descriptor, events: Int16(POLLIN) | ($0.stream.wantsWrite ? Int16(POLLOUT) : 0), revents: 0) }
        if let mdns { fds.append(pollfd(fd: mdns.descriptor, events: Int16(POLLIN), revents: 0)) }
        return fds
    }

    /// The shell's own next deadline: a TURN connection's setup, an ICE-TCP connection's proof,
    /// an mDNS query, the interface check.
    public func nextDeadline(agent: IceAgent) -> Int64? {
        let deadlines = [nextMdnsQuery(agent), watchInterfaces ? nextInterfaceCheck : nil] + streams.map(\.nextDeadline)
            + tcpConnections.filter { !$0.proven }.map { $0.openedAt + IceTcpConnection.proofTimeout }
        return deadlines.compactMap { $0 }.min()
    }

    /// Before the poll: mDNS questions for the peer's names, and our own names announced once.
    public func prepare(agent: IceAgent, now: Int64) { serviceMdns(agent, now: now) }

    /// Reads everything `ready` (the `descriptors` after poll, same order) says is ready, runs
    /// the shell's deadlines, and returns what arrived. `now` is when the poll returned.
    public func handleReady(_ ready: ArraySlice<pollfd>, agent: IceAgent, now: Int64) -> [SocketInput] {
        var out = pending
        pending = []
        let fds = Array(ready)
        func revents(_ i: Int) -> Int16 { i < fds.count ? fds[i].revents : 0 }
        let streamsAt = sockets.count, listenersAt = streamsAt + streams.count
        let connectionsAt = listenersAt + listeners.count, mdnsAt = connectionsAt + tcpConnections.count
        if mdns != nil, revents(mdnsAt) & Int16(POLLIN) != 0 { receiveMdns(agent, into: &out) }
        for (i, stream) in streams.enumerated() {
            let events = revents(streamsAt + i)
            if events & Int16(POLLOUT | POLLERR | POLLHUP) != 0 { stream.handleWritable() }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                for message in stream.handleReadable() { out.append(.turnStream(message, server: stream.server)) }
            }
            stream.checkDeadline(now: now)
            if let reason = stream.failure { out.append(.turnStreamFailed(stream.server, reason: reason)) }
        }
        streams.removeAll { !$0.isUsable }
        for (i, connection) in tcpConnections.enumerated() {
            let events = revents(connectionsAt + i)
            if events & Int16(POLLOUT) != 0 { _ = connection.stream.handleWritable() }
            if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                for frame in connection.handleReadable() { out.append(.tcpFrame(frame, from: connection.peer, local: connection.local)) }
            }
            connection.checkSilence(now: now)
            if !connection.isUsable { out.append(.tcpClosed(from: connection.peer, local: connection.local)) }
        }
        tcpConnections.removeAll { !$0.isUsable }
        for (i, listener) in listeners.enumerated() where revents(listenersAt + i) & Int16(POLLIN) != 0 {
            for connection in listener.accept(now: now) { admit(connection, into: &out) }
        }
        for (i, socket) in sockets.enumerated() where revents(i) & Int16(POLLIN) != 0 {
            var budget = Self.readBudget
            while budget > 0, let (count, from) = socket.receive(into: &buffer) {
                budget -= 1
                out.append(.datagram(Array(buffer[0..<count]), from: from, local: socket.local))
            }
        }
        if watchInterfaces, now >= nextInterfaceCheck {
            nextInterfaceCheck = now + Self.interfaceCheckInterval
            checkInterfaces(into: &out)
        }
        return out
    }

    /// Sends one of the agent's (or the stack's) transmits on the socket, stream or connection it names.
    public func send(_ t: IceTransmit) {
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

    /// New interface addresses get a socket and a host candidate (trickled, and offered on the
    /// restart the owner makes); addresses that went away close their sockets. RFC 8445 §9 leaves
    /// the rest to the restart: new credentials, checks on every pair again.
    private func checkInterfaces(into out: inout [SocketInput]) {
        let current = Set(InterfaceAddresses.usable(includeLoopback: includeLoopback))
        guard current != knownAddresses else { return }
        let added = current.subtracting(knownAddresses), removed = knownAddresses.subtracting(current)
        knownAddresses = current
        for socket in sockets where removed.contains(socket.local.ip) { out.append(.localSocketRemoved(socket.local)) }
        for listener in listeners where removed.contains(listener.local.ip) { out.append(.localSocketRemoved(listener.local)) }
        listeners.removeAll { removed.contains($0.local.ip) }
        sockets.removeAll { removed.contains($0.local.ip) }
        for ip in added.sorted(by: { "\($0)" < "\($1)" }) {
            guard let socket = try? UDPSocket(bindTo: TransportAddress(ip: ip, port: 0)) else { continue }
            sockets.append(socket)
            out.append(.localSocketAdded(socket.local))
            if configuration.tcpCandidates && !configuration.relayOnly, let listener = openListener(on: ip) { out.append(.localListenerAdded(listener)) }
        }
        out.append(.interfacesChanged)
    }

    /// Asks the LAN for the peer's unresolved `.local` names and, when ours are hidden, announces
    /// them once (browsers ask once and never again, so an answer ready in their cache helps).
    private func serviceMdns(_ agent: IceAgent, now: Int64) {
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
        for name in names {
            let query = mdnsQueries[name] ?? (now, 0)
            guard query.sends < 3, now >= query.firstAt + Int64(query.sends) * 1_000 else { continue }
            mdns.multicast(MdnsMessage.query(name))
            mdnsQueries[name] = (query.firstAt, query.sends + 1)
        }
    }

    private func nextMdnsQuery(_ agent: IceAgent) -> Int64? {
        guard !mdnsQueries.isEmpty, agent.hasUnresolvedRemoteHostnames else { return nil }
        let unresolved = Set(agent.unresolvedRemoteHostnames)
        return mdnsQueries.filter { unresolved.contains($0.key) && $0.value.sends < 3 }.map { $0.value.firstAt + Int64($0.value.sends) * 1_000 }.min()
    }

    /// Answers for the peer's names become inputs; questions for ours are answered by multicast.
    private func receiveMdns(_ agent: IceAgent, into out: inout [SocketInput]) {
        guard let mdns else { return }
        var budget = 64
        while budget > 0, let bytes = mdns.receive(into: &buffer) {
            budget -= 1
            switch MdnsMessage.parse(bytes) {
            case let .answer(records)?:
                let unresolved = Set(agent.unresolvedRemoteHostnames)
                for record in records where unresolved.contains(record.name) { out.append(.hostnameResolved(record.name, record.ip)) }
            case let .query(names)?:
                for (ip, name) in agent.hostnames where names.contains(name.lowercased()) { mdns.multicast(MdnsMessage.answer(name, ip: ip)) }
            case nil:
                break
            }
        }
    }

    /// Opens the passive ICE-TCP candidate for an address (skipped quietly where it cannot listen).
    private func openListener(on ip: TransportAddress.IP) -> TransportAddress? {
        guard let listener = try? IceTcpListener(on: ip) else { return nil }
        listeners.append(listener)
        return listener.local
    }

    /// A new ICE-TCP connection; past the limit the oldest that has not spoken yet (else the oldest)
    /// makes room, so a stranger holding connections open cannot lock the peer out.
    private func admit(_ connection: IceTcpConnection, into out: inout [SocketInput]) {
        if tcpConnections.count >= IceTcpListener.maximumConnections {
            let victim = tcpConnections.firstIndex { !$0.proven } ?? 0
            let old = tcpConnections.remove(at: victim)
            old.stream.fail("closed to make room")
            out.append(.tcpClosed(from: old.peer, local: old.local))
        }
        tcpConnections.append(connection)
    }
}

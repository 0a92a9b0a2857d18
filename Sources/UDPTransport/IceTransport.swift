#if canImport(Glibc)
import Glibc
#endif
import ICE
import STUN
import TURN

/// An ICE agent on this machine's sockets, for callers that need ICE alone (connectivity tools,
/// the ICE and TURN interop tests): `IceSockets` and an `IceAgent` in one blocking `step`.
/// A peer connection does not use this: its loop drives `IceSockets` and the connection's own agent.
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
    public let shell: IceSockets
    private let clock = MonotonicClock()
    private var pending: [Event] = []

    /// Milliseconds since this transport was made (the agent's clock).
    public var now: Int64 { clock.milliseconds }
    public var sockets: [UDPSocket] { shell.sockets }
    public var discarded: Int { agent.statistics.discarded }

    /// Opens a socket on each of `addresses` (port 0: the kernel picks), or on every usable interface
    /// address when nil, and starts gathering.
    public init(agent: IceAgent, addresses: [TransportAddress.IP]? = nil, includeLoopback: Bool = false) throws(TransportError) {
        self.agent = agent
        shell = try IceSockets(configuration: agent.configuration, addresses: addresses, includeLoopback: includeLoopback, now: 0)
        apply(shell.takeInputs(), now: now)
        flush()
    }

    public func setRemoteCredentials(_ credentials: IceCredentials) { agent.setRemoteCredentials(credentials, now: now); flush() }
    public func addRemoteCandidate(_ candidate: IceCandidate) { agent.addRemoteCandidate(candidate, now: now); flush() }
    public func remoteCandidatesComplete() { agent.remoteCandidatesComplete(now: now); flush() }
    public func restart(credentials: IceCredentials = .random()) { agent.restart(credentials: credentials, now: now); flush() }
    public func setRole(_ role: IceRole) { agent.setRole(role) }

    /// Sends application data to the peer over the selected pair; false before one is selected.
    @discardableResult
    public func send(_ payload: [UInt8]) -> Bool {
        guard let transmit = agent.transmitApplicationData(payload) else { return false }
        shell.send(transmit)
        return true
    }

    /// Waits up to `maximumWait` ms for datagrams or the agent's next timer, handles everything
    /// ready, and returns what happened.
    public func step(maximumWait: Int64) -> [Event] {
        let start = now
        shell.prepare(agent: agent, now: start)
        let due = [agent.nextTimeout, shell.nextDeadline(agent: agent)].compactMap { $0 }.min() ?? Int64.max
        var fds = shell.descriptors
        _ = poll(&fds, nfds_t(fds.count), Int32(clamping: max(0, min(maximumWait, due - start))))
        let t = now
        apply(shell.handleReady(fds[...], agent: agent, now: t), now: t)
        if let deadline = agent.nextTimeout, deadline <= t { agent.handleTimeout(now: t) }
        flush()
        defer { pending = [] }
        return pending
    }

    private func apply(_ inputs: [SocketInput], now: Int64) {
        for input in inputs {
            if input == .interfacesChanged { pending.append(.interfacesChanged); continue }
            if let data = agent.handle(input, now: now) { pending.append(.data(data.bytes, from: data.from)) }
        }
    }

    /// Sends what the agent wants sent and collects its events for the next `step`.
    private func flush() {
        while let t = agent.pollTransmit() { shell.send(t) }
        while let e = agent.pollEvent() {
            if case let .relayedData(bytes, from) = e { pending.append(.data(bytes, from: from)) } else { pending.append(.ice(e)) }
        }
    }
}

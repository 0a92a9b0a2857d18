import CryptoPrimitives
import STUN
import TURN

/// An ICE agent for one component over UDP (RFC 8445, full implementation, regular nomination),
/// sans-IO in the manner of str0m: the shell feeds it sockets, datagrams and the time; it answers
/// with datagrams to send (`pollTransmit`), events (`pollEvent`) and when to wake it (`nextTimeout`).
/// Times are milliseconds on any monotonic clock — tests use a virtual one.
///
/// Candidates: host (one per socket the shell opened), server-reflexive (STUN Binding to each STUN
/// server), relayed (TURN), and peer-reflexive ones learnt from checks. Trickle both ways (RFC 8838).
public struct IceAgent: Sendable {
    public private(set) var role: IceRole
    public private(set) var localCredentials: IceCredentials
    public private(set) var remoteCredentials: IceCredentials?
    public private(set) var state: IceConnectionState = .new
    public let configuration: IceConfiguration
    /// RFC 8445 §7.1.1: random, decides role conflicts.
    public let tieBreaker: UInt64
    public internal(set) var statistics = Statistics()

    public struct Statistics: Sendable, Equatable {
        public var checksSent = 0, checksReceived = 0, malformed = 0, unauthenticated = 0, roleConflicts = 0
        public var consentChecksSent = 0
        /// Datagrams dropped unread: from no candidate of the far end's, or of no protocol we speak.
        public var discarded = 0
        public init() {}
    }

    struct LocalCandidate: Sendable {
        var candidate: IceCandidate
        /// The socket it sends from.
        var base: TransportAddress
        /// Index into `turn` for relayed candidates.
        var relay: Int?
    }

    enum PairState: Sendable { case waiting, inProgress, succeeded, failed }

    struct Pair: Sendable {
        var local: Int
        var remote: Int
        var priority: UInt64
        var state: PairState = .waiting
        var nominated = false
        /// Milliseconds, from this pair's latest check answered first time.
        var roundTrip: Int64?
        /// Controlled side: the peer nominated it before our own check succeeded.
        var nominateOnSuccess = false
        /// Its in-progress check was sent again when the peer's check arrived (§7.3.1.4), once.
        var rechecked = false
    }

    enum Transaction: Sendable {
        case check(pair: Int, nominating: Bool, consent: Bool, generation: Int)
        case gather(base: TransportAddress, server: TransportAddress)
    }

    var localCandidates: [LocalCandidate] = []
    var remoteCandidates: [IceCandidate] = []
    var pairs: [Pair] = []
    var triggered: [Int] = []
    var transactions: StunTransactions<Transaction>
    var turn: [TurnAllocation] = []
    /// For each TURN allocation: its base socket and the relayed candidate it produced.
    var turnBases: [TransportAddress] = []
    var transmits: [IceTransmit] = []
    var events: [IceEvent] = []
    var nextCheckAt: Int64 = 0
    var firstValidAt: Int64?
    var selected: Int?
    /// Bases whose address went away (a network change).
    var retiredBases: Set<TransportAddress> = []
    private var lastCheckRoundTrip: Int64?
    /// The selected pair's round trip (ms) from its connectivity or consent checks.
    public var selectedRoundTrip: Int64? { selected.flatMap { pairs.indices.contains($0) ? pairs[$0].roundTrip : nil } ?? lastCheckRoundTrip }
    /// How many round trips the selected path has measured (each consent check answered adds
    /// one, RFC 7675 §5.1: every 4–6 s): a new sample for a caller that has no other.
    public private(set) var selectedRoundTripSamples = 0
    var lastAlive: Int64 = 0
    var lastConsent: Int64 = 0
    var nextConsentAt: Int64?
    var socketsComplete = false
    var gatheringDeadline: Int64?
    var gatheringDeadlinePassed = false
    /// Behind a firewall that drops UDP, the UDP servers never answer: once a relay over TCP or TLS
    /// is up, gathering is called done a second after it began instead of at the full deadline.
    var gatheringDoneWithStreamRelay: Int64? {
        guard let deadline = gatheringDeadline,
              turn.contains(where: { $0.server.transport != .udp && $0.relayedAddress != nil }) else { return nil }
        return deadline - configuration.gatheringTimeoutMilliseconds + Self.streamRelayGatheringWait
    }
    static let streamRelayGatheringWait: Int64 = 1_000
    public internal(set) var gatheringDone = false
    var remoteEndOfCandidates = false
    /// Bumped by an ICE restart: answers to checks of an older generation are ignored.
    var generation = 0
    /// Between a restart and the new nomination: the old selected pair still carries media.
    var restarting = false
    var jitter: UInt64

    /// RFC 8445 §6.1.2.5 suggests capping the checklist at 100 pairs; remote candidates likewise, so
    /// a flood of checks from spoofed sources cannot grow the agent without bound.
    static let maximumPairs = 100, maximumRemoteCandidates = 100
    /// An in-progress check older than this is sent again when the peer's check arrives first.
    static let recheckAfter: Int64 = 50

    public init(role: IceRole, credentials: IceCredentials = .random(), configuration: IceConfiguration = .init(),
                tieBreaker: UInt64 = SecureRandom.uint64()) {
        self.role = role
        self.localCredentials = credentials
        self.configuration = configuration
        self.tieBreaker = tieBreaker
        transactions = StunTransactions(rto: configuration.checkRTO, maximumSends: configuration.checkSends)
        jitter = tieBreaker | 1
    }

    // MARK: gathering

    /// The shell opened a UDP socket bound to `base` (one per usable interface address): a host
    /// candidate, and the starting point for server-reflexive and relayed ones.
    public mutating func addLocalSocket(_ base: TransportAddress, now: Int64) {
        guard !localCandidates.contains(where: { $0.base == base && $0.candidate.kind == .host && !$0.candidate.isTCP }) else { return }
        let preference = UInt32(max(0, 65535 - localCandidates.count * 256 - (base.isIPv4 ? 128 : 0)))
        let host = IceCandidate(foundation: Self.foundation(.host, base.ip), priority: IceCandidate.priority(kind: .host, localPreference: preference),
                                address: base, kind: .host)
        if configuration.hideHostAddresses, hostnames[base.ip] == nil { hostnames[base.ip] = MdnsMessage.newHostname() }
        if !configuration.relayOnly { addLocal(LocalCandidate(candidate: host, base: base), now: now) }
        else { localCandidates.append(LocalCandidate(candidate: host, base: base)) } // kept to receive on, never offered or paired
        for server in configuration.stunServers where server.isIPv4 == base.isIPv4 && !configuration.relayOnly {
            let id = StunMessage.newTransactionID()
            let bytes = StunMessage(method: .binding, messageClass: .request, transactionID: id).encode(fingerprint: true)
            transactions.started(id: id, bytes: bytes, to: server, context: .gather(base: base, server: server), now: now)
            transmits.append(IceTransmit(local: base, destination: server, bytes: bytes))
        }
        for server in configuration.turnServers where server.address.isIPv4 == base.isIPv4 {
            // Over UDP an allocation per socket; over a stream one per server, whatever the sockets.
            let stream = server.transport != .udp
            if stream ? turn.contains(where: { $0.server == server }) : turnIndex(server: server.address, base: base) != nil { continue }
            var allocation = TurnAllocation(server: server)
            allocation.start(now: now)
            turn.append(allocation)
            turnBases.append(stream ? Self.streamBase : base)
            drainTurn(turn.count - 1, now: now)
        }
    }

    /// The shell listens for ICE-TCP connections on `base` (RFC 6544 §5.1): a passive host
    /// candidate. The peer's active side connects and checks; we answer over its connection.
    public mutating func addLocalListener(_ base: TransportAddress, now: Int64) {
        guard !configuration.relayOnly, !localCandidates.contains(where: { $0.base == base && $0.candidate.isTCP }) else { return }
        let index = UInt32(localCandidates.filter(\.candidate.isTCP).count)
        let host = IceCandidate(foundation: Self.foundation(.host, base.ip, tcp: true),
                                priority: IceCandidate.tcpPriority(kind: .host, tcpType: .passive, otherPreference: 8191 - min(index, 8191)),
                                address: base, kind: .host, tcpType: .passive)
        addLocal(LocalCandidate(candidate: host, base: base), now: now)
    }

    /// The shell closed the socket bound to `base` (its address went away): its candidates are no
    /// longer offered or paired; the restart that follows checks what is left.
    public mutating func removeLocalSocket(_ base: TransportAddress) {
        retiredBases.insert(base)
    }

    /// The shell has added every socket it will: gathering ends once server answers are in.
    public mutating func localSocketsComplete(now: Int64) {
        socketsComplete = true
        gatheringDeadline = now + configuration.gatheringTimeoutMilliseconds
        checkGatheringDone()
    }

    // MARK: signalling input

    public mutating func setRemoteCredentials(_ credentials: IceCredentials, now: Int64) {
        if let old = remoteCredentials, old != credentials {
            // The peer restarted ICE (new ufrag): its old candidates and our checks against them go,
            // and its end-of-candidates no longer holds.
            if !remoteCandidates.isEmpty { resetChecks() }
            remoteEndOfCandidates = false
            leaveFailure()
        }
        remoteCredentials = credentials
        if state == .new, !pairs.isEmpty { setState(.checking) }
    }

    /// A remote candidate (trickled or from the description). mDNS names stay unpaired until
    /// `resolveRemoteHostname` (or the peer's checks reveal the address as peer-reflexive).
    public mutating func addRemoteCandidate(_ candidate: IceCandidate, now: Int64) {
        guard candidate.component == 1, remoteCandidates.count < Self.maximumRemoteCandidates else { return }
        let index: Int
        if let address = candidate.address, let known = remoteCandidates.firstIndex(where: { $0.address == address && $0.isTCP == candidate.isTCP }) {
            // Already known — typically learnt as peer-reflexive from the peer's checks before its
            // signalled candidate arrived: take the signalled kind and priority, and pair it fully.
            if remoteCandidates[known].kind == .prflx { remoteCandidates[known] = candidate }
            index = known
        } else {
            remoteCandidates.append(candidate)
            index = remoteCandidates.count - 1
        }
        guard let address = candidate.address else { return }
        if address.ip.isLinkLocal && !address.isIPv4 { return }
        for (l, local) in localCandidates.enumerated() where isPairable(local) && canPair(local.candidate, remoteCandidates[index]) {
            addPair(local: l, remote: index)
        }
        for t in turn.indices { turn[t].permit(address.ip, now: now); drainTurn(t, now: now) }
        if state == .new, remoteCredentials != nil, !pairs.isEmpty { setState(.checking) }
    }

    /// The peer resolved nothing more to send (RFC 8838 end-of-candidates).
    public mutating func remoteCandidatesComplete(now: Int64) {
        remoteEndOfCandidates = true
        updateState(now: now)
    }

    /// An mDNS name from a remote candidate turned out to be `ip`.
    /// Every candidate under the name (a browser uses one name for its UDP and TCP candidates);
    /// names compare without case (RFC 6762 §16).
    public mutating func resolveRemoteHostname(_ hostname: String, to ip: TransportAddress.IP, now: Int64) {
        let name = hostname.lowercased()
        while let i = remoteCandidates.firstIndex(where: { $0.hostname?.lowercased() == name && $0.address == nil }) {
            var candidate = remoteCandidates[i]
            candidate.address = TransportAddress(ip: ip, port: candidate.port)
            remoteCandidates.remove(at: i)
            // Pairs refer to remote indices: re-adding keeps them consistent.
            pairs = pairs.map { var p = $0; if p.remote > i { p.remote -= 1 }; return p }
            triggered = triggered.filter { pairs.indices.contains($0) }
            addRemoteCandidate(candidate, now: now)
        }
    }

    /// ICE restart (RFC 8445 §9): new local credentials; checks start over once the peer's new
    /// credentials and candidates arrive. Media keeps the selected pair until a new one is nominated.
    public mutating func restart(credentials: IceCredentials = .random(), now: Int64) {
        localCredentials = credentials
        if !restarting { resetChecks() } // the peer's restart may have reset them already
        remoteEndOfCandidates = false
        leaveFailure()
        for local in localCandidates where isOffered(local) {
            events.append(.localCandidate(signalled(local.candidate)))
        }
        if gatheringDone { events.append(.gatheringComplete) }
    }

    /// A restart is the way out of `failed` (W3C: back to `checking`).
    mutating func leaveFailure() {
        if state == .failed { state = .checking; events.append(.connectionState(.checking)) }
    }

    /// Sets the role before checks begin: JSEP makes the offerer controlling (RFC 8829 §3.5.1 /
    /// RFC 8445 §6.1.1), which is only known once the session is negotiated.
    public mutating func setRole(_ newRole: IceRole) {
        guard newRole != role else { return }
        role = newRole
        recomputePriorities()
    }

    public mutating func close(now: Int64) {
        for t in turn.indices { turn[t].close(now: now); drainTurn(t, now: now) }
        setState(.closed)
    }

    // MARK: network input

    /// A STUN datagram (RFC 7983: first byte 0–3), or a datagram from a TURN server, arrived on the
    /// socket bound to `local` from `source`. Malformed datagrams are counted and dropped.
    public mutating func handleDatagram(_ bytes: [UInt8], from source: TransportAddress, local: TransportAddress, now: Int64) {
        guard state != .closed else { return }
        // An answer to our own gathering request from a server that is also our TURN server.
        let ownTransaction = StunMessage.looksLikeStun(bytes) && bytes.count >= 20 && transactions.context(of: Array(bytes[8..<20])) != nil
        if !ownTransaction, let t = turnIndex(server: source, base: local) { return handleFromTurn(t, bytes, now: now) }
        handleStun(bytes, from: source, local: local, now: now)
    }

    /// One message (STUN or ChannelData, already cut from the byte stream) from the TCP or TLS
    /// connection to `server`.
    public mutating func handleTurnStream(_ bytes: [UInt8], from server: TurnServer, now: Int64) {
        guard state != .closed, let t = turn.firstIndex(where: { $0.server == server && server.transport != .udp }) else { return }
        handleFromTurn(t, bytes, now: now)
    }

    /// The connection to a TCP or TLS TURN server broke (or never came up): that relay and its
    /// pairs are gone; the call keeps any other path (a selected pair on it is given up, and the
    /// controlling side nominates the best pair still valid).
    public mutating func turnStreamFailed(_ server: TurnServer, reason: String, now: Int64) {
        guard let t = turn.firstIndex(where: { $0.server == server && server.transport != .udp }) else { return }
        turn[t].transportFailed(reason)
        drainTurn(t, now: now)
        relayLost(t, now: now)
    }

    /// A STUN message (RFC 4571 frame already removed) on the ICE-TCP connection `source` opened
    /// to our listener `local`.
    public mutating func handleTcpMessage(_ bytes: [UInt8], from source: TransportAddress, local: TransportAddress, now: Int64) {
        guard state != .closed else { return }
        handleStun(bytes, from: source, local: local, tcp: true, now: now)
    }

    /// The ICE-TCP connection from `source` to our listener `local` closed: its pairs are gone.
    public mutating func tcpConnectionClosed(from source: TransportAddress, local: TransportAddress, now: Int64) {
        pathsLost(now: now) { local0, remote in local0.candidate.isTCP && local0.base == local && remote.isTCP && remote.address == source }
    }

    mutating func handleFromTurn(_ t: Int, _ bytes: [UInt8], now: Int64) {
        if let (peer, payload) = turn[t].handle(bytes, now: now) {
            let relayed = turn[t].relayedAddress ?? turnBases[t]
            if StunMessage.looksLikeStun(payload) {
                handleStun(payload, from: peer, local: relayed, now: now)
            } else {
                noteAlive(from: peer, now: now)
                events.append(.relayedData(payload, from: peer))
            }
        }
        drainTurn(t, now: now)
    }

    /// Relay `t` can no longer carry anything: its pairs fail, and the selection moves off it.
    mutating func relayLost(_ t: Int, now: Int64) {
        pathsLost(now: now) { local, _ in local.relay == t }
    }

    /// The pairs `gone` picks can carry nothing any more (a broken stream or connection): they fail,
    /// and a selection on one of them is given up so the best pair still valid takes over.
    mutating func pathsLost(now: Int64, _ gone: (LocalCandidate, IceCandidate) -> Bool) {
        let lost = Set(pairs.indices.filter { gone(localCandidates[pairs[$0].local], remoteCandidates[pairs[$0].remote]) })
        for i in lost {
            pairs[i].state = .failed
            pairs[i].nominated = false
            triggered.removeAll { $0 == i }
        }
        if let s = selected, lost.contains(s) {
            selected = nil
            restarting = false
            setState(.disconnected)
            nominateIfReady(now: now)
        }
        updateState(now: now)
    }

    /// Whether `source` is one of the far end's candidates (signalled, or learnt from its checks
    /// as peer-reflexive). DTLS and SRTP from anywhere else are dropped unread: a stranger who
    /// finds our port must not feed the handshake or make us authenticate its junk (RFC 8445 §12.1 keeps
    /// media on validated pairs; its checks come first, so the far end's address is known by then).
    public func isRemoteCandidate(_ source: TransportAddress) -> Bool {
        if let s = selected, remoteCandidates[pairs[s].remote].address == source { return true }
        return remoteCandidates.contains { $0.address == source }
    }

    /// Non-STUN traffic (DTLS, SRTP) arrived directly from `source`: proof the path is alive.
    public mutating func noteApplicationData(from source: TransportAddress, now: Int64) {
        noteAlive(from: source, now: now)
    }

    public mutating func handleTimeout(now: Int64) {
        guard state != .closed else { return }
        let (resend, failed) = transactions.due(now: now)
        for t in resend { send(t.bytes, over: t.context, to: t.destination, now: now) }
        for t in failed {
            switch t.context {
            case let .check(pair, nominating, consent, generation):
                // A quieted check timing out says nothing while a newer one for the pair is out.
                let newer = transactions.all.contains { if case let .check(q, _, c, g) = $0.context { return q == pair && !c && g == generation }; return false }
                if generation == self.generation, !consent, !newer, pairs.indices.contains(pair), pairs[pair].state == .inProgress {
                    pairs[pair].state = .failed
                    if nominating { pairs[pair].nominated = false } // let another pair be nominated
                }
            case .gather:
                break
            }
        }
        for t in turn.indices { turn[t].handleTimeout(now: now); drainTurn(t, now: now) }
        if let deadline = gatheringDeadline, now >= deadline { gatheringDeadlinePassed = true }
        if let soon = gatheringDoneWithStreamRelay, now >= soon { gatheringDeadlinePassed = true }
        checkGatheringDone()
        runChecks(now: now)
        nominateIfReady(now: now)
        keepConsent(now: now)
        updateState(now: now)
    }

    // MARK: outputs

    public mutating func pollTransmit() -> IceTransmit? { transmits.isEmpty ? nil : transmits.removeFirst() }
    public mutating func pollEvent() -> IceEvent? { events.isEmpty ? nil : events.removeFirst() }

    public var nextTimeout: Int64? {
        guard state != .closed else { return nil }
        var times = [transactions.nextDeadline, nextConsentAt, gatheringDone ? nil : gatheringDeadline,
                     gatheringDone ? nil : gatheringDoneWithStreamRelay].compactMap { $0 } + turn.compactMap(\.nextTimeout)
        let sendable = triggered.contains { pairs.indices.contains($0) && pairs[$0].state != .inProgress && relayReady(pairs[$0]) }
            || pairs.contains { $0.state == .waiting && relayReady($0) && initiates($0) }
        if remoteCredentials != nil, sendable { times.append(nextCheckAt) }
        if let first = firstValidAt, role == .controlling, !pairs.contains(where: \.nominated) {
            times.append(first + configuration.nominationDelayMilliseconds)
        }
        // Liveness deadlines only while they can still change the state (else the timer would spin).
        if selected != nil, state != .failed {
            if state != .disconnected { times.append(lastAlive + configuration.disconnectedAfterMilliseconds) }
            times.append(lastConsent + configuration.consentTimeoutMilliseconds)
        }
        return times.min()
    }

    /// The selected path: send application data from `local` to `remote` — or, for a relayed pair,
    /// hand it to `wrapForRelay` first.
    public var selectedPath: (local: TransportAddress, remote: TransportAddress, relayed: Bool)? {
        guard let s = selected, let remote = remoteCandidates[pairs[s].remote].address else { return nil }
        let local = localCandidates[pairs[s].local]
        if let r = local.relay { return (turnBases[r], turn[r].server.address, true) }
        return (local.base, remote, false)
    }

    /// Application data for the peer on the selected pair, as the datagram to send.
    public func transmitApplicationData(_ payload: [UInt8]) -> IceTransmit? {
        // No consent, no sending (RFC 7675 §5.1).
        guard state != .failed, state != .closed, let s = selected, let remote = remoteCandidates[pairs[s].remote].address else { return nil }
        let local = localCandidates[pairs[s].local]
        if let r = local.relay { return relayTransmit(r, turn[r].wrap(payload, to: remote)) }
        return IceTransmit(local: local.base, destination: remote, bytes: payload, tcp: local.candidate.isTCP)
    }

    public var selectedCandidates: (local: IceCandidate, remote: IceCandidate)? {
        guard let s = selected else { return nil }
        return (localCandidates[pairs[s].local].candidate, remoteCandidates[pairs[s].remote])
    }

    /// How the selected pair reaches its TURN server (W3C RTCIceCandidateStats.relayProtocol),
    /// nil for a direct pair.
    public var selectedRelayTransport: TurnTransport? {
        guard let s = selected, let r = localCandidates[pairs[s].local].relay else { return nil }
        return turn[r].server.transport
    }


    public var localCandidateList: [IceCandidate] { localCandidates.filter { isOffered($0) }.map { signalled($0.candidate) } }

    /// The `.local` name standing for each host address we hide (`hideHostAddresses`): what the
    /// shell's multicast DNS answers for.
    public private(set) var hostnames: [TransportAddress.IP: String] = [:]

    /// Whether any remote candidate still waits for its mDNS name (cheap: checked every step).
    public var hasUnresolvedRemoteHostnames: Bool { remoteCandidates.contains { $0.address == nil } }

    /// Remote mDNS names not yet resolved (the shell asks the LAN for them).
    public var unresolvedRemoteHostnames: [String] {
        Array(Set(remoteCandidates.compactMap { $0.address == nil ? $0.hostname?.lowercased() : nil })).sorted()
    }

    /// A candidate as the peer is told it: with `hideHostAddresses`, a host address becomes its
    /// name and the related address of the others is withheld (0.0.0.0:0, as browsers send).
    func signalled(_ candidate: IceCandidate) -> IceCandidate {
        guard configuration.hideHostAddresses else { return candidate }
        var c = candidate
        if c.kind == .host, let ip = c.address?.ip, let name = hostnames[ip] {
            c.address = nil
            c.hostname = name
        } else if c.relatedAddress != nil {
            c.relatedAddress = TransportAddress(ip: .v4(0), port: 0)
        }
        return c
    }
}

// MARK: - internals

extension IceAgent {
    static func foundation(_ kind: IceCandidate.Kind, _ ip: TransportAddress.IP, server: TransportAddress? = nil, tcp: Bool = false) -> String {
        // Same type, base IP, server and transport → same foundation (RFC 8445 §5.1.1.3, RFC 6544 §4.4).
        var h: UInt32 = 2_166_136_261
        for b in Array("\(kind.rawValue)|\(ip)|\(server.map { "\($0)" } ?? "")\(tcp ? "|tcp" : "")".utf8) { h = (h ^ UInt32(b)) &* 16_777_619 }
        return String(h % 1_000_000_000)
    }

    func isOffered(_ local: LocalCandidate) -> Bool {
        !retiredBases.contains(local.base) && relayAlive(local) && (!configuration.relayOnly || local.candidate.kind == .relay)
    }
    /// A relayed candidate whose allocation failed (its stream broke) is gone.
    func relayAlive(_ local: LocalCandidate) -> Bool { local.relay.map { turn[$0].relayedAddress != nil } ?? true }
    /// Server-reflexive candidates are represented by their base (§6.1.2.4); relay-only uses relays.
    func isPairable(_ local: LocalCandidate) -> Bool {
        guard !retiredBases.contains(local.base), relayAlive(local) else { return false }
        return (local.candidate.kind == .host && !configuration.relayOnly) || local.candidate.kind == .relay
    }

    mutating func addLocal(_ local: LocalCandidate, now: Int64) {
        localCandidates.append(local)
        events.append(.localCandidate(signalled(local.candidate)))
        guard isPairable(local) else { return }
        for (r, remote) in remoteCandidates.enumerated() where remote.address != nil && canPair(local.candidate, remote) {
            addPair(local: localCandidates.count - 1, remote: r)
        }
    }

    /// Same family; UDP with UDP; a passive TCP candidate of ours with the connection the peer's
    /// active side opened to it (learnt as peer-reflexive from its first check: RFC 6544 §6.2 —
    /// the active candidate it signalled, on port 9, can never be connected to).
    func canPair(_ local: IceCandidate, _ remote: IceCandidate) -> Bool {
        guard let l = local.address, let r = remote.address, l.isIPv4 == r.isIPv4 else { return false }
        switch local.tcpType {
        case nil: return !remote.isTCP
        case .passive?: return remote.isTCP && remote.kind == .prflx
        case .active?, .so?: return false
        }
    }

    /// Whether we may start checks on the pair ourselves: not from a passive TCP candidate, which
    /// only answers (and sends triggered checks) over a connection the peer opened.
    func initiates(_ pair: Pair) -> Bool { localCandidates[pair.local].candidate.tcpType != .passive }

    mutating func addPair(local: Int, remote: Int) {
        guard pairs.count < Self.maximumPairs, !pairs.contains(where: { $0.local == local && $0.remote == remote }) else { return }
        let l = UInt64(localCandidates[local].candidate.priority), r = UInt64(remoteCandidates[remote].priority)
        let (g, d) = role == .controlling ? (l, r) : (r, l)
        // §6.1.2.3: 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0)
        let priority = (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
        pairs.append(Pair(local: local, remote: remote, priority: priority))
    }

    mutating func recomputePriorities() {
        for i in pairs.indices {
            let l = UInt64(localCandidates[pairs[i].local].candidate.priority), r = UInt64(remoteCandidates[pairs[i].remote].priority)
            let (g, d) = role == .controlling ? (l, r) : (r, l)
            pairs[i].priority = (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
        }
    }

    mutating func resetChecks() {
        generation += 1
        transactions.cancel { if case .check = $0 { return true }; return false }
        // Keep the selected pair's candidates so media continues; everything else starts over.
        let keep = selected.map { pairs[$0] }
        if let keep {
            // Media stays on this pair; it is checked again under the new credentials like any other.
            let remote = remoteCandidates[keep.remote]
            remoteCandidates = [remote]
            pairs = [Pair(local: keep.local, remote: 0, priority: keep.priority)]
            selected = 0
            restarting = true
        } else {
            remoteCandidates = []
            pairs = []
            selected = nil
        }
        triggered = []
        firstValidAt = nil
    }

    mutating func setState(_ new: IceConnectionState) {
        guard state != new, state != .closed else { return }
        state = new
        events.append(.connectionState(new))
    }

    mutating func checkGatheringDone() {
        guard !gatheringDone, socketsComplete else { return }
        let gathering = transactions.all.contains { if case .gather = $0.context { return true }; return false }
        let allocating = turn.contains { $0.state == .allocating || $0.state == .idle }
        // A server that does not answer (UDP blocked on the way) keeps trying, but gathering is
        // called done at the deadline: a description made then need not wait 39 s for it.
        guard !gathering && !allocating || gatheringDeadlinePassed else { return }
        gatheringDone = true
        events.append(.gatheringComplete)
    }

    func turnIndex(server: TransportAddress, base: TransportAddress) -> Int? {
        turn.indices.first { turn[$0].server.address == server && turnBases[$0] == base && turn[$0].server.transport == .udp }
    }

    /// The base of allocations made over a stream (they have no UDP socket of ours).
    static let streamBase = TransportAddress(ip: .v4(0), port: 0)

    /// A message for TURN server `r`: a datagram from the allocation's socket, or one on its stream.
    func relayTransmit(_ r: Int, _ bytes: [UInt8]) -> IceTransmit {
        let server = turn[r].server
        return IceTransmit(local: turnBases[r], destination: server.address, bytes: bytes, turnStream: server.transport == .udp ? nil : server)
    }

    /// Moves a TURN allocation's datagrams and events into the agent's.
    mutating func drainTurn(_ t: Int, now: Int64) {
        while let bytes = turn[t].pollTransmit() { transmits.append(relayTransmit(t, bytes)) }
        while let event = turn[t].pollEvent() {
            switch event {
            case let .allocated(relayed, mapped):
                // UDP relays before TCP before TLS (each a third of the range), then in server order.
                let preference = turn[t].server.transport.relayPreference * 21_845 + 21_844 - UInt32(min(t, 21_844))
                let candidate = IceCandidate(foundation: Self.foundation(.relay, relayed.ip, server: turn[t].server.address),
                                             priority: IceCandidate.priority(kind: .relay, localPreference: preference),
                                             address: relayed, kind: .relay, relatedAddress: mapped)
                addLocal(LocalCandidate(candidate: candidate, base: turnBases[t], relay: t), now: now)
                checkGatheringDone()
            case let .failed(reason):
                events.append(.problem(reason))
                checkGatheringDone()
            case .permitted:
                break // checks held for this permission go out at the next pacing slot
            case let .refused(ip):
                // The server will not relay to this peer: its relayed pairs can never work.
                for i in pairs.indices where localCandidates[pairs[i].local].relay == t && remoteCandidates[pairs[i].remote].address?.ip == ip {
                    pairs[i].state = .failed
                }
                events.append(.problem("TURN server \(turn[t].server) will not relay to \(ip)"))
            }
        }
    }

    /// Sends a STUN datagram for a transaction: straight from the pair's base, or through its relay.
    mutating func send(_ bytes: [UInt8], over context: Transaction, to destination: TransportAddress, now: Int64) {
        switch context {
        case let .gather(base, server):
            transmits.append(IceTransmit(local: base, destination: server, bytes: bytes))
        case let .check(pair, _, _, _):
            guard pairs.indices.contains(pair) else { return }
            let local = localCandidates[pairs[pair].local]
            if let r = local.relay {
                transmits.append(relayTransmit(r, turn[r].wrap(bytes, to: destination)))
            } else {
                transmits.append(IceTransmit(local: local.base, destination: destination, bytes: bytes, tcp: local.candidate.isTCP))
            }
        }
    }

    // MARK: checks

    mutating func runChecks(now: Int64) {
        guard remoteCredentials != nil, now >= nextCheckAt else { return }
        // Triggered checks first (§6.1.4.2), then the highest-priority waiting pair.
        var pick: Int?
        if let i = triggered.firstIndex(where: { pairs.indices.contains($0) && pairs[$0].state != .inProgress && relayReady(pairs[$0]) }) {
            pick = triggered.remove(at: i)
        }
        triggered.removeAll { !pairs.indices.contains($0) || pairs[$0].state == .inProgress }
        if pick == nil {
            pick = pairs.indices.filter { pairs[$0].state == .waiting && relayReady(pairs[$0]) && initiates(pairs[$0]) }.max { pairs[$0].priority < pairs[$1].priority }
        }
        guard let pair = pick else { return }
        sendCheck(pair, nominating: role == .controlling && pairs[pair].nominated, consent: false, now: now)
        nextCheckAt = now + configuration.pacingMilliseconds
    }

    /// A check through a relay waits until the server confirmed the permission for the peer, so it
    /// is not dropped on the floor (RFC 8656 §9).
    func relayReady(_ pair: Pair) -> Bool {
        guard let r = localCandidates[pair.local].relay, let remote = remoteCandidates[pair.remote].address else { return true }
        return turn[r].isPermitted(remote.ip)
    }

    mutating func sendCheck(_ pair: Int, nominating: Bool, consent: Bool, now: Int64) {
        guard let remoteCredentials, let destination = remoteCandidates[pairs[pair].remote].address else { return }
        let local = localCandidates[pairs[pair].local].candidate
        var attributes: [StunAttribute] = [
            .username("\(remoteCredentials.ufrag):\(localCredentials.ufrag)"),
            .priority(IceCandidate.priority(kind: .prflx, localPreference: (local.priority >> 8) & 0xFFFF)),
            role == .controlling ? .iceControlling(tieBreaker) : .iceControlled(tieBreaker),
        ]
        if nominating { attributes.append(.useCandidate) }
        let id = StunMessage.newTransactionID()
        let bytes = StunMessage(method: .binding, messageClass: .request, transactionID: id, attributes: attributes)
            .encode(credentials: .shortTerm(password: remoteCredentials.password), fingerprint: true)
        let context = Transaction.check(pair: pair, nominating: nominating, consent: consent, generation: generation)
        transactions.started(id: id, bytes: bytes, to: destination, context: context, now: now)
        if !consent { pairs[pair].state = .inProgress }
        if consent { statistics.consentChecksSent += 1 } else { statistics.checksSent += 1 }
        send(bytes, over: context, to: destination, now: now)
    }

    mutating func handleStun(_ bytes: [UInt8], from source: TransportAddress, local base: TransportAddress, tcp: Bool = false, now: Int64) {
        guard let decoded = try? StunMessage.decode(bytes) else { statistics.malformed += 1; return }
        let message = decoded.message
        switch message.messageClass {
        case .request where message.method == .binding: handleCheck(decoded, from: source, local: base, tcp: tcp, now: now)
        case .success, .error: handleAnswer(decoded, from: source, local: base, now: now)
        default: break
        }
    }

    /// A connectivity check from the peer (§7.3).
    mutating func handleCheck(_ decoded: DecodedStunMessage, from source: TransportAddress, local base: TransportAddress, tcp: Bool, now: Int64) {
        let request = decoded.message
        statistics.checksReceived += 1
        guard let username = request.username, decoded.hasIntegrity else {
            statistics.unauthenticated += 1
            return reply(error: 400, "Bad Request", to: request, from: base, destination: source, credentials: nil, tcp: tcp)
        }
        let parts = username.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == localCredentials.ufrag,
              decoded.verifyIntegrity(key: Array(localCredentials.password.utf8)) else {
            statistics.unauthenticated += 1
            return reply(error: 401, "Unauthorized", to: request, from: base, destination: source, credentials: nil, tcp: tcp)
        }
        // Role conflict (§7.3.1.1).
        if role == .controlling, let theirs = request.iceControlling {
            statistics.roleConflicts += 1
            if tieBreaker >= theirs {
                return reply(error: 487, "Role Conflict", to: request, from: base, destination: source, credentials: .shortTerm(password: localCredentials.password), tcp: tcp)
            }
            switchRole()
        } else if role == .controlled, let theirs = request.iceControlled {
            statistics.roleConflicts += 1
            if tieBreaker >= theirs { switchRole() } else {
                return reply(error: 487, "Role Conflict", to: request, from: base, destination: source, credentials: .shortTerm(password: localCredentials.password), tcp: tcp)
            }
        }
        // The pair this check came over; unknown source → peer-reflexive remote candidate (§7.3.1.3).
        guard let l = localCandidates.firstIndex(where: { ($0.relay == nil && $0.base == base && $0.candidate.kind == .host && $0.candidate.isTCP == tcp)
                                                        || (!tcp && $0.relay != nil && $0.candidate.address == base) }) else { return }
        // Relay-only policy: a check that reached a host socket directly gets no answer, so the
        // peer cannot conclude the direct path works.
        if !isPairable(localCandidates[l]) { return }
        let response = StunMessage(method: .binding, messageClass: .success, transactionID: request.transactionID, attributes: [.xorMappedAddress(source)])
            .encode(credentials: .shortTerm(password: localCredentials.password), fingerprint: true)
        transmitResponse(response, from: base, to: source, tcp: tcp)

        var r = remoteCandidates.firstIndex { $0.address == source && $0.isTCP == tcp }
        if r == nil {
            guard remoteCandidates.count < Self.maximumRemoteCandidates else { return }
            // Over TCP the check came on a connection the peer's active side opened (RFC 6544 §7.2).
            let prflx = IceCandidate(foundation: Self.foundation(.prflx, source.ip, tcp: tcp), priority: request.priority ?? 0, address: source,
                                     kind: .prflx, tcpType: tcp ? .active : nil)
            remoteCandidates.append(prflx)
            r = remoteCandidates.count - 1
        }
        addPair(local: l, remote: r!)
        guard let p = pairs.firstIndex(where: { $0.local == l && $0.remote == r! }) else { return }
        if selected == p { noteAlive(from: source, authenticated: true, now: now) }
        // Triggered check (§7.3.1.4), and nomination by the controlling peer (§7.3.1.5).
        if role == .controlled, request.useCandidate {
            if pairs[p].state == .succeeded { nominate(p, now: now) } else { pairs[p].nominateOnSuccess = true }
        }
        switch pairs[p].state {
        case .waiting, .failed:
            pairs[p].state = .waiting
            if !triggered.contains(p) { triggered.append(p) }
        case .inProgress:
            // §7.3.1.4: the check in progress may have been sent before the peer's NAT had a hole
            // for it (and was dropped); now that the peer's check got through, check again at once
            // instead of waiting out its retransmission timer. Not for a check sent just now,
            // whose answer is likely on its way (two agents would otherwise keep re-checking).
            let isCheck: (Transaction) -> Bool = { if case let .check(q, _, consent, _) = $0 { return q == p && !consent }; return false }
            let latest = transactions.all.filter { isCheck($0.context) }.map(\.startedAt).max() ?? now
            guard !pairs[p].rechecked, now - latest >= Self.recheckAfter else { break }
            pairs[p].rechecked = true // once: two agents must not keep answering each other's checks with new ones
            transactions.stopRetransmitting(now: now, where: isCheck)
            pairs[p].state = .waiting
            if !triggered.contains(p) { triggered.insert(p, at: 0) }
        case .succeeded:
            break
        }
        if state == .new, remoteCredentials != nil { setState(.checking) }
        runChecks(now: now)
    }

    /// An answer to one of our requests: a check, or a server-reflexive gathering request.
    mutating func handleAnswer(_ decoded: DecodedStunMessage, from source: TransportAddress, local base: TransportAddress, now: Int64) {
        let answer = decoded.message
        guard let context = transactions.context(of: answer.transactionID) else { return }
        switch context {
        case let .gather(gatherBase, server):
            guard source == server, base == gatherBase else { return }
            _ = transactions.finish(id: answer.transactionID)
            if answer.messageClass == .success, let mapped = answer.xorMappedAddress ?? answer.mappedAddress,
               !localCandidates.contains(where: { $0.candidate.address == mapped }) {
                let preference = localCandidates.first { $0.base == gatherBase }.map { ($0.candidate.priority >> 8) & 0xFFFF } ?? 65535
                let candidate = IceCandidate(foundation: Self.foundation(.srflx, gatherBase.ip, server: server),
                                             priority: IceCandidate.priority(kind: .srflx, localPreference: preference),
                                             address: mapped, kind: .srflx, relatedAddress: gatherBase)
                addLocal(LocalCandidate(candidate: candidate, base: gatherBase), now: now)
            }
            checkGatheringDone()
        case let .check(pair, nominating, consent, generation):
            guard let remoteCredentials, decoded.verifyIntegrity(key: Array(remoteCredentials.password.utf8)) else {
                statistics.unauthenticated += 1
                return // a forged or stray answer: the transaction keeps retransmitting
            }
            let finished = transactions.finish(id: answer.transactionID)
            guard generation == self.generation, pairs.indices.contains(pair) else { return }
            // §7.2.5.2.1: the answer must come back over the same path (symmetric).
            let expected = remoteCandidates[pairs[pair].remote].address
            if source != expected {
                if !consent { pairs[pair].state = .failed }
                return
            }
            if answer.messageClass == .error {
                if answer.errorCode?.code == 487 && !consent {
                    // §7.2.5.1: switch role and check again.
                    statistics.roleConflicts += 1
                    switchRole()
                    pairs[pair].state = .waiting
                    triggered.insert(pair, at: 0)
                } else if !consent {
                    pairs[pair].state = .failed
                    if nominating { pairs[pair].nominated = false }
                }
                return
            }
            noteAlive(from: source, authenticated: true, now: now)
            // The check's round trip, from answers to requests sent once (Karn's rule): before
            // media flows it is the path's round trip without queues.
            if let finished, finished.sends == 1 {
                let rtt = now - finished.startedAt
                pairs[pair].roundTrip = rtt
                if pairs[pair].nominated || selected == pair { lastCheckRoundTrip = rtt; selectedRoundTripSamples += 1 }
            }
            if consent { return }
            pairs[pair].state = .succeeded
            if firstValidAt == nil { firstValidAt = now }
            if nominating || pairs[pair].nominateOnSuccess { nominate(pair, now: now) }
            nominateIfReady(now: now)
        }
        updateState(now: now)
    }

    mutating func reply(error code: Int, _ reason: String, to request: StunMessage, from base: TransportAddress,
                        destination: TransportAddress, credentials: StunCredentials?, tcp: Bool = false) {
        let bytes = StunMessage(method: request.method, messageClass: .error, transactionID: request.transactionID,
                                attributes: [.errorCode(code, reason)]).encode(credentials: credentials, fingerprint: true)
        transmitResponse(bytes, from: base, to: destination, tcp: tcp)
    }

    /// Responses go back the way the request came: directly, over its TCP connection, or through
    /// the relay it arrived on.
    mutating func transmitResponse(_ bytes: [UInt8], from base: TransportAddress, to destination: TransportAddress, tcp: Bool = false) {
        if !tcp, let r = turn.indices.first(where: { turn[$0].relayedAddress == base }) {
            transmits.append(relayTransmit(r, turn[r].wrap(bytes, to: destination)))
        } else {
            transmits.append(IceTransmit(local: base, destination: destination, bytes: bytes, tcp: tcp))
        }
    }

    mutating func switchRole() {
        role = role.opposite
        recomputePriorities()
    }

    /// Controlling agent, regular nomination (§8.1.1): once a pair has succeeded, wait for better
    /// pairs still being checked (at most `nominationDelay`), then nominate the best valid one.
    ///
    /// Once a pair carries the call, a better one that becomes valid later (the direct path, whose
    /// first checks a NAT dropped, after the relay) is nominated in its turn and the call moves to
    /// it — as browsers do; a controlled peer follows the latest nomination.
    mutating func nominateIfReady(now: Int64) {
        guard role == .controlling, let first = firstValidAt else { return }
        let valid = pairs.indices.filter { pairs[$0].state == .succeeded }
        guard let best = valid.max(by: { pairs[$0].priority < pairs[$1].priority }), !pairs[best].nominated else { return }
        if let current = pairs.indices.first(where: { pairs[$0].nominated && pairs[$0].state != .failed }) {
            // Already nominated: only a strictly better valid pair replaces it, so it cannot flap.
            guard pairs[best].priority > pairs[current].priority, !restarting else { return }
        } else {
            let betterPending = pairs.contains { ($0.state == .waiting || $0.state == .inProgress) && $0.priority > pairs[best].priority }
            guard !betterPending || now - first >= configuration.nominationDelayMilliseconds else { return }
        }
        pairs[best].nominated = true
        sendCheck(best, nominating: true, consent: false, now: now) // its success selects the pair
    }

    mutating func nominate(_ pair: Int, now: Int64) {
        pairs[pair].nominated = true
        guard selected != pair || restarting else { return }
        restarting = false
        selected = pair
        lastConsent = now
        // §8.1.2: with the component nominated, pairs still waiting are not needed — unless they
        // are better: those go on being checked, and may take the call over.
        for i in pairs.indices where i != pair && pairs[i].state == .waiting && pairs[i].priority < pairs[pair].priority { pairs[i].state = .failed }
        triggered.removeAll { !pairs.indices.contains($0) || pairs[$0].state == .failed }
        for i in pairs.indices where i != pair && pairs[i].nominated && pairs[i].priority < pairs[pair].priority { pairs[i].nominated = false }
        lastAlive = now
        scheduleConsent(now: now)
        let (local, remote) = (localCandidates[pairs[pair].local].candidate, remoteCandidates[pairs[pair].remote])
        events.append(.selectedPair(local: local, remote: remote))
        if let r = localCandidates[pairs[pair].local].relay, let address = remote.address {
            turn[r].bindChannel(to: address, now: now) // data as ChannelData: 4 bytes of overhead, not 36
            drainTurn(r, now: now)
        }
        updateState(now: now)
    }

    // MARK: consent and liveness (RFC 7675)

    /// Traffic from the selected remote: any of it shows the path is up (disconnected ↔ connected);
    /// only authenticated STUN — answers to our checks, or the peer's own checks — renews consent
    /// (RFC 7675 §5.1), so spoofed data cannot keep a dead path open.
    mutating func noteAlive(from source: TransportAddress, authenticated: Bool = false, now: Int64) {
        guard let s = selected, remoteCandidates[pairs[s].remote].address == source else { return }
        lastAlive = now
        if authenticated { lastConsent = now }
    }

    mutating func scheduleConsent(now: Int64) {
        // Every interval ±20 %, so many agents behind one NAT do not pulse together (RFC 7675 §5.1).
        jitter = jitter &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let spread = Int64(jitter >> 33) % (configuration.consentIntervalMilliseconds * 2 / 5 + 1)
        nextConsentAt = now + configuration.consentIntervalMilliseconds * 4 / 5 + spread
    }

    mutating func keepConsent(now: Int64) {
        guard let s = selected, let at = nextConsentAt, now >= at else { return }
        scheduleConsent(now: now)
        sendCheck(s, nominating: false, consent: true, now: now)
    }

    mutating func updateState(now: Int64) {
        guard state != .closed, state != .failed else { return }
        if selected != nil {
            let unconsented = now - lastConsent
            if unconsented >= configuration.consentTimeoutMilliseconds {
                events.append(.problem("the peer stopped answering (ICE consent expired after \(unconsented / 1000) s)"))
                return setState(.failed)
            }
            if now - lastAlive >= configuration.disconnectedAfterMilliseconds { return setState(.disconnected) }
            let checking = pairs.contains { $0.state == .waiting || $0.state == .inProgress } || !triggered.isEmpty
            return setState(!checking && remoteEndOfCandidates ? .completed : .connected)
        }
        let allFailed = !pairs.isEmpty && pairs.allSatisfy { $0.state == .failed }
        if allFailed && remoteEndOfCandidates && gatheringDone && triggered.isEmpty {
            events.append(.problem("no network path to the peer worked (every ICE candidate pair failed)"))
            setState(.failed)
        } else if remoteCredentials != nil && !pairs.isEmpty && state == .new {
            setState(.checking)
        }
    }
}

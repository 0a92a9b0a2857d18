import ICE
import MediaCore
import STUN
import TURN
import Testing

/// A simulated IP network on a virtual clock: two ICE agents, optional NATs in front of them
/// (endpoint-independent mapping and filtering), a STUN server, a TURN server, loss and delay.
/// Everything is deterministic for a seed.
struct VirtualNetwork {
    struct Datagram {
        var at: Int64
        var from: TransportAddress
        var to: TransportAddress
        var bytes: [UInt8]
    }

    /// A NAT with one public IP: inside address ↔ public port, allocated on first use.
    struct NAT {
        var publicIP: TransportAddress.IP
        var inside: [TransportAddress: TransportAddress] = [:]
        var outside: [TransportAddress: TransportAddress] = [:]
        var nextPort: UInt16 = 40_000
        /// Blocks everything that is not answering an outgoing flow to that exact address (what
        /// Linux conntrack does behind `masquerade`).
        var restrictive = false
        var contacted: Set<TransportAddress> = []
        /// A new public port for every destination (`masquerade fully-random`): server-reflexive
        /// candidates are then useless to the peer, and only a relay connects two of these.
        var symmetric = false
        var perDestination: [String: TransportAddress] = [:]
    }

    var agents: [IceAgent]
    var sockets: [[TransportAddress]]
    var nats: [NAT?]
    var now: Int64 = 0
    var inFlight: [Datagram] = []
    var delay: Int64 = 10
    var lossRate = 0.0
    var rng = SplitMix64(seed: 7)
    var stunServer: TransportAddress? = nil
    var turnServer: TurnServerSimulator?
    var events: [[IceEvent]] = [[], []]
    var delivered = 0, dropped = 0
    /// Application datagrams each agent's shell received (direct or relayed).
    var applicationData: [[[UInt8]]] = [[], []]
    /// A peer that went silent: drops everything to or from agent i.
    var dead: Set<Int> = []
    /// Drops what agent i sends when this says so (a peer that stops answering checks, say).
    var filter: (@Sendable (Int, [UInt8]) -> Bool)?
    /// Agents whose host candidates are signalled as mDNS names (`<uuid>.local`), as browsers do.
    var hidesHostAddresses: Set<Int> = []
    /// How long signalling takes from agent i to the other (0: instant). Candidates and
    /// end-of-candidates wait this long, as they do behind a real signalling server.
    var signallingDelay: [Int64] = [0, 0]
    var signalling: [(at: Int64, to: Int, event: IceEvent)] = []
    /// Agents behind a firewall that drops all their UDP (TURN over TCP/TLS still gets out).
    var udpBlocked: Set<Int> = []
    /// Datagrams between the agents themselves (not to a server) are lost before this time.
    var directBlockedUntil: Int64 = 0
    /// Agents whose stream to the TURN server is broken: what they send on it is lost.
    var streamBroken: Set<Int> = []
    /// The far end of agent i's TCP/TLS connection to the TURN server, as the server sees it
    /// (the NAT passes an outgoing stream untouched here), and the server it was opened to.
    func streamClient(_ i: Int, _ server: TurnServer) -> TransportAddress {
        TransportAddress(ip: .v4(0x6440_0001 + UInt32(i)), port: server.transport == .tls ? 443 : 80)
    }
    var streams: [TransportAddress: (agent: Int, server: TurnServer)] = [:]

    init(_ a: IceAgent, _ b: IceAgent, socketsA: [TransportAddress], socketsB: [TransportAddress]) {
        agents = [a, b]
        sockets = [socketsA, socketsB]
        nats = [nil, nil]
    }

    func owner(of address: TransportAddress) -> Int? { sockets.firstIndex { $0.contains(address) } }

    /// Starts gathering on both sides and exchanges credentials; candidates trickle as they appear.
    mutating func start() {
        for i in 0..<2 {
            for s in sockets[i] { agents[i].addLocalSocket(s, now: now) }
            agents[i].localSocketsComplete(now: now)
        }
        for i in 0..<2 { agents[1 - i].setRemoteCredentials(agents[i].localCredentials, now: now) }
        pump()
    }

    /// Moves outputs: transmits onto the wire, candidates to the other agent (signalling is instant).
    mutating func pump() {
        var progress = true
        while progress {
            progress = false
            for i in 0..<2 {
                while let t = agents[i].pollTransmit() { progress = true; send(t, from: i) }
                while let e = agents[i].pollEvent() {
                    progress = true
                    events[i].append(e)
                    if signallingDelay[i] > 0 {
                        switch e {
                        case .localCandidate, .gatheringComplete:
                            signalling.append((now + signallingDelay[i], 1 - i, e))
                            continue
                        default: break
                        }
                    }
                    switch e {
                    case var .localCandidate(c):
                        if hidesHostAddresses.contains(i), c.kind == .host, let a = c.address {
                            c = try! IceCandidate(sdp: "candidate:\(c.foundation) 1 udp \(c.priority) 5e1f-\(a.port).local \(a.port) typ host")
                        }
                        agents[1 - i].addRemoteCandidate(c, now: now)
                    case .gatheringComplete: agents[1 - i].remoteCandidatesComplete(now: now)
                    case let .relayedData(bytes, _): applicationData[i].append(bytes)
                    default: break
                    }
                }
            }
        }
    }

    mutating func send(_ t: IceTransmit, from agent: Int) {
        if dead.contains(agent) || filter?(agent, t.bytes) == true { dropped += 1; return }
        if let server = t.turnStream {
            if streamBroken.contains(agent) { dropped += 1; return }
            let client = streamClient(agent, server)
            streams[client] = (agent, server)
            inFlight.append(Datagram(at: now + delay, from: client, to: t.destination, bytes: t.bytes)) // a stream loses nothing
            return
        }
        if udpBlocked.contains(agent) { dropped += 1; return }
        // Until then, only the servers can be reached: peer-to-peer datagrams are lost.
        if now < directBlockedUntil, t.destination != stunServer, turnServer?.address != t.destination { dropped += 1; return }
        var source = t.local
        if var nat = nats[agent] {
            let key = "\(t.local)>\(t.destination)"
            if nat.symmetric {
                if let mapped = nat.perDestination[key] { source = mapped } else {
                    let mapped = TransportAddress(ip: nat.publicIP, port: nat.nextPort)
                    nat.nextPort += 1
                    nat.perDestination[key] = mapped
                    nat.outside[mapped] = t.local
                    source = mapped
                }
            } else if let mapped = nat.inside[source] { source = mapped } else {
                let mapped = TransportAddress(ip: nat.publicIP, port: nat.nextPort)
                nat.nextPort += 1
                nat.inside[t.local] = mapped
                nat.outside[mapped] = t.local
                source = mapped
            }
            nat.contacted.insert(t.destination)
            nats[agent] = nat
        }
        if rng.unit() < lossRate { dropped += 1; return }
        inFlight.append(Datagram(at: now + delay, from: source, to: t.destination, bytes: t.bytes))
    }

    /// Runs until `until` (virtual ms), delivering datagrams and firing timers in time order.
    mutating func run(until: Int64, stopWhen done: (VirtualNetwork) -> Bool = { _ in false }) {
        var spins = 0, last = now
        while now < until, !done(self) {
            // An agent whose timer never moves past `now` would hang the test: fail it instead.
            spins = now == last ? spins + 1 : 0
            last = now
            if spins > 10_000 { Issue.record("timers stuck at \(now) ms: \(agents.map(\.nextTimeout))"); return }
            let nextPacket = inFlight.map(\.at).min()
            let timers = agents.compactMap(\.nextTimeout) + [turnServer?.nextTimeout].compactMap { $0 }
            let next = ([nextPacket, signalling.map(\.at).min()].compactMap { $0 } + timers).min() ?? until
            now = max(now, min(until, next))
            let due = inFlight.filter { $0.at <= now }
            inFlight.removeAll { $0.at <= now }
            for d in due { deliver(d) }
            let signalled = signalling.filter { $0.at <= now }
            signalling.removeAll { $0.at <= now }
            for m in signalled {
                switch m.event {
                case let .localCandidate(c): agents[m.to].addRemoteCandidate(c, now: now)
                case .gatheringComplete: agents[m.to].remoteCandidatesComplete(now: now)
                default: break
                }
            }
            for i in 0..<2 where (agents[i].nextTimeout ?? .max) <= now { agents[i].handleTimeout(now: now) }
            if var turn = turnServer { turn.handleTimeout(now: now); turnServer = turn; flushTurn() }
            pump()
            if next >= until { break }
        }
    }

    mutating func deliver(_ d: Datagram) {
        if let stunServer, d.to == stunServer {
            if let answer = StunBindingResponder().response(to: d.bytes, from: d.from) {
                inFlight.append(Datagram(at: now + delay, from: stunServer, to: d.from, bytes: answer))
            }
            return
        }
        if var turn = turnServer, turn.owns(d.to) {
            turn.receive(d.bytes, from: d.from, to: d.to, now: now)
            turnServer = turn
            flushTurn()
            return
        }
        if let (i, server) = streams[d.to] {
            if streamBroken.contains(i) { dropped += 1; return }
            delivered += 1
            agents[i].handleTurnStream(d.bytes, from: server, now: now)
            return
        }
        if let i = owner(of: d.to), udpBlocked.contains(i) { dropped += 1; return }
        var destination = d.to, translated = false
        for i in 0..<2 {
            guard let nat = nats[i], nat.publicIP == destination.ip else { continue }
            guard let inside = nat.outside[destination], !nat.restrictive || nat.contacted.contains(d.from) else { dropped += 1; return }
            destination = inside
            translated = true
        }
        guard let agent = owner(of: destination) else { dropped += 1; return }
        // Behind a NAT an agent's own addresses are private: reachable only through the NAT.
        if nats[agent] != nil, !translated { dropped += 1; return }
        if dead.contains(agent) { dropped += 1; return }
        delivered += 1
        if StunMessage.looksLikeStun(d.bytes) || turnServer?.address == d.from {
            agents[agent].handleDatagram(d.bytes, from: d.from, local: destination, now: now)
        } else {
            applicationData[agent].append(d.bytes)
            agents[agent].noteApplicationData(from: d.from, now: now)
        }
    }

    mutating func flushTurn() {
        guard var turn = turnServer else { return }
        while let out = turn.outgoing.popLast() { inFlight.append(Datagram(at: now + delay, from: out.from, to: out.to, bytes: out.bytes)) }
        turnServer = turn
    }

    /// Agent i's TCP/TLS connection to `server` breaks: what it sends there is lost, and its
    /// shell tells the agent, as `IceTransport` does.
    mutating func breakTurnStream(of i: Int, to server: TurnServer, reason: String) {
        streamBroken.insert(i)
        agents[i].turnStreamFailed(server, reason: reason, now: now)
        pump()
    }

    func state(_ i: Int) -> IceConnectionState { agents[i].state }
    var bothConnected: Bool { agents.allSatisfy { $0.state == .connected || $0.state == .completed } }
}

/// A small TURN server (RFC 8656 over UDP, long-term credentials with one user) for the simulation:
/// allocations, permissions, Send/Data indications, ChannelBind and ChannelData.
struct TurnServerSimulator {
    let address: TransportAddress
    let realm = "sim.test", nonce = "n0nce"
    let username: String, password: String
    var relayBase: UInt16 = 50_000
    struct Allocation { var client: TransportAddress; var relayed: TransportAddress; var permissions: Set<TransportAddress.IP>; var channels: [UInt16: TransportAddress] }
    var allocations: [Allocation] = []
    var outgoing: [(from: TransportAddress, to: TransportAddress, bytes: [UInt8])] = []
    var nextTimeout: Int64? { nil }

    init(address: TransportAddress, username: String, password: String) {
        self.address = address
        self.username = username
        self.password = password
    }

    func owns(_ a: TransportAddress) -> Bool { a == address || allocations.contains { $0.relayed == a } }
    mutating func handleTimeout(now: Int64) {}

    mutating func receive(_ bytes: [UInt8], from: TransportAddress, to: TransportAddress, now: Int64) {
        if let a = allocations.firstIndex(where: { $0.relayed == to }) {
            // From a peer to a relayed address: only with a permission (§9).
            guard allocations[a].permissions.contains(from.ip) else { return }
            if let channel = allocations[a].channels.first(where: { $0.value == from })?.key {
                outgoing.append((address, allocations[a].client, [UInt8(channel >> 8), UInt8(channel & 0xFF), UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes))
            } else {
                let indication = StunMessage(method: .data, messageClass: .indication, transactionID: StunMessage.newTransactionID(),
                                             attributes: [.xorPeerAddress(from), .data(bytes)]).encode()
                outgoing.append((address, allocations[a].client, indication))
            }
            return
        }
        if let first = bytes.first, (0x40...0x4F).contains(first), bytes.count >= 4 {
            let channel = UInt16(bytes[0]) << 8 | UInt16(bytes[1]), length = Int(bytes[2]) << 8 | Int(bytes[3])
            guard let a = allocations.firstIndex(where: { $0.client == from }), let peer = allocations[a].channels[channel], 4 + length <= bytes.count else { return }
            outgoing.append((allocations[a].relayed, peer, Array(bytes[4..<(4 + length)])))
            return
        }
        guard let decoded = try? StunMessage.decode(bytes) else { return }
        let m = decoded.message
        let key = StunCredentials.longTerm(username: username, realm: realm, password: password)
        if m.method == .send, m.messageClass == .indication {
            guard let a = allocations.firstIndex(where: { $0.client == from }), let peer = m.xorPeerAddress, let data = m.data,
                  allocations[a].permissions.contains(peer.ip) else { return }
            outgoing.append((allocations[a].relayed, peer, data))
            return
        }
        guard m.messageClass == .request else { return }
        func answer(_ cls: StunClass, _ attributes: [StunAttribute]) {
            outgoing.append((address, from, StunMessage(method: m.method, messageClass: cls, transactionID: m.transactionID, attributes: attributes)
                .encode(credentials: cls == .success ? key : nil)))
        }
        guard decoded.hasIntegrity, m.username == username, decoded.verifyIntegrity(key: key.key) else {
            return answer(.error, [.errorCode(401, "Unauthorized"), .realm(realm), .nonce(nonce)])
        }
        switch m.method {
        case .allocate:
            let relayed = TransportAddress(ip: address.ip, port: relayBase)
            relayBase += 1
            allocations.append(Allocation(client: from, relayed: relayed, permissions: [], channels: [:]))
            answer(.success, [.xorRelayedAddress(relayed), .xorMappedAddress(from), .lifetime(600)])
        case .createPermission:
            guard let a = allocations.firstIndex(where: { $0.client == from }) else { return answer(.error, [.errorCode(437, "Allocation Mismatch")]) }
            for attribute in m.attributes { if case let .xorPeerAddress(p) = attribute { allocations[a].permissions.insert(p.ip) } }
            answer(.success, [])
        case .channelBind:
            guard let a = allocations.firstIndex(where: { $0.client == from }), let peer = m.xorPeerAddress,
                  let number = m.first({ if case let .channelNumber(n) = $0 { return n }; return nil }) else { return }
            allocations[a].channels[number] = peer
            allocations[a].permissions.insert(peer.ip)
            answer(.success, [])
        case .refresh:
            // RFC 8656 §7: a lifetime of 0 deletes the allocation.
            if m.lifetime == 0 { allocations.removeAll { $0.client == from } }
            answer(.success, [.lifetime(m.lifetime ?? 600)])
        default:
            answer(.error, [.errorCode(400, "Bad Request")])
        }
    }
}

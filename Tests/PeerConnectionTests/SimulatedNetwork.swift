import ICE
import MediaCore
import PeerConnection
import STUN

/// Datagrams between any number of `PeerConnection` cores on one virtual clock: seeded loss,
/// delay, jitter (and so reordering), a bottleneck rate with a tail-drop queue, and outages. Time
/// jumps straight to the next delivery, timer or tick, so seconds of a call take milliseconds,
/// and a run depends on its seed and its inputs alone, never on the machine's load.
///
/// One clock stays outside: OpenSSL times DTLS retransmissions on the machine's own clock, so
/// tests here lose nothing before the handshake is up. (usrsctp's timers follow the owners'
/// clocks, this one's included.)
final class SimulatedNetwork {
    struct Conditions: Sendable {
        /// One-way delay (ms).
        var delay: Int64 = 20
        /// Extra delay drawn uniformly from 0...jitter (ms): datagrams closer than that reorder,
        /// unless `orderKept` (a queue's jitter: a datagram waits behind a delayed one).
        var jitter: Int64 = 0
        var orderKept = false
        /// Chance each datagram is lost.
        var loss = 0.0
        /// A bottleneck (bits per second) in front of the delay, with a queue of at most
        /// `queueLimit` ms; what would wait longer is dropped.
        var rate: Int?
        var queueLimit: Int64 = 300
        /// Windows (ms) in which everything is lost.
        var outages: [Range<Int64>] = []
    }

    struct Counters: Sendable, Equatable {
        var sent = 0, delivered = 0, lost = 0, queueDrops = 0, outageDrops = 0, injected = 0
    }

    /// One peer on the network: its core, its address, what it said.
    final class Node {
        let connection: PeerConnection
        let address: TransportAddress
        var events: [PeerConnection.Event] = []
        /// Per kind of datagram, the loss draws: the n-th RTP packet's fate does not depend on
        /// how many SCTP or STUN packets went before it (their timing is not all ours to fix).
        var lossDraws: [DatagramKind: SplitMix64] = [:]
        /// The same for jitter draws.
        var jitterDraws: [DatagramKind: SplitMix64] = [:]
        var linkFreeAt: Int64 = 0 // µs: when the bottleneck has sent what is queued
        var lastArrival: Int64 = 0 // ms: for jitter that keeps order
        /// Conditions on what this node sends.
        var conditions: Conditions

        init(connection: PeerConnection, address: TransportAddress, conditions: Conditions) {
            self.connection = connection
            self.address = address
            self.conditions = conditions
        }
    }

    private struct Flight {
        var at: Int64, order: Int, to: Int, from: TransportAddress, bytes: [UInt8]
    }

    private(set) var now: Int64 = 0
    private(set) var nodes: [Node] = []
    private(set) var counters = Counters()
    private var inFlight: [Flight] = []
    private var order = 0
    private let seed: UInt64
    /// Conditions new nodes start with.
    var conditions: Conditions
    /// Sees every event as it comes out of a core (the layer above it, a video pipeline say).
    var onEvent: ((PeerConnection, PeerConnection.Event) -> Void)?

    init(seed: UInt64 = 1, conditions: Conditions = .init()) {
        self.seed = seed
        self.conditions = conditions
    }

    /// A new core at 10.0.0.n:5000, its one socket announced as a real shell would.
    @discardableResult
    func addPeer(tracks: Set<MediaKind> = [.audio, .video], configuration: IceConfiguration = .init()) throws -> Node {
        let address = TransportAddress(ip: .v4(0x0A00_0001 + UInt32(nodes.count)), port: 5000)
        let connection = try PeerConnection(configuration: configuration, tracks: tracks, now: now,
                                            unixMillisecondsAtZero: 1_800_000_000_000, scheduleSeed: seed &+ UInt64(nodes.count))
        connection.handle(.localSocketAdded(address), now: now)
        connection.handle(.localSocketsComplete, now: now)
        let node = Node(connection: connection, address: address, conditions: conditions)
        nodes.append(node)
        collect()
        return node
    }

    func node(_ connection: PeerConnection) -> Node { nodes.first { $0.connection === connection }! }

    /// Bytes from an address that is no peer's (a stranger who found the port), arriving now.
    func inject(_ bytes: [UInt8], from: TransportAddress, to node: Node) {
        guard let index = nodes.firstIndex(where: { $0 === node }) else { return }
        counters.injected += 1
        schedule(Flight(at: now, order: 0, to: index, from: from, bytes: bytes))
    }

    /// Runs until `done` holds or `milliseconds` of simulated time pass; `tick` (if any) is called
    /// every `tickInterval` ms, first at once. Returns whether `done` held.
    @discardableResult
    func run(milliseconds: Int64, tickInterval: Int64 = 0, tick: (() -> Void)? = nil, until done: () -> Bool = { false }) -> Bool {
        let end = now + milliseconds
        var nextTick = now
        while true {
            collect()
            if done() { return true }
            var next = inFlight.first?.at ?? Int64.max
            for node in nodes { if let t = node.connection.nextTimeout { next = min(next, t) } }
            if tick != nil { next = min(next, nextTick) }
            // Always forward: a timer that keeps saying "now" (OpenSSL's, on its own clock) must
            // not hold the simulation still.
            next = max(next, now + 1)
            guard next <= end else { now = end; collect(); return done() }
            now = next
            while let first = inFlight.first, first.at <= now {
                inFlight.removeFirst()
                let node = nodes[first.to]
                counters.delivered += 1
                node.connection.handle(.datagram(first.bytes, from: first.from, local: node.address), now: now, microseconds: first.at * 1_000)
            }
            if let tick, now >= nextTick {
                tick()
                nextTick = now + tickInterval
            }
            for node in nodes { node.connection.handleTimeout(now: now) }
        }
    }

    /// Moves every node's transmits onto the wire and its events into `events`.
    private func collect() {
        for (index, node) in nodes.enumerated() {
            let events = node.connection.takeEvents()
            if let onEvent { for event in events { onEvent(node.connection, event) } }
            node.events += events
            for t in node.connection.takeTransmits() { send(t.bytes, from: index, to: t.destination) }
        }
    }

    private func send(_ bytes: [UInt8], from index: Int, to destination: TransportAddress) {
        let node = nodes[index]
        counters.sent += 1
        guard let to = nodes.firstIndex(where: { $0.address == destination }) else { counters.lost += 1; return }
        let c = node.conditions
        if c.outages.contains(where: { $0.contains(now) }) { counters.outageDrops += 1; return }
        let kind = DatagramKind(bytes)
        var draws = node.lossDraws[kind] ?? SplitMix64(seed: seed &+ UInt64(index) &* 1_000_003 &+ Self.code(kind))
        let lost = c.loss > 0 && draws.unit() < c.loss
        node.lossDraws[kind] = draws
        if lost { counters.lost += 1; return }
        var departs = now * 1_000
        if let rate = c.rate {
            let start = max(departs, node.linkFreeAt)
            guard start - departs <= c.queueLimit * 1_000 else { counters.queueDrops += 1; return }
            node.linkFreeAt = start + Int64(bytes.count + 28) * 8 * 1_000_000 / Int64(rate)
            departs = node.linkFreeAt
        }
        var jitter: Int64 = 0
        if c.jitter > 0 {
            var draws = node.jitterDraws[kind] ?? SplitMix64(seed: (seed ^ 0x6A09_E667_F3BC_C908) &+ UInt64(index) &* 1_000_003 &+ Self.code(kind))
            jitter = Int64(draws.next() % UInt64(c.jitter + 1))
            node.jitterDraws[kind] = draws
        }
        order += 1
        var arrival = (departs + 999) / 1_000 + c.delay + jitter
        if c.orderKept { arrival = max(arrival, node.lastArrival); node.lastArrival = arrival }
        schedule(Flight(at: arrival, order: order, to: to, from: node.address, bytes: bytes))
    }

    /// A stable number per kind (hash values change from run to run).
    private static func code(_ kind: DatagramKind) -> UInt64 {
        switch kind {
        case .stun: return 1
        case .zrtp: return 2
        case .dtls: return 3
        case .turnChannel: return 4
        case .rtp: return 5
        case .rtcp: return 6
        case .unknown: return 7
        }
    }

    private func schedule(_ flight: Flight) {
        // Sorted by time, then by when it was sent.
        var low = 0, high = inFlight.count
        while low < high {
            let mid = (low + high) / 2
            if (inFlight[mid].at, inFlight[mid].order) <= (flight.at, flight.order) { low = mid + 1 } else { high = mid }
        }
        inFlight.insert(flight, at: low)
    }
}

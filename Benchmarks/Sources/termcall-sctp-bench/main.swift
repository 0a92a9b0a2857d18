import DTLS
import Foundation
import SCTP

import ICE
import STUN
import UDPTransport

import TURN

// termcall-sctp-bench: reliable ordered data-channel throughput between two of our endpoints,
// SCTP inside DTLS (AES-128-GCM), 50 MB in 16 KiB messages, median of 3 runs; and the round trip
// of a small message (echoed; median of 200), which shows what a relay adds.
//   termcall-sctp-bench memory [MEGABYTES]   one process, no network: the cost of the stack itself
//   termcall-sctp-bench udp [MEGABYTES]      over ICE on real UDP sockets on 127.0.0.1
//   termcall-sctp-bench turn-udp|turn-tcp|turn-tls [MEGABYTES]
//                                            the same, A relayed through the coturn that
//                                            scripts/bench-sctp starts on 127.0.0.1 (3478 UDP/TCP,
//                                            5349 TLS; CA in TERMCALL_BENCH_TURN_CA)

let mode = CommandLine.arguments.dropFirst().first ?? "memory"
let megabytes = Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 50
let total = megabytes * 1_000_000, chunk = 16_384
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// Two ICE transports on loopback carrying the DTLS datagrams (the UDP and TURN cases).
final class UDPWire {
    let a: IceTransport, b: IceTransport
    init() throws {
        let loopback = [TransportAddress.IP("127.0.0.1")!]
        var relayed = IceConfiguration()
        if mode.hasPrefix("turn-"), let transport = TurnTransport(rawValue: String(mode.dropFirst(5))) {
            let port: UInt16 = transport == .tls ? 5349 : 3478
            relayed.turnServers = [TurnServer(address: TransportAddress(host: "127.0.0.1", port: port)!, username: "alice", password: "s3cret",
                                              transport: transport, serverName: transport == .tls ? "turn.termcall.test" : nil)]
            relayed.relayOnly = true
            relayed.turnCAFile = ProcessInfo.processInfo.environment["TERMCALL_BENCH_TURN_CA"]
        }
        a = try IceTransport(agent: IceAgent(role: .controlling, configuration: relayed), addresses: loopback)
        b = try IceTransport(agent: IceAgent(role: .controlled), addresses: loopback)
        a.setRemoteCredentials(b.agent.localCredentials)
        b.setRemoteCredentials(a.agent.localCredentials)
        while a.agent.selectedCandidates == nil || b.agent.selectedCandidates == nil {
            for (me, other) in [(a, b), (b, a)] {
                for event in me.step(maximumWait: 1) {
                    if case let .ice(.localCandidate(c)) = event { other.addRemoteCandidate(c) }
                }
            }
        }
    }
}

func run() throws -> (throughput: Double, roundTrip: Double) {
    let ca = try DtlsCertificate(), cb = try DtlsCertificate()
    let dtlsA = try DtlsEndpoint(role: .client, certificate: ca, remoteFingerprints: [cb.fingerprint])
    let dtlsB = try DtlsEndpoint(role: .server, certificate: cb, remoteFingerprints: [ca.fingerprint])
    let a = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: true, remoteMaxMessageSize: 262_144)
    let b = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: false, remoteMaxMessageSize: 262_144)
    var now: Int64 = 0
    var received = 0, connected = false, opened = false, echoes = 0
    let wire = mode == "udp" || mode.hasPrefix("turn-") ? try UDPWire() : nil
    func deliver(_ d: [UInt8], to dtls: DtlsEndpoint, _ sctp: DataChannelEndpoint) {
        dtls.handleDatagram(d, now: now)
        while let e = dtls.pollEvent() { if case let .data(x) = e { sctp.handleDatagram(x, now: now) } }
    }
    func pump() {
        var moved = true
        while moved {
            moved = false
            while let p = a.pollTransmit() { moved = true; _ = dtlsA.send(p) }
            while let p = b.pollTransmit() { moved = true; _ = dtlsB.send(p) }
            if let wire {
                while let d = dtlsA.pollTransmit() { moved = true; wire.a.send(d) }
                while let d = dtlsB.pollTransmit() { moved = true; wire.b.send(d) }
                for event in wire.b.step(maximumWait: 0) { if case let .data(d, _) = event { moved = true; deliver(d, to: dtlsB, b) } }
                for event in wire.a.step(maximumWait: 0) { if case let .data(d, _) = event { moved = true; deliver(d, to: dtlsA, a) } }
            } else {
                while let d = dtlsA.pollTransmit() { moved = true; deliver(d, to: dtlsB, b) }
                while let d = dtlsB.pollTransmit() { moved = true; deliver(d, to: dtlsA, a) }
            }
            while let e = a.pollEvent() {
                if case .connected = e { connected = true }
                if case let .message(_, .binary(bytes)) = e, bytes.count == 8 { echoes += 1 }
            }
            while let e = b.pollEvent() {
                if case let .message(channel, .binary(bytes)) = e {
                    received += bytes.count
                    if bytes.count == 8 { try? b.send(.binary(bytes), on: channel) } // a ping: echo it
                }
                if case .channelOpened = e { opened = true }
            }
        }
    }
    dtlsA.start(now: 0)
    pump()
    while !connected { now += 10; a.handleTimeout(now: now); b.handleTimeout(now: now); pump() }
    let id = try a.open(label: "bench")
    while !opened { now += 1; a.handleTimeout(now: now); pump() }
    let payload = [UInt8](repeating: 0x42, count: chunk)
    var sent = 0
    let start = clock.now
    while received < total {
        // Keep about 1 MB queued, as a browser app does with bufferedAmountLowThreshold.
        while sent < total, (a.channel(id)?.bufferedAmount ?? 0) < 1_000_000 {
            try a.send(.binary(payload), on: id)
            sent += chunk
        }
        pump()
        now += 1
        a.handleTimeout(now: now)
        b.handleTimeout(now: now)
        pump()
    }
    let throughput = Double(received) / 1e6 / seconds(start.duration(to: clock.now))
    // Round trips of an 8-byte message, one at a time, once the bulk transfer has drained.
    var trips: [Double] = []
    for i in 0..<200 {
        let before = echoes, sentAt = clock.now
        try a.send(.binary([UInt8](repeating: UInt8(i), count: 8)), on: id)
        while echoes == before {
            pump()
            now += 1
            a.handleTimeout(now: now)
            b.handleTimeout(now: now)
        }
        trips.append(seconds(sentAt.duration(to: clock.now)) * 1000)
    }
    trips.sort()
    return (throughput, trips[trips.count / 2])
}

var results: [(throughput: Double, roundTrip: Double)] = []
for _ in 0..<3 { results.append(try run()) }
let rates = results.map(\.throughput).sorted(), trips = results.map(\.roundTrip).sorted()
print(String(format: "{\"impl\":\"termcall\",\"wire\":\"\(mode)\",\"megabytes\":%d,\"chunk\":%d,\"mb_per_s_median\":%.1f,\"runs\":[%@],\"small_message_rtt_ms_median\":%.3f}",
             megabytes, chunk, rates[1], rates.map { String(format: "%.1f", $0) }.joined(separator: ","), trips[1]))

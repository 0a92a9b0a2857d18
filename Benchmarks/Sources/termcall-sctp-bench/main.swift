import DTLS
import Foundation
import SCTP

// termcall-sctp-bench: reliable ordered data-channel throughput between two of our endpoints,
// SCTP inside DTLS (AES-128-GCM), 50 MB in 16 KiB messages, in one process with no network: the
// cost of the stack itself. Median of 3 runs. Usage: termcall-sctp-bench [MEGABYTES]

let megabytes = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 50
let total = megabytes * 1_000_000, chunk = 16_384
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func run() throws -> Double {
    let ca = try DtlsCertificate(), cb = try DtlsCertificate()
    let dtlsA = try DtlsEndpoint(role: .client, certificate: ca, remoteFingerprints: [cb.fingerprint])
    let dtlsB = try DtlsEndpoint(role: .server, certificate: cb, remoteFingerprints: [ca.fingerprint])
    let a = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: true, remoteMaxMessageSize: 262_144)
    let b = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: false, remoteMaxMessageSize: 262_144)
    var now: Int64 = 0
    var received = 0, connected = false, opened = false
    func pump() {
        var moved = true
        while moved {
            moved = false
            while let p = a.pollTransmit() { moved = true; _ = dtlsA.send(p) }
            while let p = b.pollTransmit() { moved = true; _ = dtlsB.send(p) }
            while let d = dtlsA.pollTransmit() {
                moved = true
                dtlsB.handleDatagram(d, now: now)
                while let e = dtlsB.pollEvent() { if case let .data(x) = e { b.handleDatagram(x, now: now) } }
            }
            while let d = dtlsB.pollTransmit() {
                moved = true
                dtlsA.handleDatagram(d, now: now)
                while let e = dtlsA.pollEvent() { if case let .data(x) = e { a.handleDatagram(x, now: now) } }
            }
            while let e = a.pollEvent() { if case .connected = e { connected = true } }
            while let e = b.pollEvent() {
                if case let .message(_, .binary(bytes)) = e { received += bytes.count }
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
    return Double(received) / 1e6 / seconds(start.duration(to: clock.now))
}

var results: [Double] = []
for _ in 0..<3 { results.append(try run()) }
results.sort()
print(String(format: "{\"impl\":\"termcall\",\"megabytes\":%d,\"chunk\":%d,\"mb_per_s_median\":%.1f,\"runs\":[%@]}", megabytes, chunk, results[1],
             results.map { String(format: "%.1f", $0) }.joined(separator: ",")))

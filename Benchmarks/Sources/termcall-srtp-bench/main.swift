import DTLS
import Foundation
import SRTP

// termcall-srtp-bench: SRTP protect + unprotect of 1200-byte RTP packets per profile, and DTLS
// handshakes between two of our endpoints in memory (no network), for BENCHMARKS.md.

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
let clock = ContinuousClock()
let packets = 200_000
print("# termcall-srtp-bench — \(ProcessInfo.processInfo.activeProcessorCount) cores visible")
print("| profile | protect µs/packet | unprotect µs/packet | protect+unprotect µs | MB/s (one way, protect) |")
print("|---|---|---|---|---|")
for profile in SrtpProfile.allCases {
    let key = [UInt8](repeating: 1, count: profile.keyLength), salt = [UInt8](repeating: 2, count: profile.saltLength)
    let tx = try SrtpSession(profile: profile, key: key, salt: salt, direction: .outbound)
    let rx = try SrtpSession(profile: profile, key: key, salt: salt, direction: .inbound)
    var packet: [UInt8] = [0x80, 96, 0, 0, 0, 0, 0, 0, 0xCA, 0xFE, 0xBA, 0xBE] + [UInt8](repeating: 0x5A, count: 1188)
    var protected: [[UInt8]] = []
    protected.reserveCapacity(packets)
    let start = clock.now
    for i in 0..<packets {
        packet[2] = UInt8((i >> 8) & 0xFF); packet[3] = UInt8(i & 0xFF)
        packet[4] = UInt8((i >> 24) & 0xFF); packet[5] = UInt8((i >> 16) & 0xFF) // timestamp varies too
        protected.append(try tx.protect(packet))
    }
    let protectTime = seconds(start.duration(to: clock.now))
    let start2 = clock.now
    var bytes = 0
    for p in protected { bytes += try rx.unprotect(p).count }
    let unprotectTime = seconds(start2.duration(to: clock.now))
    precondition(bytes == packets * 1200)
    let p = protectTime / Double(packets) * 1e6, u = unprotectTime / Double(packets) * 1e6
    print(String(format: "| %@ | %.2f | %.2f | %.2f | %.0f |", profile.rawValue, p, u, p + u, 1200 / p))
}

print("")
var times: [Double] = []
for _ in 0..<20 {
    let start = clock.now
    let a = try DtlsCertificate(), b = try DtlsCertificate()
    let client = try DtlsEndpoint(role: .client, certificate: a, remoteFingerprints: [b.fingerprint])
    let server = try DtlsEndpoint(role: .server, certificate: b, remoteFingerprints: [a.fingerprint])
    client.start(now: 0)
    while !(client.isConnected && server.isConnected) {
        var moved = false
        while let d = client.pollTransmit() { server.handleDatagram(d, now: 0); moved = true }
        while let d = server.pollTransmit() { client.handleDatagram(d, now: 0); moved = true }
        if !moved { break }
    }
    precondition(client.isConnected && server.isConnected)
    times.append(seconds(start.duration(to: clock.now)) * 1000)
}
times.sort()
print(String(format: "DTLS 1.2 handshake in memory, ECDSA P-256, certificates made in the run: median %.2f ms, p90 %.2f ms (20 runs)", times[10], times[18]))

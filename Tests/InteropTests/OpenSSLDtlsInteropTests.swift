import DTLS
import Foundation
import SRTP
import STUN
import TestSupport
import Testing
import UDPTransport

/// Our DTLS against `openssl s_server` / `s_client` in DTLS 1.2 mode with use_srtp, over UDP on
/// loopback, with an ECDSA certificate and with an RSA one (what GStreamer's webrtcbin uses).
@Suite(.enabled(if: InteropEnvironment.available, "needs a loopback-only namespace (scripts/test provides it)"), .serialized)
struct OpenSSLDtlsInteropTests {
    struct PeerCertificate {
        let directory = NSTemporaryDirectory() + "termcall-dtls-\(UUID().uuidString)"
        var cert: String { directory + "/cert.pem" }
        var key: String { directory + "/key.pem" }
        let fingerprint: DtlsFingerprint

        init(rsa: Bool) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let keyOptions = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            let made = try spawn("/usr/bin/openssl", ["req", "-x509"] + keyOptions + ["-nodes", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem", "-subj", "/CN=peer", "-days", "1"])
            guard made.status == 0 else { throw SpawnError(description: made.stderr) }
            let printed = try spawn("/usr/bin/openssl", ["x509", "-in", directory + "/cert.pem", "-noout", "-fingerprint", "-sha256"]).stdout
            guard let value = printed.split(separator: "=").last, let f = DtlsFingerprint(sdp: "sha-256 " + value.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SpawnError(description: "no fingerprint in \(printed)")
            }
            fingerprint = f
        }
    }

    /// Drives `endpoint` over `socket` with `peer` until `done` or `limit` ms (a failure guard).
    func drive(_ endpoint: DtlsEndpoint, _ socket: UDPSocket, peer: inout TransportAddress?, limit: Int64 = 10_000,
               until done: ([DtlsEndpoint.Event]) -> Bool) -> [DtlsEndpoint.Event] {
        var events: [DtlsEndpoint.Event] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let start = DispatchTime.now().uptimeNanoseconds
        func now() -> Int64 { Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000) }
        while now() < limit, !done(events) {
            if let destination = peer { while let d = endpoint.pollTransmit() { socket.send(d, to: destination) } }
            while let e = endpoint.pollEvent() { events.append(e) }
            var fd = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
            let wait = max(1, min(50, (endpoint.nextTimeout(now: now()) ?? (now() + 50)) - now()))
            if poll(&fd, 1, Int32(wait)) > 0 {
                while let (n, from) = socket.receive(into: &buffer) {
                    if peer == nil { peer = from }
                    endpoint.handleDatagram(Array(buffer[0..<n]), now: now())
                }
            }
            endpoint.handleTimeout(now: now())
        }
        return events
    }

    func keys(_ events: [DtlsEndpoint.Event]) -> SrtpKeyingMaterial? {
        events.lazy.compactMap { if case let .connected(k) = $0 { return k }; return nil }.first
    }

    @Test(arguments: [false, true])
    func weAreTheClientOfOpenSSLServer(rsa: Bool) throws {
        let peerCertificate = try PeerCertificate(rsa: rsa)
        let port = rsa ? 44_433 : 44_434
        let server = try PeerProcess("/usr/bin/openssl", ["s_server", "-dtls1_2", "-accept", "127.0.0.1:\(port)", "-cert", peerCertificate.cert, "-key", peerCertificate.key,
                                                       "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-quiet"])
        let socket = try UDPSocket(bindTo: TransportAddress(host: "127.0.0.1", port: 0)!)
        let endpoint = try DtlsEndpoint(role: .client, certificate: DtlsCertificate(), remoteFingerprints: [peerCertificate.fingerprint])
        var peer: TransportAddress? = TransportAddress(host: "127.0.0.1", port: UInt16(port))
        // s_server may take a moment to bind: the ClientHello is retransmitted until it answers.
        endpoint.start(now: 0)
        var events = drive(endpoint, socket, peer: &peer) { $0.contains { if case .connected = $0 { return true }; if case .failed = $0 { return true }; return false } }
        let k = try #require(keys(events), "events \(events); s_server: \(server.errorLog)")
        #expect(k.profile == .aesCm128HmacSha1_80)
        // Application data both ways: s_server prints what we send and sends what it reads.
        server.sendText("pong\n")
        events = drive(endpoint, socket, peer: &peer, limit: 5_000) { $0.contains(.data(Array("pong\n".utf8))) }
        #expect(events.contains(.data(Array("pong\n".utf8))), "events \(events)")
        endpoint.close()
        _ = drive(endpoint, socket, peer: &peer, limit: 100) { _ in false }
    }

    @Test func weAreTheServerOfOpenSSLClient() throws {
        let peerCertificate = try PeerCertificate(rsa: false)
        let socket = try UDPSocket(bindTo: TransportAddress(host: "127.0.0.1", port: 0)!)
        let endpoint = try DtlsEndpoint(role: .server, certificate: DtlsCertificate(), remoteFingerprints: [peerCertificate.fingerprint])
        let client = try PeerProcess("/usr/bin/openssl", ["s_client", "-dtls1_2", "-connect", "127.0.0.1:\(socket.local.port)", "-cert", peerCertificate.cert, "-key", peerCertificate.key,
                                                       "-use_srtp", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80", "-quiet"])
        var peer: TransportAddress?
        var events = drive(endpoint, socket, peer: &peer) { $0.contains { if case .connected = $0 { return true }; if case .failed = $0 { return true }; return false } }
        let k = try #require(keys(events), "events \(events); s_client: \(client.errorLog)")
        #expect(k.profile == .aeadAes128Gcm)
        client.sendText("ping\n")
        events = drive(endpoint, socket, peer: &peer, limit: 5_000) { $0.contains(.data(Array("ping\n".utf8))) }
        #expect(events.contains(.data(Array("ping\n".utf8))))
    }
}

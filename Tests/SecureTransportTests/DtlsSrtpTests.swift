#if canImport(Glibc)
import Glibc
#endif
import DTLS
import MediaCore
import SRTP
import Testing

/// Two of our endpoints over a simulated lossy, reordering link. OpenSSL's retransmission timer
/// reads the system clock, so the loop follows real time; the link's decisions are seeded.
struct DtlsLink {
    let client: DtlsEndpoint, server: DtlsEndpoint
    var rng: SplitMix64
    var lossRate: Double
    var reorder: Bool
    var inFlight: [(toServer: Bool, bytes: [UInt8])] = []
    var clientEvents: [DtlsEndpoint.Event] = [], serverEvents: [DtlsEndpoint.Event] = []

    mutating func pump() {
        while let d = client.pollTransmit() { carry(toServer: true, d) }
        while let d = server.pollTransmit() { carry(toServer: false, d) }
        while let e = client.pollEvent() { clientEvents.append(e) }
        while let e = server.pollEvent() { serverEvents.append(e) }
    }

    mutating func carry(toServer: Bool, _ bytes: [UInt8]) {
        if rng.unit() < lossRate { return }
        if reorder, !inFlight.isEmpty, rng.unit() < 0.3 { inFlight.insert((toServer, bytes), at: Int(rng.next() % UInt64(inFlight.count))) }
        else { inFlight.append((toServer, bytes)) }
    }

    /// Runs until both sides report connected (or fail), bounded by `limitMilliseconds` of real time.
    mutating func run(limitMilliseconds: Int64 = 20_000) {
        let clock = ContinuousClock(), start = clock.now
        func elapsed() -> Int64 { let d = start.duration(to: clock.now); return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000 }
        client.start(now: 0)
        pump()
        while elapsed() < limitMilliseconds {
            let done = { (events: [DtlsEndpoint.Event]) in events.contains { if case .connected = $0 { return true }; if case .failed = $0 { return true }; return false } }
            if done(clientEvents) && done(serverEvents) { return }
            if inFlight.isEmpty {
                // Nothing on the wire: wait for the earlier retransmission deadline.
                let t = elapsed()
                let next = [client.nextTimeout(now: t), server.nextTimeout(now: t)].compactMap { $0 }.min() ?? (t + 10)
                let wait = max(0, next - elapsed())
                // The protocol's own retransmission deadline, not synchronisation: nothing else can happen first.
                if wait > 0 { usleep(UInt32(min(wait, 200)) * 1000) }
                client.handleTimeout(now: elapsed())
                server.handleTimeout(now: elapsed())
            } else {
                let d = inFlight.removeFirst()
                (d.toServer ? server : client).handleDatagram(d.bytes, now: elapsed())
            }
            pump()
        }
    }

    func keys(_ events: [DtlsEndpoint.Event]) -> SrtpKeyingMaterial? {
        for e in events { if case let .connected(k) = e { return k } }
        return nil
    }
}

@Suite(.serialized) struct DtlsSrtpTests {
    func endpoints(clientPeer: DtlsCertificate? = nil) throws -> (DtlsEndpoint, DtlsEndpoint, DtlsCertificate, DtlsCertificate) {
        let a = try DtlsCertificate(), b = try DtlsCertificate()
        let client = try DtlsEndpoint(role: .client, certificate: a, remoteFingerprints: [(clientPeer ?? b).fingerprint])
        let server = try DtlsEndpoint(role: .server, certificate: b, remoteFingerprints: [a.fingerprint])
        return (client, server, a, b)
    }

    @Test func aHandshakeThroughThirtyPercentLossAndReorderingExportsMatchingKeys() throws {
        let (client, server, _, _) = try endpoints()
        var link = DtlsLink(client: client, server: server, rng: SplitMix64(seed: 3), lossRate: 0.3, reorder: true)
        link.run()
        let c = try #require(link.keys(link.clientEvents), "client: \(link.clientEvents)")
        let s = try #require(link.keys(link.serverEvents), "server: \(link.serverEvents)")
        #expect(c.profile == .aeadAes128Gcm)
        #expect(c.localKey == s.remoteKey && c.localSalt == s.remoteSalt && c.remoteKey == s.localKey && c.remoteSalt == s.localSalt)
        #expect(c.localKey != c.remoteKey)
    }

    @Test func everyFlightFitsTheMTU() throws {
        let (client, server, _, _) = try endpoints()
        var sizes: [Int] = []
        client.start(now: 0)
        for _ in 0..<10 {
            while let d = client.pollTransmit() { sizes.append(d.count); server.handleDatagram(d, now: 0) }
            while let d = server.pollTransmit() { sizes.append(d.count); client.handleDatagram(d, now: 0) }
        }
        #expect(client.isConnected && server.isConnected)
        #expect(sizes.allSatisfy { $0 <= 1200 }, "\(sizes)")
    }

    @Test func aFingerprintMismatchAbortsTheCall() throws {
        let stranger = try DtlsCertificate()
        let (client, server, _, _) = try endpoints(clientPeer: stranger) // the client expects someone else
        var link = DtlsLink(client: client, server: server, rng: SplitMix64(seed: 1), lossRate: 0, reorder: false)
        link.run(limitMilliseconds: 5_000)
        let failure = link.clientEvents.compactMap { if case let .failed(e) = $0 { return e }; return nil }.first
        guard case .fingerprintMismatch = failure else { Issue.record("client events: \(link.clientEvents)"); return }
        #expect(!client.isConnected)
        #expect(failure!.description.contains("does not match the fingerprint"))
    }

    /// One certificate per run: every connection gets the same one, and two ends of one process
    /// (the demo's two callers) complete a handshake with it, each seeing it as the peer's.
    @Test func theRunsCertificateIsSharedAndWorksAtBothEnds() throws {
        let run = try DtlsCertificate.ofThisRun()
        #expect(try DtlsCertificate.ofThisRun() === run)
        #expect(try DtlsCertificate().fingerprint != run.fingerprint)
        let client = try DtlsEndpoint(role: .client, certificate: run, remoteFingerprints: [run.fingerprint])
        let server = try DtlsEndpoint(role: .server, certificate: run, remoteFingerprints: [run.fingerprint])
        var link = DtlsLink(client: client, server: server, rng: SplitMix64(seed: 3), lossRate: 0, reorder: false)
        link.run()
        #expect(client.isConnected && server.isConnected)
        #expect(client.peerFingerprint == run.fingerprint && server.peerFingerprint == run.fingerprint)
        // ...in the library context filtered to WebRTC's key types, not OpenSSL's whole default one.
        #expect(DtlsEndpoint.runsInFilteredLibraryContext)
    }

    @Test func applicationDataAndCloseNotify() throws {
        let (client, server, _, _) = try endpoints()
        var link = DtlsLink(client: client, server: server, rng: SplitMix64(seed: 1), lossRate: 0, reorder: false)
        link.run()
        #expect(client.send(Array("hello over DTLS".utf8)))
        link.pump()
        while !link.inFlight.isEmpty { let d = link.inFlight.removeFirst(); (d.toServer ? server : client).handleDatagram(d.bytes, now: 0); link.pump() }
        #expect(link.serverEvents.contains(.data(Array("hello over DTLS".utf8))))
        client.close()
        link.pump()
        while !link.inFlight.isEmpty { let d = link.inFlight.removeFirst(); (d.toServer ? server : client).handleDatagram(d.bytes, now: 0); link.pump() }
        #expect(link.serverEvents.contains(.closed))
    }

    @Test func fingerprintsParseInEveryAlgorithm() {
        let f = DtlsFingerprint(sdp: "SHA-256 AB:cd:01:23")
        #expect(f?.algorithm == .sha256 && f?.digest == [0xAB, 0xCD, 0x01, 0x23] && f?.description == "sha-256 AB:CD:01:23")
        for bad in ["", "md5 AB:CD", "sha-1 ABC", "sha-1 AB::CD", "sha-1"] { #expect(DtlsFingerprint(sdp: bad) == nil) }
    }
}

@Suite struct SrtpTests {
    func rtp(_ seq: UInt16, payload: [UInt8] = Array(repeating: 0xAB, count: 160)) -> [UInt8] {
        [0x80, 111, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, 3, 0xC0, 0x11, 0x22, 0x33, 0x44] + payload
    }

    @Test(arguments: SrtpProfile.allCases)
    func roundTripTamperAndReplay(profile: SrtpProfile) throws {
        let key = [UInt8](repeating: 7, count: profile.keyLength), salt = [UInt8](repeating: 9, count: profile.saltLength)
        let sender = try SrtpSession(profile: profile, key: key, salt: salt, direction: .outbound)
        let receiver = try SrtpSession(profile: profile, key: key, salt: salt, direction: .inbound)
        for seq in 1...50 as ClosedRange<UInt16> {
            let plain = rtp(seq)
            let protected = try sender.protect(plain)
            #expect(protected.count == plain.count + (profile == .aeadAes128Gcm ? 16 : 10))
            #expect(Array(protected[12...]) != Array(plain[12...]))
            #expect(try receiver.unprotect(protected) == plain)
            if seq == 25 {
                #expect(throws: SrtpSession.Failure.replay) { try receiver.unprotect(protected) }
                var tampered = try sender.protect(rtp(200))
                tampered[20] ^= 1
                #expect(throws: SrtpSession.Failure.authentication) { try receiver.unprotect(tampered) }
            }
        }
        let wrongKey = try SrtpSession(profile: profile, key: [UInt8](repeating: 8, count: profile.keyLength), salt: salt, direction: .inbound)
        #expect(throws: SrtpSession.Failure.authentication) { try wrongKey.unprotect(try sender.protect(rtp(300))) }
        // SRTCP
        let rr: [UInt8] = [0x81, 201, 0, 7, 0x11, 0x22, 0x33, 0x44] + [UInt8](repeating: 0, count: 24)
        #expect(try receiver.unprotectRTCP(try sender.protectRTCP(rr)) == rr)
        #expect(throws: SrtpSession.Failure.malformed) { try receiver.unprotect([1, 2, 3]) }
    }
}

import DTLS
import Foundation
import ICE
import SCTP
import SRTP
import STUN
import Testing
import UDPTransport

/// The secure transport of a call against aiortc 1.16: our ICE + DTLS + SRTP with its
/// RTCIceTransport + RTCDtlsTransport (pylibsrtp), over UDP on loopback.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct AiortcDtlsInteropTests {
    static let peerScript = InteropEnvironment.root + "/Tests/Interop/aiortc_dtls_peer.py"

    /// Our side of the secure transport, stepped by the test.
    final class SecureSide {
        let ice: IceTransport
        let certificate: DtlsCertificate
        var dtls: DtlsEndpoint?
        var keys: SrtpKeyingMaterial?
        var tx: SrtpSession?, rx: SrtpSession?
        var received: [[UInt8]] = [], failures: [String] = [], closedByPeer = false
        /// With data channels: SCTP starts once DTLS is up (we are DTLS client iff `dtlsClient`).
        let wantsDataChannels: Bool
        var channels: DataChannelEndpoint?
        var channelEvents: [DataChannelEndpoint.Event] = []

        init(role: IceRole, dataChannels: Bool = false) throws {
            wantsDataChannels = dataChannels
            ice = try IceTransport(agent: IceAgent(role: role), addresses: [TransportAddress.IP("127.0.0.1")!])
            certificate = try DtlsCertificate()
        }

        func step(_ wait: Int64 = 5) {
            for event in ice.step(maximumWait: wait) {
                guard case let .data(bytes, _) = event, let first = bytes.first else { continue }
                switch DatagramKind(firstByte: first) {
                case .dtls: dtls?.handleDatagram(bytes, now: ice.now)
                case .rtp:
                    do throws(SrtpSession.Failure) { if let rx { received.append(try rx.unprotect(bytes)) } } catch { failures.append("\(error)") }
                default: break
                }
            }
            if let dtls {
                dtls.handleTimeout(now: ice.now)
                while let d = dtls.pollTransmit() { ice.send(d) }
                while let e = dtls.pollEvent() {
                    switch e {
                    case let .connected(k):
                        keys = k
                        tx = try? SrtpSession(profile: k.profile, key: k.localKey, salt: k.localSalt, direction: .outbound)
                        rx = try? SrtpSession(profile: k.profile, key: k.remoteKey, salt: k.remoteSalt, direction: .inbound)
                        if wantsDataChannels {
                            channels = DataChannelEndpoint(association: try! SctpAssociation(), isDtlsClient: dtls.role == .client, remoteMaxMessageSize: 262_144)
                        }
                    case let .failed(error): failures.append(error.description)
                    case .closed: closedByPeer = true
                    case let .data(bytes): channels?.handleDatagram(bytes, now: ice.now)
                    }
                }
                if let channels {
                    channels.handleTimeout(now: ice.now)
                    while let packet = channels.pollTransmit() { dtls.send(packet) }
                    while let e = channels.pollEvent() { channelEvents.append(e) }
                    while let d = dtls.pollTransmit() { ice.send(d) }
                }
            }
        }
    }

    func connect(_ side: SecureSide, dtlsRole: DtlsEndpoint.Role, peer: PeerProcess) throws -> [String: Any] {
        var candidates: [String] = [], gathered = false
        while !gathered {
            for event in side.ice.step(maximumWait: 20) {
                if case let .ice(.localCandidate(c)) = event { candidates.append(c.description) }
                if case .ice(.gatheringComplete) = event { gathered = true }
            }
        }
        let theirs = try #require(peer.readJSON(), "aiortc said nothing: \(peer.errorLog)")
        let ice = try #require(theirs["ice"] as? [String: Any]), dtls = try #require(theirs["dtls"] as? [String: Any])
        let fingerprint = side.certificate.fingerprint
        try peer.send(["ice": ["ufrag": side.ice.agent.localCredentials.ufrag, "pwd": side.ice.agent.localCredentials.password, "candidates": candidates],
                       "dtls": ["fingerprints": [["algorithm": fingerprint.algorithm.rawValue, "value": String(fingerprint.description.split(separator: " ")[1])]],
                                "role": dtlsRole == .client ? "client" : "server"],
                       "sctp": ["port": 5000, "max_message_size": 262_144]])
        side.ice.setRemoteCredentials(IceCredentials(ufrag: ice["ufrag"] as! String, password: ice["pwd"] as! String))
        for line in ice["candidates"] as? [String] ?? [] { side.ice.addRemoteCandidate(try IceCandidate(sdp: line)) }
        side.ice.remoteCandidatesComplete()
        let remoteFingerprints = (dtls["fingerprints"] as? [[String: String]] ?? []).compactMap { DtlsFingerprint(sdp: "\($0["algorithm"] ?? "") \($0["value"] ?? "")") }
        #expect(remoteFingerprints.count == 3) // aiortc signals sha-256, sha-384 and sha-512
        let start = side.ice.now
        while side.ice.agent.selectedCandidates == nil, side.ice.now - start < 10_000 { side.step() }
        let endpoint = try DtlsEndpoint(role: dtlsRole, certificate: side.certificate, remoteFingerprints: remoteFingerprints)
        side.dtls = endpoint
        endpoint.start(now: side.ice.now)
        var connected: [String: Any]?
        while side.keys == nil || connected == nil, side.failures.isEmpty, side.ice.now - start < 15_000 {
            side.step()
            if connected == nil, let line = peer.readJSON(timeoutMilliseconds: 1) {
                if line["event"] as? String == "dtls-connected" { connected = line }
                if line["event"] as? String == "error" { side.failures.append("aiortc: \(line)") }
            }
        }
        return try #require(connected, "aiortc did not connect: \(peer.errorLog.suffix(2000))")
    }

    func rtp(_ seq: UInt16) -> [UInt8] {
        [0x80, 111, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, UInt8(seq >> 8), UInt8(seq & 0xFF), 0xAA, 0xBB, 0xCC, 0xDD] + Array("termcall-\(seq)".utf8)
    }

    @Test func weAreDtlsClientAiortcEchoesOurSrtp() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [Self.peerScript, "--role", "controlling", "--echo-rtp"])
        let side = try SecureSide(role: .controlled)
        let connected = try connect(side, dtlsRole: .client, peer: peer)
        #expect(side.failures.isEmpty, "\(side.failures)")
        let keys = try #require(side.keys)
        #expect(connected["srtp_profile"] as? String == "SRTP_AEAD_AES_128_GCM" && keys.profile == .aeadAes128Gcm)
        // Our SRTP, unprotected by pylibsrtp inside aiortc, protected again and sent back.
        let sent = (1...10).map { rtp(UInt16($0)) }
        for packet in sent { side.ice.send(try side.tx!.protect(packet)) }
        let start = side.ice.now
        var reported = 0
        while (side.received.count < 10 || reported < 10), side.ice.now - start < 5_000 {
            side.step()
            while let line = peer.readJSON(timeoutMilliseconds: 1) { if line["event"] as? String == "rtp" { reported += 1 } }
        }
        #expect(reported == 10, "aiortc unprotected \(reported) of our packets")
        #expect(side.received == sent, "failures: \(side.failures)")
        // Hang up: aiortc sees our close_notify.
        side.dtls!.close()
        side.step()
        var closed: [String: Any]?
        let end = side.ice.now
        while closed == nil, side.ice.now - end < 5_000 { side.step(); if let l = peer.readJSON(timeoutMilliseconds: 1), l["event"] as? String == "closed" { closed = l } }
        #expect(closed?["by"] as? String == "remote", "\(String(describing: closed))")
    }

    @Test func weAreDtlsServerAndReadAiortcsSrtpWithMatchingKeys() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [Self.peerScript, "--role", "controlled", "--rtp", "5", "--print-keys",
                                                            "--srtp-profile", "SRTP_AES128_CM_SHA1_80"])
        let side = try SecureSide(role: .controlling)
        let connected = try connect(side, dtlsRole: .server, peer: peer)
        #expect(side.failures.isEmpty, "\(side.failures)")
        let keys = try #require(side.keys)
        #expect(keys.profile == .aesCm128HmacSha1_80)
        // aiortc's exported keys are ours mirrored.
        let theirs = try #require(connected["srtp_keys"] as? [String: String])
        func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
        #expect(theirs["tx_key_hex"]?.lowercased() == hex(keys.remoteKey) && theirs["rx_key_hex"]?.lowercased() == hex(keys.localKey))
        #expect(theirs["tx_salt_hex"]?.lowercased() == hex(keys.remoteSalt) && theirs["rx_salt_hex"]?.lowercased() == hex(keys.localSalt))
        let start = side.ice.now
        while side.received.count < 5, side.ice.now - start < 5_000 { side.step() }
        #expect(side.received.count == 5, "failures: \(side.failures)")
        #expect(side.received.first.map { Array($0[12..<17]) } == Array("rtp-1".utf8))
    }

    @Test func aFingerprintMismatchIsRefusedWithAClearReason() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [Self.peerScript, "--role", "controlling", "--corrupt-fingerprint"])
        let side = try SecureSide(role: .controlled)
        _ = try? connect(side, dtlsRole: .client, peer: peer)
        #expect(side.keys == nil)
        #expect(side.failures.contains { $0.contains("does not match the fingerprint") }, "\(side.failures)")
    }
}

import MediaCore
import MediaDevices
import RTP
import SCTP
import SDP
import STUN
import Signaling
import TURN
import ICE

/// Every parser that reads bytes a stranger chose, as one entry point per parser: libFuzzer drives
/// them (Fuzz/, `scripts/fuzz`), and `FuzzCorpusTests` replays the committed corpus through them on
/// every test run. Each must return for any input; where a parse succeeds, what it serialises to
/// must parse back to the same value (a trap here is the finding).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case stun, rtp, rtcp, vp8, sdp, dcep, signaling, pasted, y4m, wav, turnstream, iceurl, icetcp, mdns

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .stun: Self.stun(bytes)
        case .rtp: Self.rtp(bytes)
        case .rtcp: Self.rtcp(bytes)
        case .vp8: Self.vp8(bytes)
        case .sdp: Self.sdp(bytes)
        case .dcep: Self.dcep(bytes)
        case .signaling: Self.signaling(bytes)
        case .pasted: Self.pasted(bytes)
        case .y4m: Self.y4m(bytes)
        case .wav: Self.wav(bytes)
        case .turnstream: Self.turnStream(bytes)
        case .iceurl: Self.iceURL(bytes)
        case .icetcp: Self.iceTcp(bytes)
        case .mdns: Self.mdns(bytes)
        }
    }

    static func stun(_ bytes: [UInt8]) {
        guard let decoded = try? StunMessage.decode(bytes) else { return }
        _ = decoded.verifyIntegrity(key: Array("fuzz-password".utf8))
        _ = (decoded.message.xorMappedAddress, decoded.message.xorRelayedAddress, decoded.message.xorPeerAddress, decoded.message.mappedAddress)
        // Re-encoding what was read must give a message that reads back the same.
        let again = decoded.message.encode(fingerprint: true)
        guard let reread = try? StunMessage.decode(again) else { preconditionFailure("re-encoded STUN does not parse") }
        precondition(reread.message.method == decoded.message.method && reread.message.messageClass == decoded.message.messageClass && reread.message.transactionID == decoded.message.transactionID)
    }

    static func rtp(_ bytes: [UInt8]) {
        guard let packet = try? RtpPacket.parse(bytes) else { return }
        precondition((try? RtpPacket.parse(packet.serialized())) == packet, "RTP does not round-trip")
        _ = try? RtxPayload.unwrap(packet, originalSsrc: 1, originalPayloadType: 96)
        if let red = try? RedPayload.parse(packet.payload) {
            precondition((try? RedPayload.parse(red.serialized)) == red, "RED does not round-trip")
        }
    }

    static func rtcp(_ bytes: [UInt8]) {
        guard let packets = try? RtcpPacket.parseCompound(bytes) else { return }
        precondition((try? RtcpPacket.parseCompound(RtcpPacket.serializeCompound(packets))) == packets, "RTCP does not round-trip")
    }

    static func vp8(_ bytes: [UInt8]) {
        if let parsed = try? Vp8PayloadDescriptor.parse(bytes) {
            precondition((try? Vp8PayloadDescriptor.parse(parsed.descriptor.serialized()))?.descriptor == parsed.descriptor, "VP8 descriptor does not round-trip")
        }
        _ = Vp8Payload.isKeyframe(bytes)
        // The same bytes as the payloads of a few packets of one frame, through the depacketizer.
        var depacketizer = Vp8Depacketizer(maximumFrameSize: 4096)
        let chunks = stride(from: 0, to: bytes.count, by: 48).map { Array(bytes[$0..<min(bytes.count, $0 + 48)]) }
        for (i, chunk) in chunks.enumerated() {
            _ = depacketizer.push(RtpPacket(marker: i == chunks.count - 1, payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: i),
                                            timestamp: 90_000, ssrc: 1, payload: chunk))
        }
    }

    static func sdp(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), let offer = try? SessionDescription.parse(text) else { return }
        // What we write parses again; an answer to anything parseable is made or refused, never a trap.
        precondition((try? SessionDescription.parse(offer.serialized)) != nil, "serialised SDP does not parse")
        let transport = JsepAnswerer.LocalTransport(iceUfrag: "fuzz", icePassword: "fuzzfuzzfuzzfuzzfuzzfuzz",
                                                    fingerprint: "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":"))
        if let (answer, agreed) = try? JsepAnswerer.answer(to: offer, transport: transport, tracks: .init(audioSSRC: 1, videoSSRC: 2, videoRtxSSRC: 3)) {
            precondition((try? SessionDescription.parse(answer.serialized)) != nil, "our answer does not parse")
            // JSEP: every offered section answered, in order; every one valid SDP (a c= line, a format).
            precondition(answer.media.count == offer.media.count && agreed.sections.count == offer.media.count, "sections lost")
            precondition(answer.media.allSatisfy { m in !m.formats.isEmpty && m.otherLines.contains { $0.type == "c" } }, "a section without c= or a format")
        }
        // Read as an answer to our offer: agreed or refused, never a trap.
        _ = try? JsepOfferer.agreement(from: offer)
    }

    static func dcep(_ bytes: [UInt8]) {
        guard let message = try? DataChannelMessage.parse(bytes) else { return }
        precondition((try? DataChannelMessage.parse(message.serialized)) == message, "DCEP does not round-trip")
    }

    /// Lines of signalling JSON from two connections into one room directory, as a server gets them.
    static func signaling(_ bytes: [UInt8]) {
        var directory = RoomDirectory(limits: .init(), seed: 1, passphraseKey: Array(repeating: 1, count: 32))
        directory.connected(1)
        directory.connected(2)
        _ = directory.received(SignalingMessage.join(room: "fuzz", name: "a").encoded, from: 1, now: 0)
        let lines = bytes.split(separator: 0x0A, maxSplits: 64, omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            let text = String(decoding: line, as: UTF8.self)
            if let message = try? SignalingMessage.decode(text) {
                precondition((try? SignalingMessage.decode(message.encoded)) == message, "signalling does not round-trip")
            }
            _ = directory.received(text, from: 1 + i % 2, now: Int64(i) * 10)
        }
        _ = directory.disconnected(1)
        _ = directory.disconnected(2)
        precondition(directory.roomCount == 0, "an emptied room stayed")
    }

    /// A TURN server's TCP/TLS byte stream, cut at every 7th byte as reads might cut it: each frame
    /// the framer hands out goes to an allocation, as the shell does.
    static func turnStream(_ bytes: [UInt8]) {
        var framer = TurnStreamFramer()
        var allocation = TurnAllocation(server: TurnServer(address: TransportAddress(ip: .v4(0x7F00_0001), port: 3478), username: "u", password: "p", transport: .tcp))
        allocation.start(now: 0)
        var total = 0
        for start in stride(from: 0, to: bytes.count, by: 7) {
            framer.append(Array(bytes[start..<min(bytes.count, start + 7)]))
            do throws(TurnStreamFramer.FramingError) {
                while let frame = try framer.next() {
                    total += frame.count
                    _ = allocation.handle(frame, now: 1)
                }
            } catch { return }
        }
        precondition(total + framer.bufferedBytes == bytes.count, "the framer lost or invented bytes")
    }

    /// An ICE-TCP connection's bytes (RFC 4571 frames), cut as reads might cut them: every packet
    /// re-framed gives back exactly the bytes that made it; each goes to a passive agent as a check.
    static func iceTcp(_ bytes: [UInt8]) {
        var framer = Rfc4571Framer()
        var agent = IceAgent(role: .controlled, credentials: IceCredentials(ufrag: "fuzz", password: "fuzz-password-0123456789"), tieBreaker: 1)
        let listener = TransportAddress(ip: .v4(0x7F00_0001), port: 40_000), peer = TransportAddress(ip: .v4(0x7F00_0001), port: 50_000)
        agent.addLocalListener(listener, now: 0)
        agent.localSocketsComplete(now: 0)
        agent.setRemoteCredentials(IceCredentials(ufrag: "peer", password: "peer-password-0123456789"), now: 0)
        var consumed = 0
        for start in stride(from: 0, to: bytes.count, by: 5) {
            framer.append(Array(bytes[start..<min(bytes.count, start + 5)]))
            while let packet = framer.next() {
                consumed += 2 + packet.count
                agent.handleTcpMessage(packet, from: peer, local: listener, now: 1)
            }
        }
        precondition(consumed + framer.bufferedBytes <= bytes.count, "the framer invented bytes")
        while agent.pollTransmit() != nil {}
    }

    /// A multicast DNS message from anyone on the LAN: what parses re-encodes to the same meaning.
    static func mdns(_ bytes: [UInt8]) {
        switch MdnsMessage.parse(bytes) {
        case let .query(names)?:
            for name in names where MdnsMessage.isCandidateHostname(name) {
                precondition(MdnsMessage.parse(MdnsMessage.query(name)) == .query(names: [name]), "mDNS query does not round-trip")
            }
        case let .answer(records)?:
            for r in records where MdnsMessage.isCandidateHostname(r.name) {
                precondition(MdnsMessage.parse(MdnsMessage.answer(r.name, ip: r.ip)) == .answer([r]), "mDNS answer does not round-trip")
            }
        case nil:
            break
        }
    }

    /// An ICE server URL as a user or a server might write it: what parses prints back to itself.
    static func iceURL(_ bytes: [UInt8]) {
        guard let url = try? IceServerURL(String(decoding: bytes, as: UTF8.self)) else { return }
        precondition((try? IceServerURL(url.description)) == url, "ICE server URL does not round-trip")
    }

    static func pasted(_ bytes: [UInt8]) {
        _ = try? PastedDescription.decode(String(decoding: bytes, as: UTF8.self))
    }

    /// A Y4M "file" in memory: header and up to three frames.
    static func y4m(_ bytes: [UInt8]) {
        var offset = 0
        let read: Y4MReader.ReadBytes = { count in
            let end = min(bytes.count, offset + max(0, count))
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
        guard var reader = try? Y4MReader(readBytes: read) else { return }
        for _ in 0..<3 {
            guard let frame = try? reader.nextFrame() else { return }
            precondition(frame.width == reader.header.width && frame.height == reader.header.height, "a frame of the wrong size")
        }
    }

    static func wav(_ bytes: [UInt8]) {
        guard let audio = try? WAVAudio.parse(bytes) else { return }
        precondition(audio.channels > 0 && audio.sampleRate > 0 && audio.samples.count % audio.channels == 0, "WAV parsed to nonsense")
    }
}

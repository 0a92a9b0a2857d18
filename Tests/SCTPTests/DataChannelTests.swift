import DTLS
import MediaCore
import SCTP
import Testing

@Suite struct DataChannelMessageTests {
    @Test func openAndAckRoundTrip() throws {
        var options = DataChannelOptions()
        options.ordered = false
        options.maxRetransmits = 3
        options.protocolName = "chat"
        let open = DataChannelOpen(label: "gossip ✓", protocolName: "chat", options: options)
        let bytes = DataChannelMessage.open(open).serialized
        #expect(bytes[0] == 0x03 && bytes[1] == 0x81)
        #expect(try DataChannelMessage.parse(bytes) == .open(open))
        #expect(open.options == options)
        #expect(try DataChannelMessage.parse([0x02]) == .ack)
    }

    @Test func garbageNeverTraps() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<10_000 {
            var bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if !bytes.isEmpty, rng.next() % 2 == 0 { bytes[0] = 0x03 }
            if let parsed = try? DataChannelMessage.parse(bytes), case let .open(o) = parsed {
                #expect((try? DataChannelMessage.parse(DataChannelMessage.open(o).serialized)) == parsed)
            }
        }
    }
}

/// Two of our endpoints over DTLS in memory: SCTP inside DTLS, as in a call. Loss is applied to the
/// DTLS datagrams once the association is up, so SCTP's retransmissions do the work.
final class DataChannelPair {
    let a: DataChannelEndpoint, b: DataChannelEndpoint
    let dtlsA: DtlsEndpoint, dtlsB: DtlsEndpoint
    var eventsA: [DataChannelEndpoint.Event] = [], eventsB: [DataChannelEndpoint.Event] = []
    var rng = SplitMix64(seed: 9)
    var lossRate = 0.0
    var now: Int64 = 0
    /// SCTP packets DTLS refused (larger than one record may be): must stay 0.
    var oversized = 0
    var oversizedSizes: [Int] = []

    /// SCTP packets each side sent, in order (what went into DTLS).
    var sentByA: [[UInt8]] = [], sentByB: [[UInt8]] = []

    /// `openedEarly`: channels `a` opens before the SCTP handshake has begun.
    init(maxMessageSize: Int? = nil, openedEarly: [String] = []) throws {
        let ca = try DtlsCertificate(), cb = try DtlsCertificate()
        dtlsA = try DtlsEndpoint(role: .client, certificate: ca, remoteFingerprints: [cb.fingerprint])
        dtlsB = try DtlsEndpoint(role: .server, certificate: cb, remoteFingerprints: [ca.fingerprint])
        // DTLS first, as in a call: the associations start once it is up, so no INIT is lost to it.
        dtlsA.start(now: 0)
        var moved = true
        while moved {
            moved = false
            for (from, to) in [(dtlsA, dtlsB), (dtlsB, dtlsA)] {
                while let datagram = from.pollTransmit() { moved = true; to.handleDatagram(datagram, now: 0) }
                while to.pollEvent() != nil {}
            }
        }
        a = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: true, remoteMaxMessageSize: maxMessageSize)
        b = DataChannelEndpoint(association: try SctpAssociation(), isDtlsClient: false, remoteMaxMessageSize: maxMessageSize)
        for label in openedEarly { try a.open(label: label) }
        pump()
    }

    /// Moves everything: SCTP → DTLS → (lossy) wire → DTLS → SCTP, both ways, until quiet.
    func pump() {
        var moved = true
        while moved {
            moved = false
            for (sctp, dtls) in [(a, dtlsA), (b, dtlsB)] {
                while let packet = sctp.pollTransmit() {
                    moved = true
                    if sctp === a { sentByA.append(packet) } else { sentByB.append(packet) }
                    if dtls.isConnected, !dtls.send(packet) { oversized += 1; oversizedSizes.append(packet.count) }
                }
            }
            for (from, to, sctp) in [(dtlsA, dtlsB, b), (dtlsB, dtlsA, a)] {
                while let datagram = from.pollTransmit() {
                    moved = true
                    if to.isConnected && rng.unit() < lossRate { continue }
                    to.handleDatagram(datagram, now: now)
                    while let e = to.pollEvent() { if case let .data(bytes) = e { sctp.handleDatagram(bytes, now: now) } }
                }
            }
            while let e = a.pollEvent() { eventsA.append(e); moved = true }
            while let e = b.pollEvent() { eventsB.append(e); moved = true }
        }
    }

    /// Runs until `done` or `limit` ms of the pair's own clock, in 2 ms steps. usrsctp's timers
    /// follow that clock (`SctpRuntime` advances its wheel from `handleTimeout(now:)`), so no
    /// real time passes and a run repeats exactly.
    func run(limit: Int64 = 20_000, until done: () -> Bool) {
        let end = now + limit
        while now < end, !done() {
            now += 2
            a.handleTimeout(now: now)
            b.handleTimeout(now: now)
            pump()
        }
    }

    func messages(_ events: [DataChannelEndpoint.Event], on id: UInt16) -> [DataChannelEndpoint.Message] {
        events.compactMap { if case let .message(i, m) = $0, i == id { return m }; return nil }
    }
}

@Suite(.serialized) struct DataChannelTests {
    /// The first chunk type of an SCTP packet (after the 12-byte common header, RFC 9260 §3).
    static func firstChunk(_ packet: [UInt8]) -> UInt8? { packet.count > 12 ? packet[12] : nil }

    /// Every chunk type of an SCTP packet, in order (chunks padded to 4 bytes, RFC 9260 §3.2).
    static func chunkTypes(_ packet: [UInt8]) -> [UInt8] {
        var types: [UInt8] = [], at = 12
        while at + 4 <= packet.count {
            types.append(packet[at])
            let length = Int(packet[at + 2]) << 8 | Int(packet[at + 3])
            guard length >= 4 else { break }
            at += (length + 3) & ~3
        }
        return types
    }

    /// RFC 8841 §9.3: both ends send an INIT, whatever their DTLS role; the crossing handshakes
    /// make one association (RFC 9260 §5.2.1).
    @Test func bothEndsSendAnInitAndTheCrossingHandshakesMakeOne() throws {
        let pair = try DataChannelPair()
        pair.run { pair.eventsA.contains(.connected) && pair.eventsB.contains(.connected) }
        #expect(pair.eventsA.contains(.connected) && pair.eventsB.contains(.connected))
        #expect(pair.sentByA.first.flatMap(Self.firstChunk) == 1 && pair.sentByB.first.flatMap(Self.firstChunk) == 1)
    }

    @Test func aChannelOpenedDuringTheHandshakeSendsItsOpenWithTheCookieEcho() throws {
        let pair = try DataChannelPair(openedEarly: ["chat"])
        // The DCEP OPEN's DATA chunk in the packet of a's COOKIE-ECHO, not a round trip later.
        #expect(pair.sentByA.contains { Self.chunkTypes($0).starts(with: [10, 0]) })
        #expect(pair.eventsB.contains(.channelOpened(0)) && pair.eventsA.contains(.channelOpened(0)))
        try pair.a.send(.text("first"), on: 0)
        pair.pump()
        #expect(pair.messages(pair.eventsB, on: 0) == [.text("first")])
    }

    @Test func channelsOpenInBandAndNegotiatedAndCarryEveryKindOfMessage() throws {
        let pair = try DataChannelPair()
        pair.run { pair.eventsA.contains(.connected) && pair.eventsB.contains(.connected) }
        #expect(pair.eventsA.contains(.connected))
        let chat = try pair.a.open(label: "chat")
        #expect(chat % 2 == 0) // the DTLS client uses even stream ids
        let fromB = try pair.b.open(label: "from-b")
        #expect(fromB % 2 == 1)
        var negotiated = DataChannelOptions()
        negotiated.negotiatedID = 7
        _ = try pair.a.open(label: "n", options: negotiated)
        _ = try pair.b.open(label: "n", options: negotiated)
        pair.run { pair.eventsA.contains(.channelOpened(chat)) && pair.eventsB.contains(.channelOpened(chat)) && pair.eventsA.contains(.channelOpened(fromB)) }
        #expect(pair.b.channel(chat)?.label == "chat" && pair.a.channel(fromB)?.label == "from-b")
        let sent: [DataChannelEndpoint.Message] = [.text("hello"), .text(""), .binary([]), .binary([0, 1, 2]), .text("ünïcødé"), .binary([UInt8](repeating: 7, count: 60_000))]
        for m in sent { try pair.a.send(m, on: chat) }
        try pair.a.send(.text("on negotiated"), on: 7)
        try pair.b.send(.text("back"), on: fromB)
        pair.run { pair.messages(pair.eventsB, on: chat).count == sent.count && pair.messages(pair.eventsA, on: fromB).count == 1 }
        #expect(pair.messages(pair.eventsB, on: chat) == sent, "got \(pair.messages(pair.eventsB, on: chat).map { m -> String in if case let .binary(b) = m { return "bin\(b.count)" }; return "\(m)" }), A events \(pair.eventsA.filter { if case .message = $0 { return false }; return true }), B channels \(pair.b.channels.keys.sorted())")
        #expect(pair.messages(pair.eventsB, on: 7) == [.text("on negotiated")])
        #expect(pair.oversized == 0, "\(pair.oversizedSizes)")
        #expect(pair.messages(pair.eventsA, on: fromB) == [.text("back")])
    }

    @Test func everyReliabilityModeUnderLoss() throws {
        let pair = try DataChannelPair()
        pair.run { pair.eventsA.contains(.connected) && pair.eventsB.contains(.connected) }
        var unorderedPartial = DataChannelOptions()
        unorderedPartial.ordered = false
        unorderedPartial.maxRetransmits = 0
        var timed = DataChannelOptions()
        timed.maxPacketLifeTime = 50
        let reliable = try pair.a.open(label: "reliable")
        let lossy = try pair.a.open(label: "lossy", options: unorderedPartial)
        let expiring = try pair.a.open(label: "expiring", options: timed)
        pair.run { [reliable, lossy, expiring].allSatisfy { pair.eventsA.contains(.channelOpened($0)) } }
        pair.lossRate = 0.2
        for i in 0..<200 {
            try pair.a.send(.text("r\(i)"), on: reliable)
            try pair.a.send(.text("l\(i)"), on: lossy)
            try pair.a.send(.text("e\(i)"), on: expiring)
            pair.pump()
        }
        pair.run(limit: 60_000) { pair.messages(pair.eventsB, on: reliable).count == 200 }
        // Reliable: everything, in order, despite 20 % loss.
        #expect(pair.messages(pair.eventsB, on: reliable) == (0..<200).map { .text("r\($0)") })
        // No retransmissions: some lost; what arrives is a subset (order not promised).
        let lossyGot = pair.messages(pair.eventsB, on: lossy)
        #expect(lossyGot.count < 200 && lossyGot.count > 100, "\(lossyGot.count) of 200 on the unreliable channel")
        #expect(Set(lossyGot.map { "\($0)" }).isSubset(of: Set((0..<200).map { "\(DataChannelEndpoint.Message.text("l\($0)"))" })))
        #expect(pair.messages(pair.eventsB, on: expiring).count <= 200)
    }

    @Test func closingResetsTheStreamsOnBothSides() throws {
        let pair = try DataChannelPair()
        pair.run { pair.eventsA.contains(.connected) && pair.eventsB.contains(.connected) }
        let id = try pair.a.open(label: "bye")
        pair.run { pair.eventsB.contains(.channelOpened(id)) }
        pair.a.close(id)
        pair.run { pair.eventsA.contains(.channelClosed(id)) && pair.eventsB.contains(.channelClosed(id)) }
        #expect(pair.eventsA.contains(.channelClosed(id)) && pair.eventsB.contains(.channelClosed(id)))
        #expect(throws: DataChannelEndpoint.SendError.noSuchChannel(id)) { try pair.a.send(.text("late"), on: id) }
    }

    @Test func maxMessageSizeIsEnforcedWithAClearError() throws {
        let pair = try DataChannelPair(maxMessageSize: 1_000)
        pair.run { pair.eventsA.contains(.connected) }
        let id = try pair.a.open(label: "small")
        #expect(throws: DataChannelEndpoint.SendError.tooLarge(size: 1_001, limit: 1_000)) { try pair.a.send(.binary([UInt8](repeating: 0, count: 1_001)), on: id) }
        #expect(DataChannelEndpoint.SendError.tooLarge(size: 1_001, limit: 1_000).description == "message of 1001 bytes is larger than the peer accepts (max-message-size 1000)")
    }
}

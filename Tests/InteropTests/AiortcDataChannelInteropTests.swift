import DTLS
import Foundation
import ICE
import SCTP
import Testing

/// Data channels against aiortc 1.16's RTCSctpTransport/RTCDataChannel, over our ICE + DTLS on
/// loopback UDP.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct AiortcDataChannelInteropTests {
    static let peerScript = InteropEnvironment.root + "/Tests/Interop/aiortc_sctp_peer.py"
    typealias Side = AiortcDtlsInteropTests.SecureSide

    /// What aiortc printed so far.
    final class Lines {
        var all: [[String: Any]] = []
        func contains(_ event: String, label: String? = nil, by: String? = nil) -> Bool {
            all.contains { $0["event"] as? String == event && (label == nil || $0["label"] as? String == label) && (by == nil || $0["by"] as? String == by) }
        }
    }

    /// Steps our side and reads aiortc's lines until `done` (bounded: a failure guard).
    func run(_ side: Side, _ peer: PeerProcess, lines: Lines, limit: Int64 = 15_000, until done: () -> Bool) {
        let start = side.ice.now
        while !done(), side.ice.now - start < limit {
            side.step(2)
            while let line = peer.readJSON(timeoutMilliseconds: 0) { lines.all.append(line) }
        }
    }

    func connected(_ side: Side, dtlsRole: DtlsEndpoint.Role, peer: PeerProcess) throws -> Lines {
        _ = try AiortcDtlsInteropTests().connect(side, dtlsRole: dtlsRole, peer: peer)
        let lines = Lines()
        run(side, peer, lines: lines) { side.channelEvents.contains(.connected) && lines.contains("sctp-connected") }
        #expect(side.channelEvents.contains(.connected), "our SCTP: \(side.failures); aiortc: \(peer.errorLog.suffix(1500))")
        return lines
    }

    @Test func weOpenAiortcEchoesEveryKindOfMessage() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [Self.peerScript, "--role", "controlling", "--echo"])
        let side = try Side(role: .controlled, dataChannels: true)
        let lines = try connected(side, dtlsRole: .client, peer: peer)
        let channels = try #require(side.channels)
        let chat = try channels.open(label: "chat")
        #expect(chat % 2 == 0)
        run(side, peer, lines: lines) { side.channelEvents.contains(.channelOpened(chat)) }
        let big = (0..<204_800).map { UInt8($0 % 251) } // 200 KiB
        var sent: [DataChannelEndpoint.Message] = [.text("hello"), .text(""), .binary([]), .binary([1, 2, 3]), .text("ünïcødé"), .binary(big)]
        sent += (0..<1000).map { .text("m\($0)") }
        for m in sent { try channels.send(m, on: chat) }
        func echoed() -> [DataChannelEndpoint.Message] { side.channelEvents.compactMap { if case let .message(id, m) = $0, id == chat { return m }; return nil } }
        run(side, peer, lines: lines, limit: 30_000) { echoed().count >= sent.count }
        #expect(echoed().count == sent.count, "aiortc said \(lines.all.suffix(5)); log \(peer.errorLog.suffix(1500))")
        #expect(echoed() == sent, "first difference at \(zip(echoed(), sent).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
        #expect(lines.contains("channel-open", label: "chat", by: "remote"))
        // Closing resets the stream; aiortc sees the channel close.
        channels.close(chat)
        run(side, peer, lines: lines) { lines.contains("channel-closed") && side.channelEvents.contains(.channelClosed(chat)) }
        #expect(lines.contains("channel-closed", label: "chat"))
        #expect(side.channelEvents.contains(.channelClosed(chat)))
    }

    @Test func aiortcOpensChannelsInBandAndNegotiated() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [Self.peerScript, "--role", "controlled", "--open", "theirs"])
        let side = try Side(role: .controlling, dataChannels: true)
        let lines = try connected(side, dtlsRole: .server, peer: peer)
        let channels = try #require(side.channels)
        func opened() -> [UInt16] { side.channelEvents.compactMap { if case let .channelOpened(id) = $0 { return id }; return nil } }
        run(side, peer, lines: lines) { !opened().isEmpty }
        let theirs = try #require(opened().first)
        #expect(theirs % 2 == 0 && channels.channel(theirs)?.label == "theirs") // aiortc is DTLS client here: even ids
        try peer.send(["cmd": "send_many", "label": "theirs", "count": 1000, "prefix": "t"])
        try peer.send(["cmd": "send", "label": "theirs", "binary_len": 204_800])
        // A negotiated channel on id 9, declared on both sides.
        var negotiated = DataChannelOptions()
        negotiated.negotiatedID = 9
        _ = try channels.open(label: "agreed", options: negotiated)
        try peer.send(["cmd": "open", "label": "agreed", "negotiated": true, "id": 9])
        try peer.send(["cmd": "send", "label": "agreed", "text": "on nine"])
        func messages(_ id: UInt16) -> [DataChannelEndpoint.Message] { side.channelEvents.compactMap { if case let .message(i, m) = $0, i == id { return m }; return nil } }
        run(side, peer, lines: lines, limit: 30_000) { messages(theirs).count >= 1001 && !messages(9).isEmpty }
        // In order among themselves; the peer's binary send may overtake its own text loop (its
        // commands run concurrently), so the binary is checked apart.
        let texts = messages(theirs).filter { if case .text = $0 { return true }; return false }
        #expect(texts == (0..<1000).map { .text("t\($0)") })
        #expect(messages(theirs).filter { if case .binary = $0 { return true }; return false } == [.binary((0..<204_800).map { UInt8($0 % 251) })])
        #expect(messages(9) == [.text("on nine")])
    }
}


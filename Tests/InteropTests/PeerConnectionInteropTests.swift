import Codecs
import Foundation
import MediaCore
import EventLoop
import PeerConnection
import VideoPipeline
import SCTP
import STUN
import Testing

/// Whole peer connections: SDP offer/answer, then ICE, DTLS and a data channel, over UDP on loopback.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and a loopback-only namespace (scripts/test provides both)"), .serialized)
struct PeerConnectionInteropTests {
    static let loopback = [TransportAddress.IP("127.0.0.1")!]

    @Test func termcallToTermcallChat() throws {
        let a = try NetworkedPeer(addresses: Self.loopback), b = try NetworkedPeer(addresses: Self.loopback)
        let start = a.now
        try b.connection.setRemoteDescription(a.connection.createOffer())
        try a.connection.setRemoteDescription(try b.connection.createAnswer())
        a.connection.createDataChannel(label: "chat")
        var aEvents: [PeerConnection.Event] = [], bEvents: [PeerConnection.Event] = []
        var openedAt: Int64?, chat: UInt16?
        while a.now - start < 10_000 {
            aEvents += a.step(maximumWait: 1)
            bEvents += b.step(maximumWait: 1)
            if openedAt == nil, let id = aEvents.lazy.compactMap({ e -> UInt16? in if case let .dataChannelOpen(id, _) = e { return id }; return nil }).first {
                openedAt = a.now - start
                chat = id
                try a.connection.send(.text("hello from a"), on: id)
            }
            if let chat, bEvents.contains(.message(id: chat, .text("hello from a"))) { break }
        }
        #expect(aEvents.contains(.secured(.aeadAes128Gcm)))
        // The answerer took DTLS client (active), so the offerer's channel has an odd id.
        #expect(chat.map { $0 % 2 == 1 } == true)
        #expect(chat.map { bEvents.contains(.dataChannelOpen(id: $0, label: "chat")) && bEvents.contains(.message(id: $0, .text("hello from a"))) } == true,
                "a: \(aEvents) b: \(bEvents)")
    }

    @Test(arguments: [true, false])
    func chatWithAiortc(weOffer: Bool) throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_pc_peer.py", weOffer ? "--answer" : "--offer"])
        let pc = try NetworkedPeer(addresses: Self.loopback)
        if weOffer {
            try peer.send(["sdp": pc.connection.createOffer()])
            let answer = try #require(peer.readJSON()?["sdp"] as? String, "aiortc: \(peer.errorLog.suffix(1000))")
            try pc.connection.setRemoteDescription(answer)
            pc.connection.createDataChannel(label: "chat")
        } else {
            let offer = try #require(peer.readJSON()?["sdp"] as? String, "aiortc: \(peer.errorLog.suffix(1000))")
            try pc.connection.setRemoteDescription(offer)
            try peer.send(["sdp": try pc.connection.createAnswer()])
        }
        var events: [PeerConnection.Event] = [], lines: [[String: Any]] = []
        var chat: UInt16?
        let start = pc.now
        while pc.now - start < 15_000 {
            events += pc.step(maximumWait: 2)
            while let line = peer.readJSON(timeoutMilliseconds: 0) { lines.append(line) }
            if chat == nil, let id = events.lazy.compactMap({ e -> UInt16? in if case let .dataChannelOpen(id, "chat") = e { return id }; return nil }).first {
                chat = id
                try pc.connection.send(.text("hello aiortc"), on: id)
            }
            if let chat, events.contains(.message(id: chat, .text("hello aiortc"))) { break }
        }
        #expect(chat != nil, "events \(events); aiortc \(lines) \(peer.errorLog.suffix(1500))")
        #expect(lines.contains { $0["event"] as? String == "message" && $0["text"] as? String == "hello aiortc" })
        #expect(chat.map { events.contains(.message(id: $0, .text("hello aiortc"))) } == true, "the echo came back")
        // Hang up: close_notify reaches aiortc, whose connection ends.
        pc.connection.close()
        let closing = pc.now
        while pc.now - closing < 3_000, !lines.contains(where: { ["closed", "failed"].contains($0["state"] as? String ?? "") }) {
            _ = pc.step(maximumWait: 5)
            while let line = peer.readJSON(timeoutMilliseconds: 0) { lines.append(line) }
        }
        #expect(lines.contains { $0["event"] as? String == "state" && $0["state"] as? String == "closed" },
                "aiortc did not see the hang-up: \(lines.suffix(4))")
        try peer.send(["cmd": "close"])
    }

    @Test func audioBothWaysWithAiortc() throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_pc_peer.py", "--answer", "--audio"])
        let pc = try NetworkedPeer(addresses: Self.loopback)
        try peer.send(["sdp": pc.connection.createOffer()])
        let answer = try #require(peer.readJSON()?["sdp"] as? String, "aiortc: \(peer.errorLog.suffix(1000))")
        try pc.connection.setRemoteDescription(answer)
        let encoder = try OpusEncoder(), decoder = try OpusDecoder()
        var phase = 0.0, sent = 0, decoded = 0
        var secured = false
        var nextFrameAt: Int64 = 0
        let start = pc.now
        // 1.5 s of a 440 Hz tone after DTLS is up, paced at 20 ms like a microphone.
        while pc.now - start < 15_000, sent < 75 {
            for event in pc.step(maximumWait: 2) {
                if case .secured = event { secured = true; nextFrameAt = pc.now }
                if case let .audio(_, _, payload) = event, (try? decoder.decode(payload))?.count == 960 { decoded += 1 }
            }
            if secured, pc.now >= nextFrameAt {
                let pcm = (0..<960).map { _ -> Int16 in phase += 2 * Double.pi * 440 / 48_000; return Int16(8000 * sin(phase)) }
                if pc.connection.sendAudio(try encoder.encode(pcm)) { sent += 1 }
                nextFrameAt += 20
            }
        }
        // Let the last packets arrive, then ask aiortc what it decoded.
        let end = pc.now
        while pc.now - end < 300 {
            for event in pc.step(maximumWait: 5) { if case let .audio(_, _, payload) = event, (try? decoder.decode(payload))?.count == 960 { decoded += 1 } }
        }
        try peer.send(["cmd": "stats"])
        var stats: [String: Any]?
        while stats == nil, let line = peer.readJSON(timeoutMilliseconds: 2_000) { if line["event"] as? String == "stats" { stats = line } }
        #expect(sent == 75)
        #expect((stats?["audio_frames_received"] as? Int ?? 0) >= 60, "aiortc decoded \(String(describing: stats)) of our 75 frames")
        #expect(decoded >= 60, "we decoded \(decoded) of aiortc's Opus frames (stats \(pc.connection.statistics()))")
        try peer.send(["cmd": "close"])
    }

    @Test(arguments: [true, false])
    func videoBothWaysWithAiortc(weOffer: Bool) throws {
        let peer = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/aiortc_pc_peer.py", weOffer ? "--answer" : "--offer", "--video"])
        let pc = try NetworkedPeer(addresses: Self.loopback)
        if weOffer {
            try peer.send(["sdp": pc.connection.createOffer()])
            let answer = try #require(peer.readJSON()?["sdp"] as? String, "aiortc: \(peer.errorLog.suffix(1000))")
            try pc.connection.setRemoteDescription(answer)
        } else {
            let offer = try #require(peer.readJSON()?["sdp"] as? String, "aiortc: \(peer.errorLog.suffix(1000))")
            try pc.connection.setRemoteDescription(offer)
            try peer.send(["sdp": try pc.connection.createAnswer()])
        }
        let video = try VideoPipeline()
        var secured = false, sent = 0, received: [VideoFrame] = []
        var nextFrameAt: Int64 = 0
        let start = pc.now
        // 2 s of a moving gradient at 30 fps, 320x240.
        while pc.now - start < 15_000, sent < 60 {
            for event in pc.step(maximumWait: 2) {
                if case .secured = event { secured = true; nextFrameAt = pc.now }
                if case let .videoFrame(frame) = event { received += video.receive(frame, from: pc.connection) }
                if case .keyframeRequested = event { video.keyframeRequested() }
            }
            if secured, pc.now >= nextFrameAt {
                var frame = VideoFrame(width: 320, height: 240)
                for i in frame.y.indices { frame.y[i] = UInt8(truncatingIfNeeded: i % 320 + sent * 3) }
                if video.send(frame, timestamp: UInt32(sent * 3000), on: pc.connection) { sent += 1 }
                nextFrameAt += 33
            }
        }
        let end = pc.now
        while pc.now - end < 500 { for event in pc.step(maximumWait: 5) { if case let .videoFrame(frame) = event { received += video.receive(frame, from: pc.connection) } } }
        try peer.send(["cmd": "stats"])
        var stats: [String: Any]?
        while stats == nil, let line = peer.readJSON(timeoutMilliseconds: 2_000) { if line["event"] as? String == "stats" { stats = line } }
        let theirs = stats?["video_frames_received"] as? Int ?? 0
        #expect(sent == 60)
        #expect(theirs >= 40, "aiortc decoded \(theirs) of our 60 frames (\(String(describing: stats)))")
        // ≥ 10 fps from aiortc's 30 fps source over the ~2.5 s we listened.
        #expect(received.count >= 25, "we decoded \(received.count) frames; \(pc.connection.statistics())")
        #expect(received.first.map { $0.width == 640 && $0.height == 480 } == true)
        try peer.send(["cmd": "close"])
    }
}

@testable import Call
import MediaCore
import MediaDevices
import PeerConnection
import STUN
import Testing
import UDPTransport

/// Hostile input during a real call (two `Call`s over UDP on 127.0.0.1): a flood of garbage at
/// the call's port, an oversized chat line, a data-channel message over max-message-size, an
/// offer in codecs we do not speak, an offer nobody answers. Each is dropped or refused with one
/// clear line, and the call goes on. Loop bounds are on the transport's clock and only guard
/// against a hang.
@Suite(.serialized) struct HostileInputTests {
    func configuration(camera: Bool) -> CallConfiguration {
        var c = CallConfiguration()
        c.camera = camera ? .testPattern(width: 160, height: 120, fps: 30) : nil
        c.microphone = .tone(frequency: 440)
        c.addresses = [TransportAddress.IP("127.0.0.1")!]
        return c
    }

    /// a sends video and a tone; b sends a tone. Returns once both chats are open and b has pictures.
    func connectedPair(editAnswer: (String) -> String = { $0 }) throws -> (a: Call, b: Call, aEvents: Events, bEvents: Events) {
        let a = try Call(configuration: configuration(camera: true)), b = try Call(configuration: configuration(camera: false))
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(editAnswer(try b.peer.createAnswer()))
        let aEvents = Events(), bEvents = Events()
        _ = run(a, b, aEvents, bEvents) { aEvents.all.contains(.chatOpen) && bEvents.all.contains(.chatOpen) && b.remoteFramesDecoded >= 5 }
        return (a, b, aEvents, bEvents)
    }

    final class Events { var all: [Call.Event] = [] }

    @discardableResult
    func run(_ a: Call, _ b: Call, _ aEvents: Events, _ bEvents: Events, within milliseconds: Int64 = 10_000, between: () -> Void = {}, until done: () -> Bool) -> Bool {
        let start = a.now
        while a.now - start < milliseconds {
            between()
            aEvents.all += a.step(maximumWait: 1)
            bEvents.all += b.step(maximumWait: 1)
            if done() { return true }
        }
        return false
    }

    /// 20 000 datagrams of four kinds (random bytes; STUN, DTLS and RTP headers over junk) from a
    /// stranger's socket at a's port, while the call runs. Every one is dropped and counted, and
    /// pictures and sound keep coming both ways.
    @Test func aGarbageFloodDoesNotDisturbTheCall() throws {
        let (a, b, aEvents, bEvents) = try connectedPair()
        let stranger = try UDPSocket(bindTo: TransportAddress(ip: TransportAddress.IP("127.0.0.1")!, port: 0))
        let targets = a.loop.sockets(of: a.peer)!.sockets.map(\.local)
        var random = SplitMix64(seed: 7)
        func junk(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) } }
        let framesBefore = b.remoteFramesDecoded, audioBefore = a.audioPacketsReceived
        let rejectedBefore = a.peer.statistics().transport
        var sent = 0
        let bursts = 100
        run(a, b, aEvents, bEvents, within: 30_000, between: {
            guard sent < bursts * 200 else { return }
            for i in 0..<200 {
                var datagram = junk(Int.random(in: 1...600, using: &random))
                switch i % 4 {
                case 1: datagram = [0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42] + junk(20) // STUN binding request header
                case 2: datagram[0] = 22 // a DTLS handshake record
                case 3: datagram[0] = 0x80; if datagram.count > 1 { datagram[1] = 96 } // RTP, VP8's payload type
                default: break
                }
                for target in targets { stranger.send(datagram, to: target) }
                sent += 1
            }
        }) { sent >= bursts * 200 && b.remoteFramesDecoded >= framesBefore + 60 && a.audioPacketsReceived >= audioBefore + 100 }
        let after = a.peer.statistics().transport
        let dropped = (after.datagramsDiscarded - rejectedBefore.datagramsDiscarded) + (after.stunRejected - rejectedBefore.stunRejected)
        #expect(sent == bursts * 200)
        #expect(b.remoteFramesDecoded >= framesBefore + 60 && a.audioPacketsReceived >= audioBefore + 100,
                "frames \(b.remoteFramesDecoded - framesBefore), audio \(a.audioPacketsReceived - audioBefore)")
        // Every datagram the kernel delivered was dropped and counted (a few may die in socket buffers).
        #expect(dropped >= sent * targets.count * 9 / 10 && dropped <= sent * targets.count, "dropped \(dropped) of \(sent * targets.count)")
        #expect(!aEvents.all.contains { if case .ended = $0 { return true }; return false } && !a.hasEnded && !b.hasEnded)
        #expect(a.legs[0].verificationCode != nil && a.legs[0].verificationCode == b.legs[0].verificationCode)
        #expect(after.srtpFailures == 0, "garbage reached SRTP")
        a.hangUp()
        b.hangUp()
    }

    @Test func anOversizedChatLineIsRefusedWithAReasonAndKept() throws {
        let (a, b, aEvents, bEvents) = try connectedPair()
        let huge = String(repeating: "é", count: Call.maximumChatBytes) // 2 bytes each
        #expect(a.chatRefusal(huge)?.contains("at most \(Call.maximumChatBytes)") == true)
        #expect(!a.sendChat(huge))
        #expect(a.chatRefusal("fine") == nil && a.sendChat("fine"))
        #expect(run(a, b, aEvents, bEvents) { bEvents.all.contains(.chat("fine")) })
        #expect(!bEvents.all.contains { if case let .chat(text) = $0 { return text.count > 100 }; return false })
        a.hangUp()
        b.hangUp()
    }

    /// b advertises max-message-size 262144; a is told 1 MiB (as a broken peer would believe) and
    /// sends 300 000 bytes. b drops that message whole, says so once, and the next one arrives.
    @Test func aMessageOverMaxMessageSizeIsDroppedWholeAndTheChannelGoesOn() throws {
        let (a, b, aEvents, bEvents) = try connectedPair { $0.replacingOccurrences(of: "a=max-message-size:262144", with: "a=max-message-size:1048576") }
        #expect(a.chatRefusal("x") == nil)
        let chat = try #require(a.legs[0].chatChannel)
        try a.peer.send(.binary([UInt8](repeating: 7, count: 300_000)), on: chat)
        #expect(run(a, b, aEvents, bEvents) { bEvents.all.contains { if case let .problem(text) = $0 { return text.contains("larger than 262144") }; return false } })
        #expect(a.sendChat("after the big one"))
        #expect(run(a, b, aEvents, bEvents) { bEvents.all.contains(.chat("after the big one")) })
        // Nothing of the big message surfaced as a message (no tail delivered on its own).
        #expect(b.chatReceived == 1)
        #expect(b.peer.channels?.association.oversizedDropped == 1)
        a.hangUp()
        b.hangUp()
    }

    /// Video offered as H264 only: b answers with the video section refused (port 0), says why in
    /// one line, and the call goes on with sound and chat.
    @Test func anOfferInCodecsWeDoNotSpeakIsRefusedWithAReason() throws {
        let a = try Call(configuration: configuration(camera: true)), b = try Call(configuration: configuration(camera: false))
        let offer = try a.peer.createOffer()
        #expect(offer.contains("VP8/90000"))
        try b.peer.setRemoteDescription(offer.replacingOccurrences(of: "VP8/90000", with: "H264/90000"))
        let answer = try b.peer.createAnswer()
        #expect(answer.contains("m=video 0 "))
        try a.peer.setRemoteDescription(answer)
        let aEvents = Events(), bEvents = Events()
        #expect(run(a, b, aEvents, bEvents) { bEvents.all.contains(.chatOpen) && a.audioPacketsReceived >= 20 })
        let lines = bEvents.all.compactMap { if case let .problem(text) = $0 { return text }; return nil }
        #expect(lines.contains { $0.contains("offered video as H264") && $0.contains("VP8") }, "\(lines)")
        #expect(b.remoteFramesDecoded == 0 && !b.hasEnded)
        a.hangUp()
        b.hangUp()
    }

    @Test func anOfferNobodyAnswersIsSaidOnce() throws {
        let a = try Call(configuration: configuration(camera: false))
        a.peer.answerTimeout = 300
        _ = try a.peer.createOffer()
        var events: [Call.Event] = []
        let start = a.now
        while a.now - start < 1_000 { events += a.step(maximumWait: 5) }
        let said = events.filter { if case let .problem(text) = $0 { return text.contains("no answer from the far end") }; return false }
        #expect(said.count == 1)
        #expect(!a.hasEnded)
        a.hangUp()
    }
}

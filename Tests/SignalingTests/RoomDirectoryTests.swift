import Signaling
import Testing

/// The room rules on a virtual clock: joining, relaying, leaving, and every kind of bad input
/// answered to its sender only.
@Suite struct RoomDirectoryTests {
    func messages(_ outputs: [RoomDirectory.Output], to connection: Int) -> [SignalingMessage] {
        outputs.compactMap { if case let .send(c, m) = $0, c == connection { return m }; return nil }
    }

    func joined(_ directory: inout RoomDirectory, _ connection: Int, room: String = "room-1", name: String) -> [RoomDirectory.Output] {
        directory.connected(connection)
        return directory.received(SignalingMessage.join(room: room, name: name).encoded, from: connection, now: 0)
    }

    @Test func joiningTellsEveryoneWhoIsThere() throws {
        var d = RoomDirectory(seed: 1)
        let first = joined(&d, 1, name: "alice")
        let welcome = try #require(messages(first, to: 1).first)
        #expect(welcome.type == .peers && welcome.peers == [] && welcome.id != nil)
        let turn = SignalingMessage.IceServer(urls: ["turn:127.0.0.1:3478"], username: "u", credential: "c")
        d.connected(2)
        let second = d.received(SignalingMessage.join(room: "room-1", name: "bob").encoded, from: 2, now: 0) { _ in [turn] }
        let bobView = try #require(messages(second, to: 2).first), aliceView = try #require(messages(second, to: 1).first)
        #expect(bobView.peers?.map(\.name) == ["alice"] && bobView.iceServers == [turn])
        #expect(aliceView.peers?.map(\.name) == ["bob"] && aliceView.iceServers == nil)
        #expect(d.roomCount == 1 && d.members(of: "room-1").count == 2)
    }

    @Test func descriptionsAndCandidatesGoToThePeerNamed() throws {
        var d = RoomDirectory(seed: 2)
        _ = joined(&d, 1, name: "a")
        _ = joined(&d, 2, name: "b")
        _ = joined(&d, 3, name: "c")
        let ids = d.members(of: "room-1").map(\.id)
        let out = d.received(SignalingMessage.description(.offer, to: ids[2], sdp: "v=0").encoded, from: 1, now: 0)
        #expect(out.count == 1)
        let relayed = try #require(messages(out, to: 3).first)
        #expect(relayed.type == .offer && relayed.from == ids[0] && relayed.to == nil && relayed.sdp == "v=0")
        // Without `to` in a room of three, the sender must say whom.
        let vague = d.received(SignalingMessage.candidate(to: nil, "candidate:1 1 udp 1 127.0.0.1 9 typ host", mid: "0").encoded, from: 1, now: 0)
        #expect(messages(vague, to: 1).first?.code == "unknown-peer")
        let stranger = d.received(SignalingMessage.description(.answer, to: "nobody", sdp: "v=0").encoded, from: 2, now: 0)
        #expect(messages(stranger, to: 2).first?.code == "unknown-peer")
    }

    @Test func byeEndsButADroppedConnectionMayResume() throws {
        var d = RoomDirectory(seed: 3)
        _ = joined(&d, 1, name: "a")
        _ = joined(&d, 2, name: "b")
        let aliceID = d.members(of: "room-1")[0].id
        // Alice's WebSocket drops: Bob sees her gone from the list, but no bye (their media may still flow).
        let dropped = messages(d.disconnected(1), to: 2)
        #expect(dropped.map(\.type) == [.peers] && dropped[0].peers == [])
        // She comes back on a new connection and resumes her id.
        d.connected(3)
        var rejoin = SignalingMessage.join(room: "room-1", name: "a")
        rejoin.id = aliceID
        let back = d.received(rejoin.encoded, from: 3, now: 0)
        #expect(messages(back, to: 2).first?.peers?.map(\.id) == [aliceID] && messages(back, to: 3).first?.id == aliceID)
        // An explicit bye is a hang-up.
        let bye = messages(d.received(SignalingMessage(.bye).encoded, from: 3, now: 0), to: 2)
        #expect(bye.map(\.type) == [.bye, .peers] && bye[0].from == aliceID)
        _ = d.received(SignalingMessage(.bye).encoded, from: 2, now: 0)
        #expect(d.roomCount == 0 && d.connectionCount == 2)
    }

    @Test func fullRoomsAndRepeatedJoins() throws {
        var limits = RoomDirectory.Limits()
        limits.roomSize = 2
        var d = RoomDirectory(limits: limits, seed: 4)
        _ = joined(&d, 1, name: "a")
        _ = joined(&d, 2, name: "b")
        #expect(messages(joined(&d, 3, name: "c"), to: 3).first?.code == "room-full")
        #expect(d.received(SignalingMessage.join(room: "room-1", name: "a").encoded, from: 1, now: 0).isEmpty)
        #expect(messages(d.received(SignalingMessage.join(room: "other", name: "a").encoded, from: 1, now: 0), to: 1).first?.code == "already-joined")
    }

    @Test func badInputIsAnsweredToItsSenderOnly() throws {
        var d = RoomDirectory(seed: 5)
        _ = joined(&d, 1, name: "a")
        _ = joined(&d, 2, name: "b")
        let cases: [(String, String)] = [
            ("not json", "bad-message"),
            (#"{"v":2,"type":"join","room":"x"}"#, "bad-message"),
            (#"{"v":1,"type":"offer"}"#, "bad-message"),
            (#"{"v":1,"type":"join","room":"../etc"}"#, "bad-message"),
            (#"{"v":1,"type":"peers"}"#, "bad-message"),
            (#"{"v":1,"type":"offer","sdp":"\#(String(repeating: "x", count: 40_000))"}"#, "bad-message"),
            (String(repeating: " ", count: 70_000), "too-large"),
        ]
        for (text, code) in cases {
            let out = d.received(text, from: 1, now: 0)
            #expect(out.count == 1 && messages(out, to: 1).first?.code == code, "\(text.prefix(40))")
        }
        #expect(d.rejected == cases.count)
        // The room is undisturbed: b still reaches a.
        let out = d.received(SignalingMessage.description(.offer, to: nil, sdp: "v=0").encoded, from: 2, now: 0)
        #expect(messages(out, to: 1).first?.type == .offer)
        // Not joined: nothing is relayed.
        d.connected(9)
        #expect(messages(d.received(SignalingMessage.description(.offer, to: nil, sdp: "v=0").encoded, from: 9, now: 0), to: 9).first?.code == "not-joined")
    }

    @Test func floodsAreCutWithOneErrorASecond() {
        var limits = RoomDirectory.Limits()
        limits.burst = 10
        limits.perSecond = 5
        var d = RoomDirectory(limits: limits, seed: 6)
        _ = joined(&d, 1, name: "a") // uses one token
        _ = joined(&d, 2, name: "b")
        var relayed = 0, errors = 0
        for i in 0..<100 {
            for output in d.received(SignalingMessage.candidate(to: nil, "candidate:\(i)", mid: "0").encoded, from: 1, now: 0) {
                if case let .send(c, m) = output { if c == 2 { relayed += 1 } else if m.code == "rate-limited" { errors += 1 } }
            }
        }
        #expect(relayed == 9 && errors == 1)
        // A second later, five more tokens.
        var later = 0
        for _ in 0..<10 { later += d.received(SignalingMessage.candidate(to: nil, "candidate:x", mid: "0").encoded, from: 1, now: 1_000).filter { if case .send(2, _) = $0 { return true }; return false }.count }
        #expect(later == 5)
    }

    @Test func namesAreCleanedAndRoomNamesUnguessable() throws {
        var d = RoomDirectory(seed: 7)
        _ = joined(&d, 1, name: "al\u{1B}[2Jice\u{7}")
        #expect(d.members(of: "room-1").first?.name == "al[2Jice")
        let names = Set((0..<1_000).map { _ in RoomName.random() })
        #expect(names.count == 1_000)
        for name in names.prefix(20) { #expect(SignalingMessage.isValidRoomName(name) && name.count == 19) }
    }

    @Test func arbitraryFramesNeverTrap() {
        var d = RoomDirectory(seed: 8)
        _ = joined(&d, 1, name: "a")
        var seed: UInt64 = 42
        let pieces = [#"{"v":1"#, #","type":"#, #""offer""#, #""join""#, #","sdp":"#, #""x""#, "}", "[", "null", #","to":1"#, "\u{0}", "é", #","room":"r""#]
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(seed % 7) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int(seed >> 60) % pieces.count]
            }
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            _ = d.received(text, from: 1, now: Int64(seed % 10_000))
        }
        #expect(d.connectionCount == 1)
    }
}

/// Server-less calls: descriptions as one pasteable line.
@Suite struct PastedDescriptionTests {
    static let offer = (1...40).map { "a=candidate:\($0) 1 udp 2122260223 192.168.1.\($0) 5\($0)000 typ host generation 0 network-id 1" }
        .joined(separator: "\r\n") + "\r\n"

    @Test func roundTripsAndIsShorter() throws {
        let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + Self.offer
        let line = PastedDescription.encode(sdp, as: .offer)
        #expect(line.hasPrefix("termcall1:o:") && !line.contains("\n") && !line.contains("+") && !line.contains("/"))
        #expect(line.utf8.count < sdp.utf8.count / 2)
        let back = try PastedDescription.decode("  " + line + "\n")
        #expect(back.kind == .offer && back.sdp == sdp)
    }

    @Test func damagedLinesSayWhatToDo() {
        let line = PastedDescription.encode("v=0\r\n", as: .answer)
        #expect(throws: PastedDescription.Failure.notADescription) { try PastedDescription.decode("hello") }
        #expect(throws: PastedDescription.Failure.notADescription) { try PastedDescription.decode("termcall1:x:abc") }
        #expect(throws: PastedDescription.Failure.damaged) { try PastedDescription.decode(String(line.dropLast(3))) }
        #expect(throws: PastedDescription.Failure.damaged) { try PastedDescription.decode("termcall1:a:!!!!") }
        // A bomb: 1 MB of zeros compresses to a kilobyte but must not inflate past 64 KiB.
        let bomb = PastedDescription.encode(String(repeating: "0", count: 1_000_000), as: .offer)
        #expect(throws: PastedDescription.Failure.damaged) { try PastedDescription.decode(bomb) }
        // Arbitrary text never traps.
        var seed: UInt64 = 9
        for _ in 0..<2_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let tail = String((0..<Int(seed % 40)).map { i in Character(Unicode.Scalar(UInt8(truncatingIfNeeded: (seed >> UInt64(i % 56)) % 94 + 33))) })
            _ = try? PastedDescription.decode("termcall1:o:" + tail)
        }
    }
}

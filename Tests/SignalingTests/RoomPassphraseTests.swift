import Signaling
import Testing

/// Room passphrases on a virtual clock: the opener sets one, everyone after needs it, guesses are
/// limited per room (even the right passphrase waits once they are spent), and an emptied room
/// forgets it.
@Suite struct RoomPassphraseTests {
    func join(_ d: inout RoomDirectory, _ connection: Int, passphrase: String?, now: Int64 = 0) -> SignalingMessage? {
        d.connected(connection)
        var m = SignalingMessage.join(room: "quiet-room", name: "p\(connection)")
        m.passphrase = passphrase
        return d.received(m.encoded, from: connection, now: now).compactMap { output -> SignalingMessage? in
            if case let .send(c, message) = output, c == connection { return message }
            return nil
        }.first
    }

    @Test func theOpenerSetsItAndOthersNeedIt() {
        var d = RoomDirectory(seed: 1, passphraseKey: Array(repeating: 7, count: 32))
        #expect(join(&d, 1, passphrase: "correct horse")?.type == .peers)
        #expect(join(&d, 2, passphrase: nil)?.code == "wrong-passphrase")
        #expect(join(&d, 3, passphrase: "correct hors")?.code == "wrong-passphrase")
        let admitted = join(&d, 4, passphrase: "correct horse")
        #expect(admitted?.type == .peers && admitted?.peers?.count == 1)
        #expect(d.members(of: "quiet-room").count == 2)
    }

    @Test func anOpenRoomRefusesAPassphraseAndABlankOneIsNone() {
        var d = RoomDirectory(seed: 2)
        #expect(join(&d, 1, passphrase: "")?.type == .peers)
        #expect(join(&d, 2, passphrase: nil)?.type == .peers)
        #expect(join(&d, 3, passphrase: "secret")?.code == "wrong-passphrase")
    }

    @Test func guessesAreLimitedPerRoomAndRefillSlowly() {
        var d = RoomDirectory(seed: 3)
        #expect(join(&d, 1, passphrase: "s3cret")?.type == .peers)
        // Five wrong guesses from five connections (a per-connection limit would not stop this).
        for c in 2...6 { #expect(join(&d, c, passphrase: "guess\(c)", now: 1_000)?.message?.contains("needs its passphrase") == true) }
        // Spent: now even the right one waits.
        #expect(join(&d, 7, passphrase: "s3cret", now: 2_000)?.message?.contains("too many") == true)
        // A minute later one more attempt is allowed, and the right passphrase gets in.
        #expect(join(&d, 8, passphrase: "s3cret", now: 62_000)?.type == .peers)
    }

    @Test func anEmptiedRoomForgetsItsPassphrase() {
        var d = RoomDirectory(seed: 4)
        #expect(join(&d, 1, passphrase: "old")?.type == .peers)
        _ = d.disconnected(1)
        #expect(d.roomCount == 0)
        #expect(join(&d, 2, passphrase: "new")?.type == .peers)
        #expect(join(&d, 3, passphrase: "old")?.code == "wrong-passphrase")
    }

    @Test func anOversizedPassphraseIsABadMessage() {
        var d = RoomDirectory(seed: 5)
        #expect(join(&d, 1, passphrase: String(repeating: "x", count: 300))?.code == "bad-message")
    }
}

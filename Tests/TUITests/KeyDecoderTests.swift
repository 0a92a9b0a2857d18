import Testing
import TUI

@Suite struct KeyDecoderTests {
    @Test func decodesPlainKeysAndCtrlC() {
        var d = KeyDecoder()
        #expect(d.feed(Array("qm".utf8) + [0x03]) == [.character("q"), .character("m"), .interrupt])
    }

    @Test func arrowSequencesSplitAcrossReadsAreJoined() {
        var d = KeyDecoder()
        #expect(d.feed([0x1B, 0x5B]) == [])
        #expect(d.feed([0x41, 0x1B, 0x5B, 0x44]) == [.up, .left])
    }

    @Test func aLoneEscapeIsEscape() {
        var d = KeyDecoder()
        #expect(d.feed([0x1B]) == [.escape])
    }

    @Test func utf8CharactersArriveWhole() {
        var d = KeyDecoder()
        #expect(d.feed([0xC3]) == [])
        #expect(d.feed([0xA9]) == [.character("é")])
    }

    /// Property: arbitrary input never traps and never grows the pending buffer without bound.
    @Test func garbageNeverTraps() {
        var d = KeyDecoder()
        var state: UInt64 = 42
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let bytes = (0..<Int(state >> 60)).map { UInt8(truncatingIfNeeded: state >> UInt64($0 * 8)) }
            _ = d.feed(bytes)
        }
        #expect(d.feed([UInt8](repeating: 0x71, count: 70)).filter { $0 == .character("q") }.count >= 60)
    }
}

@Suite struct KeyDecoderRecoveryTests {
    @Test func anInvalidLeadByteDoesNotSwallowTheNextKey() {
        var d = KeyDecoder()
        #expect(d.feed([0xC3, 0x71]) == [.other, .character("q")])
    }

    /// The chat line's editing keys: Enter (CR or LF), Tab, Backspace (DEL or ^H).
    @Test func editingKeys() {
        var d = KeyDecoder()
        #expect(d.feed([0x0D, 0x0A, 0x09, 0x7F, 0x08, 0x01]) == [.enter, .enter, .tab, .backspace, .backspace, .other])
    }
}

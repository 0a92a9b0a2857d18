import Testing
import Render
import TUI

@Suite struct LineEditorTests {
    func typed(_ text: String, into editor: inout LineEditor) {
        for c in text { editor.handle(.character(c)) }
    }

    @Test func insertsAtTheCursorAndMovesByCharacters() {
        var e = LineEditor()
        typed("helo", into: &e)
        e.handle(.left)
        e.handle(.character("l"))
        #expect(e.text == "hello" && e.cursor == 4)
        e.handle(.home)
        e.handle(.character(">"))
        e.handle(.end)
        e.handle(.character("!"))
        #expect(e.text == ">hello!" && e.cursor == 7)
        e.handle(.control("a"))
        #expect(e.cursor == 0)
        e.handle(.control("e"))
        #expect(e.cursor == 7)
    }

    @Test func backspaceDeleteAndTheirEdges() {
        var e = LineEditor(text: "abc")
        e.handle(.backspace)
        #expect(e.text == "ab")
        e.handle(.delete) // at the end: nothing
        #expect(e.text == "ab")
        e.handle(.home)
        e.handle(.backspace) // at the start: nothing
        e.handle(.delete)
        #expect(e.text == "b" && e.cursor == 0)
    }

    @Test func ctrlWDeletesTheWordBeforeTheCursorAndItsSpaces() {
        var e = LineEditor(text: "send the  log")
        e.handle(.control("w"))
        #expect(e.text == "send the  ")
        e.handle(.control("w"))
        #expect(e.text == "send ")
        e.handle(.left); e.handle(.left)
        e.handle(.control("w")) // mid-word: from the word's start to the cursor
        #expect(e.text == "d " && e.cursor == 0)
    }

    @Test func ctrlUAndCtrlKCutToTheStartAndTheEnd() {
        var e = LineEditor(text: "one two three")
        for _ in 0..<6 { e.handle(.left) }
        e.handle(.control("k"))
        #expect(e.text == "one two")
        e.handle(.left)
        e.handle(.control("u"))
        #expect(e.text == "o" && e.cursor == 0)
    }

    @Test func historyWalksBackAndForwardAndKeepsTheDraft() {
        var e = LineEditor()
        typed("first", into: &e); _ = e.commit()
        typed("second", into: &e); _ = e.commit()
        typed("draft", into: &e)
        e.handle(.up)
        #expect(e.text == "second")
        e.handle(.up)
        e.handle(.up) // stays at the oldest
        #expect(e.text == "first")
        e.handle(.down)
        #expect(e.text == "second")
        e.handle(.down)
        #expect(e.text == "draft")
        #expect(e.history == ["first", "second"])
    }

    @Test func graphemeClustersAreOneCharacterAndWideOnesTwoColumns() {
        var e = LineEditor()
        typed("a👍🏽e\u{301}日", into: &e) // emoji with skin tone, e + combining accent, CJK
        #expect(e.characters.count == 4)
        e.handle(.left)
        #expect(e.view(width: 10).cursorColumn == 1 + DisplayWidth.of(Character("👍🏽")) + 1) // the accent takes no column
        e.handle(.backspace)
        e.handle(.backspace)
        #expect(e.text == "a日")
    }

    @Test func theViewScrollsToKeepTheCursorInside() {
        var e = LineEditor(text: "abcdefghij")
        let end = e.view(width: 5)
        #expect(end.text == "ghij" && end.cursorColumn == 4)
        e.handle(.home)
        let start = e.view(width: 5)
        #expect(start.text == "abcde" && start.cursorColumn == 0)
        var wide = LineEditor(text: "日本語です")
        let w = wide.view(width: 5)
        #expect(w.text == "です" && w.cursorColumn == 4)
        wide.handle(.home)
        #expect(wide.view(width: 5).text == "日本")
    }

    @Test func theLimitHoldsAndKeysThatAreNotEditingAreSaidSo() {
        var e = LineEditor(limit: 3)
        typed("abcdef", into: &e)
        #expect(e.text == "abc")
        #expect(!e.handle(.enter) && !e.handle(.escape) && !e.handle(.tab))
    }

    /// Property: any sequence of editing keys keeps the cursor inside the line and the line within
    /// its limit.
    @Test func randomEditingKeepsItsInvariants() {
        let keys: [Key] = [.left, .right, .home, .end, .backspace, .delete, .control("w"), .control("u"), .control("k"),
                           .up, .down, .character("x"), .character(" "), .character("日")]
        var e = LineEditor(limit: 20)
        var state: UInt64 = 7
        for step in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            e.handle(keys[Int(state >> 33) % keys.count])
            if step % 50 == 0 { _ = e.commit() }
            #expect(e.cursor >= 0 && e.cursor <= e.characters.count && e.characters.count <= 20)
        }
    }
}

@Suite struct KeyReaderTests {
    func key(_ input: CursesInput) -> Key? { KeyReader.key(for: input, mouse: { nil }) }

    @Test func charactersAndControls() {
        #expect(key(.character(0x71)) == .character("q"))
        #expect(key(.character(0x03)) == .interrupt)
        #expect(key(.character(0x0D)) == .enter)
        #expect(key(.character(0x09)) == .tab)
        #expect(key(.character(0x7F)) == .backspace)
        #expect(key(.character(0x17)) == .control("w"))
        #expect(key(.character(0x1B)) == .escape)
        #expect(key(.character(0x65E5)) == .character("日"))
        #expect(key(.character(0x85)) == .other) // a C1 control is never text
        #expect(key(.character(0xD800)) == .other) // not a scalar
    }

    @Test func functionKeysFromTheirCodes() {
        #expect(key(.keyCode(KeyReader.Code.up)) == .up)
        #expect(key(.keyCode(KeyReader.Code.home)) == .home)
        #expect(key(.keyCode(KeyReader.Code.end)) == .end)
        #expect(key(.keyCode(KeyReader.Code.delete)) == .delete)
        #expect(key(.keyCode(KeyReader.Code.pageUp)) == .pageUp)
        #expect(key(.keyCode(KeyReader.Code.backTab)) == .backTab)
        #expect(key(.keyCode(KeyReader.Code.f0 + 1)) == .function(1))
        #expect(key(.keyCode(KeyReader.Code.resize)) == .resize)
        #expect(key(.keyCode(0o777)) == .other)
    }

    @Test func aMouseCodeCarriesTheEventOrNothing() {
        let click = MouseEvent(kind: .press, row: 3, column: 7)
        #expect(KeyReader.key(for: .keyCode(KeyReader.Code.mouse), mouse: { click }) == .mouse(click))
        #expect(KeyReader.key(for: .keyCode(KeyReader.Code.mouse), mouse: { nil }) == nil)
    }
}

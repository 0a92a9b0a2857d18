import Testing
import TUI

@Suite struct TerminalCharsetTests {
    @Test func followsLcAllThenLcCtypeThenLang() {
        #expect(TerminalCharset.isUTF8(environment: ["LANG": "en_US.UTF-8"]))
        #expect(TerminalCharset.isUTF8(environment: ["LANG": "de_DE.utf8"]))
        #expect(!TerminalCharset.isUTF8(environment: ["LC_ALL": "C", "LANG": "en_US.UTF-8"]))
        #expect(TerminalCharset.isUTF8(environment: ["LC_ALL": "", "LC_CTYPE": "C.UTF-8", "LANG": "C"]))
        #expect(!TerminalCharset.isUTF8(environment: ["LANG": "en_US.ISO-8859-1"]))
        #expect(!TerminalCharset.isUTF8(environment: [:]))
    }
}

import Foundation
import Testing

/// The lobby (plain `termcall`) in tmux: moving through it, the device menu, and the choice
/// surviving a restart through $XDG_CONFIG_HOME/termcall/settings.json.
@Suite(.serialized) struct LobbyInTmuxTests {
    @Test func deviceChoicesPersistAcrossRuns() throws {
        let config = NSTemporaryDirectory() + "termcall-xdg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let first = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config, "COLORTERM": "truecolor"])
        defer { first.kill() }
        #expect(first.waitFor { $0.contains("› Demo call") && $0.contains("Devices and display") } != nil, "\(first.capture())")
        first.sendKeys("Down", "Down", "Down")
        #expect(first.waitFor { $0.contains("› Devices and display") } != nil)
        first.sendKeys("Enter")
        #expect(first.waitFor { $0.contains("Render mode") && $0.contains("‹ half-blocks ›") } != nil, "\(first.capture())")
        // The live check beside the menu: the test pattern's picture and the tone's level (-20 dBFS peak).
        let live = first.waitFor { $0.contains("mic █") && $0.contains("dBFS") && $0.contains("▀") }
        #expect(live != nil, "no live preview: \(first.capture())")
        first.sendKeys("Down", "Down", "Down", "Right")
        #expect(first.waitFor { $0.contains("‹ ASCII ›") } != nil, "\(first.capture())")
        first.sendKeys("Down", "Enter")
        #expect(first.waitFor { $0.contains("saved to") } != nil, "\(first.capture())")
        let saved = try String(contentsOfFile: config + "/termcall/settings.json", encoding: .utf8)
        #expect(saved.contains(#""renderMode" : "ascii""#), "\(saved)")
        first.sendKeys("q")
        #expect(first.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(first.capture())")

        // A new run shows the saved choice.
        let second = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config, "COLORTERM": "truecolor"])
        defer { second.kill() }
        #expect(second.waitFor { $0.contains("› Demo call") } != nil)
        second.sendKeys("Up", "Up", "Enter") // wraps around: Quit, then Devices
        #expect(second.waitFor { $0.contains("Render mode") && $0.contains("‹ ASCII ›") } != nil, "\(second.capture())")
        second.sendKeys("Escape")
        #expect(second.waitFor { $0.contains("› Demo call") } != nil)
        second.sendKeys("q")
        #expect(second.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }
}

import Foundation
import Testing

/// Hosting from the lobby: `termcall serve` runs inside the lobby's process, the host joins its own
/// room and shows the address to share; a second termcall joins by that address and the host's
/// call screen shows its video.
@Suite(.serialized) struct HostInTmuxTests {
    @Test func hostARoomAndSomeoneJoins() throws {
        let config = NSTemporaryDirectory() + "termcall-xdg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let tmux = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config, "COLORTERM": "truecolor"])
        defer { tmux.kill() }
        #expect(tmux.waitFor(timeout: 40) { $0.contains("Host a room here") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Down", "Down", "Enter")
        #expect(tmux.waitFor(timeout: 40) { $0.contains("Start and join") } != nil, "\(tmux.capture())")
        // Port 0 (any free one); keep the offered room name.
        tmux.sendKeys("Down", "Enter", "BSpace", "BSpace", "BSpace", "BSpace")
        tmux.sendKeys("-l", "0")
        #expect(tmux.waitFor(timeout: 40) { pane in
            pane.split(separator: "\n").contains { $0.contains("Port") && $0.trimmingCharacters(in: .whitespaces).hasSuffix(" 0") }
        } != nil, "\(tmux.capture())")
        tmux.sendKeys("Enter", "Down", "Down", "Enter")
        let pattern = #"http://127\.0\.0\.1:[0-9]+/[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}"#
        let hosting = try #require(tmux.waitFor(timeout: 40) { $0.contains("hosting room") && $0.range(of: pattern, options: .regularExpression) != nil }, "\(tmux.capture())")
        let url = hosting[hosting.range(of: pattern, options: .regularExpression)!].dropFirst("http://127.0.0.1:".count)
        let port = String(url.prefix { $0.isNumber }), room = String(url.drop { $0 != "/" }.dropFirst())
        // A second termcall joins the hosted room, headless — in tmux too, so both run in the tmux
        // server's network namespace whatever started it.
        let guest = try Tmux("sleep 60 | \(Tmux.termcall) call \(room) --server ws://127.0.0.1:\(port) --loopback --headless > /dev/null")
        defer { guest.kill() }
        #expect(tmux.waitFor(escapes: true, timeout: 40) { $0.contains("in call") && $0.contains("38;2;") && $0.contains(" fps") } != nil, "room \(room) port \(port): \(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor(timeout: 40) { $0.contains("Host a room here") } != nil, "back to the lobby: \(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor(timeout: 40) { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }
}

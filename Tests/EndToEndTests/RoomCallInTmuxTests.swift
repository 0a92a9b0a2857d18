import Foundation
import Testing

/// `termcall call ROOM --server URL` on a terminal runs on the call screen: a server and a headless
/// peer start in the same shell, the screen shows the peer's video and the room, q hangs up.
@Suite(.serialized) struct RoomCallInTmuxTests {
    @Test func aRoomCallOnTheCallScreen() throws {
        let t = Tmux.termcall
        let out = NSTemporaryDirectory() + "termcall-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The shell waits for the server's "listening" line (the test's own bound is waitFor's).
        let script = "\(t) serve --port 0 > \(out) 2>/dev/null & SERVER=$!; until grep -q listening \(out) 2>/dev/null; do sleep 0.05; done; "
            + "URL=ws://$(grep -o '127.0.0.1:[0-9]*' \(out) | head -1); "
            + "(sleep 60 | \(t) call tty-room --server $URL --loopback --headless > /dev/null 2>&1 &); "
            + "\(t) call tty-room --server $URL --loopback; rc=$?; kill $SERVER; (exit $rc)"
        let tmux = try Tmux(script, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        let pane = tmux.waitFor(timeout: 40) { $0.contains("room tty-room |") && $0.contains("in call") && $0.contains(" fps") }
        #expect(pane != nil, "\(tmux.capture())")
        #expect(tmux.waitFor(escapes: true, timeout: 40) { $0.contains("38;2;") && $0.contains("▀") } != nil, "no video: \(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor(timeout: 40) { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(tmux.capture())")
    }

    /// Three in a room: the screen lays the other two out as a grid, each tile with its picture
    /// and the name its owner gave.
    @Test func aGroupCallLaysOutAGrid() throws {
        let t = Tmux.termcall
        let out = NSTemporaryDirectory() + "termcall-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let script = "\(t) serve --port 0 > \(out) 2>/dev/null & SERVER=$!; until grep -q listening \(out) 2>/dev/null; do sleep 0.05; done; "
            + "URL=ws://$(grep -o '127.0.0.1:[0-9]*' \(out) | head -1); "
            + "sleep 60 | \(t) call group --server $URL --loopback --headless --name alice > /dev/null 2>&1 & A=$!; "
            + "sleep 60 | \(t) call group --server $URL --loopback --headless --name bob > /dev/null 2>&1 & B=$!; "
            + "\(t) call group --server $URL --loopback --name carol; rc=$?; kill $A $B $SERVER; (exit $rc)"
        let tmux = try Tmux(script, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        // Both tiles (stacked in a 120x40 window: two 4:3 pictures fit best one above the other),
        // each with its name under its picture.
        let grid = tmux.waitFor(timeout: 40) { pane in
            let lines = pane.split(separator: "\n", omittingEmptySubsequences: false)
            guard let alice = lines.firstIndex(where: { $0.hasPrefix(" alice ") }), let bob = lines.firstIndex(where: { $0.hasPrefix(" bob ") }) else { return false }
            let pictures = [min(alice, bob), max(alice, bob)].map { label in lines[max(0, label - 12)..<label].filter { $0.contains("▀") }.count }
            return pictures.allSatisfy { $0 >= 6 } && !pane.contains("waiting for video")
        }
        #expect(grid != nil, "\(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor(timeout: 40) { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(tmux.capture())")
    }
}

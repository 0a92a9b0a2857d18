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
}

import TestSupport
import Foundation

/// Drives a program inside a detached tmux session, the way a person would see it: send keys,
/// capture the pane. Waiting is always for a condition on the pane, with a deadline.
///
/// Each instance has its own tmux server (its own socket): with one shared server, a test that
/// killed the last session made the server exit while the next test's `new-session` was reaching
/// it (the session was never made, and that test waited out its deadline), and a test that stops
/// the server to stall its terminal stalled every other test's too.
struct Tmux {
    let session: String
    /// This instance's server socket.
    let socket: String

    static var termcall: String { BuiltProducts.termcall }

    /// Starts `command` under bash; after it ends the pane prints `EXIT=<status> RESTORED=<yes|no>`
    /// (whether the tty settings are what they were before) and stays open.
    init(_ command: String, columns: Int = 120, rows: Int = 40, environment: [String: String] = [:]) throws {
        session = "termcall-test-\(UUID().uuidString.prefix(8))"
        socket = NSTemporaryDirectory() + session + ".tmux"
        // The runner's own NO_COLOR (set on some CI machines) must not decide what a test sees.
        // Nor its locale: tests pin a UTF-8 one unless they say otherwise.
        let exports = "unset NO_COLOR LC_ALL LC_CTYPE; export LANG=C.UTF-8; " + environment.map { "export \($0.key)='\($0.value)'; " }.joined()
        let script = "\(exports)S=$(stty -g); \(command); rc=$?; if [ \"$(stty -g)\" = \"$S\" ]; then r=yes; else r=no; fi; "
            + "printf '\\nEXIT=%s RESTORED=%s\\n' $rc $r; exec sleep 120"
        // new-session starts the server, which would inherit (and hold open) an output pipe: give it none.
        let started = try spawn("/usr/bin/tmux", ["-u", "-S", socket, "new-session", "-d", "-s", session,
                                                  "-x", String(columns), "-y", String(rows), "bash", "-c", script],
                                captureOutput: false)
        guard started.status == 0, (try? run(["has-session", "-t", session])) != nil else {
            kill()
            throw SpawnError(description: "tmux could not start a session (new-session exited \(started.status))")
        }
    }

    func capture(escapes: Bool = false) -> String {
        (try? run(["capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : []))) ?? ""
    }

    func sendKeys(_ keys: String...) { _ = try? run(["send-keys", "-t", session] + keys) }

    func resize(columns: Int, rows: Int) {
        _ = try? run(["resize-window", "-t", session, "-x", String(columns), "-y", String(rows)])
    }

    /// PID of the pane's shell (its child is the program under test).
    var shellPID: Int32 { Int32((try? run(["display-message", "-p", "-t", session, "#{pane_pid}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0 }

    /// Ends the session and its server (and with them the pane's program); tmux leaves the socket.
    func kill() {
        _ = try? run(["kill-server"])
        unlink(socket)
    }

    /// Polls the pane until `condition` holds; returns the last capture that satisfied it, or nil
    /// at the deadline.
    func waitFor(escapes: Bool = false, timeout: Double = 15, _ condition: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let pane = capture(escapes: escapes)
            if condition(pane) { return pane }
            usleep(50_000)
        }
        return nil
    }

    /// Runs a tmux command against this instance's server; throws when tmux reports failure.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        // -u: UTF-8 whatever the runner's locale, so half-blocks are captured as themselves.
        let result = try spawn("/usr/bin/tmux", ["-u", "-S", socket] + arguments)
        guard result.status == 0 else {
            throw SpawnError(description: "tmux \(arguments.first ?? ""): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.stdout
    }
}

#if canImport(Glibc)
import Glibc
#endif

import TestSupport
import Foundation

/// Drives a program inside a detached tmux session, the way a person would see it: send keys,
/// capture the pane. Waiting is always for a condition on the pane, with a deadline.
struct Tmux {
    let session: String

    /// Directory of the built products (termcall sits beside the test bundle).
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
    static var termcall: String { productsDirectory.appendingPathComponent("termcall").path }

    /// Starts `command` under bash; after it ends the pane prints `EXIT=<status> RESTORED=<yes|no>`
    /// (whether the tty settings are what they were before) and stays open.
    init(_ command: String, columns: Int = 120, rows: Int = 40, environment: [String: String] = [:]) throws {
        session = "termcall-test-\(UUID().uuidString.prefix(8))"
        // The runner's own NO_COLOR (set on some CI machines) must not decide what a test sees.
        // Nor its locale: tests pin a UTF-8 one unless they say otherwise.
        let exports = "unset NO_COLOR LC_ALL LC_CTYPE; export LANG=C.UTF-8; " + environment.map { "export \($0.key)='\($0.value)'; " }.joined()
        let script = "\(exports)S=$(stty -g); \(command); rc=$?; if [ \"$(stty -g)\" = \"$S\" ]; then r=yes; else r=no; fi; "
            + "printf '\\nEXIT=%s RESTORED=%s\\n' $rc $r; exec sleep 120"
        // The first new-session starts the tmux server, which would inherit (and hold open) an
        // output pipe: give it none.
        try Self.run(["new-session", "-d", "-s", session, "-x", String(columns), "-y", String(rows), "bash", "-c", script],
                     captureOutput: false)
    }

    func capture(escapes: Bool = false) -> String {
        (try? Self.run(["capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : []))) ?? ""
    }

    func sendKeys(_ keys: String...) { _ = try? Self.run(["send-keys", "-t", session] + keys) }

    func resize(columns: Int, rows: Int) {
        _ = try? Self.run(["resize-window", "-t", session, "-x", String(columns), "-y", String(rows)])
    }

    /// PID of the pane's shell (its child is the program under test).
    var shellPID: Int32 { Int32((try? Self.run(["display-message", "-p", "-t", session, "#{pane_pid}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0 }

    func kill() { _ = try? Self.run(["kill-session", "-t", session]) }

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

    @discardableResult
    static func run(_ arguments: [String], captureOutput: Bool = true) throws -> String {
        // -u: UTF-8 whatever the runner's locale, so half-blocks are captured as themselves.
        try spawn("/usr/bin/tmux", ["-u"] + arguments, captureOutput: captureOutput).stdout
    }
}

#if canImport(Glibc)
import Glibc
#endif

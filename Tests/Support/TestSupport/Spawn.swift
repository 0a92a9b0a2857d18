import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion and returns its status and output.
public func runProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    try spawn(path, arguments, environment: environment)
}

public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// posix_spawn + waitpid. Foundation's Process is not used here: on Linux its `waitUntilExit` was
/// seen to hang when the child daemonizes (the tmux server forked by the first `new-session`).
/// Output goes to temporary files, so a daemon that inherits them cannot block a reader. The child
/// starts as it would from a shell — no signals blocked, the usual ones at their defaults — not with
/// the test process's mask (which blocks SIGTERM): a tmux server started that way ignored
/// `kill-server` and outlived the suite.
public func spawn(_ path: String, _ arguments: [String], environment: [String: String] = [:], captureOutput: Bool = true)
    throws -> (status: Int32, stdout: String, stderr: String) {
    let base = NSTemporaryDirectory() + "termcall-spawn-\(UUID().uuidString)"
    let outPath = captureOutput ? base + ".out" : "/dev/null", errPath = captureOutput ? base + ".err" : "/dev/null"
    defer { if captureOutput { unlink(outPath); unlink(errPath) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), defaults = sigset_t()
    sigemptyset(&none)
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let code = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    guard code == 0 else { throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(code)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let read = { (p: String) in captureOutput ? ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "") : "" }
    return (exitStatus, read(outPath), read(errPath))
}


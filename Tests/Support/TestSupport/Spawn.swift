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
/// Output goes to temporary files, so a daemon that inherits them cannot block a reader.
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
    var pid: pid_t = 0
    let code = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard code == 0 else { throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(code)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let read = { (p: String) in captureOutput ? ((try? String(contentsOfFile: p, encoding: .utf8)) ?? "") : "" }
    return (exitStatus, read(outPath), read(errPath))
}


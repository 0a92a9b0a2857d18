#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization

/// Owns the controlling terminal while a full-screen view runs: raw input, the alternate screen,
/// a hidden cursor — and puts every one of them back on every way out (normal return, `q`, Ctrl-C,
/// SIGTERM/SIGHUP/SIGINT from outside, a thrown error). Used from one thread.
public final class TerminalSession {
    public let input: Int32
    public let output: Int32
    private let restorer: TerminalRestorer
    /// Where frames go: non-blocking, at most one frame in flight.
    public let frames: TerminalOutput
    /// Kept alive for the session's lifetime; cancelled by `restore`.
    private var signalSources: [any DispatchSourceSignal] = []
    private let interruption: Interruption
    /// Where stderr went while the session owned the screen.
    public let logPath: String
    private let logStart: off_t
    private var reportedLog = false

    static let enterSequence = "\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l\u{1B}[0m\u{1B}[2J"

    /// Switches the terminal to raw mode and the alternate screen.
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
        var original = termios()
        var saved: termios?
        if tcgetattr(input, &original) == 0 {
            saved = original
            var raw = original
            // Raw input (no echo, no line editing, Ctrl-C arrives as a byte); output post-processing
            // stays on so a stray "\n" from a library still returns the carriage.
            raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
            raw.c_cflag |= tcflag_t(CS8)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 0
                cc[Int(VTIME)] = 0
            }
            tcsetattr(input, TCSAFLUSH, &raw)
        }
        // While the screen is ours, stderr goes to a log file: a library's message (libv4l2 prints
        // decode errors there) would otherwise land on cells the damage map thinks are intact.
        logPath = Self.logPath(environment: ProcessInfo.processInfo.environment)
        var savedStderr: Int32 = -1
        let log = Glibc.open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if log >= 0, isatty(STDERR_FILENO) == 1 {
            savedStderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
            if savedStderr >= 0 { dup2(log, STDERR_FILENO) }
        }
        if log >= 0 { Glibc.close(log) }
        logStart = savedStderr >= 0 ? lseek(STDERR_FILENO, 0, SEEK_END) : 0
        restorer = TerminalRestorer(input: input, output: output, saved: saved, savedStderr: savedStderr)
        writeAll(output, Array(Self.enterSequence.utf8))
        frames = TerminalOutput(fd: output)
        // SIGTERM, SIGHUP and SIGINT ask the owner's loop to wind down (stop drawing, release the
        // camera, restore the terminal, exit 128+N). If it has not within two seconds, restore the
        // terminal from here and end the process.
        interruption = Interruption()
        for sig in [SIGTERM, SIGHUP, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let restorer = self.restorer, interruption = self.interruption
            source.setEventHandler {
                interruption.raise(sig)
                DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
                    restorer.restore()
                    _exit(128 + sig)
                }
            }
            source.resume()
            signalSources.append(source)
        }
    }

    deinit {
        restore()
        interruption.close()
    }

    /// Readable once a terminating signal arrived; poll it beside the other inputs.
    public var interruptDescriptor: Int32 { interruption.descriptor }
    /// The terminating signal received, if any.
    public var receivedSignal: Int32? { interruption.signal }

    /// Leaves raw mode and the alternate screen; safe to call more than once.
    public func restore() {
        frames.finish()
        let logEnd = restorer.isStderrRedirected ? lseek(STDERR_FILENO, 0, SEEK_END) : logStart
        restorer.restore()
        if logEnd > logStart, !reportedLog {
            reportedLog = true
            writeAll(STDERR_FILENO, Array("termcall: messages from the session are in \(logPath)\n".utf8))
        }
        for s in signalSources { s.cancel() }
        signalSources.removeAll()
        for sig in [SIGTERM, SIGHUP, SIGINT] { signal(sig, SIG_DFL) } // Ctrl-C works again during cleanup
    }

    public func write(_ text: String) { writeAll(output, Array(text.utf8)) }
    public func write(_ bytes: [UInt8]) { writeAll(output, bytes) }

    /// `$XDG_STATE_HOME/termcall/termcall.log` (default `~/.local/state/...`), else /tmp.
    static func logPath(environment: [String: String]) -> String {
        var base = environment["XDG_STATE_HOME"] ?? ""
        if base.isEmpty, let home = environment["HOME"], !home.isEmpty { base = home + "/.local/state" }
        guard !base.isEmpty else { return "/tmp/termcall-\(getuid()).log" }
        let dir = base + "/termcall"
        var path = ""
        for part in dir.split(separator: "/") { path += "/" + part; _ = mkdir(path, 0o700) }
        return access(dir, W_OK) == 0 ? dir + "/termcall.log" : "/tmp/termcall-\(getuid()).log"
    }

    /// The terminal's size in cells, or nil when the output is not a terminal.
    public func size() -> (columns: Int, rows: Int)? {
        var ws = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return nil }
        return (Int(ws.ws_col), Int(ws.ws_row))
    }

}

/// The part of the session a signal handler may touch from another thread: it restores exactly once.
final class TerminalRestorer: Sendable {
    let input: Int32
    let output: Int32
    let saved: termios?
    let savedStderr: Int32
    private let done = Atomic<Bool>(false)

    static let leaveSequence = "\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l"

    init(input: Int32, output: Int32, saved: termios?, savedStderr: Int32) {
        self.input = input
        self.output = output
        self.saved = saved
        self.savedStderr = savedStderr
    }

    var isStderrRedirected: Bool { savedStderr >= 0 && !done.load(ordering: .acquiring) }

    func restore() {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Close an interrupted synchronized update first, so the terminal shows what it has.
        writeAll(output, Array(("\u{1B}[?2026l" + Self.leaveSequence).utf8))
        if var original = saved { tcsetattr(input, TCSAFLUSH, &original) }
        let flags = fcntl(output, F_GETFL)
        if flags >= 0 { _ = fcntl(output, F_SETFL, flags & ~O_NONBLOCK) }
        if savedStderr >= 0 { dup2(savedStderr, STDERR_FILENO) }
    }
}

/// A terminating signal, noted from the signal queue and announced through a pipe.
final class Interruption: Sendable {
    private let pipe: (read: Int32, write: Int32)
    private let received = Atomic<Int32>(0)

    init() {
        var fds: [Int32] = [-1, -1]
        if Glibc.pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        pipe = (fds[0], fds[1])
    }

    var descriptor: Int32 { pipe.read }
    var signal: Int32? { let s = received.load(ordering: .acquiring); return s == 0 ? nil : s }

    func raise(_ sig: Int32) {
        received.store(sig, ordering: .releasing)
        var byte: UInt8 = 1
        _ = Glibc.write(pipe.write, &byte, 1)
    }

    func close() {
        _ = Glibc.close(pipe.read)
        _ = Glibc.close(pipe.write)
    }
}

/// Writes everything, retrying on short writes and EINTR/EAGAIN; gives up if the terminal went away.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n > 0 { offset += n; continue }
        if n < 0 && (errno == EINTR || errno == EAGAIN) {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&pfd, 1, 100)
            continue
        }
        return
    }
}

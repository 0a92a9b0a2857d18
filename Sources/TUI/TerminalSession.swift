#if canImport(Glibc)
import Glibc
#endif
import CNCurses
import Dispatch
import Foundation
import Render
import Synchronization

/// Why the terminal could not be taken: one line for the user.
public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
}

/// Owns the controlling terminal while a full-screen view runs, through ncurses: terminfo's
/// sequences for this terminal (alternate screen, cursor, keypad, mouse, colours), windows and
/// panels for the screen's layers, `wget_wch` for input. Every way out gives the terminal back
/// (normal return, q, Ctrl-C, SIGTERM/SIGHUP/SIGINT from outside, a thrown error). Used from one
/// thread.
///
/// ncurses writes into a file in memory, and its bytes go to the terminal through `frames`, the
/// same non-blocking, one-frame-in-flight output as the video writer's: a stalled SSH link costs
/// skipped frames, never a call loop blocked in `doupdate`. So ncurses cannot set the terminal's
/// modes itself (its output is not the tty): the session sets raw mode and follows the window size.
public final class TerminalSession {
    /// The terminal ncurses reads from: poll it beside the call's sockets.
    public let input: Int32
    /// Where the terminal's bytes go (its own open of the tty, non-blocking).
    public let output: Int32
    public let frames: TerminalOutput
    private let restorer: TerminalRestorer
    private var signalSources: [any DispatchSourceSignal] = []
    private let interruption: Interruption
    /// Where stderr went while the session owned the screen.
    public let logPath: String
    private let logStart: off_t
    private var reportedLog = false
    private var finished = false

    private let screen: OpaquePointer
    private let outFile: UnsafeMutablePointer<FILE>
    private let inFile: UnsafeMutablePointer<FILE>
    private let memory: Int32
    private let compositor: CursesCompositor
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// terminfo's name for this terminal.
    public let terminalName: String
    private var rows: Int, columns: Int

    /// Takes the terminal (`TERM` from `environment`): raw mode, the alternate screen, hidden cursor,
    /// keypad and mouse. `depth` is the colour depth the screens draw at.
    /// `ttyPath` is the terminal to take (benchmarks pass a pty's).
    public init(depth: ColorDepth, threshold: Int = 6, ttyPath: String = "/dev/tty",
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(TerminalError) {
        var tty = Glibc.open(ttyPath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if tty < 0 { tty = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) }
        var writerFd = Glibc.open(ttyPath, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        if writerFd < 0 { writerFd = Glibc.open("/proc/self/fd/\(STDOUT_FILENO)", O_WRONLY | O_NOCTTY | O_CLOEXEC) }
        guard tty >= 0, writerFd >= 0, isatty(tty) == 1 else {
            if tty >= 0 { Glibc.close(tty) }
            if writerFd >= 0 { Glibc.close(writerFd) }
            throw TerminalError(description: "no terminal to draw on — run termcall in one")
        }
        let memory = tc_memory_file()
        guard memory >= 0 else { throw TerminalError(description: "could not make ncurses' output buffer: \(String(cString: strerror(errno)))") }
        let term = environment["TERM"].flatMap { $0.isEmpty ? nil : $0 } ?? "dumb"
        // ncursesw needs the locale's character set to read and write UTF-8.
        setlocale(LC_CTYPE, "")
        var outFile: UnsafeMutablePointer<FILE>?, inFile: UnsafeMutablePointer<FILE>?
        let inputFd = fcntl(tty, F_DUPFD_CLOEXEC, 3)
        // ncurses cannot ask a memory file for the window size: it reads LINES and COLUMNS instead,
        // and sets up the screen (and its scrolling region) for that size.
        var ws = winsize()
        let sized = ioctl(tty, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0
        let savedSize = (getenv("LINES").map { String(cString: $0) }, getenv("COLUMNS").map { String(cString: $0) })
        if sized {
            setenv("LINES", String(ws.ws_row), 1)
            setenv("COLUMNS", String(ws.ws_col), 1)
        }
        let made = tc_newterm(term, memory, inputFd, &outFile, &inFile)
        for (name, value) in [("LINES", savedSize.0), ("COLUMNS", savedSize.1)] {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        guard let screen = made, let outFile, let inFile else {
            Glibc.close(tty)
            Glibc.close(writerFd)
            throw TerminalError(description: "terminfo does not know the terminal type '\(term)' — set TERM to one it does (e.g. TERM=xterm-256color)")
        }
        self.screen = screen
        self.outFile = outFile
        self.inFile = inFile
        self.memory = memory
        input = fileno(inFile)
        output = writerFd
        Glibc.close(tty)
        terminalName = term

        var original = termios()
        var saved: termios?
        if tcgetattr(input, &original) == 0 {
            saved = original
            var raw = original
            // Raw input (no echo, no line editing, Ctrl-C arrives as a key), and "\n" is only a
            // line feed: ncurses (`nonl`) moves the cursor down with it and keeps its column.
            raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
            raw.c_oflag &= ~tcflag_t(ONLCR)
            raw.c_cflag |= tcflag_t(CS8)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 0
                cc[Int(VTIME)] = 0
            }
            tcsetattr(input, TCSAFLUSH, &raw)
        }
        // The strings that give the terminal back, should the owner's loop not get there (below).
        var leave: [UInt8] = []
        for capability in ["sgr0", "cnorm", "rmkx", "rmcup"] {
            if let s = tc_terminfo_string(capability) { leave += Array(String(cString: s).utf8) }
        }
        nonl()
        keypad(tc_stdscr(), true)
        nodelay(tc_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        _ = mousemask(tc_mouse_mask(), nil)
        mouseinterval(0)
        if has_colors() {
            start_color() // sets COLORS and COLOR_PAIRS
            use_default_colors()
        }
        let colors = has_colors() ? Int(tc_colors()) : 0
        let direct = tigetflag("RGB") > 0 || colors >= 1 << 24
        let pairs = CursesColorPairs(colors: colors, direct: direct)
        compositor = CursesCompositor(colorPairs: pairs, depth: depth, threshold: threshold,
                                      writerSpeaksTerminfo: Self.writerSpeaksTerminfo(colors: colors))
        rows = Int(tc_lines())
        columns = Int(tc_cols())

        // While the screen is ours, stderr goes to a log file: a library's message (libv4l2 prints
        // decode errors there) would otherwise land on cells the screen thinks are intact.
        logPath = Self.logPath(environment: environment)
        var savedStderr: Int32 = -1
        let log = Glibc.open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if log >= 0, isatty(STDERR_FILENO) == 1 {
            savedStderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
            if savedStderr >= 0 { dup2(log, STDERR_FILENO) }
        }
        if log >= 0 { Glibc.close(log) }
        logStart = savedStderr >= 0 ? lseek(STDERR_FILENO, 0, SEEK_END) : 0
        restorer = TerminalRestorer(input: input, output: output, saved: saved, savedStderr: savedStderr, leave: leave)
        frames = TerminalOutput(fd: output)
        interruption = Interruption()
        _ = size()
        refresh()
        pump()
        // SIGTERM, SIGHUP and SIGINT ask the owner's loop to wind down (stop drawing, release the
        // camera, restore the terminal, exit 128+N). If it has not within two seconds, restore the
        // terminal from here and end the process. SIGWINCH only wakes the loop to look at the size.
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGWINCH] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            let restorer = self.restorer, interruption = self.interruption
            source.setEventHandler {
                guard sig != SIGWINCH else { interruption.wake(); return }
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

    /// Readable once a terminating signal arrived (or the window changed size); poll it beside the
    /// other inputs.
    public var interruptDescriptor: Int32 { interruption.descriptor }
    /// The terminating signal received, if any.
    public var receivedSignal: Int32? { interruption.signal }

    /// The colours screens draw at; a change repaints everything.
    public var depth: ColorDepth {
        get { compositor.depth }
        set { compositor.depth = newValue }
    }
    /// Who paints pictures on this terminal at this depth.
    public var videoPath: VideoPath { compositor.videoPath }
    /// Benchmarks compare the two painters on one terminal; nil lets the session choose.
    public var forcedVideoPath: VideoPath? {
        get { compositor.forcedVideoPath }
        set { compositor.forcedVideoPath = newValue; compositor.repaintEverything() }
    }

    /// True when this terminal's terminfo sends for colours and cursor motion exactly what the
    /// damage-map writer sends (ECMA-48 SGR 30–37/90–97, 38;5 when it has 256 colours, CUP): the
    /// writer may then paint palette pictures too, in fewer bytes than ncurses (BENCHMARKS.md).
    static func writerSpeaksTerminfo(colors: Int) -> Bool {
        TerminalScreen.speaksLike(colors: colors,
                                  setForeground: { String(cString: tc_set_foreground(Int32($0))) },
                                  setBackground: { String(cString: tc_set_background_color(Int32($0))) },
                                  cursorTo: { String(cString: tc_cursor_to(Int32($0), Int32($1))) })
    }

    /// Puts the layers (bottom to top) on the terminal: ncurses' refresh, then the writer's picture.
    /// Call only when `frames` is not backlogged.
    public func present(_ layers: [ScreenLayer]) {
        guard !finished else { return }
        let picture = compositor.present(layers)
        pump()
        if !picture.isEmpty { frames.send(picture) }
    }

    /// Everything typed (and clicked, and resized) since the last call, without waiting.
    public func keys() -> [Key] {
        guard !finished else { return [] }
        interruption.drainWakes()
        var keys: [Key] = []
        if resizeIfNeeded() { keys.append(.resize) }
        var character: wint_t = 0
        while keys.count < 512 {
            let result = wget_wch(tc_stdscr(), &character)
            if result == ERR { break }
            let input: CursesInput = result == KEY_CODE_YES ? .keyCode(Int32(character)) : .character(UInt32(character))
            guard let key = KeyReader.key(for: input, mouse: Self.readMouse) else { continue }
            if key == .resize {
                if resizeIfNeeded() { keys.append(.resize) } // ncurses' own guess is not the tty's size
                continue
            }
            keys.append(key)
        }
        pump() // wget_wch refreshes stdscr when it changed
        return keys
    }

    /// Waits up to `milliseconds` for a key, a signal, the terminal taking bytes it was slow to take,
    /// or one of `others` becoming readable (a camera's frames).
    public func wait(milliseconds: Int32, alsoOn others: [Int32] = []) {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: interruptDescriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: output, events: frames.isBacklogged ? Int16(POLLOUT) : 0, revents: 0)]
        fds += others.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&fds, nfds_t(fds.count), milliseconds)
    }

    /// Writes on what the terminal was slow to take; false when the terminal is gone.
    public func flushFrames() -> Bool { !frames.isBacklogged || frames.flush() }

    /// True when the input side of the terminal is gone (the terminal closed: EOF or EIO).
    public var inputClosed: Bool {
        var pfd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0 && pfd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    private static func readMouse() -> MouseEvent? {
        var y: Int32 = 0, x: Int32 = 0
        let kind: MouseEvent.Kind
        switch tc_read_mouse(&y, &x) {
        case 1: kind = .press
        case 2: kind = .wheelUp
        case 3: kind = .wheelDown
        case 4: kind = .secondaryPress
        default: return nil
        }
        return MouseEvent(kind: kind, row: Int(y), column: Int(x))
    }

    /// Follows the tty's size: ncurses cannot ask it (its output is a memory file).
    @discardableResult
    private func resizeIfNeeded() -> Bool {
        var ws = winsize()
        guard ioctl(input, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return false }
        let newRows = Int(ws.ws_row), newColumns = Int(ws.ws_col)
        guard newRows != rows || newColumns != columns || tc_lines() != Int32(newRows) || tc_cols() != Int32(newColumns) else { return false }
        rows = newRows
        columns = newColumns
        resizeterm(Int32(newRows), Int32(newColumns))
        compositor.repaintEverything()
        return true
    }

    /// The terminal's size in cells.
    public func size() -> (columns: Int, rows: Int)? {
        guard !finished else { return nil }
        resizeIfNeeded()
        return (columns, rows)
    }

    /// ncurses' bytes since the last call, sent on (in order, without blocking).
    private func pump() {
        fflush(outFile)
        let end = lseek(memory, 0, SEEK_CUR)
        guard end > 0 else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(end))
        var offset: off_t = 0
        while offset < end {
            let n = buffer.withUnsafeMutableBytes { pread(memory, $0.baseAddress!, min($0.count, Int(end - offset)), offset) }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
            offset += off_t(n)
        }
        _ = ftruncate(memory, 0)
        _ = lseek(memory, 0, SEEK_SET)
        frames.send(bytes)
    }

    /// Leaves ncurses (normal screen, cursor, keypad and mouse off), raw mode and the log; safe to
    /// call more than once.
    public func restore() {
        let logEnd = restorer.isStderrRedirected ? lseek(STDERR_FILENO, 0, SEEK_END) : logStart
        if !finished {
            finished = true
            compositor.removeAll()
            endwin()
            pump()
            frames.finish()
            restorer.restore(leaving: false) // the tty's modes, while its descriptor is open
            delscreen(screen)
            fclose(outFile)
            fclose(inFile)
        }
        restorer.restore(leaving: false)
        if logEnd > logStart, !reportedLog {
            reportedLog = true
            writeAll(STDERR_FILENO, Array("termcall: messages from the session are in \(logPath)\n".utf8))
        }
        for s in signalSources { s.cancel() }
        signalSources.removeAll()
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGWINCH] { signal(sig, SIG_DFL) } // Ctrl-C works again during cleanup
    }

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
}

/// The part of the session a signal handler may touch from another thread: it restores exactly
/// once — with terminfo's strings for leaving, when the owner's loop never got to `endwin`.
final class TerminalRestorer: Sendable {
    let input: Int32
    let output: Int32
    let saved: termios?
    let savedStderr: Int32
    let leave: [UInt8]
    private let done = Atomic<Bool>(false)

    init(input: Int32, output: Int32, saved: termios?, savedStderr: Int32, leave: [UInt8]) {
        self.input = input
        self.output = output
        self.saved = saved
        self.savedStderr = savedStderr
        self.leave = leave
    }

    var isStderrRedirected: Bool { savedStderr >= 0 && !done.load(ordering: .acquiring) }

    func restore(leaving: Bool = true) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let flags = fcntl(output, F_GETFL)
        if flags >= 0 { _ = fcntl(output, F_SETFL, flags & ~O_NONBLOCK) }
        if leaving { writeAll(output, leave) }
        if var original = saved { tcsetattr(input, TCSAFLUSH, &original) }
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

    /// Wakes the owner's loop without a signal to report (the window changed size).
    func wake() {
        var byte: UInt8 = 0
        _ = Glibc.write(pipe.write, &byte, 1)
    }

    /// Empties the pipe of wakes, unless a terminating signal is there to be seen.
    func drainWakes() {
        guard signal == nil else { return }
        var bytes = [UInt8](repeating: 0, count: 64)
        while Glibc.read(pipe.read, &bytes, bytes.count) > 0 {}
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

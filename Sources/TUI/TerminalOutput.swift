#if canImport(Glibc)
import Glibc
#endif

/// Non-blocking output to the terminal with at most one frame in flight.
///
/// A frame's bytes are always written completely (the damage map assumes the terminal saw them),
/// but the caller never blocks on a slow terminal or SSH link: `send` writes what the terminal
/// accepts now and keeps the rest; while anything is kept, `isBacklogged` tells the renderer to skip
/// frames instead of producing more. (TIOCOUTQ cannot tell this on a pty: Linux reports 0 there.)
public final class TerminalOutput {
    public let fd: Int32
    private let originalFlags: Int32
    private var backlog: [UInt8] = []
    private var backlogOffset = 0

    public init(fd: Int32) {
        self.fd = fd
        originalFlags = fcntl(fd, F_GETFL)
        if originalFlags >= 0 { _ = fcntl(fd, F_SETFL, originalFlags | O_NONBLOCK) }
    }

    /// True while bytes of an earlier `send` are still waiting for the terminal.
    public var isBacklogged: Bool { backlogOffset < backlog.count }
    public var backlogBytes: Int { backlog.count - backlogOffset }
    /// Every byte handed to `send`, for the figures a screen shows (KB per frame).
    public private(set) var bytesSent = 0

    /// Writes as much as the terminal takes now; keeps the rest for `flush`. Returns false when the
    /// terminal is gone.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytesSent += bytes.count
        if isBacklogged {
            backlog.removeFirst(backlogOffset)
            backlogOffset = 0
            backlog += bytes
        } else {
            backlog = bytes
            backlogOffset = 0
        }
        return flush()
    }

    /// Continues writing kept bytes without blocking. Returns false when the terminal is gone.
    @discardableResult
    public func flush() -> Bool {
        while backlogOffset < backlog.count {
            let n = backlog.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + backlogOffset, backlog.count - backlogOffset) }
            if n > 0 { backlogOffset += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { return true }
            backlog.removeAll()
            backlogOffset = 0
            return false
        }
        backlog.removeAll(keepingCapacity: true)
        backlogOffset = 0
        return true
    }

    /// Writes everything kept, waiting for the terminal, and returns the descriptor to its original
    /// blocking mode (the shell shares it).
    public func finish() {
        while isBacklogged {
            guard flush() else { break }
            if isBacklogged {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, 1000) <= 0 { break } // a terminal that takes nothing for a second is gone
            }
        }
        if originalFlags >= 0 { _ = fcntl(fd, F_SETFL, originalFlags) }
    }
}

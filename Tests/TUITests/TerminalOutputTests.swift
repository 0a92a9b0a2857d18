#if canImport(Glibc)
import Glibc
#endif
import CPseudoTerminal
import Testing
import TUI

/// TerminalOutput on a real pseudo-terminal whose far side (the "terminal") we read at will.
@Suite struct TerminalOutputTests {
    /// Opens a pty pair in raw mode; returns (master, slave).
    func openPTY() throws -> (Int32, Int32) {
        var master: Int32 = -1, slave: Int32 = -1
        try #require(tc_open_pty(&master, &slave) == 0)
        return (master, slave)
    }

    func drain(_ master: Int32, upTo limit: Int) -> Int {
        var buffer = [UInt8](repeating: 0, count: 4096), total = 0
        while total < limit {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 0) == 1 else { break }
            let n = read(master, &buffer, min(buffer.count, limit - total))
            guard n > 0 else { break }
            total += n
        }
        return total
    }

    @Test func aSlowTerminalNeverBlocksTheWriterAndEveryByteArrives() throws {
        let (master, slave) = try openPTY()
        defer { close(master); close(slave) }
        let output = TerminalOutput(fd: slave)
        let frame = [UInt8](repeating: 0x41, count: 1 << 20) // far more than a pty buffers
        #expect(output.send(frame))
        #expect(output.isBacklogged) // returned without the terminal reading anything
        var received = 0, rounds = 0
        while output.isBacklogged && rounds < 100_000 {
            received += drain(master, upTo: 1 << 20)
            #expect(output.flush())
            rounds += 1
        }
        received += drain(master, upTo: 1 << 20)
        #expect(!output.isBacklogged)
        #expect(received == frame.count)
    }

    @Test func finishRestoresBlockingMode() throws {
        let (master, slave) = try openPTY()
        defer { close(master); close(slave) }
        let before = fcntl(slave, F_GETFL)
        let output = TerminalOutput(fd: slave)
        #expect(fcntl(slave, F_GETFL) & O_NONBLOCK != 0)
        output.send(Array("hello".utf8))
        output.finish()
        #expect(fcntl(slave, F_GETFL) == before)
        #expect(drain(master, upTo: 100) == 5)
    }

    @Test func aVanishedTerminalIsReported() throws {
        let (master, slave) = try openPTY()
        close(master)
        defer { close(slave) }
        let output = TerminalOutput(fd: slave)
        #expect(!output.send(Array("x".utf8)))
        #expect(!output.isBacklogged)
    }
}

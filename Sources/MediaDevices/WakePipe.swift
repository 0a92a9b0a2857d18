#if canImport(Glibc)
import Glibc
#endif

/// A self-pipe that tells a consumer's poll loop "something is waiting": a capture thread writes a
/// byte after each frame, the consumer polls `readDescriptor` beside its other inputs and drains it.
/// Both ends are non-blocking, so a full pipe (a wake-up already pending) never stalls the writer.
struct WakePipe: Sendable {
    let readDescriptor: Int32
    let writeDescriptor: Int32

    init(device: String) throws(DeviceError) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw .io(device: device, operation: "pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(writeDescriptor, &byte, 1) // EAGAIN: a wake-up is already pending
    }

    func drain() {
        var scratch: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while withUnsafeMutableBytes(of: &scratch, { Glibc.read(readDescriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Waits up to `milliseconds` for a wake-up (for consumers without a poll loop of their own).
    func wait(milliseconds: Int32) -> Bool {
        var fd = pollfd(fd: readDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&fd, 1, milliseconds) > 0
    }

    func close() {
        Glibc.close(readDescriptor)
        Glibc.close(writeDescriptor)
    }
}

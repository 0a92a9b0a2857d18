#if canImport(Glibc)
import Glibc
#endif
import STUN

/// One non-blocking TCP socket — connecting out, or accepted by a listener — with a bounded queue
/// of bytes the kernel has not taken yet. It fails once, keeping the one line that says why; the
/// owner (a TURN or an ICE-TCP connection) turns that into what the user sees.
final class StreamSocket {
    let descriptor: Int32
    private(set) var connected: Bool
    private var outgoing: [UInt8] = []
    private(set) var failure: String?
    /// Writes refused because the far end stopped reading and the queue was full.
    private(set) var dropped = 0

    /// Bytes queued for a peer that is not reading before new writes are dropped.
    static let maximumQueued = 1 << 20

    /// Starts connecting to `address`.
    init(connectingTo address: TransportAddress) throws(TransportError) {
        let fd = socket(address.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        Self.noDelay(fd)
        let result = SocketAddress.withSockaddr(address) { connect(fd, $0, $1) }
        if result != 0 && errno != EINPROGRESS { let e = errno; close(fd); throw .system("connect \(address)", e) }
        descriptor = fd
        connected = result == 0
    }

    /// A connection a listener accepted (already non-blocking).
    init(accepted fd: Int32) {
        Self.noDelay(fd)
        descriptor = fd
        connected = true
    }

    deinit { close(descriptor) }

    /// Checks and media are small and urgent: no Nagle delay.
    private static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    var wantsWrite: Bool { failure == nil && (!connected || !outgoing.isEmpty) }

    /// The socket became writable (or reported an error): true when this completed the connect.
    func handleWritable() -> Bool {
        guard failure == nil else { return false }
        var justConnected = false
        if !connected {
            var error: Int32 = 0, length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 { fail("could not connect (\(String(cString: strerror(error))))"); return false }
            connected = true
            justConnected = true
        }
        flush()
        return justConnected
    }

    /// Queues bytes (in front of what waits when `first`, for a TLS hello made at connect time).
    func write(_ bytes: [UInt8], first: Bool = false) {
        guard failure == nil, !bytes.isEmpty else { return }
        guard outgoing.count < Self.maximumQueued else { dropped += 1; return }
        outgoing = first ? bytes + outgoing : outgoing + bytes
        flush()
    }

    /// Everything the kernel holds for us now; empty when nothing (or after a failure).
    func readAvailable() -> [UInt8] {
        guard failure == nil else { return [] }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n > 0 { bytes += chunk[0..<n]; continue }
            if n == 0 { fail("the server closed the connection") }
            else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { fail("the connection broke (\(String(cString: strerror(errno))))") }
            break
        }
        return bytes
    }

    func fail(_ reason: String) {
        guard failure == nil else { return }
        failure = reason
        outgoing = []
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private func flush() {
        guard connected, failure == nil, !outgoing.isEmpty else { return }
        let n = outgoing.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 { outgoing.removeFirst(n) } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
            fail("the connection broke (\(String(cString: strerror(errno))))")
        }
    }
}

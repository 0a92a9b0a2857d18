#if canImport(Glibc)
import Glibc
#endif
import DTLS
import STUN
import TURN

/// The shell's TCP connection to one TURN server, plain or inside TLS (RFC 8656 §3.1): a
/// non-blocking connect, bytes queued until the socket takes them, the server's bytes cut into
/// STUN/ChannelData messages by `TurnStreamFramer`. It fails — once, with one line saying why —
/// when the connect is refused or takes too long, TLS does not trust the server, the framing
/// breaks, or the server closes; the ICE agent then drops that relay and keeps its other paths.
final class TurnStreamConnection {
    let server: TurnServer
    let descriptor: Int32
    private let tls: TlsClientSession?
    private var connected = false
    private var outgoing: [UInt8] = []
    private var framer = TurnStreamFramer()
    private let deadline: Int64
    private(set) var failure: String?
    /// Messages dropped because the server stopped reading and our queue was full.
    private(set) var dropped = 0

    /// How long connecting (and the TLS handshake) may take.
    static let connectTimeout: Int64 = 5_000
    /// Bytes queued for a server that is not reading before new messages are dropped.
    static let maximumQueued = 1 << 20

    init(server: TurnServer, caFile: String?, now: Int64) throws(TransportError) {
        self.server = server
        let fd = socket(server.address.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) // checks and media are small and urgent
        let result = SocketAddress.withSockaddr(server.address) { connect(fd, $0, $1) }
        if result != 0 && errno != EINPROGRESS { let e = errno; close(fd); throw .system("connect \(server.address)", e) }
        descriptor = fd
        deadline = now + Self.connectTimeout
        if server.transport == .tls {
            do throws(TlsError) {
                tls = try TlsClientSession(serverName: server.serverName, serverAddress: "\(server.address.ip)", caFile: caFile)
            } catch {
                close(fd)
                throw .system(error.description, 0)
            }
        } else {
            tls = nil
        }
        connected = result == 0
        if connected { tls?.start() }
    }

    deinit { close(descriptor) }

    var isUsable: Bool { failure == nil }
    /// Poll for writability while connecting or while bytes wait.
    var wantsWrite: Bool { failure == nil && (!connected || !outgoing.isEmpty) }
    private var ready: Bool { connected && (tls == nil || tls?.state == .established) }

    /// One message for the server (a STUN request or indication, or padded ChannelData).
    func send(_ message: [UInt8]) {
        guard failure == nil else { return }
        guard outgoing.count < Self.maximumQueued else { dropped += 1; return }
        if let tls { tls.send(message); outgoing += tls.takeOutput() } else { outgoing += message }
        flush()
    }

    /// The socket became writable (or reported an error): finish connecting, write what waits.
    func handleWritable() {
        guard failure == nil else { return }
        if !connected {
            var error: Int32 = 0, length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 { return fail("could not connect (\(String(cString: strerror(error))))") }
            connected = true
            if let tls { tls.start(); outgoing = tls.takeOutput() + outgoing }
        }
        flush()
    }

    /// Bytes arrived: the whole messages they complete.
    func handleReadable() -> [[UInt8]] {
        guard failure == nil else { return [] }
        var messages: [[UInt8]] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                var bytes = Array(chunk[0..<n])
                if let tls {
                    bytes = tls.receive(bytes)
                    outgoing += tls.takeOutput() // handshake replies, session tickets' acks
                    if case let .failed(reason) = tls.state { fail(reason); return messages }
                    if tls.state == .closed { fail("the server closed the connection"); return messages }
                }
                framer.append(bytes)
                do throws(TurnStreamFramer.FramingError) {
                    while let message = try framer.next() { messages.append(message) }
                } catch {
                    fail(error.description)
                    return messages
                }
                continue
            }
            if n == 0 { fail("the server closed the connection"); return messages }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { fail("the connection broke (\(String(cString: strerror(errno))))") }
            break
        }
        flush()
        return messages
    }

    /// A connection that is not up (TCP and TLS) by its deadline has failed.
    func checkDeadline(now: Int64) {
        if failure == nil, !ready, now >= deadline { fail("could not connect within \(Self.connectTimeout / 1000) s") }
    }

    var nextDeadline: Int64? { failure == nil && !ready ? deadline : nil }

    private func flush() {
        guard connected, failure == nil, !outgoing.isEmpty else { return }
        let n = outgoing.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 { outgoing.removeFirst(n) } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
            fail("the connection broke (\(String(cString: strerror(errno))))")
        }
    }

    private func fail(_ reason: String) {
        guard failure == nil else { return }
        failure = reason
        outgoing = []
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}

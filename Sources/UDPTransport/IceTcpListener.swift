#if canImport(Glibc)
import Glibc
#endif
import ICE
import STUN

/// A passive ICE-TCP candidate's socket (RFC 6544): listens on one interface address and accepts
/// the connections a peer's active candidates open, each carrying RFC 4571 frames. A stranger
/// can connect too, so connections are few (`maximumConnections`, the oldest unproven one goes
/// first) and one that has not carried a message within `proofTimeout` is closed.
final class IceTcpListener {
    let descriptor: Int32
    let local: TransportAddress

    static let maximumConnections = 8

    init(on ip: TransportAddress.IP) throws(TransportError) {
        let fd = socket(ip.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var one: Int32 = 1
        if !ip.isIPv4 { _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = SocketAddress.withSockaddr(TransportAddress(ip: ip, port: 0)) { bind(fd, $0, $1) }
        guard bound == 0, listen(fd, 8) == 0, let actual = SocketAddress.localAddress(of: fd) else {
            let e = errno; close(fd); throw .system("listen on \(ip)", e)
        }
        descriptor = fd
        local = actual
    }

    deinit { close(descriptor) }

    /// Connections waiting to be accepted, with the address each came from.
    func accept(now: Int64) -> [IceTcpConnection] {
        var out: [IceTcpConnection] = []
        while true {
            var storage = sockaddr_storage(), length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
            }
            guard fd >= 0 else { return out }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard let peer = withUnsafePointer(to: &storage, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress.decode($0) } }) else {
                close(fd)
                continue
            }
            out.append(IceTcpConnection(stream: StreamSocket(accepted: fd), local: local, peer: peer, now: now))
        }
    }
}

/// One ICE-TCP connection: RFC 4571 frames both ways over a `StreamSocket`.
final class IceTcpConnection {
    let stream: StreamSocket
    /// Our listener's address (the passive candidate) and the peer's end of the connection.
    let local: TransportAddress, peer: TransportAddress
    private var framer = Rfc4571Framer()
    let openedAt: Int64
    /// Set once a frame arrived: a peer that speaks, not a port scanner.
    private(set) var proven = false

    /// How long a new connection may stay silent.
    static let proofTimeout: Int64 = 5_000

    init(stream: StreamSocket, local: TransportAddress, peer: TransportAddress, now: Int64) {
        self.stream = stream
        self.local = local
        self.peer = peer
        openedAt = now
    }

    var isUsable: Bool { stream.failure == nil }

    func send(_ packet: [UInt8]) {
        guard let framed = Rfc4571Framer.frame(packet) else { return }
        stream.write(framed)
    }

    func handleReadable() -> [[UInt8]] {
        framer.append(stream.readAvailable())
        var packets: [[UInt8]] = []
        while let packet = framer.next() { packets.append(packet) }
        if !packets.isEmpty { proven = true }
        return packets
    }

    func checkSilence(now: Int64) {
        if !proven, now - openedAt >= Self.proofTimeout { stream.fail("silent") }
    }
}

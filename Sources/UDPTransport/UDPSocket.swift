#if canImport(Glibc)
import Glibc
#endif
import STUN

/// One non-blocking UDP socket bound to an address. Receive buffers are raised (default 4 MiB, as
/// far as the kernel allows) because loopback and LAN bursts overflow the usual 208 KiB.
public final class UDPSocket {
    public let descriptor: Int32
    public let local: TransportAddress
    /// Datagrams the kernel refused to send (EAGAIN, unreachable); counted, never fatal.
    public private(set) var sendFailures = 0

    public init(bindTo address: TransportAddress, receiveBufferBytes: Int32 = 4 << 20) throws(TransportError) {
        let fd = socket(address.isIPv4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var size = receiveBufferBytes, one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        if !address.isIPv4 { _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = SocketAddress.withSockaddr(address) { bind(fd, $0, $1) }
        guard bound == 0 else { let e = errno; close(fd); throw .system("bind \(address)", e) }
        guard let actual = SocketAddress.localAddress(of: fd) else {
            let e = errno; close(fd); throw .system("getsockname", e)
        }
        descriptor = fd
        local = actual
    }

    deinit { close(descriptor) }

    public func send(_ bytes: [UInt8], to destination: TransportAddress) {
        let sent = bytes.withUnsafeBytes { raw in
            SocketAddress.withSockaddr(destination) { sendto(descriptor, raw.baseAddress, raw.count, 0, $0, $1) }
        }
        if sent < 0 { sendFailures += 1 }
    }

    /// The next waiting datagram, or nil when none is.
    public func receive(into buffer: inout [UInt8]) -> (count: Int, from: TransportAddress)? {
        var storage = sockaddr_storage(), length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, raw.baseAddress, raw.count, 0, $0, &length) } }
        }
        guard n >= 0, let from = withUnsafePointer(to: &storage, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress.decode($0) } }) else { return nil }
        return (n, from)
    }
}

public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case system(String, Int32)
    case noUsableAddress

    public var description: String {
        switch self {
        case let .system(call, code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .noUsableAddress: return "no usable network address (is the network up?)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import STUN

/// Conversions between `TransportAddress` and the kernel's sockaddr structures — the C boundary of
/// the UDP shell, and the only place sockaddr is touched.
enum SocketAddress {
    static func withSockaddr<R>(_ address: TransportAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch address.ip {
        case let .v4(a):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = address.port.bigEndian
            sin.sin_addr = in_addr(s_addr: a.bigEndian)
            return withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case let .v6(bytes):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { raw in for i in 0..<16 { raw[i] = bytes[i] } }
            return withUnsafePointer(to: &sin6) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
    }

    /// The address a socket is bound to (getsockname).
    static func localAddress(of fd: Int32) -> TransportAddress? {
        var storage = sockaddr_storage(), length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { return nil }
        return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { decode($0) } }
    }

    static func decode(_ storage: UnsafePointer<sockaddr>) -> TransportAddress? {
        switch Int32(storage.pointee.sa_family) {
        case AF_INET:
            return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                TransportAddress(ip: .v4(UInt32(bigEndian: sin.pointee.sin_addr.s_addr)), port: UInt16(bigEndian: sin.pointee.sin_port))
            }
        case AF_INET6:
            return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                let bytes = withUnsafeBytes(of: sin6.pointee.sin6_addr) { Array($0) }
                return TransportAddress(ip: .v6(bytes), port: UInt16(bigEndian: sin6.pointee.sin6_port))
            }
        default:
            return nil
        }
    }
}

/// The machine's interface addresses ICE may offer as host candidates: up, not link-local, and
/// loopback only when asked (browsers offer it only behind a flag).
public enum InterfaceAddresses {
    public static func usable(includeLoopback: Bool = false) -> [TransportAddress.IP] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var out: [TransportAddress.IP] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0,
                  let decoded = SocketAddress.decode(address) else { continue }
            let ip = decoded.ip
            if ip.isLinkLocal { continue }
            if ip.isLoopback != includeLoopback && ip.isLoopback { continue }
            if !out.contains(ip) { out.append(ip) }
        }
        return out
    }
}

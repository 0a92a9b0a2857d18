#if canImport(Glibc)
import Glibc
#endif
import ICE
import STUN

/// The shell's multicast DNS socket (RFC 6762) for mDNS ICE candidates: 0.0.0.0:5353 shared with
/// any other responder on the machine (SO_REUSEADDR and SO_REUSEPORT, as browsers set), joined to
/// 224.0.0.251 on each IPv4 interface, and sending out of each in turn — browsers ask and answer
/// only by multicast, so a socket on an ephemeral port would never hear them.
final class MdnsSocket {
    let descriptor: Int32
    private let interfaces: [TransportAddress.IP]

    init(interfaces: [TransportAddress.IP]) throws(TransportError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = SocketAddress.withSockaddr(TransportAddress(ip: .v4(0), port: 5353)) { bind(fd, $0, $1) }
        guard bound == 0 else { let e = errno; close(fd); throw .system("bind 0.0.0.0:5353", e) }
        var joined: [TransportAddress.IP] = []
        for ip in interfaces {
            guard case let .v4(a) = ip else { continue }
            var request = ip_mreq(imr_multiaddr: in_addr(s_addr: UInt32(0xE000_00FB).bigEndian), imr_interface: in_addr(s_addr: a.bigEndian))
            if setsockopt(fd, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &request, socklen_t(MemoryLayout<ip_mreq>.size)) == 0 { joined.append(ip) }
        }
        guard !joined.isEmpty else { close(fd); throw .noUsableAddress }
        descriptor = fd
        self.interfaces = joined
    }

    deinit { close(descriptor) }

    /// Sends `message` to the group out of every interface we joined on.
    func multicast(_ message: [UInt8]) {
        for ip in interfaces {
            guard case let .v4(a) = ip else { continue }
            var interface = in_addr(s_addr: a.bigEndian)
            _ = setsockopt(descriptor, Int32(IPPROTO_IP), IP_MULTICAST_IF, &interface, socklen_t(MemoryLayout<in_addr>.size))
            _ = message.withUnsafeBytes { raw in
                SocketAddress.withSockaddr(MdnsMessage.group) { sendto(descriptor, raw.baseAddress, raw.count, 0, $0, $1) }
            }
        }
    }

    /// The next message waiting, or nil.
    func receive(into buffer: inout [UInt8]) -> [UInt8]? {
        let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(buffer[0..<n]) : nil
    }
}

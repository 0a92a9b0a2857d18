import Foundation
import Logging
import STUN
import Synchronization
import UDPTransport

/// Answers STUN Binding requests (RFC 8489 §7.3) on the server's port number over UDP, so clients
/// behind NAT learn their server-reflexive address from the server they already use. One thread,
/// poll(2) with a short timeout so `stop` is prompt; anything that is not a Binding request is dropped.
///
/// Listening on every interface (0.0.0.0) means a socket per interface address, not one wildcard
/// socket: a wildcard socket answers from whichever address routes back to the client, and a NAT
/// in front of that client drops an answer that does not come from the address it asked (seen on a
/// server with two networks). Addresses that appear later are not listened on.
final class StunResponderThread: Sendable {
    let port: Int
    /// Held by the STUN thread for its whole run (nobody else takes it): the Mutex only carries
    /// the sockets across threads.
    private let sockets: Mutex<[UDPSocket]>
    private let stopped = Atomic<Bool>(false)
    private let logger: Logger

    init(host: String, port: Int, logger: Logger) throws {
        guard let ip = TransportAddress.IP(host == "localhost" ? "127.0.0.1" : host) ?? TransportAddress.IP("0.0.0.0") else {
            throw TransportError.noUsableAddress
        }
        var bound: [UDPSocket] = []
        if ip == TransportAddress.IP("0.0.0.0") {
            var chosen = UInt16(clamping: port)
            for address in InterfaceAddresses.usable(includeLoopback: true) where address.isIPv4 {
                guard let udp = try? UDPSocket(bindTo: TransportAddress(ip: address, port: chosen), receiveBufferBytes: 1 << 20) else { continue }
                chosen = udp.local.port // port 0: the first socket's port for all
                bound.append(udp)
            }
        }
        if bound.isEmpty { bound = [try UDPSocket(bindTo: TransportAddress(ip: ip, port: UInt16(clamping: port)), receiveBufferBytes: 1 << 20)] }
        self.port = Int(bound[0].local.port)
        sockets = Mutex(bound)
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "termcall.stun"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    private func run() {
        let responder = StunBindingResponder(software: "termcall serve")
        var buffer = [UInt8](repeating: 0, count: 2_048)
        var answered = 0
        sockets.withLock { sockets in
            while !stopped.load(ordering: .relaxed) {
                var fds = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
                guard poll(&fds, nfds_t(fds.count), 200) > 0 else { continue }
                for (udp, fd) in zip(sockets, fds) where fd.revents & Int16(POLLIN) != 0 {
                    while let (count, from) = udp.receive(into: &buffer) {
                        if let reply = responder.response(to: Array(buffer[..<count]), from: from) {
                            udp.send(reply, to: from)
                            answered += 1
                        }
                    }
                }
            }
        }
        logger.info("stun stopped", metadata: ["answered": "\(answered)"])
    }
}

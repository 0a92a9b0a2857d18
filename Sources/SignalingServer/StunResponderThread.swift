import Foundation
import Logging
import STUN
import Synchronization
import UDPTransport

/// Answers STUN Binding requests (RFC 8489 §7.3) on the server's port number over UDP, so clients
/// behind NAT learn their server-reflexive address from the server they already use. One thread,
/// poll(2) with a short timeout so `stop` is prompt; anything that is not a Binding request is dropped.
final class StunResponderThread: Sendable {
    let port: Int
    /// Held by the STUN thread for its whole run (nobody else takes it): the Mutex only carries
    /// the socket across threads.
    private let socket: Mutex<UDPSocket>
    private let stopped = Atomic<Bool>(false)
    private let logger: Logger

    init(host: String, port: Int, logger: Logger) throws {
        guard let ip = TransportAddress.IP(host == "localhost" ? "127.0.0.1" : host) ?? TransportAddress.IP("0.0.0.0") else {
            throw TransportError.noUsableAddress
        }
        let udp = try UDPSocket(bindTo: TransportAddress(ip: ip, port: UInt16(clamping: port)), receiveBufferBytes: 1 << 20)
        self.port = Int(udp.local.port)
        socket = Mutex(udp)
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
        socket.withLock { udp in
            while !stopped.load(ordering: .relaxed) {
                var pfd = pollfd(fd: udp.descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 200) > 0 else { continue }
                while let (count, from) = udp.receive(into: &buffer) {
                    if let reply = responder.response(to: Array(buffer[..<count]), from: from) {
                        udp.send(reply, to: from)
                        answered += 1
                    }
                }
            }
        }
        logger.info("stun stopped", metadata: ["answered": "\(answered)"])
    }
}

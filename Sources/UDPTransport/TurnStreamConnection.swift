import DTLS
import STUN
import TURN

/// The shell's TCP connection to one TURN server, plain or inside TLS (RFC 8656 §3.1): a
/// `StreamSocket`, TLS through `TlsClientSession` when asked, and the server's bytes cut into
/// STUN/ChannelData messages by `TurnStreamFramer`. It fails — once, with one line saying why —
/// when the connect is refused or takes too long, TLS does not trust the server, the framing
/// breaks, or the server closes; the ICE agent then drops that relay and keeps its other paths.
final class TurnStreamConnection {
    let server: TurnServer
    private let stream: StreamSocket
    private let tls: TlsClientSession?
    private var framer = TurnStreamFramer()
    private let deadline: Int64

    /// How long connecting (and the TLS handshake) may take.
    static let connectTimeout: Int64 = 5_000

    init(server: TurnServer, caFile: String?, now: Int64) throws(TransportError) {
        self.server = server
        if server.transport == .tls {
            do throws(TlsError) {
                tls = try TlsClientSession(serverName: server.serverName, serverAddress: "\(server.address.ip)", caFile: caFile)
            } catch {
                throw .system(error.description, 0)
            }
        } else {
            tls = nil
        }
        stream = try StreamSocket(connectingTo: server.address)
        deadline = now + Self.connectTimeout
        if stream.connected { startTLS() }
    }

    var descriptor: Int32 { stream.descriptor }
    var failure: String? { stream.failure }
    var isUsable: Bool { stream.failure == nil }
    var wantsWrite: Bool { stream.wantsWrite }
    private var ready: Bool { stream.connected && (tls == nil || tls?.state == .established) }

    /// One message for the server (a STUN request or indication, or padded ChannelData).
    func send(_ message: [UInt8]) {
        if let tls { tls.send(message); stream.write(tls.takeOutput()) } else { stream.write(message) }
    }

    func handleWritable() {
        if stream.handleWritable() { startTLS() }
    }

    /// Bytes arrived: the whole messages they complete.
    func handleReadable() -> [[UInt8]] {
        var bytes = stream.readAvailable()
        if let tls, !bytes.isEmpty {
            bytes = tls.receive(bytes)
            stream.write(tls.takeOutput()) // handshake replies
            if case let .failed(reason) = tls.state { stream.fail(reason); return [] }
            if tls.state == .closed { stream.fail("the server closed the connection"); return [] }
        }
        framer.append(bytes)
        var messages: [[UInt8]] = []
        do throws(TurnStreamFramer.FramingError) {
            while let message = try framer.next() { messages.append(message) }
        } catch {
            stream.fail(error.description)
        }
        return messages
    }

    /// A connection that is not up (TCP and TLS) by its deadline has failed.
    func checkDeadline(now: Int64) {
        if isUsable, !ready, now >= deadline { stream.fail("could not connect within \(Self.connectTimeout / 1000) s") }
    }

    var nextDeadline: Int64? { isUsable && !ready ? deadline : nil }

    private func startTLS() {
        guard let tls else { return }
        tls.start()
        stream.write(tls.takeOutput(), first: true)
    }
}

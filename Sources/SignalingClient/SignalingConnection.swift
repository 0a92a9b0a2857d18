import Foundation
import HummingbirdWSClient
import Logging
import NIOSSL
import Signaling
import Synchronization

/// A terminal's connection to `termcall serve`: a WebSocket client on its own task that joins the
/// room, reconnects with backoff when the connection drops (resuming its peer id, so the call's
/// media carries on meanwhile), and hands messages to the call's thread through `poll()` — the
/// call loop never waits on the network for signalling.
public final class SignalingConnection: Sendable {
    public enum Event: Sendable, Equatable {
        case connected
        case message(SignalingMessage)
        /// The connection dropped (reconnecting) or failed for good; one line for the user.
        case disconnected(String)
    }

    private struct State: Sendable {
        var events: [Event] = []
        var outbox: [String] = []
        var writer: AsyncStream<String>.Continuation?
        var resumeID: String?
        var closed = false
        /// The current attempt reached the server.
        var reached = false
        /// The server's certificate was refused: retrying cannot help, so the connection stops.
        var refused = false
    }

    /// What the connection task and the call's thread share (the task holds this, not the
    /// connection, so dropping the connection ends the task).
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    public let url: String
    public let room: String
    private let shared = Shared()
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// A CA file that cannot be read, said in one line.
    public struct TrustError: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - server: `ws://host:port` or `wss://host:port` (an `http(s)://` address works too).
    ///   - passphrase: the room's passphrase, when it has one (whoever opens a room sets it).
    ///   - caFile: for `wss://`, PEM certificates to trust instead of the system's (a server
    ///     with a certificate from your own CA). The server's name is checked either way.
    public init(server: String, room: String, name: String, passphrase: String? = nil, caFile: String? = nil) throws(TrustError) {
        var base = server.hasSuffix("/") ? String(server.dropLast()) : server
        if base.hasPrefix("http://") { base = "ws://" + base.dropFirst(7) }
        if base.hasPrefix("https://") { base = "wss://" + base.dropFirst(8) }
        url = base + "/ws"
        self.room = room
        var tls: TLSConfiguration?
        if url.hasPrefix("wss://") {
            // TLS checks the server's certificate against its name, and names it in SNI, which
            // cannot carry an address (RFC 6066 §3): a wss:// URL needs the name.
            let host = url.dropFirst(6).prefix { $0 != "/" }
            if host.hasPrefix("[") || host.prefix(while: { $0 != ":" }).allSatisfy({ $0.isNumber || $0 == "." }) {
                throw TrustError(description: "wss:// needs the server's name as its certificate gives it (e.g. wss://localhost:\(host.split(separator: ":").last ?? "8080")), not an address")
            }
            var configuration = TLSConfiguration.makeClientConfiguration() // full verification, hostname included
            if let caFile {
                do {
                    let roots = try NIOSSLCertificate.fromPEMFile(caFile)
                    guard !roots.isEmpty else { throw TrustError(description: "no certificate in it") }
                    configuration.trustRoots = .certificates(roots)
                } catch {
                    throw TrustError(description: "cannot use \(caFile) as the CA to trust: \(error); give a PEM certificate file")
                }
            }
            tls = configuration
        }
        let url = self.url, shared = self.shared, chosen = tls
        task.withLock {
            $0 = Task.detached {
                await Self.run(url: url, room: room, name: name, passphrase: passphrase, tls: chosen, shared: shared)
            }
        }
    }

    deinit { close() }

    /// Queues a message; it goes out at once when connected, or after the reconnection.
    public func send(_ message: SignalingMessage) {
        let text = message.encoded
        shared.state.withLock { s in
            if let writer = s.writer { writer.yield(text) } else { s.outbox.append(text) }
        }
    }

    /// Waits (up to `timeout`) until the server has put us in the room, and returns that `peers`
    /// message with everything that came before it — before the call exists, so it can use the
    /// STUN and TURN servers the server hands out. Nil on timeout or when the server refuses.
    public func waitUntilJoined(timeout: Duration = .seconds(10)) -> (peers: SignalingMessage?, events: [Event]) {
        let clock = ContinuousClock(), deadline = clock.now + timeout
        var seen: [Event] = []
        while clock.now < deadline {
            // The whole batch goes back: what came after the answer (a newer peer list, an offer)
            // must reach the call too.
            let batch = poll()
            seen += batch
            for event in batch {
                if case let .message(m) = event, m.type == .peers { return (m, seen) }
                if case let .message(m) = event, m.type == .error { return (nil, seen) }
            }
            if shared.state.withLock({ $0.refused }) { return (nil, seen + poll()) }
            usleep(5_000) // signalling arrives on the connection's task; this runs once, before the call
        }
        return (nil, seen)
    }

    /// Why joining failed, from what `waitUntilJoined` returned: the server's own reason (a wrong
    /// passphrase, a full room) or the connection's, newest first; nil when neither said anything.
    public static func joinFailure(in events: [Event]) -> String? {
        events.reversed().lazy.compactMap { event -> String? in
            if case let .message(m) = event, m.type == .error { return m.message }
            if case let .disconnected(text) = event { return text }
            return nil
        }.first
    }

    /// What arrived since the last call, without waiting.
    public func poll() -> [Event] {
        shared.state.withLock { s in
            defer { s.events = [] }
            return s.events
        }
    }

    /// Says bye to the room and closes.
    public func close() {
        let wasOpen = shared.state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.writer?.yield(SignalingMessage(.bye).encoded)
            s.closed = true
            s.writer?.finish()
            return true
        }
        if wasOpen {
            // Give the bye a moment to leave; then stop reconnecting.
            let handle = task.withLock { $0 }
            Task.detached {
                try? await Task.sleep(for: .milliseconds(200))
                handle?.cancel()
            }
        }
    }

    private static func run(url: String, room: String, name: String, passphrase: String?, tls: TLSConfiguration?, shared: Shared) async {
        let state = shared
        var logger = Logger(label: "termcall.signalling")
        logger.logLevel = .critical
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled, !state.state.withLock({ $0.closed }) {
            state.state.withLock { $0.reached = false }
            do {
                try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                    let (stream, writer) = AsyncStream<String>.makeStream()
                    let (resume, queued) = state.state.withLock { s -> (String?, [String]) in
                        s.writer = writer
                        s.reached = true
                        s.events.append(Event.connected)
                        defer { s.outbox = [] }
                        return (s.resumeID, s.outbox)
                    }
                    var join = SignalingMessage.join(room: room, name: name)
                    join.id = resume
                    join.passphrase = passphrase
                    try await outbound.write(.text(join.encoded))
                    for text in queued { try await outbound.write(.text(text)) }
                    let pump = Task {
                        for await text in stream { try? await outbound.write(.text(text)) }
                        try? await outbound.close(.normalClosure, reason: "bye")
                    }
                    defer { pump.cancel() }
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case let .text(text) = frame, let message = try? SignalingMessage.decode(text) else { continue }
                        state.state.withLock { s in
                            if message.type == .peers, let id = message.id { s.resumeID = id }
                            s.events.append(.message(message))
                        }
                    }
                }
            } catch {
                let line = Self.describe(error, url: url)
                let refused = Self.isCertificateRefusal(error)
                state.state.withLock {
                    $0.events.append(Event.disconnected($0.reached ? "signalling connection lost: \(line)" : line))
                    if refused { $0.refused = true }
                }
                // A server that cannot prove who it is will not on the next attempt either.
                if refused { return }
            }
            state.state.withLock { s in
                s.writer?.finish()
                s.writer = nil
            }
            if state.state.withLock({ $0.closed }) { return }
            let reached = state.state.withLock { $0.reached }
            if reached {
                backoff = .milliseconds(250)
                state.state.withLock { $0.events.append(Event.disconnected("signalling connection lost; reconnecting")) }
            }
            try? await Task.sleep(for: backoff) // not a synchronisation: the pause between reconnection attempts
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    static func isCertificateRefusal(_ error: any Error) -> Bool {
        let text = "\(error)"
        return error is NIOSSLError || error is NIOSSLExtraError || text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate")
    }

    /// One line for the user; a refused certificate says what to do about it.
    static func describe(_ error: any Error, url: String) -> String {
        let text = "\(error)"
        if isCertificateRefusal(error) {
            return "the signalling server at \(url) did not prove its identity (\(text)): check the address, or pass --ca-file if its certificate comes from your own CA"
        }
        return "cannot reach the signalling server at \(url): \(text)"
    }
}

import Foundation
import Logging
import Signaling
import TURN

/// The one owner of the server's rooms: an actor around `RoomDirectory`, holding each
/// connection's outbound queue. WebSocket handlers feed it frames; it hands back nothing and
/// writes into the queues, so a slow client never blocks the actor or anyone else.
actor SignalingHub {
    struct TurnSettings: Sendable {
        var secret: String
        var urls: [String]
        /// Seconds a minted credential works (RFC 8489 REST scheme: the expiry is in the username).
        var lifetime: Int = 4 * 3600
    }

    private var directory: RoomDirectory
    private var outbound: [Int: AsyncStream<SignalingMessage>.Continuation] = [:]
    private var nextConnection = 1
    private let turn: TurnSettings?
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let logger: Logger
    private(set) var relayed = 0

    init(limits: RoomDirectory.Limits, turn: TurnSettings?, logger: Logger) {
        directory = RoomDirectory(limits: limits, seed: UInt64.random(in: 1...UInt64.max))
        self.turn = turn
        self.logger = logger
        start = clock.now
    }

    /// A new WebSocket: its id and the stream of frames to write to it.
    func connect() -> (Int, AsyncStream<SignalingMessage>) {
        let id = nextConnection
        nextConnection += 1
        // Bounded: a client that stops reading loses its oldest frames, not the server's memory.
        let (stream, continuation) = AsyncStream<SignalingMessage>.makeStream(bufferingPolicy: .bufferingNewest(256))
        outbound[id] = continuation
        directory.connected(id)
        logger.info("connected", metadata: ["connection": "\(id)", "connections": "\(directory.connectionCount)"])
        return (id, stream)
    }

    /// A frame from connection `id`, parsed on the connection's task (JSON work stays off the
    /// actor); `stunURL` names our own STUN responder as the client reached us.
    func received(_ parsed: RoomDirectory.Parsed, from id: Int, stunURL: String?) {
        let now = Int64((clock.now - start) / .milliseconds(1))
        let before = directory.rejected
        let outputs = directory.received(parsed, from: id, now: now) { peer in self.iceServers(for: peer, stunURL: stunURL) }
        if directory.rejected != before { logger.notice("rejected", metadata: ["connection": "\(id)"]) }
        deliver(outputs)
    }

    func disconnected(_ id: Int) {
        deliver(directory.disconnected(id))
        outbound.removeValue(forKey: id)?.finish()
        logger.info("disconnected", metadata: ["connection": "\(id)", "connections": "\(directory.connectionCount)", "rooms": "\(directory.roomCount)"])
    }

    var health: (rooms: Int, connections: Int, rejected: Int) { (directory.roomCount, directory.connectionCount, directory.rejected) }
    var limit: Int { directory.limits.maximumMessageBytes }

    private func deliver(_ outputs: [RoomDirectory.Output]) {
        for case let .send(connection, message) in outputs {
            if message.type == .offer || message.type == .answer || message.type == .candidate { relayed += 1 }
            outbound[connection]?.yield(message) // encoded by the connection's writer
        }
    }

    /// STUN on our own port, and TURN with REST credentials minted for this peer (coturn's
    /// `use-auth-secret` scheme: username `expiry:peer`, password base64(HMAC-SHA1(secret, username))).
    private func iceServers(for peer: String, stunURL: String?) -> [SignalingMessage.IceServer] {
        var servers: [SignalingMessage.IceServer] = []
        if let stunURL { servers.append(.init(urls: [stunURL])) }
        if let turn {
            let expiry = Int(Date().timeIntervalSince1970) + turn.lifetime
            let credentials = TurnServer.restCredentials(secret: turn.secret, name: peer, expiresAt: expiry)
            servers.append(.init(urls: turn.urls, username: credentials.username, credential: credentials.password))
        }
        return servers
    }
}

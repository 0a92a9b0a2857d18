import CryptoPrimitives

/// The signalling server's rooms, sans-IO: connections come and go, text frames come in, and
/// what to send (or whom to disconnect) comes out. The server only moves frames; every rule lives
/// here, where tests drive it with a virtual clock.
///
/// Rules: a connection joins one room; a room holds at most `roomSize` peers; offers, answers and
/// candidates go to one peer of the same room (`to`, or the only other one); frames above
/// `maximumMessageBytes`, malformed ones and those beyond the rate limit are answered with an
/// `error` and dropped, and never reach anyone else.
///
/// A room may have a passphrase: whoever opens it sets it (or sets none), and everyone after must
/// give the same one. The directory keeps only a keyed hash of it, compares in constant time, and
/// allows `passphraseAttempts` wrong ones per room, refilled one a minute, so guessing a room's
/// passphrase online is slow. There is no way to list rooms: a name is only learnt from whoever
/// made it (names the page makes are 80 random bits).
public struct RoomDirectory: Sendable {
    public typealias ConnectionID = Int

    public struct Limits: Sendable, Equatable {
        public var roomSize = 4
        public var maximumRooms = 100_000
        public var maximumMessageBytes = 65_536
        /// Messages per connection: a burst of `burst`, then `perSecond`.
        public var burst = 100.0
        public var perSecond = 20.0
        /// Wrong passphrases per room before it refuses everyone for a while (one more a minute).
        public var passphraseAttempts = 5.0
        public init() {}
    }

    public enum Output: Sendable, Equatable {
        case send(ConnectionID, SignalingMessage)
    }

    /// A frame after the size check and JSON decoding.
    public enum Parsed: Sendable, Equatable {
        case message(SignalingMessage)
        case tooLarge
        case malformed(SignalingMessage.DecodeError)
    }

    public static func parse(_ text: String, limit: Int) -> Parsed {
        guard text.utf8.count <= limit else { return .tooLarge }
        do { return .message(try SignalingMessage.decode(text)) } catch { return .malformed(error) }
    }

    struct Member: Sendable {
        var peer: SignalingMessage.Peer
        var room: String?
        var bucket: TokenBucket
        var lastRateError: Int64?
    }

    public let limits: Limits
    private var members: [ConnectionID: Member] = [:]
    /// Connections per room, in joining order.
    private var rooms: [String: [ConnectionID]] = [:]
    /// The keyed hash of each locked room's passphrase, and its budget of wrong guesses.
    private var locks: [String: (hash: [UInt8], guesses: TokenBucket)] = [:]
    /// The key for those hashes: random per server run, so a dump of memory gives no passphrase
    /// a dictionary can be run against offline without it too.
    private let passphraseKey: [UInt8]
    private var nextPeer: UInt64
    public private(set) var rejected = 0

    /// - Parameter seed: varies the peer ids between server runs.
    public init(limits: Limits = .init(), seed: UInt64, passphraseKey: [UInt8] = SecureRandom.bytes(32)) {
        self.limits = limits
        nextPeer = seed
        self.passphraseKey = passphraseKey
    }

    public var roomCount: Int { rooms.count }
    public var connectionCount: Int { members.count }
    public func members(of room: String) -> [SignalingMessage.Peer] { (rooms[room] ?? []).compactMap { members[$0]?.peer } }

    public mutating func connected(_ connection: ConnectionID) {
        nextPeer = nextPeer &* 6364136223846793005 &+ 1442695040888963407
        let id = "p" + String(nextPeer >> 24, radix: 36)
        members[connection] = Member(peer: .init(id: id, name: "guest"), bucket: TokenBucket(capacity: limits.burst, perSecond: limits.perSecond))
    }

    /// One text frame from `connection`. `iceServers` gives the STUN/TURN servers for a peer id
    /// (TURN credentials are minted per peer).
    public mutating func received(_ text: String, from connection: ConnectionID, now: Int64,
                                  iceServers: (String) -> [SignalingMessage.IceServer] = { _ in [] }) -> [Output] {
        received(Self.parse(text, limit: limits.maximumMessageBytes), from: connection, now: now, iceServers: iceServers)
    }

    /// A frame parsed beforehand (`parse`), so a server can decode JSON on its connections'
    /// threads and keep only the rules on the one owner of the rooms.
    public mutating func received(_ parsed: Parsed, from connection: ConnectionID, now: Int64,
                                  iceServers: (String) -> [SignalingMessage.IceServer] = { _ in [] }) -> [Output] {
        guard var member = members[connection] else { return [] }
        guard member.bucket.take(now: now) else {
            rejected += 1
            defer { members[connection] = member }
            // One error a second at most: a flood is not answered with a flood.
            if let last = member.lastRateError, now - last < 1_000 { return [] }
            member.lastRateError = now
            return [.send(connection, .error("rate-limited", "too many messages: at most \(Int(limits.perSecond)) a second"))]
        }
        members[connection] = member
        let message: SignalingMessage
        switch parsed {
        case .tooLarge:
            rejected += 1
            return [.send(connection, .error("too-large", "a message is at most \(limits.maximumMessageBytes) bytes"))]
        case let .malformed(error):
            rejected += 1
            return [.send(connection, .error("bad-message", error.description))]
        case let .message(m):
            message = m
        }
        switch message.type {
        case .join: return join(connection, room: message.room ?? "", name: message.name, passphrase: message.passphrase, resuming: message.id, now: now, iceServers: iceServers)
        case .offer, .answer, .candidate: return relay(message, from: connection)
        case .bye: return leave(connection, sayBye: true)
        case .peers, .error:
            rejected += 1
            return [.send(connection, .error("bad-message", "\(message.type.rawValue) is sent by the server, not to it"))]
        }
    }

    /// A dropped WebSocket is not a hang-up: the others get the new member list but no `bye`, so a
    /// call whose media still flows survives while its client reconnects (and resumes its id).
    public mutating func disconnected(_ connection: ConnectionID) -> [Output] {
        let out = leave(connection, sayBye: false)
        members[connection] = nil
        return out
    }

    // MARK: rules

    private mutating func join(_ connection: ConnectionID, room: String, name: String?, passphrase: String?, resuming: String?, now: Int64,
                               iceServers: (String) -> [SignalingMessage.IceServer]) -> [Output] {
        guard var member = members[connection] else { return [] }
        if member.room == room { return [] } // a repeated join (a reconnecting client) changes nothing
        guard member.room == nil else { return [.send(connection, .error("already-joined", "leave (bye) before joining another room"))] }
        let present = rooms[room] ?? []
        guard present.count < limits.roomSize else {
            return [.send(connection, .error("room-full", "room \(room) already has \(limits.roomSize) people"))]
        }
        guard !present.isEmpty || rooms.count < limits.maximumRooms else {
            return [.send(connection, .error("server-full", "this server holds no more rooms; try later"))]
        }
        // An empty passphrase is none (a form left blank).
        let given = passphrase.flatMap { $0.isEmpty ? nil : HashFunction.sha256.authenticationCode(key: passphraseKey, Array($0.utf8)) }
        if present.isEmpty {
            locks[room] = given.map { ($0, TokenBucket(capacity: limits.passphraseAttempts, perSecond: 1.0 / 60)) }
        } else if var lock = locks[room] {
            // Out of guesses, even the right passphrase waits: otherwise the limit would not slow
            // a guesser down at all.
            defer { locks[room] = lock }
            guard lock.guesses.hasToken(now: now) else {
                rejected += 1
                return [.send(connection, .error("wrong-passphrase", "too many wrong passphrases for room \(room): try again in a minute"))]
            }
            guard let given, constantTimeEqual(given, lock.hash) else {
                rejected += 1
                _ = lock.guesses.take(now: now)
                return [.send(connection, .error("wrong-passphrase", "room \(room) needs its passphrase: ask whoever opened it"))]
            }
        } else if given != nil {
            rejected += 1
            return [.send(connection, .error("wrong-passphrase", "room \(room) has no passphrase: join without one, or it is not the room you meant"))]
        }
        if let name { member.peer.name = Self.cleaned(name) }
        // A client back after a dropped connection keeps its id, so its peers know it.
        if let resuming, resuming.count <= 32, !members.values.contains(where: { $0.peer.id == resuming }) { member.peer.id = resuming }
        member.room = room
        members[connection] = member
        rooms[room] = present + [connection]
        var out: [Output] = []
        for other in rooms[room] ?? [] {
            var update = peersMessage(for: other, in: room)
            if other == connection { update.iceServers = iceServers(member.peer.id) }
            out.append(.send(other, update))
        }
        return out
    }

    private mutating func relay(_ message: SignalingMessage, from connection: ConnectionID) -> [Output] {
        guard let member = members[connection], let room = member.room, let present = rooms[room] else {
            return [.send(connection, .error("not-joined", "join a room first"))]
        }
        let others = present.filter { $0 != connection }
        let target: ConnectionID?
        if let to = message.to { target = others.first { members[$0]?.peer.id == to } } else { target = others.count == 1 ? others[0] : nil }
        guard let target else {
            return [.send(connection, .error("unknown-peer", message.to.map { "no peer \($0) in room \(room)" } ?? "say which peer (to): the room has \(others.count) others"))]
        }
        var forwarded = message
        forwarded.to = nil
        forwarded.from = member.peer.id
        return [.send(target, forwarded)]
    }

    private mutating func leave(_ connection: ConnectionID, sayBye: Bool) -> [Output] {
        guard var member = members[connection], let room = member.room else { return [] }
        member.room = nil
        members[connection] = member
        let remaining = (rooms[room] ?? []).filter { $0 != connection }
        rooms[room] = remaining.isEmpty ? nil : remaining
        if remaining.isEmpty { locks[room] = nil }
        var out: [Output] = []
        for other in remaining {
            if sayBye {
                var bye = SignalingMessage(.bye)
                bye.from = member.peer.id
                out.append(.send(other, bye))
            }
            out.append(.send(other, peersMessage(for: other, in: room)))
        }
        return out
    }

    private func peersMessage(for connection: ConnectionID, in room: String) -> SignalingMessage {
        var m = SignalingMessage(.peers)
        m.room = room
        m.id = members[connection]?.peer.id
        m.peers = (rooms[room] ?? []).filter { $0 != connection }.compactMap { members[$0]?.peer }
        return m
    }

    /// Names are shown to others: no control characters, at most 64 characters.
    static func cleaned(_ name: String) -> String {
        let kept = String(name.unicodeScalars.filter { !$0.properties.generalCategory.isControlLike }.map(Character.init)).prefix(SignalingMessage.maximumName)
        return kept.isEmpty ? "guest" : String(kept)
    }
}

extension Unicode.GeneralCategory {
    var isControlLike: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: return true
        default: return false
        }
    }
}

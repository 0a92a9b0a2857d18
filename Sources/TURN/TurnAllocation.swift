import STUN

/// One relayed address on one TURN server (RFC 8656), sans-IO, reached over UDP, TCP or TLS (the
/// relayed side is UDP either way). Everything it sends goes to the server: `pollTransmit()` hands
/// those messages out (over a stream the shell frames nothing more: STUN carries its length, and
/// `wrap` pads ChannelData to 4 bytes as §12.5 requires on streams); `handle` takes the server's
/// messages one at a time; `handleTimeout` drives retransmission and refreshes.
///
/// Permissions come first: `permit(peer)` installs one (CreatePermission) and `isPermitted(peer)`
/// says when the server has confirmed it, so the owner can hold the first packet to a peer until
/// then — a relayed packet sent before its permission exists is silently dropped by the server
/// (§9), which is what costs other stacks a 500 ms retransmission on their first check.
public struct TurnAllocation: Sendable {
    public enum State: Sendable, Equatable {
        case idle, allocating
        case allocated(relayed: TransportAddress, mapped: TransportAddress?)
        case failed(String)
    }

    public enum Event: Sendable, Equatable {
        case allocated(relayed: TransportAddress, mapped: TransportAddress?)
        case failed(String)
        case permitted(TransportAddress.IP)
        /// The server will not relay to or from this peer (403: a denied address range, say).
        case refused(TransportAddress.IP)
    }

    enum Request: Sendable, Equatable {
        case allocate, refresh(lifetime: UInt32), createPermission([TransportAddress.IP]), channelBind(UInt16, TransportAddress)
    }

    public let server: TurnServer
    public private(set) var state: State = .idle
    private var realm: String?
    private var nonce: String?
    private var credentials: StunCredentials?
    private var transactions: StunTransactions<Request>
    private var outgoing: [[UInt8]] = []
    private var events: [Event] = []
    private var authenticatedAttempt = false
    private var refreshAt: Int64?
    private enum Permission: Sendable { case requested, confirmed(refreshAt: Int64) }
    private var permissions: [TransportAddress.IP: Permission] = [:]
    private var channels: [TransportAddress: (number: UInt16, refreshAt: Int64?)] = [:]
    private var peersByChannel: [UInt16: TransportAddress] = [:]
    private var nextChannel: UInt16 = 0x4000
    public private(set) var malformed = 0

    /// Permissions last 300 s and channels 600 s (§9, §12); both are refreshed a minute early.
    static let permissionRefresh: Int64 = 240_000, channelRefresh: Int64 = 540_000

    public init(server: TurnServer, rto: Int64 = 500) {
        self.server = server
        // A stream delivers or breaks: no retransmissions (RFC 8489 §6.2.2), one deadline instead.
        transactions = server.transport == .udp ? StunTransactions(rto: rto) : StunTransactions(rto: Self.streamTimeout, maximumSends: 1)
    }

    /// How long a request over TCP or TLS may go unanswered (RFC 8489 allows 39.5 s; a user waits less).
    public static let streamTimeout: Int64 = 10_000

    /// The TCP or TLS connection to the server broke or could not be made: the allocation is gone.
    public mutating func transportFailed(_ reason: String) {
        guard state != .failed(reason) else { return }
        if case .failed = state { return }
        fail("TURN server \(server): \(reason)")
    }

    public var relayedAddress: TransportAddress? {
        if case let .allocated(relayed, _) = state { return relayed }
        return nil
    }

    // MARK: inputs

    public mutating func start(now: Int64) {
        guard state == .idle else { return }
        state = .allocating
        request(.allocate, now: now)
    }

    /// Asks the server to let `peer` send to us (and us to it).
    public mutating func permit(_ peer: TransportAddress.IP, now: Int64) {
        guard permissions[peer] == nil else { return }
        permissions[peer] = .requested
        if relayedAddress != nil { request(.createPermission([peer]), now: now) }
    }

    public func isPermitted(_ peer: TransportAddress.IP) -> Bool {
        if case .confirmed = permissions[peer] { return true }
        return false
    }

    /// Binds a channel to `peer` so data goes as 4-byte-header ChannelData instead of Send indications.
    public mutating func bindChannel(to peer: TransportAddress, now: Int64) {
        guard channels[peer] == nil, nextChannel <= 0x4FFF, relayedAddress != nil else { return }
        let number = nextChannel
        nextChannel += 1
        channels[peer] = (number, nil)
        peersByChannel[number] = peer
        request(.channelBind(number, peer), now: now)
    }

    /// A datagram from the server. Returns application data relayed from a peer, if that is what it was.
    public mutating func handle(_ bytes: [UInt8], now: Int64) -> (peer: TransportAddress, payload: [UInt8])? {
        if let first = bytes.first, (0x40...0x4F).contains(first) {
            guard bytes.count >= 4 else { malformed += 1; return nil }
            let number = UInt16(bytes[0]) << 8 | UInt16(bytes[1]), length = Int(bytes[2]) << 8 | Int(bytes[3])
            guard 4 + length <= bytes.count, let peer = peersByChannel[number] else { malformed += 1; return nil }
            return (peer, Array(bytes[4..<(4 + length)]))
        }
        guard let decoded = try? StunMessage.decode(bytes) else { malformed += 1; return nil }
        let message = decoded.message
        if message.method == .data, message.messageClass == .indication {
            guard let peer = message.xorPeerAddress, let data = message.data else { malformed += 1; return nil }
            return (peer, data)
        }
        guard message.messageClass == .success || message.messageClass == .error,
              let context = transactions.context(of: message.transactionID) else { return nil }
        // Once we authenticate, answers must too (RFC 8489 §9.2.5), except the errors a server
        // sends before it can: 400, 401, 420, 438.
        let unauthenticatedErrorAllowed = message.messageClass == .error && [400, 401, 420, 438].contains(message.errorCode?.code ?? 0)
        if let credentials, realm != nil, !unauthenticatedErrorAllowed,
           !decoded.hasIntegrity || !decoded.verifyIntegrity(key: credentials.key) {
            malformed += 1 // forged or corrupted: the transaction keeps its retransmission schedule
            return nil
        }
        _ = transactions.finish(id: message.transactionID)
        respond(to: context, with: message, now: now)
        return nil
    }

    public mutating func handleTimeout(now: Int64) {
        let (resend, failed) = transactions.due(now: now)
        outgoing += resend.map(\.bytes)
        for t in failed {
            switch t.context {
            case .allocate: fail("TURN server \(server) did not answer")
            case .refresh: if case .allocated = state { refreshAt = now + 10_000 } // try again soon
            case .createPermission, .channelBind: break // confirmed ones retry in 10 s (above); channels fall back to Send
            }
        }
        guard case .allocated = state else { return }
        if let at = refreshAt, now >= at {
            refreshAt = nil
            request(.refresh(lifetime: 600), now: now)
        }
        let stale = permissions.compactMap { ip, permission -> TransportAddress.IP? in
            if case let .confirmed(at) = permission, now >= at { return ip }
            return nil
        }
        // Refreshed a minute before expiry: the permission stays usable meanwhile. Retried in 10 s
        // if this refresh is lost.
        for ip in stale { permissions[ip] = .confirmed(refreshAt: now + 10_000) }
        if !stale.isEmpty { request(.createPermission(stale), now: now) }
        for (peer, channel) in channels {
            if let at = channel.refreshAt, now >= at {
                channels[peer] = (channel.number, nil)
                request(.channelBind(channel.number, peer), now: now)
            }
        }
    }

    /// Releases the allocation (Refresh with lifetime 0, §7.2).
    public mutating func close(now: Int64) {
        if case .allocated = state { request(.refresh(lifetime: 0), now: now) }
        state = .failed("closed")
    }

    // MARK: outputs

    public mutating func pollTransmit() -> [UInt8]? { outgoing.isEmpty ? nil : outgoing.removeFirst() }
    public mutating func pollEvent() -> Event? { events.isEmpty ? nil : events.removeFirst() }

    public var nextTimeout: Int64? {
        guard case .allocated = state else { return transactions.nextDeadline }
        return [transactions.nextDeadline, refreshAt,
         permissions.values.compactMap { if case let .confirmed(at) = $0 { return at }; return nil }.min(),
         channels.values.compactMap(\.refreshAt).min()].compactMap { $0 }.min()
    }

    /// Wraps application data for `peer`: ChannelData when a channel is bound, else a Send indication.
    public func wrap(_ payload: [UInt8], to peer: TransportAddress) -> [UInt8] {
        if let channel = channels[peer], channel.refreshAt != nil {
            var out: [UInt8] = [UInt8(channel.number >> 8), UInt8(channel.number & 0xFF), UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
            out += payload
            out += [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
            return out
        }
        return StunMessage(method: .send, messageClass: .indication, transactionID: StunMessage.newTransactionID(),
                           attributes: [.xorPeerAddress(peer), .data(payload)]).encode()
    }

    // MARK: requests and answers

    private mutating func request(_ kind: Request, now: Int64) {
        var attributes: [StunAttribute]
        let method: StunMethod
        switch kind {
        case .allocate:
            method = .allocate
            attributes = [.requestedTransport(17), .lifetime(600)]
        case let .refresh(lifetime):
            method = .refresh
            attributes = [.lifetime(lifetime)]
        case let .createPermission(ips):
            method = .createPermission
            attributes = ips.map { .xorPeerAddress(TransportAddress(ip: $0, port: 0)) }
        case let .channelBind(number, peer):
            method = .channelBind
            attributes = [.channelNumber(number), .xorPeerAddress(peer)]
        }
        if let credentials, let realm, let nonce {
            attributes += [.username(credentials.username ?? server.username), .realm(realm), .nonce(nonce)]
        }
        let id = StunMessage.newTransactionID()
        let bytes = StunMessage(method: method, messageClass: .request, transactionID: id, attributes: attributes + [.software("termcall")])
            .encode(credentials: realm == nil ? nil : credentials, fingerprint: false)
        transactions.started(id: id, bytes: bytes, to: server.address, context: kind, now: now)
        outgoing.append(bytes)
    }

    private mutating func respond(to kind: Request, with message: StunMessage, now: Int64) {
        if message.messageClass == .error, let (code, reason) = message.errorCode {
            switch code {
            case 401 where kind == .allocate && !authenticatedAttempt:
                // The expected first answer: now we know the realm and nonce (§7.2, RFC 8489 §9.2).
                guard let realm = message.realm, let nonce = message.nonce else { return fail("TURN server \(server) sent 401 without a realm") }
                self.realm = realm
                self.nonce = nonce
                credentials = .longTerm(username: server.username, realm: realm, password: server.password)
                authenticatedAttempt = true
                request(.allocate, now: now)
            case 401:
                fail("TURN server \(server) refused user \"\(server.username)\": check the TURN username and password")
            case 438:
                // Stale nonce: take the new one and ask again (RFC 8489 §9.2.5).
                if let nonce = message.nonce { self.nonce = nonce }
                request(kind, now: now)
            default:
                if kind == .allocate { fail("TURN server \(server) refused the allocation: \(code) \(reason)") }
                if case let .createPermission(ips) = kind {
                    for ip in ips where !isPermitted(ip) { permissions[ip] = nil; events.append(.refused(ip)) }
                }
            }
            return
        }
        switch kind {
        case .allocate:
            guard let relayed = message.xorRelayedAddress else { return fail("TURN server \(server) sent no relayed address") }
            state = .allocated(relayed: relayed, mapped: message.xorMappedAddress)
            refreshAt = now + max(30, Int64(message.lifetime ?? 600) - 60) * 1000
            events.append(.allocated(relayed: relayed, mapped: message.xorMappedAddress))
            let waiting = permissions.keys.filter { !isPermitted($0) }
            if !waiting.isEmpty { request(.createPermission(Array(waiting)), now: now) }
        case let .refresh(lifetime):
            if lifetime > 0 { refreshAt = now + max(30, Int64(message.lifetime ?? lifetime) - 60) * 1000 }
        case let .createPermission(ips):
            for ip in ips {
                let wasConfirmed = isPermitted(ip)
                permissions[ip] = .confirmed(refreshAt: now + Self.permissionRefresh)
                if !wasConfirmed { events.append(.permitted(ip)) }
            }
        case let .channelBind(number, peer):
            channels[peer] = (number, now + Self.channelRefresh)
            // A bound channel implies a permission for the peer's address (§12).
            permissions[peer.ip] = .confirmed(refreshAt: now + Self.permissionRefresh)
        }
    }

    private mutating func fail(_ reason: String) {
        state = .failed(reason)
        events.append(.failed(reason))
        // Nothing left to refresh: a dead allocation must not keep the owner's timer in the past.
        refreshAt = nil
        permissions = [:]
        channels = [:]
        peersByChannel = [:]
        transactions.cancel { _ in true }
    }
}

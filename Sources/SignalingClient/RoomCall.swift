import Call
import PeerConnection
import Signaling

/// A `Call` carried by a room on `termcall serve`: the newcomer offers to whoever is there; both
/// sides may renegotiate later, and a glare is settled by the perfect-negotiation rule (the polite
/// peer — the one with the greater id — rolls its offer back and answers, the impolite one ignores
/// the other's offer); candidates trickle both ways. One remote peer (a 1:1 call); others in the
/// room are left alone. Owned by the call's thread, which calls `step` in its loop.
public final class RoomCall {
    public enum Event: Sendable, Equatable {
        case call(Call.Event)
        /// In the room; how many others are there.
        case joined(room: String, others: Int)
        /// Back in the room after the signalling connection dropped (the call went on meanwhile).
        case rejoined(others: Int)
        case peerLeft(String)
        /// One line about the signalling connection or the server.
        case signalling(String)
    }

    public let call: Call
    public let connection: SignalingConnection
    public private(set) var ownID: String?
    public private(set) var remoteID: String?
    private var joined = false
    private var awaitingRejoin = false
    private var ignoringOffer = false
    private var described = false
    private var pendingCandidates: [String] = []

    /// - Parameter received: what the connection delivered before the call was made
    ///   (`SignalingConnection.waitUntilJoined`); handled on the first `step`.
    public init(call: Call, connection: SignalingConnection, received: [SignalingConnection.Event] = []) {
        self.call = call
        self.connection = connection
        backlog = received
    }

    private var backlog: [SignalingConnection.Event]

    private var pc: PeerConnection { call.peer }
    /// Perfect negotiation's roles, fixed per pair without a message: the greater id is polite.
    private var polite: Bool { (ownID ?? "") > (remoteID ?? "") }

    public func step(maximumWait: Int64 = 5) -> [Event] {
        var out: [Event] = []
        let arrived = backlog + connection.poll()
        backlog = []
        for event in arrived {
            switch event {
            case .connected: if joined { awaitingRejoin = true }
            case let .disconnected(text): out.append(.signalling(text))
            case let .message(message): handle(message, &out)
            }
        }
        for event in call.step(maximumWait: maximumWait) {
            switch event {
            case let .iceCandidate(line):
                if described, let remoteID { connection.send(.candidate(to: remoteID, line, mid: firstMid)) } else { pendingCandidates.append(line) }
            case .negotiationNeeded:
                if pc.signalingState == .stable, remoteID != nil { offer(&out) }
            default: break
            }
            out.append(.call(event))
        }
        return out
    }

    public func hangUp() {
        call.hangUp()
        connection.close()
    }

    private func handle(_ message: SignalingMessage, _ out: inout [Event]) {
        switch message.type {
        case .peers:
            ownID = message.id
            let others = message.peers ?? []
            if awaitingRejoin {
                awaitingRejoin = false
                out.append(.rejoined(others: others.count))
            }
            if !joined {
                joined = true
                out.append(.joined(room: message.room ?? connection.room, others: others.count))
                // The newcomer offers.
                if remoteID == nil, let first = others.first {
                    remoteID = first.id
                    offer(&out)
                }
            } else if remoteID == nil, let first = others.first {
                remoteID = first.id // it is the newcomer: its offer is on the way
            }
        case .offer:
            guard let from = message.from, let sdp = message.sdp else { return }
            if remoteID == nil { remoteID = from }
            guard from == remoteID else { return }
            let collision = pc.signalingState != .stable
            ignoringOffer = !polite && collision
            if collision {
                out.append(.signalling(polite ? "offers crossed: ours rolled back, theirs answered" : "offers crossed: theirs ignored, ours stands"))
            }
            if ignoringOffer { return }
            if collision { pc.rollback() }
            do {
                try pc.setRemoteDescription(sdp)
                connection.send(.description(.answer, to: from, sdp: try pc.createAnswer()))
                describedTo(from)
            } catch {
                out.append(.signalling("the peer's offer was refused: \(error)"))
            }
        case .answer:
            guard message.from == remoteID, let sdp = message.sdp, pc.signalingState == .haveLocalOffer else { return }
            do { try pc.setRemoteDescription(sdp) } catch { out.append(.signalling("the peer's answer was refused: \(error)")) }
        case .candidate:
            guard message.from == remoteID, !ignoringOffer else { return }
            pc.addIceCandidate(message.candidate ?? "")
        case .bye:
            guard let from = message.from, from == remoteID else { return }
            out.append(.peerLeft(from))
            if !call.hasEnded {
                call.hangUp()
                out.append(.call(.ended(byPeer: true)))
            }
        case .error:
            out.append(.signalling("server: \(message.message ?? message.code ?? "error")"))
        case .join:
            break
        }
    }

    private func offer(_ out: inout [Event]) {
        guard let remoteID else { return }
        do {
            connection.send(.description(.offer, to: remoteID, sdp: try pc.createOffer()))
            describedTo(remoteID)
        } catch {
            out.append(.signalling("could not make an offer: \(error)"))
        }
    }

    /// Candidates gathered before the peer had our description follow it now.
    private func describedTo(_ peer: String) {
        described = true
        for line in pendingCandidates { connection.send(.candidate(to: peer, line, mid: firstMid)) }
        pendingCandidates = []
    }

    private var firstMid: String { pc.agreement?.sections.first { $0.accepted }?.mid ?? "0" }
}

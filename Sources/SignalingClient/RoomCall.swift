import Call
import PeerConnection
import Signaling

/// A `Call` carried by a room on `termcall serve`, with everyone in it: one leg (peer connection)
/// per other participant, a full mesh like the browser page's. The newcomer offers to whoever is
/// there; either side may renegotiate later, and a glare is settled per pair by the
/// perfect-negotiation rule (the polite peer — the one with the greater id — rolls its offer back
/// and answers, the impolite one ignores the other's offer); candidates trickle both ways. A
/// participant who says bye is dropped from the mesh; the call ends when the last one has gone.
/// Owned by the call's thread, which calls `step` in its loop.
public final class RoomCall {
    public enum Event: Sendable, Equatable {
        /// Something on the call, from participant `from` (its signalling id).
        case call(Call.Event, from: String)
        /// In the room; how many others are there.
        case joined(room: String, others: Int)
        /// Back in the room after the signalling connection dropped (the call went on meanwhile).
        case rejoined(others: Int)
        case peerJoined(id: String, name: String)
        case peerLeft(String)
        /// One line about the signalling connection or the server.
        case signalling(String)
    }

    /// One other person in the room and the leg that reaches them.
    public struct Participant {
        public let id: String
        public var name: String
        public let leg: CallLeg
    }

    /// Per-participant negotiation state (perfect negotiation is per pair).
    private final class Remote {
        let id: String
        var name: String
        let leg: CallLeg
        var negotiation: PairNegotiator
        var described = false
        var pendingCandidates: [String] = []

        init(id: String, name: String, leg: CallLeg, ownID: String) {
            self.id = id
            self.name = name
            self.leg = leg
            negotiation = PairNegotiator(localID: ownID, remoteID: id)
        }
    }

    public let call: Call
    public let connection: SignalingConnection
    public private(set) var ownID: String?
    /// The most people a call takes (ourselves included: a mesh sends to each); later arrivals are named in a line.
    public let maximumParticipants: Int
    private var remotes: [Remote] = []
    private var firstLegTaken = false
    private var unassignedCandidates: [String] = []
    private var joined = false
    private var awaitingRejoin = false
    private var backlog: [SignalingConnection.Event]

    /// - Parameter received: what the connection delivered before the call was made
    ///   (`SignalingConnection.waitUntilJoined`); handled on the first `step`.
    public init(call: Call, connection: SignalingConnection, received: [SignalingConnection.Event] = [], maximumParticipants: Int = 6) {
        self.call = call
        self.connection = connection
        self.maximumParticipants = maximumParticipants
        backlog = received
    }

    /// The others in the call, in the order they were met.
    public var participants: [Participant] { remotes.map { Participant(id: $0.id, name: $0.name, leg: $0.leg) } }

    /// The first participant's id (a 1:1 call's only one).
    public var remoteID: String? { remotes.first?.id }

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
        for (legID, event) in call.stepLegs(maximumWait: maximumWait) {
            guard let remote = remotes.first(where: { $0.leg.id == legID }) else {
                // The first leg while we are alone: its candidates wait for whoever comes.
                switch event {
                case let .iceCandidate(line): unassignedCandidates.append(line)
                case .problem: out.append(.call(event, from: ""))
                default: break
                }
                continue
            }
            switch event {
            case let .iceCandidate(line):
                if remote.described { connection.send(.candidate(to: remote.id, line, mid: firstMid(remote))) } else { remote.pendingCandidates.append(line) }
            case .negotiationNeeded:
                send(remote.negotiation.negotiationNeeded(remote.leg.peer), to: remote, &out)
            case .ended where remotes.count > 1:
                // One of several hung up (its DTLS said goodbye before its bye arrived).
                drop(remote, &out)
                continue
            default: break
            }
            out.append(.call(event, from: remote.id))
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
            let newcomer = !joined
            if !joined {
                joined = true
                out.append(.joined(room: message.room ?? connection.room, others: others.count))
            }
            for other in others {
                if let known = remotes.first(where: { $0.id == other.id }) {
                    known.name = other.name
                    continue
                }
                // The newcomer offers to everyone there; those there wait for its offer.
                guard let remote = meet(other.id, name: other.name, &out) else { continue }
                if newcomer { offer(to: remote, &out) }
            }
        case .offer:
            guard let from = message.from, let sdp = message.sdp else { return }
            guard let remote = remotes.first(where: { $0.id == from }) ?? meet(from, name: nil, &out) else { return }
            send(remote.negotiation.offerArrived(sdp, on: remote.leg.peer), to: remote, &out)
        case .answer:
            guard let remote = remotes.first(where: { $0.id == message.from }), let sdp = message.sdp else { return }
            send(remote.negotiation.answerArrived(sdp, on: remote.leg.peer), to: remote, &out)
        case .candidate:
            guard let remote = remotes.first(where: { $0.id == message.from }), remote.negotiation.acceptsCandidates else { return }
            remote.leg.peer.addIceCandidate(message.candidate ?? "")
        case .bye:
            guard let remote = remotes.first(where: { $0.id == message.from }) else { return }
            if remotes.count > 1 {
                drop(remote, &out)
            } else {
                out.append(.peerLeft(remote.id))
                if !call.hasEnded {
                    call.hangUp()
                    out.append(.call(.ended(byPeer: true), from: remote.id))
                }
            }
        case .error:
            out.append(.signalling("server: \(message.message ?? message.code ?? "error")"))
        case .join:
            break
        }
    }

    /// A participant we have not met: the first gets the call's first leg, the others new ones.
    private func meet(_ id: String, name: String?, _ out: inout [Event]) -> Remote? {
        guard remotes.count + 1 < maximumParticipants else {
            out.append(.signalling("\(name ?? id) is in the room too, but this call takes at most \(maximumParticipants) people"))
            return nil
        }
        let leg: CallLeg
        if !firstLegTaken {
            firstLegTaken = true
            leg = call.legs[0]
        } else {
            do { leg = try call.addLeg() } catch {
                out.append(.signalling("could not call \(name ?? id): \(error)"))
                return nil
            }
        }
        let remote = Remote(id: id, name: name ?? "peer", leg: leg, ownID: ownID ?? "")
        if leg.id == call.legs[0].id {
            remote.pendingCandidates = unassignedCandidates
            unassignedCandidates = []
        }
        remotes.append(remote)
        if remotes.count > 1 { out.append(.peerJoined(id: id, name: remote.name)) }
        return remote
    }

    /// One of several left: its leg closes; the call goes on with the others.
    private func drop(_ remote: Remote, _ out: inout [Event]) {
        remotes.removeAll { $0 === remote }
        call.removeLeg(remote.leg.id)
        out.append(.peerLeft(remote.id))
    }

    private func offer(to remote: Remote, _ out: inout [Event]) { send(remote.negotiation.offer(remote.leg.peer), to: remote, &out) }

    /// The negotiator's output: descriptions through the server to `remote`, notes as lines.
    private func send(_ output: [PairNegotiator.Output], to remote: Remote, _ out: inout [Event]) {
        for item in output {
            switch item {
            case let .offer(sdp):
                connection.send(.description(.offer, to: remote.id, sdp: sdp))
                described(remote)
            case let .answer(sdp):
                connection.send(.description(.answer, to: remote.id, sdp: sdp))
                described(remote)
            case let .note(text):
                out.append(.signalling(text))
            case let .refused(kind, reason):
                out.append(.signalling("\(remote.name)'s \(kind) was refused: \(reason)"))
            }
        }
    }

    /// Candidates gathered before the peer had our description follow it now.
    private func described(_ remote: Remote) {
        remote.described = true
        for line in remote.pendingCandidates { connection.send(.candidate(to: remote.id, line, mid: firstMid(remote))) }
        remote.pendingCandidates = []
    }

    private func firstMid(_ remote: Remote) -> String { remote.leg.peer.agreement?.sections.first { $0.accepted }?.mid ?? "0" }
}

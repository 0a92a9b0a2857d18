import PeerConnection
import Signaling

/// One pair's descriptions under perfect negotiation (`PerfectNegotiation`), applied to its peer
/// connection: what arrives goes in, what must go back comes out. The one place where an offer is
/// made because negotiation is needed, and where an arriving offer or answer is applied (glare,
/// rollback, the change owed once the pair is stable) — for a room's legs, stdio signalling and
/// the demo's in-process echo alike; each carries the output its own way.
public struct PairNegotiator: Sendable {
    /// What to send the far end, or say to the user.
    public enum Output: Sendable, Equatable {
        case offer(String)
        case answer(String)
        /// One line for the user: how a glare was settled.
        case note(String)
        /// The far end's `offer` or `answer` could not be applied, and why.
        case refused(String, reason: String)
    }

    public private(set) var negotiation: PerfectNegotiation

    public init(polite: Bool) { negotiation = PerfectNegotiation(polite: polite) }
    public init(localID: String, remoteID: String) { negotiation = PerfectNegotiation(localID: localID, remoteID: remoteID) }

    /// Candidates that come while the far end's offer is ignored belong to it: drop them.
    public var acceptsCandidates: Bool { negotiation.acceptsCandidates }

    /// Our offer, made now (the first one of a call, or one the caller decided on).
    public func offer(_ pc: PeerConnection) -> [Output] {
        do { return [.offer(try pc.createOffer())] } catch { return [.note("could not make an offer: \(error)")] }
    }

    /// The peer connection said negotiation is needed: an offer now, or later when the pair is
    /// stable again.
    public mutating func negotiationNeeded(_ pc: PeerConnection) -> [Output] {
        negotiation.negotiationNeeded(stable: pc.signalingState == .stable) ? offer(pc) : []
    }

    /// The far end's offer.
    public mutating func offerArrived(_ sdp: String, on pc: PeerConnection) -> [Output] {
        var out: [Output] = []
        switch negotiation.offerArrived(stable: pc.signalingState == .stable) {
        case .ignore: return [.note("offers crossed: theirs ignored, ours stands")]
        case .rollbackAndAnswer:
            out.append(.note("offers crossed: ours rolled back, theirs answered"))
            pc.rollback()
        case .answer: break
        }
        do {
            try pc.setRemoteDescription(sdp)
            out.append(.answer(try pc.createAnswer()))
        } catch {
            out.append(.refused("offer", reason: "\(error)"))
        }
        return out + settled(pc)
    }

    /// The far end's answer (dropped unless an offer of ours is out).
    public mutating func answerArrived(_ sdp: String, on pc: PeerConnection) -> [Output] {
        guard negotiation.answerArrived(haveLocalOffer: pc.signalingState == .haveLocalOffer) else { return [] }
        var out: [Output] = []
        do { try pc.setRemoteDescription(sdp) } catch { out.append(.refused("answer", reason: "\(error)")) }
        return out + settled(pc)
    }

    /// What we rolled back, or wanted meanwhile, goes out once the pair is stable.
    private mutating func settled(_ pc: PeerConnection) -> [Output] {
        negotiation.settled(stable: pc.signalingState == .stable, stillNeeded: pc.needsNegotiation) ? offer(pc) : []
    }
}

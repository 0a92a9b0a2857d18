/// One pair's offer/answer exchange under the W3C perfect-negotiation pattern (webrtc-pc §10.7):
/// what to do with each description that arrives and when to offer. Sans-IO and free of any peer
/// connection: the caller tells it the signalling state and applies what it decides.
///
/// - Glare: when offers cross, the polite end rolls its own back and answers; the impolite end
///   ignores the other's offer (and the candidates that follow it) and waits for its answer.
/// - A change that needs negotiation while an exchange is under way is remembered and offered as
///   soon as the pair is stable again, rather than lost.
public struct PerfectNegotiation: Sendable, Equatable {
    public let polite: Bool
    /// The far end's latest offer was ignored (we are impolite and ours stands).
    public private(set) var ignoringOffer = false
    /// A change waits for the pair to be stable to be offered.
    public private(set) var offerOwed = false

    public init(polite: Bool) { self.polite = polite }

    /// In a room: the end with the greater id is polite, so both ends agree without talking.
    public init(localID: String, remoteID: String) { self.init(polite: localID > remoteID) }

    public enum OfferResponse: Sendable, Equatable {
        /// Apply it and answer.
        case answer
        /// Roll our own offer back first (a glare, and we are polite), then apply and answer.
        case rollbackAndAnswer
        /// Drop it: a glare, and we are impolite.
        case ignore
    }

    /// An offer arrived; `stable` is whether our signalling state is stable (no offer of ours out).
    public mutating func offerArrived(stable: Bool) -> OfferResponse {
        let collision = !stable
        ignoringOffer = collision && !polite
        if ignoringOffer { return .ignore }
        if collision { offerOwed = true } // our rolled-back change still has to be offered
        return collision ? .rollbackAndAnswer : .answer
    }

    /// An answer arrived: apply it only while an offer of ours is out.
    public mutating func answerArrived(haveLocalOffer: Bool) -> Bool {
        if haveLocalOffer { ignoringOffer = false }
        return haveLocalOffer
    }

    /// Candidates that come while their offer is being ignored belong to that offer: drop them.
    public var acceptsCandidates: Bool { !ignoringOffer }

    /// The peer connection asks for negotiation: true to offer now; false while an exchange is
    /// under way (the change is offered when `settled` says so).
    public mutating func negotiationNeeded(stable: Bool) -> Bool {
        guard stable else { offerOwed = true; return false }
        offerOwed = false
        return true
    }

    /// The pair is stable again (an answer applied, or ours made): true when a change waited and
    /// still needs an offer (`stillNeeded`: the peer connection's negotiation-needed flag — an
    /// answer already carries a track turned on or off, so a rolled-back change may need none).
    public mutating func settled(stable: Bool, stillNeeded: Bool = true) -> Bool {
        guard stable, offerOwed else { return false }
        offerOwed = false
        return stillNeeded
    }
}

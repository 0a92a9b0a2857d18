import Signaling
import Testing

/// Perfect negotiation for one pair, both ends driven through crossing offers.
@Suite struct PerfectNegotiationTests {
    @Test func politenessFollowsTheIds() {
        #expect(PerfectNegotiation(localID: "b", remoteID: "a").polite)
        #expect(!PerfectNegotiation(localID: "a", remoteID: "b").polite)
    }

    @Test func withoutAGlareEveryOfferIsAnswered() {
        var n = PerfectNegotiation(polite: false)
        let response = n.offerArrived(stable: true)
        #expect(response == .answer && n.acceptsCandidates && !n.offerOwed)
    }

    @Test func crossingOffersSettleOnTheImpoliteOnesOffer() {
        var polite = PerfectNegotiation(polite: true), impolite = PerfectNegotiation(polite: false)
        // Both offered; each sees the other's offer while its own is out.
        let impoliteResponse = impolite.offerArrived(stable: false)
        #expect(impoliteResponse == .ignore && !impolite.acceptsCandidates)
        let politeResponse = polite.offerArrived(stable: false)
        #expect(politeResponse == .rollbackAndAnswer && polite.acceptsCandidates)
        // The polite end's answer reaches the impolite end, which listens again.
        let applied = impolite.answerArrived(haveLocalOffer: true)
        #expect(applied && impolite.acceptsCandidates)
        // The polite end's own change was rolled back: it is offered once, when the pair is stable.
        let first = polite.settled(stable: true), again = polite.settled(stable: true), impoliteOwes = impolite.settled(stable: true)
        #expect(first && !again && !impoliteOwes)
    }

    @Test func aChangeDuringAnExchangeIsOfferedAfterIt() {
        var n = PerfectNegotiation(polite: true)
        let atOnce = n.negotiationNeeded(stable: true)
        let duringExchange = n.negotiationNeeded(stable: false) // our offer is out: remembered
        #expect(atOnce && !duringExchange && n.offerOwed)
        let notYet = n.settled(stable: false), now = n.settled(stable: true)
        #expect(!notYet && now && !n.offerOwed)
    }

    @Test func aChangeTheAnswerAlreadyCarriedIsNotOfferedAgain() {
        var n = PerfectNegotiation(polite: true)
        _ = n.offerArrived(stable: false)
        let offered = n.settled(stable: true, stillNeeded: false)
        #expect(!offered && !n.offerOwed)
    }

    @Test func anAnswerWithNoOfferOutIsDropped() {
        var n = PerfectNegotiation(polite: false)
        let applied = n.answerArrived(haveLocalOffer: false)
        #expect(!applied)
    }
}

import PeerConnection
import SignalingClient
import Testing

/// Two peer connections exchanging descriptions in memory through their `PairNegotiator`s, as
/// the room, stdio signalling and the demo carry them: glare settled by rolling back, a change
/// owed while an exchange is under way offered once the pair is stable, a stray answer dropped.
@Suite struct PairNegotiatorTests {
    final class Side {
        let pc: PeerConnection
        var negotiator: PairNegotiator
        init(polite: Bool) throws {
            pc = try PeerConnection(unixMillisecondsAtZero: 0, scheduleSeed: 1)
            negotiator = PairNegotiator(polite: polite)
        }
    }

    /// Delivers `output` from one side to the other until nothing is left to send; returns the notes said.
    @discardableResult
    static func deliver(_ output: [PairNegotiator.Output], from: Side, to: Side) -> [String] {
        var notes: [String] = []
        for item in output {
            switch item {
            case let .offer(sdp): notes += deliver(to.negotiator.offerArrived(sdp, on: to.pc), from: to, to: from)
            case let .answer(sdp): notes += deliver(to.negotiator.answerArrived(sdp, on: to.pc), from: to, to: from)
            case let .note(text): notes.append(text)
            case let .refused(kind, reason): notes.append("\(kind) refused: \(reason)")
            }
        }
        return notes
    }

    static func connected() throws -> (impolite: Side, polite: Side) {
        let a = try Side(polite: false), b = try Side(polite: true)
        deliver(a.negotiator.offer(a.pc), from: a, to: b)
        #expect(a.pc.signalingState == .stable && b.pc.signalingState == .stable)
        return (a, b)
    }

    @Test func offersThatCrossAreSettledByThePoliteEnd() throws {
        let (a, b) = try Self.connected()
        a.pc.removeTrack(.video)
        b.pc.removeTrack(.audio)
        let fromA = a.negotiator.negotiationNeeded(a.pc), fromB = b.negotiator.negotiationNeeded(b.pc)
        #expect(a.pc.signalingState == .haveLocalOffer && b.pc.signalingState == .haveLocalOffer)
        // They cross: a (impolite) ignores b's offer; b rolls its own back and answers a's.
        guard case let .offer(offerB)? = fromB.first else { Issue.record("no offer from b: \(fromB)"); return }
        #expect(a.negotiator.offerArrived(offerB, on: a.pc) == [.note("offers crossed: theirs ignored, ours stands")])
        #expect(!a.negotiator.acceptsCandidates)
        let notes = Self.deliver(fromA, from: a, to: b)
        #expect(notes == ["offers crossed: ours rolled back, theirs answered"])
        #expect(a.pc.signalingState == .stable && b.pc.signalingState == .stable && a.negotiator.acceptsCandidates)
        // b's rolled-back change rode in its answer: no one needs another offer.
        #expect(!a.pc.needsNegotiation && !b.pc.needsNegotiation)
    }

    @Test func aChangeDuringAnExchangeIsOfferedWhenItSettles() throws {
        let (a, b) = try Self.connected()
        a.pc.removeTrack(.video)
        let first = a.negotiator.negotiationNeeded(a.pc)
        // Another change while that offer is out: owed, not offered.
        a.pc.removeTrack(.audio)
        #expect(a.negotiator.negotiationNeeded(a.pc).isEmpty)
        guard case let .offer(sdp)? = first.first, case let .answer(answer)? = b.negotiator.offerArrived(sdp, on: b.pc).first else {
            Issue.record("no exchange: \(first)"); return
        }
        // Applying the answer settles the pair, and the owed change goes out at once.
        let next = a.negotiator.answerArrived(answer, on: a.pc)
        guard case .offer? = next.first else { Issue.record("the owed change was not offered: \(next)"); return }
        #expect(a.pc.signalingState == .haveLocalOffer)
        Self.deliver(next, from: a, to: b)
        #expect(a.pc.signalingState == .stable && !a.pc.needsNegotiation && !a.pc.canSend(.audio))
    }

    @Test func anAnswerWithNoOfferOutIsDropped() throws {
        let (a, b) = try Self.connected()
        b.pc.removeTrack(.video)
        guard case let .offer(sdp)? = b.negotiator.negotiationNeeded(b.pc).first else { Issue.record("no offer"); return }
        _ = a.negotiator.offerArrived(sdp, on: a.pc)
        // An answer a never asked for (a duplicate, a confused far end) changes nothing.
        #expect(a.negotiator.answerArrived(sdp, on: a.pc).isEmpty && a.pc.signalingState == .stable)
    }
}

@testable import Call
import MediaCore
import MediaDevices
import PeerConnection
import STUN
import Testing

/// The short authentication string (SECURITY.md, "verification"): both ends of an honest call get
/// the same six digits; a party in the middle cannot steer its two legs' codes together, because on
/// each leg it must fix its nonce before it sees the other end's; a reveal that does not match its
/// commitment is caught.
@Suite struct VerificationExchangeTests {
    let alice = [UInt8](repeating: 0xA1, count: 32), bob = [UInt8](repeating: 0xB0, count: 32)

    /// Runs one exchange to the end; returns both codes.
    func run(_ committer: inout VerificationExchange, _ responder: inout VerificationExchange) -> (String?, String?) {
        guard let commit = committer.start(), let nonce = responder.handle(commit), let reveal = committer.handle(nonce) else { return (nil, nil) }
        #expect(responder.handle(reveal) == nil)
        return (committer.code, responder.code)
    }

    func nonce(_ seed: UInt8) -> [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: Int($0) * 7) ^ seed } }

    @Test func bothEndsOfAnHonestCallShowTheSameSixDigits() {
        var a = VerificationExchange(role: .committer, localFingerprint: alice, remoteFingerprint: bob, nonce: nonce(1))
        var b = VerificationExchange(role: .responder, localFingerprint: bob, remoteFingerprint: alice, nonce: nonce(2))
        #expect(b.start() == nil)
        let (codeA, codeB) = run(&a, &b)
        #expect(codeA != nil && codeA == codeB)
        #expect(codeA?.count == 7 && codeA?.filter(\.isNumber).count == 6 && codeA?.dropFirst(3).first == " ")
    }

    /// Pinned across implementations: the page's verify.js gives the same digits for these bytes
    /// (and Python's hashlib agrees), so a browser and a terminal compare like two terminals.
    @Test func theCodeIsTheSameFormulaAsThePage() {
        let code = VerificationExchange.code(committerFingerprint: [UInt8](repeating: 0xA1, count: 32), responderFingerprint: [UInt8](repeating: 0xB0, count: 32),
                                             committerNonce: [UInt8](repeating: 1, count: 32), responderNonce: [UInt8](repeating: 2, count: 32))
        #expect(code == "595 433")
    }

    @Test func theCodeCoversBothFingerprintsAndBothNonces() {
        func code(_ fpA: [UInt8], _ fpB: [UInt8], _ nA: UInt8, _ nB: UInt8) -> String? {
            var a = VerificationExchange(role: .committer, localFingerprint: fpA, remoteFingerprint: fpB, nonce: nonce(nA))
            var b = VerificationExchange(role: .responder, localFingerprint: fpB, remoteFingerprint: fpA, nonce: nonce(nB))
            return run(&a, &b).0
        }
        let base = code(alice, bob, 1, 2)
        var changedFingerprint = bob
        changedFingerprint[31] ^= 1
        #expect(code(alice, changedFingerprint, 1, 2) != base)
        #expect(code(alice, bob, 3, 2) != base)
        #expect(code(alice, bob, 1, 4) != base)
    }

    /// Mallory sits between Alice and Bob with her own certificate on each leg. Whatever nonces she
    /// picks, she picks them before she sees Alice's (leg 1, where she responds) and Bob's (leg 2,
    /// where she committed first), so the two codes are independent draws: over 2000 calls with
    /// her best guess, the legs agree no more often than chance (expected 0.002).
    @Test func aManInTheMiddleCannotSteerTheTwoCodesTogether() {
        let mallory1 = [UInt8](repeating: 0x11, count: 32), mallory2 = [UInt8](repeating: 0x22, count: 32)
        var agreed = 0
        var random = SplitMix64(seed: 42)
        func randomNonce() -> [UInt8] { (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        for _ in 0..<2000 {
            // Leg 2 first (Mallory offers to Bob and commits): she knows her code there only after Bob's nonce.
            var m2 = VerificationExchange(role: .committer, localFingerprint: mallory2, remoteFingerprint: bob, nonce: randomNonce())
            var b = VerificationExchange(role: .responder, localFingerprint: bob, remoteFingerprint: mallory2, nonce: randomNonce())
            let legTwo = run(&m2, &b)
            // Leg 1: Alice commits; Mallory's nonce must go out before Alice reveals hers.
            var a = VerificationExchange(role: .committer, localFingerprint: alice, remoteFingerprint: mallory1, nonce: randomNonce())
            var m1 = VerificationExchange(role: .responder, localFingerprint: mallory1, remoteFingerprint: alice, nonce: randomNonce())
            let legOne = run(&a, &m1)
            #expect(legOne.0 == legOne.1 && legTwo.0 == legTwo.1)
            if legOne.0 == legTwo.0 { agreed += 1 }
        }
        #expect(agreed <= 2)
    }

    @Test func aRevealThatBreaksItsCommitmentIsCaught() {
        let a = VerificationExchange(role: .committer, localFingerprint: alice, remoteFingerprint: bob, nonce: nonce(1))
        var b = VerificationExchange(role: .responder, localFingerprint: bob, remoteFingerprint: alice, nonce: nonce(2))
        let commit = a.start()!
        _ = b.handle(commit)
        // Someone swaps the reveal for a nonce of their choosing.
        let forged = ControlMessage(type: .verifyReveal, value: VerificationExchange.hex(nonce(9)))
        #expect(b.handle(forged) == nil)
        #expect(b.failure == .brokenCommitment && b.code == nil)
    }

    @Test func outOfOrderOrMalformedMessagesFailWithoutACode() {
        let cases: [ControlMessage] = [
            ControlMessage(type: .verifyReveal, value: VerificationExchange.hex(nonce(1))), // reveal before commit
            ControlMessage(type: .verifyCommit, value: "zz"),                                 // not hex
            ControlMessage(type: .verifyCommit, value: VerificationExchange.hex([1, 2, 3])),  // wrong length
            ControlMessage(type: .verifyCommit),                                              // no value
            ControlMessage(type: .verifyNonce, value: VerificationExchange.hex(nonce(1))),    // the responder gets a nonce
        ]
        for message in cases {
            var b = VerificationExchange(role: .responder, localFingerprint: bob, remoteFingerprint: alice, nonce: nonce(2))
            #expect(b.handle(message) == nil)
            #expect(b.failure != nil && b.code == nil)
        }
    }

    @Test func controlMessagesRoundTripAndHostileOnesAreDropped() {
        let view = ControlMessage(type: .view, width: 160, height: 96)
        #expect(ControlMessage.decode(view.encoded) == view)
        #expect(ControlMessage.decode(#"{"type":"view","width":1}"#)?.width == 1)
        #expect(ControlMessage.decode(#"{"type":"launch-missiles"}"#) == nil)
        #expect(ControlMessage.decode("not json") == nil)
        #expect(ControlMessage.decode(#"{"type":"view","pad":""# + String(repeating: "x", count: 600) + #""}"#) == nil)
    }
}

/// The exchange inside a real call, and the refusal of a certificate that is not the signalled one.
@Suite(.serialized) struct CallVerificationTests {
    func configuration() -> CallConfiguration {
        var c = CallConfiguration()
        c.camera = nil
        c.microphone = .tone(frequency: 440)
        c.addresses = [TransportAddress.IP("127.0.0.1")!]
        return c
    }

    @Test func bothEndsOfACallShowTheSameCode() throws {
        let a = try Call(configuration: configuration()), b = try Call(configuration: configuration())
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        try a.peer.setRemoteDescription(try b.peer.createAnswer())
        var aEvents: [Call.Event] = [], bEvents: [Call.Event] = []
        let start = a.now
        while a.now - start < 10_000, a.legs[0].verificationCode == nil || b.legs[0].verificationCode == nil {
            aEvents += a.step(maximumWait: 1)
            bEvents += b.step(maximumWait: 1)
        }
        let code = try #require(a.legs[0].verificationCode)
        #expect(b.legs[0].verificationCode == code)
        #expect(aEvents.contains(.verificationCode(code)) && bEvents.contains(.verificationCode(code)))
        a.hangUp()
        b.hangUp()
    }

    /// The answer carries a fingerprint that is not b's certificate (a signalling server swapping
    /// keys without being in the media path): a's DTLS refuses it, the call ends, and the reason
    /// says why.
    @Test func aCertificateThatIsNotTheSignalledOneEndsTheCallWithTheReason() throws {
        let a = try Call(configuration: configuration()), b = try Call(configuration: configuration())
        try b.peer.setRemoteDescription(try a.peer.createOffer())
        let answer = try b.peer.createAnswer()
        let real = b.peer.certificate.fingerprint.description
        let forged = "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":")
        #expect(answer.contains(real))
        try a.peer.setRemoteDescription(answer.replacingOccurrences(of: real, with: forged))
        var aEvents: [Call.Event] = []
        let start = a.now
        while a.now - start < 10_000, !aEvents.contains(.ended(byPeer: true)) {
            aEvents += a.step(maximumWait: 1)
            _ = b.step(maximumWait: 1)
        }
        #expect(aEvents.contains(.ended(byPeer: true)))
        #expect(!a.isSecured && a.endReason?.contains("does not match the fingerprint") == true)
        #expect(a.legs[0].verificationCode == nil)
        b.hangUp()
    }
}

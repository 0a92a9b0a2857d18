import CryptoPrimitives
import MediaCore
import STUN
import Testing

@Suite struct StunMessageTests {
    let tid: [UInt8] = Array(1...12)

    @Test func everyAttributeSurvivesARoundTrip() throws {
        let v4 = TransportAddress(host: "192.0.2.1", port: 32853)!, v6 = TransportAddress(host: "2001:db8::1", port: 3478)!
        let attributes: [StunAttribute] = [
            .mappedAddress(v4), .xorMappedAddress(v6), .xorMappedAddress(v4), .username("evtj:h6vY"), .errorCode(487, "Role Conflict"),
            .unknownAttributes([0x0033, 0x7FFF]), .realm("example.org"), .nonce("f//499k954d6OL34oL9FSTvy64sA"), .software("termcall"),
            .alternateServer(v4), .priority(0x6E7F_1EFF), .useCandidate, .iceControlled(0x9323_1178_1234_5678), .iceControlling(42),
            .channelNumber(0x4001), .lifetime(600), .xorPeerAddress(v6), .data([1, 2, 3, 4, 5]), .xorRelayedAddress(v4),
            .requestedAddressFamily(2), .requestedTransport(17), .dontFragment, .unknown(type: 0x8055, value: [9, 9, 9]),
        ]
        let message = StunMessage(method: .allocate, messageClass: .success, transactionID: tid, attributes: attributes)
        let credentials = StunCredentials.shortTerm(password: "secret")
        for integrity in [StunMessage.Integrity.sha1, .sha256] {
            let bytes = message.encode(credentials: credentials, integrity: integrity, fingerprint: true)
            #expect(bytes.count % 4 == 0)
            let decoded = try StunMessage.decode(bytes)
            #expect(decoded.message == message)
            #expect(decoded.hasFingerprint)
            #expect(decoded.verifyIntegrity(key: credentials.key))
            #expect(!decoded.verifyIntegrity(key: Array("wrong".utf8)))
        }
    }

    @Test func messageTypesInterleaveMethodAndClassBits() throws {
        // RFC 8489 §5: Binding request 0x0001, success 0x0101, error 0x0111; Allocate error 0x0113.
        for (method, cls, expected) in [(StunMethod.binding, StunClass.request, 0x0001), (.binding, .success, 0x0101), (.binding, .error, 0x0111),
                                        (.allocate, .error, 0x0113), (.channelBind, .success, 0x0109), (.data, .indication, 0x0017)] {
            let bytes = StunMessage(method: method, messageClass: cls, transactionID: tid).encode()
            #expect(Int(bytes[0]) << 8 | Int(bytes[1]) == expected)
            let back = try StunMessage.decode(bytes).message
            #expect(back.method == method && back.messageClass == cls)
        }
    }

    @Test func attributesAfterIntegrityAreIgnoredButFingerprintIsChecked() throws {
        var bytes = StunMessage(method: .binding, messageClass: .request, transactionID: tid, attributes: [.username("a:b")])
            .encode(credentials: .shortTerm(password: "pw"), fingerprint: true)
        #expect(try StunMessage.decode(bytes).verifyIntegrity(key: Array("pw".utf8)))
        bytes[bytes.count - 1] ^= 1
        #expect(throws: StunParseError.fingerprintMismatch) { try StunMessage.decode(bytes) }
    }

    @Test func tamperingBreaksIntegrity() throws {
        var bytes = StunMessage(method: .binding, messageClass: .request, transactionID: tid, attributes: [.username("a:b"), .priority(7)])
            .encode(credentials: .shortTerm(password: "pw"))
        bytes[33] ^= 0x01 // inside PRIORITY's value (USERNAME ends at 28, PRIORITY's header is 28..<32)
        #expect(try !StunMessage.decode(bytes).verifyIntegrity(key: Array("pw".utf8)))
    }

    @Test func otherProtocolsAreNotStun() {
        #expect(!StunMessage.looksLikeStun([0x80, 0x60] + [UInt8](repeating: 0, count: 30))) // RTP
        #expect(!StunMessage.looksLikeStun([0x16, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 30))) // DTLS
        #expect(throws: StunParseError.notStun) { try StunMessage.decode([0, 1, 0, 0]) }
    }

    @Test func arbitraryBytesNeverTrapAndMutatedMessagesAreRejectedOrSane() {
        var rng = SplitMix64(seed: 99)
        let good = StunMessage(method: .binding, messageClass: .request, transactionID: tid,
                               attributes: [.username("u:v"), .priority(1), .iceControlling(5), .useCandidate, .xorMappedAddress(TransportAddress(host: "::1", port: 9)!)])
            .encode(credentials: .shortTerm(password: "p"), fingerprint: true)
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round.isMultiple(of: 2) {
                bytes = (0..<Int(rng.next() % 120)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if bytes.count >= 8, round.isMultiple(of: 4) { bytes[0] &= 0x3F; bytes[4] = 0x21; bytes[5] = 0x12; bytes[6] = 0xA4; bytes[7] = 0x42 }
            } else {
                bytes = good
                for _ in 0..<(1 + Int(rng.next() % 4)) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                if rng.next() % 5 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            }
            if let decoded = try? StunMessage.decode(bytes) {
                parsed += 1
                // Whatever parsed re-encodes to something that parses to the same message.
                #expect((try? StunMessage.decode(decoded.message.encode()).message) == decoded.message)
            }
        }
        #expect(parsed > 0)
    }

    @Test func addressesParseAndPrintInTheirUsualForms() {
        #expect(TransportAddress(host: "2001:db8:0:0:1:0:0:1", port: 1)!.description == "[2001:db8::1:0:0:1]:1")
        #expect(TransportAddress(host: "[::1]", port: 5)!.ip.isLoopback)
        #expect(TransportAddress(host: "::ffff:192.0.2.1", port: 5)!.ip.description == "::ffff:c000:201")
        #expect(TransportAddress(host: "fe80::1%eth0", port: 5)!.ip.isLinkLocal)
        #expect(TransportAddress(host: "10.0.0.1", port: 80)!.description == "10.0.0.1:80")
        for bad in ["256.1.1.1", "1.2.3", "1::2::3", "x", "", "1.2.3.4.5", "12345::"] { #expect(TransportAddress(host: bad, port: 1) == nil, "\(bad)") }
    }
}

@Suite struct StunTransactionTests {
    @Test func retransmitsOnTheRFCScheduleThenFails() {
        var table = StunTransactions<Int>()
        table.started(id: [1], bytes: [0], to: TransportAddress(host: "127.0.0.1", port: 1)!, context: 7, now: 0)
        var sends: [Int64] = [0], failedAt: Int64?
        var now: Int64 = 0
        while let deadline = table.nextDeadline {
            now = deadline
            let (resend, failed) = table.due(now: now)
            sends += resend.map { _ in now }
            if !failed.isEmpty { failedAt = now; #expect(failed[0].context == 7) }
        }
        #expect(sends == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(failedAt == 39_500)
    }

    @Test func anAnswerEndsTheTransaction() {
        var table = StunTransactions<String>(rto: 100)
        table.started(id: [9], bytes: [], to: TransportAddress(host: "::1", port: 1)!, context: "x", now: 0)
        #expect(table.finish(id: [9])?.context == "x")
        #expect(table.finish(id: [9]) == nil && table.nextDeadline == nil)
    }
}

@Suite struct StunBindingResponderTests {
    @Test func answersWithTheReflexiveAddress() throws {
        let request = StunMessage(method: .binding, messageClass: .request, transactionID: Array(repeating: 3, count: 12)).encode(fingerprint: true)
        let from = TransportAddress(host: "198.51.100.7", port: 40000)!
        let answer = try StunMessage.decode(try #require(StunBindingResponder().response(to: request, from: from)))
        #expect(answer.message.messageClass == .success && answer.message.xorMappedAddress == from && answer.hasFingerprint)
    }

    @Test func unknownRequiredAttributesGet420() throws {
        let request = StunMessage(method: .binding, messageClass: .request, transactionID: Array(repeating: 3, count: 12),
                                  attributes: [.unknown(type: 0x0077, value: [1])]).encode()
        let answer = try StunMessage.decode(try #require(StunBindingResponder().response(to: request, from: TransportAddress(host: "::1", port: 1)!)))
        #expect(answer.message.errorCode?.code == 420 && answer.message.unknownAttributes == [0x0077])
        #expect(StunBindingResponder().response(to: [1, 2, 3], from: TransportAddress(host: "::1", port: 1)!) == nil)
    }
}

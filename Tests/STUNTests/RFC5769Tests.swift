import STUN
import Testing

/// RFC 5769's vectors: integrity, fingerprint and XOR addresses computed by someone else.
@Suite struct RFC5769Tests {
    @Test func sampleRequest() throws {
        let decoded = try StunMessage.decode(RFC5769.sampleRequest) // checks FINGERPRINT
        let m = decoded.message
        #expect(m.method == .binding && m.messageClass == .request && m.transactionID == RFC5769.transactionID)
        #expect(m.software == RFC5769.sampleRequestSoftware && m.username == RFC5769.sampleRequestUsername)
        #expect(m.priority == RFC5769.sampleRequestPriority && m.iceControlled == RFC5769.sampleRequestTieBreaker)
        #expect(decoded.hasFingerprint && decoded.verifyIntegrity(key: StunCredentials.shortTerm(password: RFC5769.sampleRequestPassword).key))
        #expect(!decoded.verifyIntegrity(key: Array("not the password".utf8)))
    }

    @Test func sampleResponses() throws {
        for (bytes, address) in [(RFC5769.sampleIPv4Response, RFC5769.mappedIPv4Address), (RFC5769.sampleIPv6Response, RFC5769.mappedIPv6Address)] {
            let decoded = try StunMessage.decode(bytes)
            #expect(decoded.message.messageClass == .success && decoded.message.software == RFC5769.responseSoftware)
            #expect(decoded.message.xorMappedAddress == TransportAddress(host: address, port: RFC5769.mappedPort))
            #expect(decoded.verifyIntegrity(key: StunCredentials.shortTerm(password: RFC5769.responsePassword).key))
        }
    }

    @Test func longTermAuthentication() throws {
        let decoded = try StunMessage.decode(RFC5769.longTermRequest)
        let credentials = StunCredentials.longTerm(username: RFC5769.longTermUsername, realm: RFC5769.longTermRealm, password: RFC5769.longTermPassword)
        #expect(credentials.key == RFC5769.longTermKey)
        #expect(decoded.message.username == RFC5769.longTermUsername && decoded.message.realm == RFC5769.longTermRealm)
        #expect(decoded.message.nonce == RFC5769.longTermNonce)
        #expect(decoded.verifyIntegrity(key: credentials.key))
    }

    @Test func ourEncodingOfTheSampleResponseVerifiesTheSameWay() throws {
        // Re-encode the decoded IPv4 response with our codec: same attributes, integrity and fingerprint
        // valid under the RFC's password (padding bytes differ: the RFC pads SOFTWARE with spaces).
        let m = try StunMessage.decode(RFC5769.sampleIPv4Response).message
        let ours = m.encode(credentials: .shortTerm(password: RFC5769.responsePassword), fingerprint: true)
        #expect(ours.count == RFC5769.sampleIPv4Response.count)
        let again = try StunMessage.decode(ours)
        #expect(again.message == m && again.verifyIntegrity(key: Array(RFC5769.responsePassword.utf8)))
    }
}

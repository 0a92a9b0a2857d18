import ICE
import MediaCore
import STUN
import Testing

/// Multicast DNS for mDNS ICE candidates, against what Chromium 156 sends.
@Suite struct MdnsMessageTests {
    /// Chromium's answer for one of its names (captured on a veth LAN): ID 0, no question, A with
    /// cache-flush and TTL 120, then an NSEC record whose owner name is written out again.
    let chromiumAnswer: [UInt8] = {
        let name = "b9597878-8d57-4cd4-9ad1-61a11e5ba886"
        let labels: [UInt8] = [UInt8(name.utf8.count)] + Array(name.utf8) + [5] + Array("local".utf8) + [0]
        return [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 1] + labels + [0, 1, 0x80, 1, 0, 0, 0, 0x78, 0, 4, 10, 88, 0, 1]
            + labels + [0, 0x2F, 0x80, 1, 0, 0, 0, 0x78, 0, 5, 0xC0, 0x46, 0, 1, 0x40]
    }()

    @Test func readsChromiumsAnswer() {
        #expect(MdnsMessage.parse(chromiumAnswer) == .answer([("b9597878-8d57-4cd4-9ad1-61a11e5ba886.local", TransportAddress.IP("10.88.0.1")!)]))
    }

    @Test func ourQueryIsTheOneChromiumAnswers() {
        let name = "5e1f0001-1111-2222-3333-444455556666.local"
        let query = MdnsMessage.query(name)
        // QM (class IN without the unicast-response bit), ID 0: byte for byte Chromium's own.
        #expect(Array(query.prefix(12)) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] && Array(query.suffix(4)) == [0, 1, 0, 1] && query.count == 60)
        #expect(MdnsMessage.parse(query) == .query(names: [name]))
        let answer = MdnsMessage.answer(name, ip: TransportAddress.IP("10.88.0.2")!)
        #expect(MdnsMessage.parse(answer) == .answer([(name, TransportAddress.IP("10.88.0.2")!)]))
        // Authoritative response, ID 0, A record with cache-flush, TTL 120, the address.
        #expect(Array(answer.prefix(4)) == [0, 0, 0x84, 0] && Array(answer.suffix(14)) == [0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 10, 88, 0, 2])
    }

    @Test func namesAreRandomUUIDsUnderLocal() {
        let a = MdnsMessage.newHostname(), b = MdnsMessage.newHostname()
        #expect(a != b && MdnsMessage.isCandidateHostname(a) && a.count == 42, "\(a)")
        #expect(!MdnsMessage.isCandidateHostname("printer.example.com") && !MdnsMessage.isCandidateHostname("a.b.local"))
    }

    @Test func compressionLoopsAndForwardPointersAreRefused() {
        // A name pointing at itself, and one pointing forward, never hang or trap.
        #expect(MdnsMessage.parse([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 1, 2, 3, 4]) == nil)
        #expect(MdnsMessage.parse([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xC0, 40, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 1, 2, 3, 4]) == nil)
    }

    @Test func arbitraryBytesNeverTrap() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<5_000 {
            var bytes = chromiumAnswer
            for _ in 0..<Int(rng.next() % 6) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            _ = MdnsMessage.parse(bytes)
        }
    }
}

import CryptoPrimitives
import STUN

/// The few multicast DNS messages ICE needs (RFC 6762, draft-ietf-mmusic-mdns-ice-candidates): a
/// query for the address of a `<uuid>.local` name, and the answer that gives it. Pure bytes in and
/// out; the shell owns the socket on 224.0.0.251:5353.
///
/// What browsers do, seen with Chromium: they ask and answer by multicast only (a unicast or QU
/// question gets no answer), with ID 0, no question echoed in answers, TTL 120 and the cache-flush
/// bit, an NSEC record after the answer, and they ask once and never again.
public enum MdnsMessage: Sendable, Equatable {
    /// Questions for these names' A/AAAA records.
    case query(names: [String])
    /// Records: name → address.
    case answer([(name: String, ip: TransportAddress.IP)])

    public static func == (a: MdnsMessage, b: MdnsMessage) -> Bool {
        switch (a, b) {
        case let (.query(x), .query(y)): return x == y
        case let (.answer(x), .answer(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && $0.ip == $1.ip }
        default: return false
        }
    }

    public static let group = TransportAddress(ip: .v4(0xE000_00FB), port: 5353) // 224.0.0.251

    /// A fresh name for one of our addresses: a random UUID under .local, as browsers make them.
    public static func newHostname() -> String {
        let b = SecureRandom.bytes(16).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
        let hex = b.joined()
        func part(_ from: Int, _ to: Int) -> Substring { hex.dropFirst(from).prefix(to - from) }
        return "\(part(0, 8))-\(part(8, 12))-4\(part(13, 16))-\(part(16, 20))-\(part(20, 32)).local"
    }

    /// Whether ICE may ask for `name` (a single label under .local, as the draft makes them).
    public static func isCandidateHostname(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard lower.hasSuffix(".local"), name.count <= 255 else { return false }
        let label = lower.dropLast(6)
        return !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    // MARK: encoding

    /// A QM query (ID 0, no unicast-response bit: browsers answer only those) for A records.
    public static func query(_ name: String) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        out += encodeName(name) + [0, 1, 0, 1]
        return out
    }

    /// An answer for `name` (ID 0, authoritative, TTL 120, cache-flush), A or AAAA by `ip`.
    public static func answer(_ name: String, ip: TransportAddress.IP) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        let rdata = ip.bytes
        out += encodeName(name) + [0, ip.isIPv4 ? 1 : 28, 0x80, 1, 0, 0, 0, 120, 0, UInt8(rdata.count)] + rdata
        return out
    }

    static func encodeName(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        return out + [0]
    }

    // MARK: decoding

    /// The questions (for a query) or the address records (for a response); nil for anything that
    /// is not well formed or says nothing ICE can use. Never traps.
    public static func parse(_ bytes: [UInt8]) -> MdnsMessage? {
        guard bytes.count >= 12 else { return nil }
        let isResponse = bytes[2] & 0x80 != 0
        let counts = (0..<4).map { Int(bytes[4 + 2 * $0]) << 8 | Int(bytes[5 + 2 * $0]) }
        var offset = 12
        var questions: [String] = []
        for _ in 0..<min(counts[0], 32) {
            guard let (name, next) = readName(bytes, at: offset), next + 4 <= bytes.count else { return nil }
            let type = Int(bytes[next]) << 8 | Int(bytes[next + 1])
            if type == 1 || type == 28 || type == 255 { questions.append(name) }
            offset = next + 4
        }
        if !isResponse { return questions.isEmpty ? nil : .query(names: questions) }
        var records: [(name: String, ip: TransportAddress.IP)] = []
        for _ in 0..<min(counts[1] + counts[2] + counts[3], 64) {
            guard let (name, next) = readName(bytes, at: offset), next + 10 <= bytes.count else { break }
            let type = Int(bytes[next]) << 8 | Int(bytes[next + 1])
            let length = Int(bytes[next + 8]) << 8 | Int(bytes[next + 9])
            let data = next + 10
            guard data + length <= bytes.count else { break }
            if type == 1, length == 4 {
                let a = bytes[data..<(data + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                records.append((name, .v4(a)))
            } else if type == 28, length == 16 {
                records.append((name, .v6(Array(bytes[data..<(data + 16)]))))
            }
            offset = data + length
        }
        return records.isEmpty ? nil : .answer(records)
    }

    /// A (possibly compressed, RFC 1035 §4.1.4) name at `offset`, lower-cased, and where the
    /// record continues. Pointers may only go backwards, at most 16 of them.
    static func readName(_ bytes: [UInt8], at offset: Int) -> (String, Int)? {
        var labels: [String] = [], position = offset, end: Int?, jumps = 0, length = 0
        while true {
            guard position < bytes.count else { return nil }
            let size = Int(bytes[position])
            if size == 0 { return (labels.joined(separator: "."), end ?? position + 1) }
            if size & 0xC0 == 0xC0 {
                guard position + 1 < bytes.count, jumps < 16 else { return nil }
                let target = (size & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position else { return nil }
                if end == nil { end = position + 2 }
                position = target
                jumps += 1
                continue
            }
            guard size <= 63, position + 1 + size <= bytes.count else { return nil }
            length += size + 1
            guard length <= 255 else { return nil }
            labels.append(String(decoding: bytes[(position + 1)...(position + size)], as: UTF8.self).lowercased())
            position += 1 + size
        }
    }
}

/// An IP address and UDP port: what STUN's address attributes carry and what ICE candidates are made
/// of. Value type; `description` is the usual text form (`192.0.2.1:3478`, `[2001:db8::1]:3478`).
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible {
    public enum IP: Hashable, Sendable {
        case v4(UInt32)
        case v6([UInt8]) // 16 bytes
    }

    public var ip: IP
    public var port: UInt16

    public init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `a.b.c.d` or an IPv6 address (with `::` compression, optionally in brackets).
    public init?(host: String, port: UInt16) {
        guard let ip = IP(host) else { return nil }
        self.init(ip: ip, port: port)
    }

    public var isIPv4: Bool { if case .v4 = ip { return true }; return false }

    public var description: String {
        switch ip {
        case .v4: return "\(ip):\(port)"
        case .v6: return "[\(ip)]:\(port)"
        }
    }
}

extension TransportAddress.IP: CustomStringConvertible {
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = Self.parseIPv4(text) { self = .v4(v4); return }
        if let v6 = Self.parseIPv6(text) { self = .v6(v6); return }
        return nil
    }

    public var bytes: [UInt8] {
        switch self {
        case let .v4(a): return [UInt8(a >> 24), UInt8((a >> 16) & 0xFF), UInt8((a >> 8) & 0xFF), UInt8(a & 0xFF)]
        case let .v6(b): return b
        }
    }

    public var isIPv4: Bool { if case .v4 = self { return true }; return false }

    public var isLoopback: Bool {
        switch self {
        case let .v4(a): return a >> 24 == 127
        case let .v6(b): return b == [UInt8](repeating: 0, count: 15) + [1]
        }
    }

    /// fe80::/10 — usable only with a scope; ICE skips these as host candidates.
    public var isLinkLocal: Bool {
        switch self {
        case let .v4(a): return a >> 16 == 0xA9FE
        case let .v6(b): return b[0] == 0xFE && b[1] & 0xC0 == 0x80
        }
    }

    public var description: String {
        switch self {
        case let .v4(a): return "\(a >> 24).\((a >> 16) & 0xFF).\((a >> 8) & 0xFF).\(a & 0xFF)"
        case let .v6(b):
            let groups = stride(from: 0, to: 16, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) }
            // RFC 5952: compress the longest run (≥ 2) of zero groups.
            var best = (start: -1, length: 0), run = (start: -1, length: 0)
            for (i, g) in groups.enumerated() {
                if g == 0 {
                    run = run.start < 0 ? (i, 1) : (run.start, run.length + 1)
                    if run.length > best.length { best = run }
                } else { run = (-1, 0) }
            }
            let hex = groups.map { String($0, radix: 16) }
            guard best.length >= 2 else { return hex.joined(separator: ":") }
            let head = hex[..<best.start].joined(separator: ":"), tail = hex[(best.start + best.length)...].joined(separator: ":")
            return head + "::" + tail
        }
    }

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let n = UInt32(part), n <= 255 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        let text = text.split(separator: "%", maxSplits: 1).first.map(Substring.init) ?? text // drop a zone index
        guard text.contains(":"), text.count <= 45 else { return nil }
        // Split at the one "::" allowed.
        let chars = Array(text)
        var halves: [String] = []
        var i = 0, start = 0
        while i < chars.count - 1 {
            if chars[i] == ":", chars[i + 1] == ":" {
                halves.append(String(chars[start..<i]))
                start = i + 2
                i += 2
                continue
            }
            i += 1
        }
        halves.append(String(chars[min(start, chars.count)...]))
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    out += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let g = UInt16(piece, radix: 16) else { return nil }
                out.append(g)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// An SDP session description (RFC 8866) as WebRTC uses it (RFC 8829 JSEP, RFC 8843 BUNDLE): the
/// session part and its media sections, each a list of attributes kept in order, so a description
/// survives a parse/serialise round trip. Typed accessors read the attributes WebRTC cares about.
/// Accepts `\r\n` and bare `\n` line ends (Safari) and never traps on any text.
public struct SessionDescription: Sendable, Equatable {
    public var version = 0
    public var origin = Origin()
    public var sessionName = "-"
    /// Lines of the session part other than v/o/s/a/m (t=, c=, b=, i=, …), in order.
    public var otherLines: [SdpLine] = [SdpLine(type: "t", value: "0 0")]
    public var attributes: [SdpAttribute] = []
    public var media: [MediaDescription] = []

    public init() {}

    /// `o=` (RFC 8866 §5.2).
    public struct Origin: Sendable, Equatable {
        public var username = "-"
        public var sessionID = "0"
        public var sessionVersion: UInt64 = 0
        public var address = "127.0.0.1"
        public var addressType = "IP4"
        public init() {}
    }

    // MARK: typed accessors (session level)

    /// `a=group:BUNDLE 0 1 2` → [["0", "1", "2"]] (RFC 8843 §7.1).
    public var bundleGroups: [[String]] {
        attributes.compactMap { a in
            guard a.name == "group", let v = a.value, v.hasPrefix("BUNDLE") else { return nil }
            return v.fields(" ").dropFirst().map(String.init)
        }
    }

    public var iceLite: Bool { attributes.contains { $0.name == "ice-lite" } }

    // MARK: parsing

    public static func parse(_ text: String) throws(SdpParseError) -> SessionDescription {
        var description = SessionDescription()
        description.otherLines = []
        var current: MediaDescription?
        var sawVersion = false, sawOrigin = false
        var number = 0
        for line in Self.lines(of: text) {
            number += 1
            if line.isEmpty { continue } // blank lines (a trailing newline) are tolerated
            let bytes = line.utf8
            guard bytes.count >= 2, let letter = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter | 0x20),
                  bytes[bytes.index(after: bytes.startIndex)] == UInt8(ascii: "=") else {
                throw .malformedLine(number, "expected <letter>=<value>, got \"\(line.prefix(40))\"")
            }
            let type = Character(Unicode.Scalar(letter))
            let value = String(line[bytes.index(bytes.startIndex, offsetBy: 2)...])
            if !sawVersion {
                guard type == "v", value == "0" else { throw .malformedLine(number, "a description starts with v=0") }
                sawVersion = true
                continue
            }
            switch type {
            case "o" where current == nil:
                let f = value.fields(" ")
                guard f.count == 6, let version = UInt64(f[2]) else { throw .malformedLine(number, "o= needs 6 fields: \(value.prefix(60))") }
                description.origin.username = String(f[0])
                description.origin.sessionID = String(f[1])
                description.origin.sessionVersion = version
                description.origin.addressType = String(f[4])
                description.origin.address = String(f[5])
                sawOrigin = true
            case "s" where current == nil:
                description.sessionName = value
            case "m":
                if let current { description.media.append(current) }
                current = try MediaDescription(mLine: value, line: number)
            case "a":
                let attribute = SdpAttribute(line: value)
                if current == nil { description.attributes.append(attribute) } else { current!.attributes.append(attribute) }
            default:
                let other = SdpLine(type: type, value: value)
                if current == nil { description.otherLines.append(other) } else { current!.otherLines.append(other) }
            }
        }
        guard sawVersion else { throw .empty }
        guard sawOrigin else { throw .missingLine("o=") }
        if let current { description.media.append(current) }
        return description
    }

    /// The lines of `text`, split at `\r\n`, `\n` or a lone `\r` (RFC 8866 §5 asks for CRLF; peers
    /// send bare LF too). Split on UTF-8 bytes: splitting by Character would segment graphemes
    /// of a text that is ASCII but for the odd session name.
    public static func lines(of text: String) -> [Substring] {
        let bytes = text.utf8
        var lines: [Substring] = []
        var start = bytes.startIndex, i = start
        while i != bytes.endIndex {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else { bytes.formIndex(after: &i); continue }
            lines.append(text[start..<i])
            bytes.formIndex(after: &i)
            if byte == UInt8(ascii: "\r"), i != bytes.endIndex, bytes[i] == UInt8(ascii: "\n") { bytes.formIndex(after: &i) }
            start = i
        }
        lines.append(text[start..<bytes.endIndex])
        return lines
    }

    /// The text form, `\r\n` line ends (RFC 8866 §5).
    /// Written into one growing string (interpolating each line made and copied a string per line).
    public var serialized: String {
        var out = ""
        out.reserveCapacity(1_024 + 1_024 * media.count)
        out += "v="; out += String(version); out += "\r\n"
        out += "o="; out += origin.username; out += " "; out += origin.sessionID; out += " "; out += String(origin.sessionVersion)
        out += " IN "; out += origin.addressType; out += " "; out += origin.address; out += "\r\n"
        out += "s="; out += sessionName; out += "\r\n"
        for line in otherLines { line.write(to: &out) }
        for a in attributes { a.write(to: &out) }
        for m in media { m.write(to: &out) }
        return out
    }
}

/// One line of a type the model does not interpret (`t=`, `c=`, `b=`, …), kept verbatim.
public struct SdpLine: Sendable, Equatable {
    public var type: Character
    public var value: String
    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }

    /// `<type>=<value>` and its line end.
    func write(to out: inout String) {
        out.append(type); out += "="; out += value; out += "\r\n"
    }
}

/// `a=name` or `a=name:value` (RFC 8866 §5.13).
public struct SdpAttribute: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    init(line: String) {
        if let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) {
            name = String(line[..<colon])
            value = String(line[line.index(after: colon)...])
        } else {
            name = line
            value = nil
        }
    }

    /// `a=<text>` and its line end.
    func write(to out: inout String) {
        out += "a="; out += name
        if let value { out += ":"; out += value }
        out += "\r\n"
    }
}

public enum SdpParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case missingLine(String)
    case malformedLine(Int, String)

    public var description: String {
        switch self {
        case .empty: return "the session description is empty"
        case let .missingLine(what): return "the session description has no \(what) line"
        case let .malformedLine(n, why): return "session description line \(n): \(why)"
        }
    }
}

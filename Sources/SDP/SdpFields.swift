extension StringProtocol where SubSequence == Substring {
    /// The text between ASCII `separator`s, found on UTF-8 bytes: splitting by Character would run
    /// grapheme breaking over every byte of a description. Empty fields are left out; after
    /// `maxSplits` fields the rest is one field (as `split(separator:maxSplits:)`).
    func fields(_ separator: Unicode.Scalar, maxSplits: Int = .max) -> [Substring] {
        precondition(separator.isASCII, "fields(_:) splits on ASCII separators only")
        let byte = UInt8(separator.value), bytes = utf8
        var out: [Substring] = []
        var start = bytes.startIndex, i = start
        while i < bytes.endIndex {
            if bytes[i] == byte, out.count < maxSplits {
                if start != i { out.append(self[start..<i]) }
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        if start != bytes.endIndex { out.append(self[start..<bytes.endIndex]) }
        return out
    }
}

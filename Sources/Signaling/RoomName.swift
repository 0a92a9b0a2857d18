import CryptoPrimitives

/// Unguessable room names: 16 characters of a 32-letter alphabet without look-alikes (80 bits from
/// the CSPRNG), grouped for reading aloud: `k7fq-m2xd-9wtc-hn4p`.
public enum RoomName {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789".utf8) + Array("0".utf8) // 32 symbols

    public static func random() -> String {
        var value = SecureRandom.uint64(), more = SecureRandom.uint64()
        var out = ""
        for i in 0..<16 {
            if i > 0, i % 4 == 0 { out.append("-") }
            let source = i < 12 ? value : more
            out.append(Character(Unicode.Scalar(alphabet[Int(source & 31)])))
            if i < 12 { value >>= 5 } else { more >>= 5 }
        }
        return out
    }
}

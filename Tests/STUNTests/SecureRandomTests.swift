import CryptoPrimitives
import Testing

/// The pool behind small requests: every size served whole, across refills, and no draw repeated.
@Suite struct SecureRandomTests {
    @Test func drawsAreTheSizeAskedAndNeverRepeatAcrossThePoolsRefills() {
        var seen = Set<[UInt8]>()
        for round in 0..<2_000 {
            let size = [8, 12, 24, 64, 65, 300][round % 6] // 65 and 300 bypass the pool
            let drawn = SecureRandom.bytes(size)
            #expect(drawn.count == size)
            #expect(seen.insert(drawn).inserted)
        }
        // Bits are balanced: 2 000 words of 64 bits, about half set (a stuck pool would show).
        let ones = (0..<2_000).map { _ in SecureRandom.uint64().nonzeroBitCount }.reduce(0, +)
        #expect(abs(ones - 64_000) < 2_000)
    }

    @Test func iceStringsUseTheIceAlphabet() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let text = SecureRandom.iceString(24)
        #expect(text.count == 24 && text.allSatisfy(alphabet.contains))
    }
}

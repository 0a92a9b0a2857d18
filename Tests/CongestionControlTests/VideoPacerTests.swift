import CongestionControl
import Testing

@Suite struct VideoPacerTests {
    /// A 24 KB keyframe at a 300 kbit/s target leaves at 1.5 × that rate: spread over about
    /// 430 ms of virtual time, never more than a packet or two in any 10 ms.
    @Test func aBurstLeavesAtThePacingRate() {
        var pacer = VideoPacer<Int>()
        for _ in 0..<20 { pacer.enqueue(0, size: 1_200) }
        var sentAt: [Int64] = []
        var now: Int64 = 0
        while !pacer.isEmpty, now < 2_000 {
            for _ in pacer.poll(now: now, bitsPerSecond: 300_000) { sentAt.append(now) }
            now = max(now + 1, pacer.nextTimeout(now: now, bitsPerSecond: 300_000) ?? now + 1)
        }
        #expect(sentAt.count == 20)
        #expect((380...480).contains(sentAt.last ?? 0), "\(sentAt)")
        for t in stride(from: Int64(0), to: 500, by: 10) { #expect(sentAt.filter { $0 >= t && $0 < t + 10 }.count <= 2) }
        // Nothing waiting: nothing to wake for.
        #expect(pacer.nextTimeout(now: now, bitsPerSecond: 300_000) == nil)
    }
}

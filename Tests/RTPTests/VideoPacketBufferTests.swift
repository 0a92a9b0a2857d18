import MediaCore
import RTP
import Testing

/// The reordering stage before VP8 frame assembly, on a virtual clock.
@Suite struct VideoPacketBufferTests {
    func packet(_ sequence: UInt16) -> RtpPacket {
        RtpPacket(payloadType: 96, sequenceNumber: sequence, timestamp: 0, ssrc: 7, payload: [1])
    }

    @Test func inOrderPacketsPassStraightThrough() {
        var buffer = VideoPacketBuffer(maximumWait: 100)
        for s in UInt16(65_530)...UInt16(65_535) { #expect(buffer.insert(packet(s), now: 0).map(\.sequenceNumber) == [s]) }
        #expect(buffer.insert(packet(0), now: 0).map(\.sequenceNumber) == [0]) // across the wrap
        #expect(buffer.count == 0 && buffer.nextTimeout == nil)
    }

    @Test func aRetransmissionWithinTheWaitFillsTheGap() {
        var buffer = VideoPacketBuffer(maximumWait: 100)
        #expect(buffer.insert(packet(10), now: 0).count == 1)
        #expect(buffer.insert(packet(12), now: 5).isEmpty)
        #expect(buffer.insert(packet(13), now: 6).isEmpty)
        #expect(buffer.missing == [11])
        #expect(buffer.poll(now: 104).isEmpty) // not yet
        #expect(buffer.insert(packet(11), now: 80).map(\.sequenceNumber) == [11, 12, 13])
        #expect(buffer.statistics.reordered == 1 && buffer.statistics.gapsSkipped == 0)
        #expect(buffer.nextTimeout == nil)
    }

    @Test func aGapThatNeverFillsIsSkippedAfterTheWait() {
        var buffer = VideoPacketBuffer(maximumWait: 100)
        _ = buffer.insert(packet(1), now: 0)
        _ = buffer.insert(packet(4), now: 10)
        _ = buffer.insert(packet(5), now: 20)
        #expect(buffer.nextTimeout == 110)
        #expect(buffer.poll(now: 109).isEmpty)
        #expect(buffer.poll(now: 110).map(\.sequenceNumber) == [4, 5])
        #expect(buffer.statistics.gapsSkipped == 1 && buffer.statistics.packetsSkipped == 2)
        // The late packets, when they finally come, are too late.
        #expect(buffer.insert(packet(2), now: 120).isEmpty && buffer.statistics.discarded == 1)
        // Two gaps: each gets its own wait, counted from the packet behind it.
        _ = buffer.insert(packet(7), now: 200)
        _ = buffer.insert(packet(9), now: 250)
        #expect(buffer.poll(now: 300).map(\.sequenceNumber) == [7])
        #expect(buffer.nextTimeout == 350)
        #expect(buffer.poll(now: 350).map(\.sequenceNumber) == [9])
    }

    @Test func holdingIsBounded() {
        var buffer = VideoPacketBuffer(maximumWait: 10_000, capacity: 16)
        _ = buffer.insert(packet(0), now: 0)
        var delivered = 0
        for s in UInt16(2)...UInt16(40) { delivered += buffer.insert(packet(s), now: 1).count }
        #expect(buffer.count <= 16 && delivered > 0)
    }

    /// Property: whatever the order and loss, what comes out is strictly increasing and nothing
    /// delivered is delivered twice.
    @Test func outputIsAlwaysInOrder() {
        var rng = SplitMix64(seed: 42)
        var buffer = VideoPacketBuffer(maximumWait: 50)
        var sent: [UInt16] = Array(0..<2_000).map { UInt16(truncatingIfNeeded: 60_000 + $0) }
        // Local shuffles (reordering within 8) and 5 % loss.
        for i in stride(from: 0, to: sent.count - 8, by: 8) { sent[i..<(i + 8)].shuffle(using: &rng) }
        sent.removeAll { _ in rng.next() % 20 == 0 }
        var out: [Int64] = []
        var unwrap = SequenceUnwrapper()
        for (i, s) in sent.enumerated() {
            for p in buffer.insert(packet(s), now: Int64(i)) + buffer.poll(now: Int64(i)) { out.append(unwrap.unwrap(p.sequenceNumber)) }
        }
        for p in buffer.poll(now: 1_000_000) { out.append(unwrap.unwrap(p.sequenceNumber)) }
        #expect(zip(out, out.dropFirst()).allSatisfy { $0 < $1 })
        #expect(out.count >= sent.count - 16)
    }
}

import RTP
import Testing

@Suite struct TransportFeedbackGeneratorTests {
    /// Each interval's feedback describes the run since the last one: arrivals where packets came,
    /// gaps where they did not, and it survives the wire.
    @Test func reportsEachRunOnceWithItsArrivalTimes() throws {
        var generator = TransportFeedbackGenerator(senderSsrc: 1, interval: 50)
        for (i, sequence) in [UInt16(65_534), 65_535, 1, 2].enumerated() { // 0 lost, across the wrap
            generator.received(transportSequenceNumber: sequence, mediaSsrc: 9, arrivalMicroseconds: 1_000_000 + Int64(i) * 5_000, now: Int64(i))
        }
        #expect(generator.poll(now: 49).isEmpty)
        let packets = generator.poll(now: 50)
        guard case let .transportFeedback(feedback)? = packets.first else { Issue.record("no feedback: \(packets)"); return }
        #expect(feedback.baseSequenceNumber == 65_534 && feedback.mediaSsrc == 9)
        let times = feedback.arrivalTimes
        #expect(times.map(\.sequenceNumber) == [65_534, 65_535, 0, 1, 2])
        #expect(times.map { $0.microseconds == nil } == [false, false, true, false, false])
        #expect(times[3].microseconds! - times[0].microseconds! == 10_000)
        let wire = RtcpPacket.serializeCompound(packets)
        #expect(try RtcpPacket.parseCompound(wire) == packets)
        // Nothing new: nothing sent. A late packet of the reported run is left out.
        #expect(generator.poll(now: 200).isEmpty)
        generator.received(transportSequenceNumber: 0, mediaSsrc: 9, arrivalMicroseconds: 1_100_000, now: 201)
        generator.received(transportSequenceNumber: 3, mediaSsrc: 9, arrivalMicroseconds: 1_100_000, now: 201)
        guard case let .transportFeedback(next)? = generator.poll(now: 260).first else { Issue.record("no second feedback"); return }
        #expect(next.baseSequenceNumber == 3 && next.feedbackPacketCount == 1 && next.arrivalTimes.count == 1)
    }
}

import MediaCore
import RTP
import Testing

@Suite struct TransportFeedbackTests {
    func roundTrip(_ feedback: TransportFeedback) throws -> [UInt8] {
        let bytes = RtcpPacket.transportFeedback(feedback).serialized()
        #expect(bytes.count % 4 == 0)
        #expect(try RtcpPacket.parseCompound(bytes) == [.transportFeedback(feedback)])
        return bytes
    }

    /// The first packet status chunk sits after the common header, two SSRCs and eight fixed bytes.
    func firstChunk(_ bytes: [UInt8]) -> UInt16 { UInt16(bytes[20]) << 8 | UInt16(bytes[21]) }

    @Test func handBuiltRunLengthFeedbackDecodes() throws {
        // base 10, count 4, reference time 1 (64 ms), fb count 7, run length chunk "4 × small delta",
        // deltas 1 2 3 4, then two bytes of padding (P bit, count 2).
        let bytes: [UInt8] = [0xAF, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2,
                              0, 10, 0, 4, 0, 0, 1, 7,
                              0x20, 0x04, 1, 2, 3, 4, 0, 2]
        let feedback = TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 10, referenceTime: 1,
                                         feedbackPacketCount: 7, receiveDeltas: [1, 2, 3, 4])
        #expect(try RtcpPacket.parseCompound(bytes) == [.transportFeedback(feedback)])
        #expect(RtcpPacket.transportFeedback(feedback).serialized() == bytes)
        #expect(feedback.packets.map { $0.sequenceNumber } == [10, 11, 12, 13])
        #expect(feedback.arrivalTimes.map { $0.microseconds } == [64_250, 64_750, 65_500, 66_500])
    }

    @Test func vectorChunksCarryMixedStatuses() throws {
        let twoBit = try roundTrip(TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0,
                                                     feedbackPacketCount: 0, receiveDeltas: [1, nil, 1000, 1]))
        #expect(firstChunk(twoBit) == 0xD240)   // 1 1 | 01 00 10 01 | padding slots
        let oneBit = try roundTrip(TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 0, referenceTime: 0,
                                                     feedbackPacketCount: 0, receiveDeltas: [1, nil, 1, nil, 1]))
        #expect(firstChunk(oneBit) == 0xAA00)   // 1 0 | 1 0 1 0 1 | zeros
    }

    @Test func longRunsVectorsAndLargeDeltasRoundTrip() throws {
        var deltas: [Int16?] = Array(repeating: 4, count: 20)             // run length of small deltas
        deltas += [nil, 3, nil, nil, 7, 8, nil, 2, 2, nil, 1, 0, 255, nil] // one-bit vector
        deltas += [-1, 1000, nil, 32_767, -32_768, 256, 5]                // two-bit vector, large deltas
        deltas += Array(repeating: nil, count: 9000)                      // runs longer than 8191
        deltas += [6, 6]
        let bytes = try roundTrip(TransportFeedback(senderSsrc: 0xDEAD, mediaSsrc: 0xBEEF, baseSequenceNumber: 65_000,
                                                    referenceTime: -0x80_0000, feedbackPacketCount: 255, receiveDeltas: deltas))
        #expect(firstChunk(bytes) == 0x2000 | 20)
    }

    @Test func randomFeedbackRoundTrips() throws {
        var random = SplitMix64(seed: 11)
        for _ in 0..<200 {
            let deltas: [Int16?] = (0..<Int.random(in: 0...300, using: &random)).map { _ -> Int16? in
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<3: return nil
                case 3: return Int16.random(in: Int16.min...Int16.max, using: &random)
                default: return Int16.random(in: 0...255, using: &random)
                }
            }
            _ = try roundTrip(TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: UInt16.random(in: 0...65_535, using: &random),
                                                referenceTime: Int32.random(in: -0x80_0000...0x7F_FFFF, using: &random),
                                                feedbackPacketCount: UInt8.random(in: 0...255, using: &random), receiveDeltas: deltas))
        }
    }

    @Test func builtFromArrivalTimes() {
        let reference: Int64 = 64_000
        let feedback = TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 5, feedbackPacketCount: 0,
                                         arrivalMicroseconds: [reference + 1000, nil, reference + 1500, reference + 101_500])
        #expect(feedback.referenceTime == 1)
        #expect(feedback.receiveDeltas == [4, nil, 2, 400])
        #expect(feedback.arrivalTimes.map { $0.microseconds } == [65_000, nil, 65_500, 165_500])
    }

    @Test func reservedStatusSymbolIsMalformed() {
        let bytes: [UInt8] = [0x8F, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2,
                              0, 10, 0, 1, 0, 0, 0, 0,
                              0x60, 0x01, 0, 0]   // run length chunk with symbol 11
        #expect(throws: RtpParseError.malformedBody) { try RtcpPacket.parseCompound(bytes) }
    }
}

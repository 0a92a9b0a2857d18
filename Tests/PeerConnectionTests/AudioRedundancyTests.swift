import CongestionControl
import MediaCore
import RTP
@testable import PeerConnection
import Testing

/// RED's depth from the fates of our own audio packets (transport-wide feedback): deep enough
/// that the bursts seen would have left at most half a percent unrebuilt, never deeper than four.
@Suite struct AudioRedundancyTests {
    /// `count` packets' fates from a Gilbert-Elliott channel: long-run loss `loss`, mean burst `burst`.
    func arrivals(_ count: Int, loss: Double, burst: Double, seed: UInt64 = 5) -> [Bool] {
        var rng = SplitMix64(seed: seed), bad = false
        let leave = 1 / burst, enter = loss * leave / (1 - loss)
        return (0..<count).map { _ in
            bad = bad ? rng.unit() >= leave : rng.unit() < enter
            return !bad
        }
    }

    @Test func theDepthFollowsTheBursts() {
        #expect(AudioRedundancy.depth(for: Array(repeating: true, count: 250)) == 1)
        #expect(AudioRedundancy.depth(for: arrivals(250, loss: 0.02, burst: 1)) == 1)
        // 10 % in bursts of three on average: a depth of two leaves about 4 % unrebuilt.
        #expect(AudioRedundancy.depth(for: arrivals(250, loss: 0.10, burst: 3)) == AudioRedundancy.maximumDepth)
        // Runs of exactly two: two repeats rebuild everything, one leaves half.
        let pairs = (0..<250).map { $0 % 20 >= 2 }
        #expect(AudioRedundancy.depth(for: pairs) == 2)
        // Too little feedback to judge: the receiver reports decide.
        #expect(AudioRedundancy.depth(for: [false, false, true]) == nil)
    }

    @Test func feedbackOnVideoIsIgnoredAndALaterReportWins() {
        var red = AudioRedundancy()
        // Audio every fourth transport-wide number; video in between.
        for n in 0..<100 { red.sent(transportSequence: Int64(4 * n)) }
        func results(_ lostAudio: (Int) -> Bool) -> [PacketResult] {
            (0..<400).map { s in
                let lost = s % 4 == 0 ? lostAudio(s / 4) : true // every video packet reported lost
                return PacketResult(sequenceNumber: Int64(s), sendTime: 0, size: 100, arrivalTime: lost ? nil : Int64(s) * 1_000)
            }
        }
        red.observe(results { $0 % 10 < 3 })
        #expect(red.measuredDepth == 3) // runs of three among audio alone
        red.observe(results { _ in false }) // reordering: all of it did arrive after all
        #expect(red.measuredDepth == 1)
        // Deep only with room to spare; without it one repeat, whatever the bursts.
        red.observe(results { $0 % 10 < 3 })
        _ = red.wrap([1, 2, 3], payloadType: 111, timestamp: 960, loss: nil, roomToSpare: false)
        #expect(red.depth == 1)
        _ = red.wrap([1, 2, 3], payloadType: 111, timestamp: 1920, loss: nil, roomToSpare: true)
        #expect(red.depth == 3)
    }

    @Test func onlyFramesRunningUpToThisOneAreRepeated() throws {
        var red = AudioRedundancy()
        func blocks(_ payload: UInt8, at timestamp: UInt32) throws -> [UInt16] {
            let wrapped = red.wrap([payload], payloadType: 111, timestamp: timestamp, loss: 0.2, roomToSpare: true)
            return try RedPayload.parse(wrapped).redundant.map(\.timestampOffset)
        }
        #expect(try blocks(1, at: 0) == [])
        #expect(try blocks(2, at: 960) == [960])
        #expect(try blocks(3, at: 1_920) == [1_920, 960])
        // A DTX pause of ten frames not sent: the frames before it were not lost, nothing repeats.
        #expect(try blocks(4, at: 12_480) == [])
        #expect(try blocks(5, at: 13_440) == [960])
    }
}

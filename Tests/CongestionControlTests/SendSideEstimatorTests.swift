import CongestionControl
import MediaCore
import RTP
import Testing

/// The delay-based estimator in a closed loop on a virtual clock: a sender paced at the
/// estimate, a bottleneck with a tail-drop queue (or none), the receiver's real feedback
/// generator, feedback back after the return delay. Each test pins one response GCC must have.
@Suite struct SendSideEstimatorTests {
    /// A path: a bottleneck (bit/s; nil for none) with a queue of `queueLimit` ms, one-way
    /// delay, and uniform jitter per packet (so reordering). Cross traffic shares the queue.
    struct Path {
        var capacity: Double?
        var queueLimit: Int64 = 200
        var delay: Int64 = 20
        var jitter: Int64 = 0
        /// Jitter that keeps order (a packet never overtakes: it waits behind a delayed one), as
        /// a queue's jitter is and as `impaired_link.py` makes it.
        var orderKept = false
        var loss = 0.0
        var crossTraffic: Double = 0
    }

    /// Runs the loop for `seconds`; `change` may alter the path at each second. Returns what the
    /// figures a test reads: the estimate each second, queueing delays (ms) of delivered packets
    /// from `measureFrom` on, the rate delivered then, and drops.
    struct Run {
        var estimates: [Int] = []
        var queueDelays: [Int64] = []
        var deliveredBits = 0.0
        var drops = 0
        var estimator: SendSideEstimator
        var p95QueueDelay: Int64 { let sorted = queueDelays.sorted(); return sorted.isEmpty ? 0 : sorted[sorted.count * 95 / 100] }
    }

    static func run(seconds: Int, start: Int = 300_000, seed: UInt64 = 7, measureFrom: Int = 0,
                    change: (Int, inout Path) -> Void) -> Run {
        var path = Path()
        var estimator = SendSideEstimator(start: start)
        var generator = TransportFeedbackGenerator(senderSsrc: 1, interval: 50)
        var random = SplitMix64(seed: seed)
        var linkFreeAt: Int64 = 0          // µs
        var budget = 0.0                   // bytes the sender may send now
        var inFlight: [(at: Int64, sequence: UInt16, queued: Int64)] = []
        var feedbackInFlight: [(at: Int64, packets: [RtcpPacket])] = []
        var crossBudget = 0.0
        var lastArrival: Int64 = 0
        var run = Run(estimator: estimator)
        let end = Int64(seconds) * 1_000
        for now in Int64(0)..<end {
            if now % 1_000 == 0 { change(Int(now / 1_000), &path) }
            let measuring = now >= Int64(measureFrom) * 1_000
            // The bottleneck: a packet waits for the link, or is dropped when the wait is too long.
            func enqueue(size: Int) -> (arrival: Int64, queued: Int64)? {
                var departs = now * 1_000
                if let capacity = path.capacity {
                    let start = max(departs, linkFreeAt)
                    guard start - departs <= path.queueLimit * 1_000 else { return nil }
                    linkFreeAt = start + Int64(Double(size * 8) * 1_000_000 / capacity)
                    departs = linkFreeAt
                }
                let jitter = path.jitter > 0 ? Int64(random.next() % UInt64(path.jitter + 1)) : 0
                var arrival = (departs + 999) / 1_000 + path.delay + jitter
                if path.orderKept { arrival = max(arrival, lastArrival); lastArrival = arrival }
                return (arrival, (departs - now * 1_000) / 1_000)
            }
            // Cross traffic: 1200-byte packets at its rate, through the same queue.
            crossBudget += path.crossTraffic / 8 / 1_000
            while crossBudget >= 1_200 { crossBudget -= 1_200; _ = enqueue(size: 1_200) }
            // The sender: paced at the estimate, 1200-byte packets (audio and video alike here).
            budget = min(budget + Double(estimator.estimate) / 8 / 1_000, 6_000)
            while budget >= 1_200 {
                budget -= 1_200
                let sequence = estimator.nextSequenceNumber
                estimator.sent(size: 1_200, now: now)
                if path.loss > 0, Double(random.next() % 1_000_000) / 1_000_000 < path.loss {
                    if measuring { run.drops += 1 }
                } else if let (arrival, queued) = enqueue(size: 1_200) {
                    inFlight.append((arrival, sequence, queued))
                    if measuring { run.queueDelays.append(queued); run.deliveredBits += 9_600 }
                } else if measuring {
                    run.drops += 1
                }
            }
            // The receiver: arrivals, then feedback every 50 ms, back after the one-way delay.
            inFlight.sort { $0.at < $1.at }
            while let first = inFlight.first, first.at <= now {
                inFlight.removeFirst()
                generator.received(transportSequenceNumber: first.sequence, mediaSsrc: 2, arrivalMicroseconds: first.at * 1_000, now: now)
            }
            let feedback = generator.poll(now: now)
            if !feedback.isEmpty { feedbackInFlight.append((now + path.delay, feedback)) }
            while let first = feedbackInFlight.first, first.at <= now {
                feedbackInFlight.removeFirst()
                for case let .transportFeedback(report) in first.packets { estimator.received(report, now: now) }
            }
            estimator.roundTrip(Double(2 * path.delay) / 1_000)
            if now % 1_000 == 999 { run.estimates.append(estimator.estimate) }
        }
        run.estimator = estimator
        return run
    }

    /// Starting at twice a 300 kbit/s bottleneck's rate: within 4 s the estimate is under the
    /// cap, and from 10 s on the link is used at ≥ 85 % with the queue's delay p95 ≤ 100 ms.
    @Test func aCapIsFoundAndItsQueueKeptShort() {
        let run = Self.run(seconds: 40, start: 600_000, measureFrom: 10) { _, path in path.capacity = 300_000 }
        #expect(run.estimates.prefix(4).contains { $0 <= 300_000 }, "\(run.estimates)")
        let used = run.deliveredBits / 30 / 300_000
        #expect(used >= 0.85, "link used at \(used): \(run.estimates)")
        #expect(run.p95QueueDelay <= 100, "queue p95 \(run.p95QueueDelay) ms: \(run.estimates)")
        #expect(Double(run.drops) / Double(max(1, run.queueDelays.count)) < 0.01, "\(run.drops) drops")
    }

    /// Once a cap has been found, speech about to start takes the estimate to 70 % of where the
    /// limit was seen (a queue a probe filled then drains); with no limit known it does nothing.
    @Test func speechAfterAPauseDrainsAProbesQueue() throws {
        var run = Self.run(seconds: 20, start: 600_000) { _, path in path.capacity = 300_000 }
        let limit = try #require(run.estimator.knownLimit)
        #expect(limit > 250_000 && limit < 330_000, "\(limit)")
        run.estimator.makeRoomForSpeech(now: 20_000)
        #expect(run.estimator.estimate <= limit * 7 / 10, "\(run.estimator.estimate) of \(limit)")
        var fresh = SendSideEstimator(start: 600_000)
        fresh.makeRoomForSpeech(now: 0)
        #expect(fresh.estimate == 600_000)
    }

    /// The cap lifts from 300 kbit/s to 1.5 Mbit/s: within 15 s the estimate passes 800 kbit/s.
    @Test func aCapThatLiftsIsFollowedUp() {
        let run = Self.run(seconds: 35, start: 300_000) { second, path in path.capacity = second < 20 ? 300_000 : 1_500_000 }
        #expect(run.estimates[15..<20].allSatisfy { $0 <= 360_000 }, "\(run.estimates)")
        #expect(run.estimates.suffix(5).contains { $0 >= 800_000 }, "\(run.estimates)")
    }

    /// Cross traffic of 600 kbit/s joins a 1.2 Mbit/s bottleneck at 15 s: the estimate falls to
    /// what is left, and the queue does not stay full.
    @Test func crossTrafficTakesItsShare() {
        let run = Self.run(seconds: 30, start: 800_000, measureFrom: 20) { second, path in
            path.capacity = 1_200_000
            path.crossTraffic = second < 15 ? 0 : 600_000
        }
        #expect(run.estimates[10..<15].contains { $0 >= 900_000 }, "\(run.estimates)")
        #expect(run.estimates.suffix(5).allSatisfy { $0 <= 700_000 }, "\(run.estimates)")
        #expect(run.p95QueueDelay <= 150, "queue p95 \(run.p95QueueDelay) ms: \(run.estimates)")
    }

    /// 0–50 ms of jitter that keeps order, with 5 % loss (`impaired_link.py`'s jitter profile), on
    /// a path with room to spare: packets held behind a late one arrive in a burst, which reads
    /// like a queue that fills and drains. The estimate climbs as on a clean path, with at most
    /// two 15 % cuts on the way (the trend detector's false alarms, each made good within seconds).
    @Test func orderKeepingJitterAndLossAreNotCongestion() {
        let run = Self.run(seconds: 30, start: 300_000) { _, path in
            path.jitter = 50
            path.orderKept = true
            path.loss = 0.05
        }
        #expect(run.estimator.decreases <= 2, "\(run.estimator.decreases) cuts: \(run.estimates)")
        #expect(run.estimates.last! >= 1_200_000, "\(run.estimates)")
    }

    /// 30 ms of jitter per packet (so reordering) on a path with room to spare: no cut, and the
    /// estimate grows as on a clean path.
    @Test func jitterAloneIsNotCongestion() {
        let run = Self.run(seconds: 20, start: 300_000) { _, path in path.jitter = 30 }
        #expect(run.estimator.decreases == 0, "\(run.estimates)")
        #expect(run.estimates.last! >= 600_000, "\(run.estimates)")
    }

    /// Feedback names packets by 16 bits: across the wrap it still finds ours, a packet reported
    /// twice counts once, and numbers we never sent (or long forgotten) are skipped.
    @Test func theLogJoinsFeedbackAcrossTheWrapAndOnce() {
        var log = SentPacketLog()
        for i in 0..<70_000 { log.sent(sendTime: Int64(i) * 1_000, size: 100 + i % 7) }
        // The last three sent: extended 69 998…70 000, on the wire 4 462…4 464 (70 000 mod 65 536).
        let wire = UInt16(truncatingIfNeeded: 69_998)
        let feedback = TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: wire, feedbackPacketCount: 0,
                                         arrivalMicroseconds: [5_000_000, nil, 5_002_000, 5_003_000])
        let results = log.results(of: feedback)
        #expect(results.map(\.sequenceNumber) == [69_998, 69_999, 70_000])
        #expect(results.map(\.sendTime) == [69_997_000, 69_998_000, 69_999_000] && results[1].arrivalTime == nil)
        #expect(results[0].size == 100 + 69_997 % 7)
        // The same report again: the arrived ones are not counted twice; the lost one may still arrive.
        #expect(log.results(of: feedback).map(\.sequenceNumber) == [69_999])
        // Numbers far in the past are gone from the ring.
        let stale = TransportFeedback(senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: UInt16(truncatingIfNeeded: 50_000),
                                      feedbackPacketCount: 1, arrivalMicroseconds: [1_000])
        #expect(log.results(of: stale).isEmpty)
    }
}

/// The AIMD half on its own: what a cut does when the acknowledged rate lags it, and the ceiling
/// an owner may put on growth.
@Suite struct AimdRateControlTests {
    /// Overuse reported again a round trip after a cut, while the acknowledged rate still shows
    /// what went before it: the estimate stands at 0.85 × that rate, not 0.85 × 0.85 × … as the
    /// queue drains; a lower acknowledged rate still cuts.
    @Test func aCutIsNotRepeatedOnALaggingAcknowledgedRate() {
        var rate = AimdRateControl(start: 400_000, minimum: 80_000, maximum: 2_500_000)
        rate.roundTrip = 50
        rate.update(.overusing, acknowledged: 300_000, now: 1_000)
        #expect(rate.estimate == 255_000 && rate.decreases == 1)
        for step in 1...5 { rate.update(.overusing, acknowledged: 300_000, now: 1_000 + Int64(step) * 200) }
        #expect(rate.estimate == 255_000 && rate.decreases == 1, "\(rate.estimate)")
        rate.update(.overusing, acknowledged: 200_000, now: 3_000)
        #expect(rate.estimate == 170_000 && rate.decreases == 2)
        #expect(rate.knownLimit.map { abs($0 - 295_000) < 1_000 } == true, "\(String(describing: rate.knownLimit))")
    }

    /// Under a ceiling the estimate grows to it and no further; the ceiling never lowers it, and
    /// lifted, growth goes on. `lower(to:)` takes it down at once.
    @Test func growthStopsAtTheOwnersCeiling() {
        var rate = AimdRateControl(start: 300_000, minimum: 80_000, maximum: 2_500_000)
        rate.growthCeiling = 330_000
        for step in 1...40 { rate.update(.normal, acknowledged: 1_000_000, now: Int64(step) * 100) }
        #expect(rate.estimate == 330_000)
        rate.growthCeiling = 200_000
        rate.update(.normal, acknowledged: 1_000_000, now: 4_100)
        #expect(rate.estimate == 330_000, "a ceiling under the estimate holds it, never cuts it")
        rate.growthCeiling = nil
        for step in 1...20 { rate.update(.normal, acknowledged: 1_000_000, now: 4_100 + Int64(step) * 100) }
        #expect(rate.estimate > 340_000)
        rate.lower(to: 250_000, now: 7_000)
        #expect(rate.estimate == 250_000 && rate.decreases == 0)
    }
}

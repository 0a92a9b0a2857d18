import MediaCore
import CongestionControl
import Testing


/// The send-side estimate against a simulated bottleneck (virtual time).
@Suite struct SendRateTests {
    /// A drop-tail bottleneck of `capacity` bit/s with a 200 ms queue and a 40 ms round trip, one
    /// receiver report a second. Returns the loss of each second and the targets.
    func simulate(capacity: Double, seconds: Int, start: Int = 300_000) -> (loss: [Double], target: [Int]) {
        var controller = SendRateController(start: start)
        controller.pathRoundTrip(0.04, now: 0) // ICE's checks, before media
        var queueBits = 0.0
        var losses: [Double] = [], targets: [Int] = []
        let audio = 40_000.0
        for second in 0..<seconds {
            let offered = Double(controller.target) + audio
            queueBits += offered - capacity
            let limit = capacity * 0.2
            var lost = 0.0
            if queueBits > limit { lost = (queueBits - limit) / offered; queueBits = limit }
            queueBits = max(0, queueBits)
            let rtt = 0.04 + queueBits / capacity
            controller.report(fractionLost: lost, roundTrip: rtt, sentBitrate: Int(offered - audio), now: Int64(second) * 1000)
            losses.append(lost)
            targets.append(controller.target)
        }
        return (losses, targets)
    }

    /// A far end with no receiver reports: consent checks' round trips (one per 5 s) may cut the
    /// rate when a queue shows, and never grow it.
    @Test func roundTripsWithoutReportsCutOnAQueueAndNeverGrow() {
        var controller = SendRateController(start: 500_000)
        controller.pathRoundTrip(0.04, now: 0)
        for second in stride(from: 5, through: 60, by: 5) {
            controller.roundTripWithoutReports(0.045, sentBitrate: 500_000, now: Int64(second) * 1000)
        }
        #expect(controller.target == 500_000) // a clean path: held, not grown
        controller.roundTripWithoutReports(0.30, sentBitrate: 500_000, now: 65_000) // one sample far above the base
        #expect(controller.target == 425_000) // 0.85 × what got through
        controller.roundTripWithoutReports(0.04, sentBitrate: 425_000, now: 70_000)
        #expect(controller.target == 425_000)
    }

    @Test func aCappedPathIsFoundWithinTenSecondsAndLossStaysLow() {
        let run = simulate(capacity: 300_000, seconds: 60)
        // Within 10 s the video target is under what the path carries besides audio (it then
        // probes upwards and backs off again: a sawtooth around the cap).
        #expect(run.target.prefix(10).contains { $0 <= 260_000 }, "\(run.target.prefix(12)) \(run.loss.prefix(12))")
        #expect(run.target[10...].reduce(0, +) / run.target[10...].count <= 270_000, "\(run.target)")
        // From then on, loss averages under 2 %.
        let settled = run.loss[10...]
        #expect(settled.reduce(0, +) / Double(settled.count) < 0.02, "\(Array(settled)) \(run.target)")
        // And the path is used: on average at least half of it.
        #expect(run.target[10...].reduce(0, +) / run.target[10...].count >= 130_000, "\(run.target)")
    }

    /// 5 % random loss and 0–100 ms of round-trip jitter on an uncongested path are not
    /// congestion: the rate holds.
    @Test func randomLossAndJitterWithoutAQueueHoldTheRate() {
        var controller = SendRateController(start: 600_000)
        controller.pathRoundTrip(0.05, now: 0)
        var rng = SplitMix64(seed: 3)
        for second in 1...60 {
            let jitter = Double(rng.next() % 100) / 1000
            controller.report(fractionLost: second % 3 == 0 ? 0.07 : 0.04, roundTrip: 0.05 + jitter, now: Int64(second) * 1000)
        }
        #expect(controller.target >= 500_000, "\(controller.target)")
    }

    /// Random 2–10 % loss while the delay-based half sees room: the rate grows toward that room
    /// (never past it), and heavy loss still cuts it.
    @Test func randomLossUnderRoomFromTheDelayBasedHalfGrowsToIt() {
        var controller = SendRateController(start: 260_000)
        for second in 1...40 {
            let now = Int64(second) * 1000
            controller.delayBasedLimit(1_200_000, now: now)
            controller.report(fractionLost: 0.05, roundTrip: 0.05, sentBitrate: controller.target, now: now)
        }
        #expect(controller.target >= 1_000_000 && controller.target <= 1_200_000, "\(controller.target)")
        // Room that shrinks caps it at once.
        controller.delayBasedLimit(250_000, now: 41_000)
        controller.report(fractionLost: 0.05, roundTrip: 0.05, sentBitrate: 250_000, now: 41_000)
        #expect(controller.target == 250_000)
        // Without a delay-based limit, 5 % loss holds the rate as before.
        var held = SendRateController(start: 400_000)
        for second in 1...20 { held.report(fractionLost: 0.05, roundTrip: 0.05, sentBitrate: 400_000, now: Int64(second) * 1000) }
        #expect(held.target == 400_000)
        // Heavy loss still cuts.
        let before = controller.target
        controller.delayBasedLimit(1_200_000, now: 42_000)
        controller.report(fractionLost: 0.15, roundTrip: 0.05, sentBitrate: before, now: 42_000)
        #expect(Double(controller.target) < 0.85 * Double(before))
    }

    /// With no loss reported, the delay-based limit is the target, up as well as down, at once
    /// (no second climb of 8 % a second after each of its cuts); once loss is reported, the
    /// loss-based half takes over from where the rate stood.
    @Test func withoutLossTheDelayBasedHalfDecides() {
        var controller = SendRateController(start: 260_000)
        controller.delayBasedLimit(800_000, now: 1_000)
        controller.report(fractionLost: 0, roundTrip: 0.05, sentBitrate: 250_000, now: 1_000)
        #expect(controller.target == 800_000)
        controller.delayBasedLimit(300_000, now: 1_100)
        #expect(controller.target == 300_000)
        controller.delayBasedLimit(700_000, now: 1_200)
        #expect(controller.target == 700_000)
        controller.delayBasedLimit(300_000, now: 1_300)
        controller.report(fractionLost: 0.05, roundTrip: 0.05, sentBitrate: 300_000, now: 2_000)
        controller.delayBasedLimit(800_000, now: 2_100)
        #expect(controller.target <= 315_000, "5 % loss: the loss-based half grows gently from 300 kbit/s: \(controller.target)")
    }

    /// The headroom audio redundancy reads: the delay-based room above the target, only while
    /// that estimate is current.
    @Test func delayBasedHeadroomIsTheRoomAboveTheTargetWhileTheEstimateIsFresh() {
        var controller = SendRateController(start: 260_000)
        #expect(controller.delayBasedHeadroom == nil)
        controller.delayBasedLimit(1_000_000, now: 1_000)
        controller.report(fractionLost: 0.12, roundTrip: 0.05, sentBitrate: 260_000, now: 1_000)
        #expect(controller.delayBasedHeadroom == 1_000_000 - controller.target)
        controller.delayBasedLimit(200_000, now: 2_000)
        controller.report(fractionLost: 0, roundTrip: 0.05, sentBitrate: 200_000, now: 2_000)
        #expect(controller.delayBasedHeadroom == 0, "at the delay-based limit there is no room")
        controller.report(fractionLost: 0, roundTrip: 0.05, sentBitrate: 200_000, now: 5_000)
        #expect(controller.delayBasedHeadroom == nil, "a stale estimate says nothing")
    }

    @Test func aCleanPathIsClimbedAndHeavyLossIsBackedOffFrom() {
        var controller = SendRateController(start: 300_000)
        for second in 0..<20 { controller.report(fractionLost: 0, roundTrip: 0.03, now: Int64(second) * 1000) }
        #expect(controller.target >= 1_000_000)
        let before = controller.target
        controller.report(fractionLost: 0.3, roundTrip: 0.03, now: 21_000)
        #expect(controller.target == Int(0.85 * Double(before) * 0.7))
        // The peer's own estimate caps it.
        controller.remoteEstimate(200_000, now: 22_000)
        controller.report(fractionLost: 0, roundTrip: 0.03, now: 23_000)
        #expect(controller.target == 200_000)
    }
}

/// The loss the rate controller acts on: over at least 200 expected packets, from the reports'
/// cumulative counts, so one unlucky report at 5 % random loss is not read as heavy loss.
@Suite struct LossWindowTests {
    @Test func lossIsTakenOverEnoughPackets() {
        var window = LossWindow()
        // The first report: only its own fraction.
        #expect(window.report(fractionLost: 0.04, cumulativeLost: 2, extendedHighestSequence: 50) == 0.04)
        // 50 packets later with 8 of them lost (16 % in that report): over the 100 since the first, 8 %.
        #expect(window.report(fractionLost: 0.16, cumulativeLost: 10, extendedHighestSequence: 100) == 0.16)
        let third = window.report(fractionLost: 0.02, cumulativeLost: 11, extendedHighestSequence: 200)
        #expect(abs(third - 9.0 / 150) < 1e-9, "\(third)") // not yet 200: the oldest span
        // Far enough on, the window is the newest 200 or so: an outage's losses show at once.
        _ = window.report(fractionLost: 0, cumulativeLost: 11, extendedHighestSequence: 400)
        let outage = window.report(fractionLost: 1, cumulativeLost: 111, extendedHighestSequence: 500)
        #expect(abs(outage - 100.0 / 300) < 1e-9, "\(outage)")
        #expect(window.report(fractionLost: 1, cumulativeLost: 211, extendedHighestSequence: 600) == 200.0 / 200)
    }

    /// Binomial 5 % loss, 40 packets a report for 10 minutes: a single report shows over 10 %
    /// (about one in twenty); the window, once it spans its 200 packets, at least ten times less
    /// often (about one in 1 700 in theory).
    @Test func randomFivePercentNeverReadsAsHeavy() {
        var window = LossWindow()
        var random = SplitMix64(seed: 5)
        var lost = 0, highest: UInt32 = 0, heavyReports = 0, heavyWindows = 0
        for _ in 0..<600 {
            var thisReport = 0
            for _ in 0..<40 where random.unit() < 0.05 { thisReport += 1 }
            lost += thisReport
            highest += 40
            let fraction = Double(thisReport) / 40
            if fraction > 0.10 { heavyReports += 1 }
            if window.report(fractionLost: fraction, cumulativeLost: lost, extendedHighestSequence: highest) > 0.10, highest > 200 { heavyWindows += 1 }
        }
        #expect(heavyReports > 10 && heavyWindows * 10 <= heavyReports, "\(heavyReports) heavy reports, \(heavyWindows) heavy windows")
    }
}

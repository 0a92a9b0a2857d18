import AudioPipeline
import MediaCore
import Testing

/// (Payloads are three bytes: one or two would be Opus DTX frames.)
/// Drives the jitter buffer with a virtual clock: a sender emitting 20 ms packets (optionally with a
/// clock `drift` in ppm), a network that delays each by `base + jitter(i)` and may drop, duplicate
/// or reorder, and a player that asks for the next slot whenever the previous one has played out.
struct Simulation {
    var buffer = AudioJitterBuffer()
    var packets = 0
    var drift = 0.0
    var baseDelay = 10.0
    var delay: (Int, inout SplitMix64) -> Double = { _, _ in 0 }
    var drop: (Int, inout SplitMix64) -> Bool = { _, _ in false }
    var duplicate: (Int) -> Bool = { _ in false }
    var rng = SplitMix64(seed: 1)

    struct Outcome {
        var stats: AudioJitterBuffer.Statistics
        var actions: [AudioJitterBuffer.Action]
        var levels: [Int]            // buffered ms after each slot
        var playoutTimes: [Int64]
    }

    mutating func run() -> Outcome {
        var arrivals: [(time: Double, packet: AudioJitterBuffer.Packet)] = []
        for i in 0..<packets {
            let sent = Double(i) * 20 * (1 - drift * 1e-6)
            let packet = AudioJitterBuffer.Packet(sequence: UInt16(truncatingIfNeeded: i + 65400),
                                                  timestamp: UInt32(truncatingIfNeeded: i * 960 &+ 4_294_000_000), payload: [UInt8(i & 0xFF), 0, 0])
            if drop(i, &rng) { continue }
            let at = sent + baseDelay + delay(i, &rng)
            arrivals.append((at, packet))
            if duplicate(i) { arrivals.append((at + 1, packet)) }
        }
        arrivals.sort { $0.time < $1.time }
        var next = 0, clock: Int64 = 0
        var outcome = Outcome(stats: .init(), actions: [], levels: [], playoutTimes: [])
        let end = Int64(Double(packets) * 20 + 400)
        // Until every packet has arrived and played out (no trailing concealment of the stream's end).
        while clock < end && (next < arrivals.count || buffer.bufferedMilliseconds > 0) {
            while next < arrivals.count, arrivals[next].time <= Double(clock) {
                buffer.insert(arrivals[next].packet, now: Int64(arrivals[next].time.rounded(.down)))
                next += 1
            }
            let (action, ms) = buffer.next(now: clock)
            outcome.actions.append(action)
            outcome.levels.append(buffer.bufferedMilliseconds)
            outcome.playoutTimes.append(clock)
            clock += Int64(ms)
        }
        outcome.stats = buffer.statistics
        return outcome
    }
}

extension AudioJitterBuffer.Action {
    var playedSequence: UInt16? {
        switch self {
        case let .play(p), let .accelerate(p), let .stretch(p): return p.sequence
        case let .recover(sequence, _), let .conceal(sequence): return sequence
        case .silence, .comfortNoise: return nil
        }
    }
    var isPlayback: Bool { if case .silence = self { return false }; return true }
}

@Suite struct JitterBufferTests {
    @Test func aCleanNetworkStartsWithin80msAndSettlesAt40ms() {
        var sim = Simulation()
        sim.packets = 500
        let out = sim.run()
        let firstPlay = out.actions.firstIndex { $0.isPlayback }!
        #expect(out.playoutTimes[firstPlay] - 10 <= 80, "playout started \(out.playoutTimes[firstPlay]) ms after the first packet left")
        #expect(out.stats.concealed == 0 || out.stats.concealed == 1) // the very end of the stream
        #expect(out.stats.late == 0 && out.stats.recovered == 0)
        let settled = out.levels[(out.levels.count / 2)..<(out.levels.count - 30)]
        #expect(settled.allSatisfy { $0 + 20 <= 40 }, "level after settling: \(Set(settled))")
        // Every packet played once, in order.
        let played = out.actions.compactMap { $0.playedSequence }
        #expect(played.prefix(499) == (0..<499).map { UInt16(truncatingIfNeeded: $0 + 65400) }[...])
    }

    @Test func reorderedAndDuplicatedPacketsPlayOnceInOrder() {
        var sim = Simulation()
        sim.packets = 300
        sim.delay = { i, _ in i % 7 == 3 ? 35 : 0 }   // every 7th packet overtaken by the next one
        sim.duplicate = { $0 % 11 == 0 }
        let out = sim.run()
        #expect(out.stats.reordered > 30 && out.stats.duplicate == 28, "\(out.stats) levels \(out.levels.prefix(80))")
        let played = out.actions.compactMap { $0.playedSequence }
        #expect(Array(played.prefix(299)) == (0..<299).map { UInt16(truncatingIfNeeded: $0 + 65400) })
        // Only the first overtaken packets, before the target has learnt the 35 ms, come too late
        // (and are rebuilt from FEC meanwhile).
        #expect(out.stats.concealed == 0 && out.stats.late <= 2, "\(out.stats)")
    }

    @Test func aLostPacketIsRecoveredFromTheNextPacketsFEC() {
        var sim = Simulation()
        sim.packets = 200
        sim.drop = { i, _ in i == 100 || i == 150 }
        let out = sim.run()
        let lost = UInt16(truncatingIfNeeded: 100 + 65400)
        #expect(out.actions.contains(.recover(sequence: lost, from: .init(sequence: lost &+ 1, timestamp: UInt32(truncatingIfNeeded: 101 * 960 &+ 4_294_000_000), payload: [101, 0, 0]))))
        #expect(out.stats.recovered == 2 && out.stats.concealed <= 1)
    }

    @Test func aBurstOfLossIsConcealedThenFECRecoversItsLastPacket() {
        var sim = Simulation()
        sim.packets = 200
        sim.drop = { i, _ in (100..<104).contains(i) }
        let out = sim.run()
        let sequences = out.actions.compactMap { a -> String? in
            switch a {
            case let .conceal(s) where (UInt16(truncatingIfNeeded: 100 + 65400)...UInt16(truncatingIfNeeded: 103 + 65400)).contains(s): return "c"
            case let .recover(s, _) where s == UInt16(truncatingIfNeeded: 103 + 65400): return "r"
            default: return nil
            }
        }
        #expect(sequences == ["c", "c", "c", "r"])
    }

    /// Bursts of three lost packets whose RED copies (four deep) come with the packet after the
    /// burst, 20–60 ms after they were due: the copies time the delay like any packet, so the
    /// target grows to where they play, and most of each burst is heard rather than concealed.
    @Test func redCopiesOfABurstRaiseTheTargetUntilTheyPlay() {
        var sim = Simulation()
        sim.packets = 1500
        let lostInBurst = { (i: Int) in i >= 100 && i % 25 < 3 } // 12 % of packets, in threes
        sim.delay = { i, rng in
            let jitter = rng.unit() * 10
            // A lost packet's copy travels in the first packet after its burst.
            return lostInBurst(i) ? Double(3 - i % 25) * 20 + jitter : jitter
        }
        let out = sim.run()
        let lost = (0..<sim.packets).filter(lostInBurst).count
        // Without the copies timing the delay (target ~30 ms), two of each three come too late.
        #expect(out.stats.concealed + out.stats.recovered <= lost / 4, "\(out.stats); \(lost) lost, target \(sim.buffer.targetMilliseconds)")
        #expect(sim.buffer.targetMilliseconds <= 100, "target \(sim.buffer.targetMilliseconds)")
    }

    /// The network benchmark's bursty path: Gilbert-Elliott loss (10 %, bursts of two audio packets
    /// on average), 0–30 ms of queueing jitter with order kept, and RED carrying the two previous
    /// frames. A copy arrives with the first packet after its burst, 20–40 ms plus jitter behind its
    /// own slot; the target must grow to let those play rather than conceal them.
    @Test func gilbertBurstsRepairedByRedThroughQueueJitterMostlyPlay() {
        var rng = SplitMix64(seed: 7)
        let n = 3000, depth = 2
        var lost = [Bool](repeating: false, count: n)
        var bad = false
        let leave = 0.5, enter = 0.10 * leave / 0.9
        for i in 200..<n {
            bad = bad ? rng.unit() >= leave : rng.unit() < enter
            lost[i] = bad
        }
        var arrival = [Double](repeating: 0, count: n), last = 0.0
        for i in 0..<n where !lost[i] {
            arrival[i] = max(last, Double(i) * 20 + rng.unit() * 30)
            last = arrival[i]
        }
        // Where each frame arrives, if at all: its own packet, or the first packet within RED's depth after it.
        let carrier: [Int?] = (0..<n).map { i in (i...min(n - 1, i + depth)).first { !lost[$0] } }
        var sim = Simulation()
        sim.packets = n
        sim.baseDelay = 0
        sim.drop = { i, _ in carrier[i] == nil }
        sim.delay = { i, _ in arrival[carrier[i]!] - Double(i) * 20 }
        let out = sim.run()
        let unrecoverable = carrier.filter { $0 == nil }.count
        let repaired = (0..<n).filter { lost[$0] && carrier[$0] != nil }.count
        let missed = out.stats.concealed + out.stats.recovered - unrecoverable
        #expect(missed <= repaired / 10, "\(missed) of \(repaired) repairable frames missed their slot; target \(sim.buffer.targetMilliseconds) ms; \(out.stats)")
        #expect(sim.buffer.targetMilliseconds <= 120, "target \(sim.buffer.targetMilliseconds)")
    }

    @Test func jitterRaisesTheTargetAndKeepsLateLossBelowOnePercent() {
        var sim = Simulation()
        sim.packets = 3000
        sim.delay = { _, rng in rng.unit() * 30 } // 0...30 ms of jitter
        let out = sim.run()
        #expect(sim.buffer.targetMilliseconds >= 40 && sim.buffer.targetMilliseconds <= 80, "target \(sim.buffer.targetMilliseconds)")
        let lateRate = Double(out.stats.late + out.stats.concealed) / 3000
        #expect(lateRate <= 0.01, "late \(out.stats.late), concealed \(out.stats.concealed)")
    }

    @Test func bufferedAudioNeverExceedsTheCap() {
        var sim = Simulation()
        sim.packets = 400
        sim.delay = { i, _ in i < 50 ? 600 - Double(i) * 12 : 0 } // a huge queue that flushes at once
        let out = sim.run()
        #expect(out.levels.allSatisfy { $0 <= 300 })
    }

    @Test(arguments: [100.0, -100.0])
    func clockDriftOfAHundredPpmOverTenMinutesNeitherGrowsNorStarves(ppm: Double) {
        var sim = Simulation()
        sim.packets = 30_000 // 10 minutes
        sim.drift = ppm
        sim.delay = { _, rng in rng.unit() * 5 }
        let out = sim.run()
        let steady = out.levels[1000..<(out.levels.count - 50)]
        #expect(steady.max()! <= 80, "buffer grew to \(steady.max()!) ms")
        #expect(out.stats.concealed <= 2, "starved: \(out.stats.concealed) concealed")
        if ppm > 0 { #expect(out.stats.accelerated >= 2) } else { #expect(out.stats.stretched >= 2) }
    }
}

/// Streams that pause, jump or carry strays: each case drives the buffer slot by slot.
@Suite struct JitterBufferIrregularStreamTests {
    /// One packet: sequence, RTP timestamp (48 kHz), arrival time (ms).
    func packet(_ sequence: Int, timestamp: Int, at arrival: Int) -> (UInt16, UInt32, Int64) {
        (UInt16(truncatingIfNeeded: sequence), UInt32(truncatingIfNeeded: timestamp), Int64(arrival))
    }

    /// Sends `packets` described as (sequence, timestamp, arrival ms); plays until `until` ms.
    /// Sequences in `dtx` carry a one-byte payload (an Opus DTX frame). `times` gets each slot's start.
    func drive(_ packets: [(UInt16, UInt32, Int64)], until: Int64, buffer: inout AudioJitterBuffer, dtx: Set<UInt16> = []) -> [AudioJitterBuffer.Action] {
        timedDrive(packets, until: until, buffer: &buffer, dtx: dtx).actions
    }

    func timedDrive(_ packets: [(UInt16, UInt32, Int64)], until: Int64, buffer: inout AudioJitterBuffer,
                    dtx: Set<UInt16>) -> (actions: [AudioJitterBuffer.Action], times: [Int64]) {
        var actions: [AudioJitterBuffer.Action] = [], times: [Int64] = []
        var clock: Int64 = 0, next = 0
        let sorted = packets.sorted { $0.2 < $1.2 }
        while clock < until {
            while next < sorted.count, sorted[next].2 <= clock {
                let payload: [UInt8] = dtx.contains(sorted[next].0) ? [0xF8] : [UInt8(truncatingIfNeeded: sorted[next].0), 0, 0]
                buffer.insert(.init(sequence: sorted[next].0, timestamp: sorted[next].1, payload: payload), now: sorted[next].2)
                next += 1
            }
            let (action, ms) = buffer.next(now: clock)
            actions.append(action)
            times.append(clock)
            clock += Int64(ms)
        }
        return (actions, times)
    }

    @Test func aDTXPauseIsComfortNoiseAndKeepsTheDelay() {
        // Talk (0..<50), a DTX frame (50), one second of nothing, then talk again (51..<100): every
        // packet arrives 10 ms after it was sent.
        var packets: [(UInt16, UInt32, Int64)] = []
        for i in 0..<100 {
            let pause = i > 50 ? 1000 : 0
            packets.append(packet(i, timestamp: i * 960 + pause * 48, at: i * 20 + pause + 10))
        }
        var buffer = AudioJitterBuffer()
        let (actions, times) = timedDrive(packets, until: 4000, buffer: &buffer, dtx: [50])
        #expect(played(actions) == (0..<100).map { UInt16($0) })
        // Nothing concealed while the stream lasts (after its end the buffer conceals, then refills).
        let lastPlay = actions.lastIndex { if case .play = $0 { return true }; return false }!
        #expect(!actions[..<lastPlay].contains { if case .conceal = $0 { return true }; return false }, "\(buffer.statistics)")
        #expect(buffer.statistics.comfortNoise >= 45 && buffer.statistics.comfortNoise <= 55)
        // The delay from sending to playing is the same after the pause as before it.
        func delay(_ sequence: Int) -> Int64 {
            let slot = actions.firstIndex { $0.playedSequence == UInt16(sequence) }!
            let sent = Int64(sequence * 20 + (sequence > 50 ? 1000 : 0))
            return times[slot] - sent
        }
        #expect(abs(delay(60) - delay(40)) <= 20, "delay \(delay(40)) ms before the pause, \(delay(60)) ms after")
    }

    func played(_ actions: [AudioJitterBuffer.Action]) -> [UInt16] {
        actions.compactMap { a -> UInt16? in
            switch a {
            case let .play(p), let .accelerate(p), let .stretch(p): return p.sequence
            default: return nil
            }
        }
    }

    @Test func aSenderPauseWithoutSequenceGapLosesNothing() {
        // 50 packets, a 300 ms pause (DTX: timestamps jump, sequence numbers do not), 50 more.
        var packets: [(UInt16, UInt32, Int64)] = []
        for i in 0..<100 {
            let paused = i >= 50
            packets.append(packet(65500 + i, timestamp: i * 960 + (paused ? 14_400 : 0), at: i * 20 + (paused ? 300 : 0) + 10))
        }
        var buffer = AudioJitterBuffer()
        let actions = drive(packets, until: 3000, buffer: &buffer)
        #expect(buffer.statistics.late == 0, "\(buffer.statistics)")
        let expected: [UInt16] = (0..<100).map { UInt16(truncatingIfNeeded: 65500 + $0) }
        #expect(played(actions) == expected)
    }

    @Test func aStaleCopyArrivingDuringAPauseIsNotPlayedAgain() {
        var packets = (0..<40).map { packet($0, timestamp: $0 * 960, at: $0 * 20 + 10) }
        packets.append(packet(20, timestamp: 20 * 960, at: 1200))             // an old duplicate, mid-pause
        packets += (40..<80).map { packet($0, timestamp: $0 * 960 + 48_000, at: $0 * 20 + 1500) }
        var buffer = AudioJitterBuffer()
        let sequences = played(drive(packets, until: 4000, buffer: &buffer))
        let expected: [UInt16] = (0..<80).map { UInt16($0) }
        #expect(sequences == expected)
        #expect(buffer.statistics.duplicate == 1 && buffer.statistics.late == 0) // a copy of a played packet
    }

    @Test func aStrayPacketFarAheadDoesNotStallPlayout() {
        var packets = (0..<30).map { packet($0, timestamp: $0 * 960, at: $0 * 20 + 10) }
        packets.append(packet(20_000, timestamp: 20_000 * 960, at: 300))      // garbage far ahead
        packets += (30..<100).map { packet($0, timestamp: $0 * 960, at: $0 * 20 + 410) } // after a 400 ms stall
        var buffer = AudioJitterBuffer()
        let sequences = played(drive(packets, until: 3500, buffer: &buffer))
        #expect(sequences.filter { (30..<100).contains($0) }.count >= 65, "\(buffer.statistics)")
    }

    @Test func aTimestampJumpDoesNotInflateTheTargetForLong() {
        var packets = (0..<50).map { packet($0, timestamp: $0 * 960, at: $0 * 20 + 10) }
        // The sender restarts its clock ten minutes ahead but keeps its sequence numbers.
        packets += (50..<200).map { packet($0, timestamp: $0 * 960 + 28_800_000, at: $0 * 20 + 10) }
        var buffer = AudioJitterBuffer()
        _ = drive(packets, until: 4000, buffer: &buffer)
        #expect(buffer.targetMilliseconds <= 40, "target \(buffer.targetMilliseconds) ms")
    }
}

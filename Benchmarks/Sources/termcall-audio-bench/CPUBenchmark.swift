import AudioPipeline
import Codecs
import Foundation
import MediaCore

/// The whole audio path of one side of a call, on one core, as fast as it will go: every 10 ms the
/// far end's speech arrives as Opus packets (30 ms jitter), is played out by the receiver and fed to
/// the canceller as reference; the microphone (echo of it plus the near talker) goes through
/// webrtc-audio-processing (AEC, NS, AGC, HPF), the level meter and the Opus encoder.
struct CPUBenchmark {
    let far: [Int16]
    let near: [Int16]

    func run() throws {
        // Far end's packets, made up front (their encoding is the other side's cost, not ours).
        let farEncoder = try OpusEncoder()
        var packets: [(arrival: Int64, sequence: UInt16, timestamp: UInt32, payload: [UInt8])] = []
        var rng = SplitMix64(seed: 7)
        var sequence: UInt16 = 0, timestamp: UInt32 = 0
        for start in stride(from: 0, to: far.count - 959, by: 960) {
            let payload = try farEncoder.encode(Array(far[start..<(start + 960)]))
            sequence &+= 1
            timestamp &+= 960
            guard payload.count > 2 else { continue }
            packets.append((Int64(Double(start / 48) + 40 + rng.unit() * 30), sequence, timestamp, payload))
        }
        packets.sort { $0.arrival < $1.arrival }
        let seconds = Double(min(far.count, near.count)) / 48_000

        let (total, stages) = try pass(packets: packets, frames: Int(seconds * 100))
        let cpu = try { () throws -> Double in
            let before = processCPUSeconds()
            _ = try pass(packets: packets, frames: Int(seconds * 100))
            return processCPUSeconds() - before
        }()
        print("## CPU: one side's whole audio path (receive + playout + AEC/NS/AGC/HPF + meter + Opus encode)")
        print("\(f1(seconds)) s of call audio, one thread pinned to one core of \(cpuModel())")
        print("| stage | ms per second of audio | % of one core |")
        print("|---|---|---|")
        for (name, time) in stages {
            print("| \(name) | \(f2(time * 1000 / seconds)) | \(f2(time / seconds * 100)) |")
        }
        print("| **total (wall clock)** | \(f2(total * 1000 / seconds)) | \(f2(total / seconds * 100)) |")
        print("| total (getrusage CPU time, second pass) | \(f2(cpu * 1000 / seconds)) | \(f2(cpu / seconds * 100)) |")
    }

    /// One pass over the call; returns wall time in total and per stage.
    func pass(packets: [(arrival: Int64, sequence: UInt16, timestamp: UInt32, payload: [UInt8])], frames: Int) throws -> (Double, [(String, Double)]) {
        let call = CallAudio(sender: AudioSender(canceller: try WebRTCAudioProcessor(), encoder: try OpusEncoder()), receiver: try AudioReceiver())
        var mic = [Int16](repeating: 0, count: 480)
        var speakerHistory = [Int16](repeating: 0, count: 2_880 + 480) // the room: 60 ms from speaker to microphone
        var receive = Duration.zero, tick = Duration.zero
        var next = 0
        let clock = ContinuousClock()
        let begin = clock.now
        for frame in 0..<frames {
            let now = Int64(frame * 10)
            var t = clock.now
            while next < packets.count, packets[next].arrival <= now {
                let p = packets[next]
                call.receive(sequence: p.sequence, timestamp: p.timestamp, payload: p.payload, now: p.arrival)
                next += 1
            }
            var u = clock.now
            receive += t.duration(to: u)
            // The microphone hears the speaker (quarter amplitude, 60 ms later) and the near talker.
            for i in 0..<480 { mic[i] = Int16(clamping: Int(speakerHistory[i]) / 4 + Int(near[frame * 480 + i]) / 2) }
            let out = try call.tick(microphone: mic[...], now: now, speakerDelayMilliseconds: 60)
            t = clock.now
            tick += u.duration(to: t)
            speakerHistory.removeFirst(480)
            speakerHistory += out.speaker
            u = clock.now
        }
        let total = seconds(begin.duration(to: clock.now))
        return (total, [("packets into the jitter buffer", seconds(receive)),
                        ("10 ms tick: playout (decode, FEC/PLC, time scaling) + AEC/NS/AGC/HPF + meter + Opus encode", seconds(tick))])
    }
}

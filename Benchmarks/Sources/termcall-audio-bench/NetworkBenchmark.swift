import AudioPipeline
import Codecs
import Foundation
import MediaCore

/// Speech through the real send path (Opus at the call's starting bitrate, 20 ms, FEC and DTX as calls use them), a
/// simulated network in the manner of netem (`delay 40ms Jms` — uniform ±J, so packets reorder —
/// and independent random loss), and the real receive path (AudioReceiver: jitter buffer, FEC,
/// concealment, accelerate/stretch). The played-out audio is written for PESQ/STOI scoring.
struct NetworkBenchmark {
    struct Scenario {
        var name: String
        var lossPercent: Double
        var jitterMilliseconds: Double
        var fec: Bool
        var bitrate = OpusEncoder.defaultBitrate
        var dtx = true
    }

    let speech: [Int16]
    let outputDirectory: String
    static let baseDelay = 40.0

    static let scenarios = [
        Scenario(name: "clean", lossPercent: 0, jitterMilliseconds: 0, fec: true),
        Scenario(name: "clean-32k", lossPercent: 0, jitterMilliseconds: 0, fec: true, bitrate: 32_000),
        Scenario(name: "clean-24k", lossPercent: 0, jitterMilliseconds: 0, fec: true, bitrate: 24_000),
        Scenario(name: "clean-nodtx", lossPercent: 0, jitterMilliseconds: 0, fec: true, dtx: false),
        Scenario(name: "jitter30", lossPercent: 0, jitterMilliseconds: 30, fec: true),
        Scenario(name: "loss5-jitter30-fec", lossPercent: 5, jitterMilliseconds: 30, fec: true),
        Scenario(name: "loss5-jitter30-plc", lossPercent: 5, jitterMilliseconds: 30, fec: false),
        Scenario(name: "loss10-jitter30-fec", lossPercent: 10, jitterMilliseconds: 30, fec: true),
        Scenario(name: "loss10-jitter30-plc", lossPercent: 10, jitterMilliseconds: 30, fec: false),
    ]

    func run() throws {
        try writeWAV(speech, to: "\(outputDirectory)/reference.wav")
        print("## jitter buffer + Opus under a simulated network (\(f1(Double(speech.count) / 48_000)) s of speech, base delay \(Int(Self.baseDelay)) ms)")
        print("| scenario | packets sent | lost | late (of sent) | rebuilt from the next packet (its FEC; PLC when it has none) | concealed | comfort noise (DTX) slots | accelerated | stretched | mean buffered ms | mean target ms | max buffered ms |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for scenario in Self.scenarios {
            let (out, line) = try simulate(scenario)
            try writeWAV(out, to: "\(outputDirectory)/\(scenario.name).wav")
            print(line)
        }
    }

    struct InFlight {
        var arrival: Double
        var sequence: UInt16
        var timestamp: UInt32
        var payload: [UInt8]
    }

    func simulate(_ scenario: Scenario) throws -> ([Int16], String) {
        let encoder = try OpusEncoder(bitrate: scenario.bitrate, inbandFEC: scenario.fec, expectedLossPercent: Int(scenario.lossPercent.rounded()),
                                      discontinuousTransmission: scenario.dtx)
        let sender = AudioSender(canceller: nil, encoder: encoder)
        var rng = SplitMix64(seed: 2024)
        var network: [InFlight] = []
        var sequence: UInt16 = 0, timestamp: UInt32 = 0
        var sent = 0, lost = 0
        for (index, start) in stride(from: 0, to: speech.count - 479, by: 480).enumerated() {
            guard let frame = try sender.captured(speech[start..<(start + 480)]) else { continue }
            defer { timestamp &+= frame.timestampAdvance }
            guard frame.transmit else { continue }
            let sendTime = Double(index + 1) * 10 // the frame is complete at the end of its second 10 ms
            sent += 1
            sequence &+= 1
            if rng.unit() * 100 < scenario.lossPercent { lost += 1; continue }
            let jitter = (rng.unit() * 2 - 1) * scenario.jitterMilliseconds
            network.append(InFlight(arrival: sendTime + Self.baseDelay + jitter, sequence: sequence, timestamp: timestamp, payload: frame.payload))
        }
        network.sort { $0.arrival < $1.arrival }

        let receiver = try AudioReceiver()
        var out: [Int16] = []
        out.reserveCapacity(speech.count + 48_000)
        var now = 0.0, next = 0, slots = 0
        var bufferedSum = 0.0, targetSum = 0.0, bufferedMax = 0
        while out.count < speech.count + 24_000 {
            while next < network.count, network[next].arrival <= now {
                let p = network[next]
                receiver.receive(sequence: p.sequence, timestamp: p.timestamp, payload: p.payload, now: Int64(p.arrival))
                next += 1
            }
            let chunk = receiver.nextAudio(now: Int64(now))
            out += chunk
            now += Double(chunk.count) / 48
            slots += 1
            bufferedSum += Double(receiver.buffer.bufferedMilliseconds)
            targetSum += Double(receiver.buffer.targetMilliseconds)
            bufferedMax = max(bufferedMax, receiver.buffer.bufferedMilliseconds)
        }
        let s = receiver.buffer.statistics
        let late = Double(s.late) / Double(max(1, sent)) * 100
        let line = "| \(scenario.name) | \(sent) | \(lost) (\(f1(Double(lost) / Double(max(1, sent)) * 100)) %) | \(s.late) (\(f2(late)) %) | \(s.recovered) | \(s.concealed) | \(s.comfortNoise) | "
            + "\(s.accelerated) | \(s.stretched) | \(f1(bufferedSum / Double(slots))) | \(f1(targetSum / Double(slots))) | \(bufferedMax) |"
        return (out, line)
    }
}

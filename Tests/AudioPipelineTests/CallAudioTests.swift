import AudioPipeline
import Codecs
import Foundation
import Testing

@Suite struct AudioSenderTests {
    func tone(_ frames: Int, frequency: Double = 1000, amplitude: Double = 0.3) -> [Int16] {
        (0..<(frames * 480)).map { Int16(amplitude * 32767 * sin(2 * Double.pi * frequency * Double($0) / 48_000)) }
    }

    @Test func everySecondFrameCompletesAPacketThatDecodesToTheInput() throws {
        let sender = AudioSender(canceller: nil, encoder: try OpusEncoder())
        let input = tone(100)
        let decoder = try OpusDecoder()
        var decoded: [Int16] = [], packets = 0
        for (i, start) in stride(from: 0, to: input.count, by: 480).enumerated() {
            let frame = try sender.captured(input[start..<(start + 480)])
            #expect((frame != nil) == !i.isMultiple(of: 2))
            if let frame {
                packets += 1
                #expect(frame.transmit && frame.timestampAdvance == 960)
                decoded += try decoder.decode(frame.payload)
            }
        }
        #expect(packets == 50)
        // 0.3 full scale sine: RMS -13.5 dBFS, on the meter and (after the codec) in the output.
        #expect(abs(sender.meter.level - (-13.5)) < 0.2)
        let tail = decoded[24_000...].map { Double($0) / 32768 }
        let rms = 10 * log10(tail.reduce(0) { $0 + $1 * $1 } / Double(tail.count))
        #expect(abs(rms - (-13.5)) < 1, "decoded level \(rms) dBFS")
    }

    @Test func muteSilencesThePacketsButNotTheMeter() throws {
        let sender = AudioSender(canceller: nil, encoder: try OpusEncoder())
        sender.muted = true
        let input = tone(200)
        let decoder = try OpusDecoder()
        var transmitted = 0, decoded: [Int16] = []
        for start in stride(from: 0, to: input.count, by: 480) {
            if let frame = try sender.captured(input[start..<(start + 480)]) {
                if frame.transmit { transmitted += 1 }
                decoded += try decoder.decode(frame.payload)
            }
        }
        #expect(abs(sender.meter.level - (-13.5)) < 0.2) // the user still sees they are speaking
        #expect(transmitted < 20, "DTX should stop sending silence: \(transmitted) of 100 sent") // comfort-noise updates only
        let peak = decoded.map { abs(Int($0)) }.max() ?? 0
        #expect(peak < 33, "muted audio decodes to a peak of \(peak)") // below -60 dBFS
    }

    @Test func aFrameOfTheWrongSizeIsRefused() throws {
        let sender = AudioSender(canceller: nil, encoder: try OpusEncoder())
        #expect(throws: CodecError.self) { try sender.captured([Int16](repeating: 0, count: 441)[...]) }
    }
}

/// Two call sides joined in memory on a virtual clock: A talks, B's loudspeaker echoes into B's
/// microphone 50 ms later, and from 6 s B talks too. B must play A's voice and send back almost
/// none of it — but still send its own.
@Suite struct CallAudioTests {
    struct Link {
        var queue: [(arrival: Int64, sequence: UInt16, timestamp: UInt32, payload: [UInt8])] = []
        var sequence: UInt16 = 0, timestamp: UInt32 = 0
        mutating func send(_ frame: AudioSender.EncodedFrame?, now: Int64) {
            guard let frame else { return }
            timestamp &+= frame.timestampAdvance
            guard frame.transmit else { return }
            sequence &+= 1
            queue.append((now + 30, sequence, timestamp, frame.payload))
        }
        mutating func deliver(to side: CallAudio, now: Int64) {
            while let first = queue.first, first.arrival <= now {
                side.receive(sequence: first.sequence, timestamp: first.timestamp, payload: first.payload, now: first.arrival)
                queue.removeFirst()
            }
        }
    }

    func run(cancelling: Bool) throws -> (bHeard: [Int16], aHeard: [Int16], bTalk: [Float]) {
        let scene = EchoScene(seconds: 9, nearTalkFrom: 6)
        let a = CallAudio(sender: AudioSender(canceller: nil, encoder: try OpusEncoder()), receiver: try AudioReceiver())
        let b = CallAudio(sender: AudioSender(canceller: cancelling ? try WebRTCAudioProcessor(gainControl: false) : nil, encoder: try OpusEncoder()),
                          receiver: try AudioReceiver())
        var aToB = Link(), bToA = Link()
        var bSpeaker: [Int16] = [], aSpeaker: [Int16] = []
        for tick in 0..<Int(scene.seconds * 100) {
            let now = Int64(tick * 10)
            aToB.deliver(to: b, now: now)
            bToA.deliver(to: a, now: now)
            let aMic = scene.far[(tick * 480)..<((tick + 1) * 480)].map { Int16($0 * 32767) }
            let aOut = try a.tick(microphone: aMic[...], now: now)
            aSpeaker += aOut.speaker
            aToB.send(aOut.packet, now: now)
            // B's microphone hears B's loudspeaker at half amplitude, 50 ms later, and B's own voice.
            let echo = (0..<480).map { i -> Int16 in
                let at = tick * 480 + i - 2_400
                let talk = Int(scene.nearTalk[tick * 480 + i] * 32767)
                return Int16(clamping: (at >= 0 && at < bSpeaker.count ? Int(bSpeaker[at]) / 2 : 0) + talk)
            }
            let bOut = try b.tick(microphone: echo[...], now: now, speakerDelayMilliseconds: 50)
            bSpeaker += bOut.speaker
            bToA.send(bOut.packet, now: now)
        }
        return (bSpeaker, aSpeaker, scene.nearTalk)
    }

    func level(_ x: ArraySlice<Int16>) -> Double {
        10 * log10(max(1e-12, x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)) / (32768 * 32768)))
    }

    @Test func theFarEndHearsTheTalkerButNotItsOwnEcho() throws {
        let with = try run(cancelling: true), without = try run(cancelling: false)
        let window = (3 * 48_000)..<(6 * 48_000) // A alone talks
        // B plays A's voice at about the level A spoke.
        #expect(level(with.bHeard[window]) > -30, "B heard A at \(level(with.bHeard[window])) dBFS")
        // Without cancellation A hears its own voice back about 6 dB down (half amplitude) plus the
        // codec; with it, A's echo is at least 25 dB quieter than that once the canceller has converged.
        let echoWithout = level(without.aHeard[window]), echoWith = level(with.aHeard[window])
        #expect(echoWithout > level(with.bHeard[window]) - 10, "echo without cancellation \(echoWithout) dBFS")
        #expect(echoWithout - echoWith >= 25, "echo returned: \(echoWith) dBFS with cancellation, \(echoWithout) without")
        // B's own voice (double talk from 6 s) still reaches A, within 10 dB of how loud B spoke.
        let talk = (Int(6.5 * 48_000))..<(9 * 48_000 - 480)
        let spoken = 10 * log10(with.bTalk[talk].reduce(0) { $0 + Double($1) * Double($1) } / Double(talk.count))
        let heard = level(with.aHeard[talk])
        #expect(spoken - heard <= 10, "B spoke at \(spoken) dBFS, A heard \(heard) dBFS")
    }
}

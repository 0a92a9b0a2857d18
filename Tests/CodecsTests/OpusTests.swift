import Codecs
import Foundation
import MediaCore
import Testing

/// A speech-like test signal: a 150 Hz voiced buzz with formant-ish harmonics, syllable-rate
/// amplitude and a little noise — enough for Opus to choose its speech (SILK/hybrid) modes.
func speechLike(frames: Int, seed: UInt64 = 1, syllables: Bool = true) -> [[Int16]] {
    var rng = SplitMix64(seed: seed)
    return (0..<frames).map { f in
        (0..<OpusEncoder.frameSamples).map { i in
            let t = Double(f * OpusEncoder.frameSamples + i) / 48_000
            let envelope = syllables ? 0.5 + 0.5 * sin(2 * .pi * 4 * t) : 0.7
            var v = 0.0
            for (k, a) in [(1, 1.0), (2, 0.6), (3, 0.5), (5, 0.35), (7, 0.2), (11, 0.1)] { v += a * sin(2 * .pi * 150 * Double(k) * t) }
            v = v * 3000 * envelope + (rng.unit() - 0.5) * 200
            return Int16(clamping: Int(v))
        }
    }
}

func energy(_ x: [Int16]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)) }

/// Energy at one frequency (Goertzel), in dB: Opus is perceptual, so compare spectra, not waveforms.
func toneLevel(_ x: [Int16], hz: Double) -> Double {
    let w = 2 * Double.pi * hz / 48_000, c = 2 * cos(w)
    var s1 = 0.0, s2 = 0.0
    for v in x { let s0 = Double(v) + c * s1 - s2; s2 = s1; s1 = s0 }
    return 10 * log10(max(1e-9, s1 * s1 + s2 * s2 - c * s1 * s2))
}

func dB(_ e: Double) -> Double { 10 * log10(max(e, 1e-9)) }

@Suite struct OpusTests {
    @Test func aRoundTripReproducesTheSignal() throws {
        let encoder = try OpusEncoder(bitrate: 32_000), decoder = try OpusDecoder()
        let frames = speechLike(frames: 50)
        var output: [Int16] = []
        var packet: [UInt8] = [], pcm: [Int16] = []
        for frame in frames {
            try encoder.encode(frame, into: &packet)
            #expect(packet.count > 2 && packet.count <= 200)
            try decoder.decode(packet, into: &pcm)
            #expect(pcm.count == OpusEncoder.frameSamples)
            output += pcm
        }
        // Spectrum and level survive: the harmonics of the 150 Hz voice within 3 dB, the overall level
        // within 2 dB (after the settling frames), and a frequency that is not in the input stays low.
        let input = Array(frames.flatMap { $0 }[(10 * 960)...]), decoded = Array(output[(10 * 960)...])
        for hz in [150.0, 300, 450] { #expect(abs(toneLevel(decoded, hz: hz) - toneLevel(input, hz: hz)) < 3, "\(hz) Hz") }
        #expect(abs(dB(energy(decoded)) - dB(energy(input))) < 2)
        #expect(toneLevel(decoded, hz: 225) < toneLevel(decoded, hz: 150) - 20)
    }

    @Test func bitrateChangesWhileRunning() throws {
        let encoder = try OpusEncoder(bitrate: 64_000, inbandFEC: false, discontinuousTransmission: false)
        let frames = speechLike(frames: 40)
        let high = try frames[0..<20].map { try encoder.encode($0).count }.reduce(0, +)
        try encoder.setBitrate(12_000)
        #expect(encoder.bitrate == 12_000)
        let low = try frames[20..<40].map { try encoder.encode($0).count }.reduce(0, +)
        #expect(low * 3 < high)
        #expect(throws: CodecError.self) { try encoder.setBitrate(1_000) }
    }

    @Test func silenceWithDTXShrinksToTinyPackets() throws {
        let encoder = try OpusEncoder()
        let silence = [Int16](repeating: 0, count: OpusEncoder.frameSamples)
        let sizes = try (0..<30).map { _ in try encoder.encode(silence).count }
        #expect(sizes.suffix(10).allSatisfy { $0 <= 2 }, "DTX packets: \(sizes)")
    }

    /// The lost frame is the onset of speech after silence: concealment can only extend the silence,
    /// the next packet's FEC carries the onset itself.
    @Test func fecRecoversALostOnsetThatConcealmentCannot() throws {
        let encoder = try OpusEncoder(bitrate: 24_000, inbandFEC: true, expectedLossPercent: 20, discontinuousTransmission: false)
        let silence = [[Int16]](repeating: [Int16](repeating: 0, count: 960), count: 20)
        let frames = silence + speechLike(frames: 10, seed: 3, syllables: false)
        let packets = try frames.map { try encoder.encode($0) }
        let lost = 20
        func lostFrame(recover: Bool) throws -> [Int16] {
            let decoder = try OpusDecoder()
            var pcm: [Int16] = []
            for p in packets[..<lost] { try decoder.decode(p, into: &pcm) }
            if recover { try decoder.recover(fromNext: packets[lost + 1], into: &pcm) } else { try decoder.conceal(into: &pcm) }
            return pcm
        }
        let original = dB(energy(frames[lost]))
        let withFEC = dB(energy(try lostFrame(recover: true))), withPLC = dB(energy(try lostFrame(recover: false)))
        #expect(abs(withFEC - original) < 6, "FEC frame \(withFEC) dB vs original \(original) dB")
        #expect(withFEC > withPLC + 6, "FEC \(withFEC) dB vs PLC \(withPLC) dB")
    }

    @Test func concealmentFillsTheGapAndFades() throws {
        let encoder = try OpusEncoder(), decoder = try OpusDecoder()
        var pcm: [Int16] = []
        let speech = speechLike(frames: 10, syllables: false)
        for frame in speech { try decoder.decode(try encoder.encode(frame), into: &pcm) }
        var gaps: [Double] = []
        for _ in 0..<10 {
            try decoder.conceal(into: &pcm)
            #expect(pcm.count == OpusEncoder.frameSamples)
            gaps.append(energy(pcm))
        }
        #expect(dB(gaps[0]) > dB(energy(speech[9])) - 10, "the first concealed frame should carry on the voice: \(gaps)")
        #expect(dB(gaps[9]) < dB(gaps[0]) - 10, "long concealment should fade out: \(gaps)")
    }

    /// Property: arbitrary bytes never trap the decoder; they decode or throw, and it keeps working.
    @Test func garbagePacketsAreRefusedNotFatal() throws {
        let decoder = try OpusDecoder(), encoder = try OpusEncoder()
        var rng = SplitMix64(seed: 77)
        var pcm: [Int16] = [], refused = 0
        for _ in 0..<2000 {
            let packet = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            do { try decoder.decode(packet, into: &pcm) } catch { refused += 1 }
        }
        #expect(refused > 0)
        try decoder.decode(try encoder.encode(speechLike(frames: 1)[0]), into: &pcm)
        #expect(pcm.count == OpusEncoder.frameSamples)
        #expect(throws: CodecError.self) { try encoder.encode([0, 1, 2]) }
    }
}

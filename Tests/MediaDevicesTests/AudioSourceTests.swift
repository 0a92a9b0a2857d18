import MediaCore
import MediaDevices
import Testing

@Suite struct WAVTests {
    @Test func roundTripsThroughBytes() throws {
        let audio = WAVAudio(sampleRate: 48_000, channels: 2, samples: [0, 1, -1, 32767, -32768, 1234])
        let bytes = audio.serialized()
        #expect(bytes.count == 44 + 12)
        #expect(try WAVAudio.parse(bytes) == audio)
    }

    @Test func skipsUnknownChunksAndAcceptsAnOversizedDataLength() throws {
        var bytes = WAVAudio(sampleRate: 16_000, channels: 1, samples: [5, 6, 7]).serialized()
        // Insert a LIST chunk (odd size, so padded) between fmt and data.
        let list: [UInt8] = Array("LIST".utf8) + [3, 0, 0, 0] + [1, 2, 3, 0]
        bytes.insert(contentsOf: list, at: 36)
        // A streaming writer's "unknown length".
        bytes.replaceSubrange((36 + list.count + 4)..<(36 + list.count + 8), with: [0xFF, 0xFF, 0xFF, 0xFF])
        let audio = try WAVAudio.parse(bytes)
        #expect(audio.samples == [5, 6, 7] && audio.sampleRate == 16_000)
    }

    @Test func refusesWhatItCannotPlayWithAReason() {
        #expect(throws: WAVError.notWAV) { try WAVAudio.parse(Array("hello world!".utf8)) }
        var eightBit = WAVAudio(sampleRate: 8000, channels: 1, samples: [0]).serialized()
        eightBit[34] = 8
        #expect(throws: WAVError.unsupported("8-bit samples (only 16-bit)")) { try WAVAudio.parse(eightBit) }
        let noFormat = Array("RIFF".utf8) + [4, 0, 0, 0] + Array("WAVE".utf8) + Array("data".utf8) + [2, 0, 0, 0, 1, 0]
        #expect(throws: WAVError.missingFormat) { try WAVAudio.parse(noFormat) }
    }

    /// Property: arbitrary bytes after a valid RIFF/WAVE prefix parse or throw, never trap.
    @Test func survivesArbitraryBytes() {
        var rng = SplitMix64(seed: 0x3A7)
        let valid = WAVAudio(sampleRate: 48_000, channels: 1, samples: [1, 2, 3, 4]).serialized()
        for round in 0..<5000 {
            var bytes = round % 2 == 0 ? valid : Array(valid.prefix(12))
            for _ in 0..<Int(rng.next() % 8) where !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            for _ in 0..<Int(rng.next() % 40) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            if let audio = try? WAVAudio.parse(bytes) { #expect(audio.samples.count * 2 <= bytes.count) }
        }
    }
}

@Suite struct ToneSourceTests {
    @Test func aToneHasItsFrequencyAndLevelAcrossFrames() {
        var tone = ToneSource(frequency: 1000, level: -6)
        let second = (0..<100).flatMap { _ in tone.nextFrame() }
        let crossings = zip(second, second.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(crossings - 1000) <= 1)
        let peak = second.map { abs(Int($0)) }.max()!
        #expect(abs(Double(peak) - 32767 * 0.501) < 100) // -6 dBFS
    }
}

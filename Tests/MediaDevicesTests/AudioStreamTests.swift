import Foundation
import MediaDevices
import Testing

/// Device threads on real alsa-lib `file`/`null` PCMs (no sound card): the stream keeps their time
/// with its own clock, as it would on a machine without audio hardware.
@Suite struct AudioStreamTests {
    /// Reads `count` frames, waiting on the stream's wake-up (the bound is a failure guard, not timing).
    func capture(_ stream: AudioStream, frames count: Int) throws -> [Int16] {
        var frame = [Int16](repeating: 0, count: AudioStream.frameSamples), out: [Int16] = []
        var idle = 0
        while out.count < count * AudioStream.frameSamples, idle < 50 {
            if try stream.read(into: &frame) { out += frame; idle = 0; continue }
            if !stream.waitForPeriod(milliseconds: 100) { idle += 1 }
        }
        return out
    }

    @Test func theCaptureThreadDeliversTheMicrophonesSamplesInOrder() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        let mic = try AudioStream.start(device: "testmic", direction: .capture, configurationFile: fixture.configuration)
        defer { mic.stop() }
        #expect(mic.deviceRate == 48_000 && !mic.realTimeScheduling)
        let got = try capture(mic, frames: 20)
        #expect(got == fixture.input, "first mismatch at \(got.indices.first { $0 < fixture.input.count && got[$0] != fixture.input[$0] } ?? -1), got \(got.count)")
        #expect(mic.statistics.droppedSamples == 0)
        #expect(mic.statistics.periods >= 20)
    }

    @Test func discardingTheWaitingAudioResumesAtTheMicrophonesPresent() throws {
        // The call connects after the microphone opened: what waited is dropped, and the next frame
        // is the one captured after it, not the oldest.
        let fixture = try ALSAFixture(inputSamples: 48_000)
        defer { fixture.remove() }
        let mic = try AudioStream.start(device: "testmic", direction: .capture, configurationFile: fixture.configuration)
        defer { mic.stop() }
        var idle = 0
        while mic.queuedMilliseconds < 60, idle < 50 { if !mic.waitForPeriod(milliseconds: 100) { idle += 1 } }
        let dropped = mic.discardWaiting()
        #expect(dropped >= 6 * AudioStream.frameSamples)
        let next = try capture(mic, frames: 1)
        guard let start = fixture.input.firstIndex(of: next.first ?? 0), next.count == AudioStream.frameSamples else {
            Issue.record("no frame after the discard"); return
        }
        #expect(start >= dropped, "resumed at sample \(start) after dropping \(dropped)")
        #expect(Array(fixture.input[start..<start + next.count]) == next)
    }

    @Test func aDeviceAt44100IsResampledTo48000() throws {
        // 0.5 s of a 1 kHz tone recorded at 44.1 kHz comes out as 48 kHz frames of the same pitch.
        let fixture = try ALSAFixture(inputSamples: 0)
        defer { fixture.remove() }
        let tone = (0..<22_050).map { Int16(12_000 * sin(2 * Double.pi * 1000 * Double($0) / 44_100)) }
        try Data(tone.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
            .write(to: URL(fileURLWithPath: fixture.directory + "/in.raw"))
        let mic = try AudioStream.start(device: "testmic", direction: .capture, configurationFile: fixture.configuration, deviceRate: 44_100)
        defer { mic.stop() }
        #expect(mic.deviceRate == 44_100)
        let got = try capture(mic, frames: 45)
        #expect(got.count == 45 * 480)
        let steady = Array(got[4_800..<19_200]) // 300 ms: 300 cycles of 1 kHz at 48 kHz
        let crossings = zip(steady, steady.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(crossings - 300) <= 1, "\(crossings) cycles")
    }

    @Test func thePlaybackThreadPlaysQueuedAudioContiguously() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        let speaker = try AudioStream.start(device: "testspk", direction: .playback, configurationFile: fixture.configuration)
        let tone = (0..<4_800).map { Int16(9_000 * cos(2 * Double.pi * 440 * Double($0) / 48_000)) }
        try speaker.write(tone[...])
        // Follow the device thread period by period until the queue is empty and two more went by.
        var extra = 0
        while extra < 2, speaker.waitForPeriod(milliseconds: 2_000) {
            if speaker.queuedMilliseconds == 0 { extra += 1 }
        }
        speaker.stop()
        let played = fixture.played
        guard let first = played.firstIndex(where: { $0 != 0 }) else { Issue.record("nothing played"); return }
        #expect(Array(played[first..<min(played.count, first + tone.count)]) == tone)
        #expect(speaker.statistics.silentPeriods >= 1) // the queue ran dry after the tone: silence, counted
    }

    @Test func playbackTrimsAudioBeyondTheLatencyCap() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        let speaker = try AudioStream.start(device: "testspk", direction: .playback, configurationFile: fixture.configuration,
                                            maximumLatencyMilliseconds: 100)
        defer { speaker.stop() }
        try speaker.write([Int16](repeating: 100, count: 48_000)[...]) // one second at once
        #expect(speaker.queuedMilliseconds <= 100)
        #expect(speaker.statistics.droppedSamples >= 48_000 - 4_800 - 480)
    }

    @Test func aMissingDeviceFailsBeforeTheStreamStarts() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        #expect(throws: DeviceError.audioNotFound(device: "nosuchpcm", capture: true)) {
            try AudioStream.start(device: "nosuchpcm", direction: .capture, configurationFile: fixture.configuration)
        }
    }
}

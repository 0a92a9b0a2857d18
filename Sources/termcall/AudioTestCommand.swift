import ArgumentParser
import AudioPipeline
import Foundation
import MediaDevices

/// "Test your speaker and microphone", before a call: a tone on the speaker, a few seconds of the
/// microphone with a live level meter, then the recording played back, and a verdict.
struct AudioTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio-test",
        abstract: "Play a tone, record from the microphone with a level meter, and play the recording back.",
        discussion: "Devices are ALSA PCM names as `termcall devices` lists them (default: 'default')."
    )

    @Option(name: .long, help: ArgumentHelp("Microphone (ALSA PCM name).", valueName: "DEV"))
    var mic: String = "default"

    @Option(name: .long, help: ArgumentHelp("Speaker (ALSA PCM name).", valueName: "DEV"))
    var speaker: String = "default"

    @Option(name: .long, help: "Seconds to record.")
    var seconds: Int = 3

    @Option(name: .long, help: ArgumentHelp("Also save the recording as a 16-bit WAV file.", valueName: "FILE.wav"))
    var save: String?

    func validate() throws {
        guard (1...30).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 30") }
    }

    func run() throws {
        do {
            try runTest()
        } catch let error as DeviceError {
            fail(error.description)
        }
    }

    private func runTest() throws {
        // Both devices run on their own real-time threads at 48 kHz (resampled if they insist on
        // another rate), exactly as in a call.
        // The speaker's queue holds a whole phase, queued at once: what it plays never depends on
        // this thread keeping up.
        let output = try AudioStream.start(device: speaker, direction: .playback, maximumLatencyMilliseconds: (seconds + 3) * 1000)
        defer { output.stop() }
        let input = try AudioStream.start(device: mic, direction: .capture)
        defer { input.stop() }
        var frame = [Int16](repeating: 0, count: AudioStream.frameSamples)
        var meter = LevelMeter()

        /// Takes `frames` 10 ms frames from the microphone, metering each; `each` sees them first.
        func listen(frames: Int, _ each: (Int, [Int16]) throws -> Void) throws {
            var taken = 0
            while taken < frames {
                guard try input.read(into: &frame) else {
                    guard input.waitForPeriod(milliseconds: 2_000) else { throw DeviceError.stalled(device: mic) }
                    continue
                }
                try each(taken, frame)
                var floats = frame.map { Float($0) / 32768 }
                meter.process(&floats)
                if taken % 5 == 0 { meterLine(meter.level, peak: meter.peak) }
                taken += 1
            }
            FileHandle.standardOutput.write(Data("\n".utf8))
        }

        // 1. A tone on the speaker while the meter shows what the microphone hears of it.
        say("Playing a 440 Hz tone on \(speaker) for 2 s (the meter shows \(mic))…")
        var tone = ToneSource(frequency: 440, level: -12)
        var heardTone = LevelMeter.floor
        try output.write((0..<200).flatMap { _ in tone.nextFrame() }[...])
        try listen(frames: 200) { _, _ in heardTone = max(heardTone, meter.level) }

        // 2. The microphone alone.
        say("Recording \(seconds) s from \(mic) — say something.")
        var recording: [Int16] = []
        var loudest = LevelMeter.floor, energy = 0.0, clipped = 0
        try listen(frames: seconds * 100) { index, samples in
            recording += samples
            clipped += samples.reduce(0) { $0 + ($1 == .max || $1 == .min ? 1 : 0) }
            energy += samples.reduce(0) { $0 + Double($1) * Double($1) } / (32768 * 32768)
            if index > 0 { loudest = max(loudest, meter.level) }
        }
        loudest = max(loudest, meter.level)
        if let save { try Data(WAVAudio(sampleRate: AudioStream.sampleRate, channels: 1, samples: recording).serialized()).write(to: URL(fileURLWithPath: save)) }

        // 3. The recording played back; the microphone's clock times how long to let it play.
        say("Playing the recording back on \(speaker)…")
        try output.write(recording[...])
        try listen(frames: recording.count / AudioStream.frameSamples + 20) { _, _ in }

        let average = 10 * log10(max(energy / Double(max(1, recording.count)), 1e-9))
        let verdict: String
        if loudest <= -80 { verdict = "the microphone is silent — check it is unmuted (alsamixer) or pick another with --mic" }
        else if loudest < -45 { verdict = "the microphone is very quiet — raise its capture level (alsamixer)" }
        else if clipped > recording.count / 1000 { verdict = "the microphone clips — lower its capture level (alsamixer)" }
        else { verdict = "OK" }
        say(String(format: "Microphone loudest %.1f dBFS, average %.1f dBFS: %@", loudest, average, verdict))
        if heardTone > -50 { say(String(format: "The microphone heard the tone at %.1f dBFS: echo cancellation will remove it in calls.", heardTone)) }
        let a = input.statistics, b = output.statistics
        if a.deviceXruns + b.deviceXruns > 0 { say("(\(a.deviceXruns + b.deviceXruns) buffer over/underruns were recovered)") }
        if input.deviceRate != AudioStream.sampleRate || output.deviceRate != AudioStream.sampleRate {
            say("(devices run at \(input.deviceRate) / \(output.deviceRate) Hz; termcall resamples to 48 kHz)")
        }
    }

    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// A 40-column bar from -60 to 0 dBFS with the held peak marked.
    private func meterLine(_ level: Double, peak: Double) {
        func column(_ db: Double) -> Int { max(0, min(40, Int((db + 60) / 60 * 40))) }
        var bar = [Character](repeating: " ", count: 40)
        for i in 0..<column(level) { bar[i] = "#" }
        let p = column(peak)
        if p > 0 { bar[p - 1] = "|" }
        FileHandle.standardOutput.write(Data(String(format: "\r  [%@] %6.1f dBFS", String(bar), level).utf8))
    }
}

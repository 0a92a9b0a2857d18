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
        // 1. The speaker (at whatever rate it agreed to, so the tone is 440 Hz there too).
        let out = try ALSAPCM(name: speaker, direction: .playback)
        say("Playing a 440 Hz tone on \(speaker) for 2 s…")
        var tone = ToneSource(frequency: 440, level: -12, sampleRate: out.sampleRate)
        for _ in 0..<200 { try out.write(tone.nextFrame(samples: out.sampleRate / 100)) }
        out.close()

        // 2. The microphone, with a level meter on one line.
        let input = try ALSAPCM(name: mic, direction: .capture)
        let frame = input.sampleRate / 100
        say("Recording \(seconds) s from \(mic) — say something.")
        var meter = LevelMeter()
        var recording: [Int16] = []
        var buffer = [Int16](repeating: 0, count: frame)
        var loudest = LevelMeter.floor, energy = 0.0, clipped = 0
        for i in 0..<(seconds * 100) {
            try input.read(into: &buffer)
            recording += buffer
            clipped += buffer.reduce(0) { $0 + ($1 == .max || $1 == .min ? 1 : 0) }
            var floats = buffer.map { Float($0) / 32768 }
            meter.process(&floats)
            loudest = max(loudest, meter.level)
            energy += floats.reduce(0) { $0 + Double($1) * Double($1) }
            if i % 5 == 0 { meterLine(meter.level, peak: meter.peak) }
        }
        input.close()
        FileHandle.standardOutput.write(Data("\n".utf8))
        if let save { try Data(WAVAudio(sampleRate: input.sampleRate, channels: 1, samples: recording).serialized()).write(to: URL(fileURLWithPath: save)) }

        // 3. The recording, played back at the rate it was recorded.
        say("Playing the recording back on \(speaker)…")
        let back = try ALSAPCM(name: speaker, direction: .playback, sampleRate: input.sampleRate)
        for start in stride(from: 0, to: recording.count, by: frame) { try back.write(Array(recording[start..<min(recording.count, start + frame)])) }
        back.close()

        let average = 10 * log10(max(energy / Double(max(1, recording.count)), 1e-9))
        let verdict: String
        if loudest <= -80 { verdict = "the microphone is silent — check it is unmuted (alsamixer) or pick another with --mic" }
        else if loudest < -45 { verdict = "the microphone is very quiet — raise its capture level (alsamixer)" }
        else if clipped > recording.count / 1000 { verdict = "the microphone clips — lower its capture level (alsamixer)" }
        else { verdict = "OK" }
        say(String(format: "Microphone loudest %.1f dBFS, average %.1f dBFS: %@", loudest, average, verdict))
        if xruns(out, input, back) > 0 { say("(\(xruns(out, input, back)) buffer over/underruns were recovered)") }
    }

    private func xruns(_ pcms: ALSAPCM...) -> Int { pcms.reduce(0) { $0 + $1.xruns } }

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

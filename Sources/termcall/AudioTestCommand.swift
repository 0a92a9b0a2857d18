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
        let check = try AudioCheck(microphone: mic, speaker: speaker, seconds: seconds)
        defer { check.stop() }
        var shown: AudioCheck.Phase?
        var frames = 0
        while check.phase != .done {
            if shown != check.phase {
                if shown != nil { FileHandle.standardOutput.write(Data("\n".utf8)) }
                shown = check.phase
                switch check.phase {
                case .tone: say("Playing a 440 Hz tone on \(speaker) for 2 s (the meter shows \(mic))…")
                case .recording: say("Recording \(seconds) s from \(mic) — say something.")
                case .playback:
                    if let save { try Data(WAVAudio(sampleRate: AudioStream.sampleRate, channels: 1, samples: check.recording).serialized()).write(to: URL(fileURLWithPath: save)) }
                    say("Playing the recording back on \(speaker)…")
                case .done: break
                }
            }
            if try check.step(waitMilliseconds: 100) {
                frames += 1
                if frames % 5 == 0 { meterLine(check.meter.level, peak: check.meter.peak) }
            }
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
        for line in check.verdict?.lines ?? [] { say(line) }
    }

    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// A 40-column bar from -60 to 0 dBFS with the held peak marked.
    private func meterLine(_ level: Double, peak: Double) {
        FileHandle.standardOutput.write(Data(String(format: "\r  [%@] %6.1f dBFS", AudioCheck.bar(level: level, peak: peak, width: 40), level).utf8))
    }
}

extension AudioCheck {
    /// A bar from -60 to 0 dBFS, `width` columns, with the held peak marked.
    static func bar(level: Double, peak: Double, width: Int, fill: Character = "#", empty: Character = " ") -> String {
        func column(_ db: Double) -> Int { max(0, min(width, Int((db + 60) / 60 * Double(width)))) }
        var bar = [Character](repeating: empty, count: width)
        for i in 0..<column(level) { bar[i] = fill }
        let p = column(peak)
        if p > 0 { bar[p - 1] = "|" }
        return String(bar)
    }
}

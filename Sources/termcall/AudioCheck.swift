import AudioPipeline
import Foundation
import MediaDevices

/// The audio test, apart from how it is shown (`termcall audio-test` prints it, the lobby draws
/// it): a tone on the speaker while the microphone is metered (2 s), the microphone recorded
/// (`seconds`), the recording played back, then a verdict. Everything is timed by the
/// microphone's own clock, as in a call; both devices run on their real-time threads.
final class AudioCheck {
    enum Phase: Equatable { case tone, recording, playback, done }

    struct Verdict {
        var loudest: Double
        var average: Double
        var heardTone: Double
        var lines: [String]
    }

    let microphone: String
    let speaker: String
    let seconds: Int
    private(set) var phase = Phase.tone
    private(set) var meter = LevelMeter()
    private(set) var recording: [Int16] = []
    private(set) var verdict: Verdict?
    /// Frames into the current phase, and how many it lasts.
    private(set) var framesDone = 0
    private(set) var framesTotal = 200

    private let input: AudioStream
    private let output: AudioStream
    private var frame = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private var heardTone = LevelMeter.floor, loudest = LevelMeter.floor
    private var energy = 0.0, clipped = 0

    init(microphone: String, speaker: String, seconds: Int) throws {
        self.microphone = microphone
        self.speaker = speaker
        self.seconds = seconds
        // The speaker's queue holds a whole phase, queued at once: what it plays never depends on
        // the caller's thread keeping up.
        output = try AudioStream.start(device: speaker, direction: .playback, maximumLatencyMilliseconds: (seconds + 3) * 1000)
        do { input = try AudioStream.start(device: microphone, direction: .capture) } catch { output.stop(); throw error }
        var tone = ToneSource(frequency: 440, level: -12)
        try output.write((0..<200).flatMap { _ in tone.nextFrame() }[...])
    }

    deinit { stop() }

    func stop() {
        input.stop()
        output.stop()
    }

    /// Handles every microphone frame that has arrived, waiting up to `milliseconds` for the
    /// first; returns true when a frame was handled. Throws when the microphone stalls for 2 s.
    @discardableResult
    func step(waitMilliseconds milliseconds: Int) throws -> Bool {
        guard phase != .done else { return false }
        var handled = false
        var waited = false
        while phase != .done {
            guard try input.read(into: &frame) else {
                if handled || waited { break }
                waited = true
                if !input.waitForPeriod(milliseconds: Int32(max(milliseconds, 1))) {
                    stalledFor += milliseconds
                    if stalledFor >= 2_000 { throw DeviceError.stalled(device: microphone) }
                }
                continue
            }
            stalledFor = 0
            handled = true
            try handle(frame)
        }
        return handled
    }

    private var stalledFor = 0

    private func handle(_ samples: [Int16]) throws {
        var floats = samples.map { Float($0) / 32768 }
        meter.process(&floats)
        switch phase {
        case .tone:
            heardTone = max(heardTone, meter.level)
        case .recording:
            recording += samples
            clipped += samples.reduce(0) { $0 + ($1 == .max || $1 == .min ? 1 : 0) }
            energy += samples.reduce(0) { $0 + Double($1) * Double($1) } / (32768 * 32768)
            if framesDone > 0 { loudest = max(loudest, meter.level) }
        case .playback, .done: break
        }
        framesDone += 1
        guard framesDone >= framesTotal else { return }
        framesDone = 0
        switch phase {
        case .tone:
            phase = .recording
            framesTotal = seconds * 100
        case .recording:
            loudest = max(loudest, meter.level)
            phase = .playback
            framesTotal = recording.count / AudioStream.frameSamples + 20
            try output.write(recording[...])
        case .playback:
            phase = .done
            verdict = judge()
        case .done: break
        }
    }

    private func judge() -> Verdict {
        let average = 10 * log10(max(energy / Double(max(1, recording.count)), 1e-9))
        let summary: String
        if loudest <= -80 { summary = "the microphone is silent — check it is unmuted (alsamixer) or pick another" }
        else if loudest < -45 { summary = "the microphone is very quiet — raise its capture level (alsamixer)" }
        else if clipped > recording.count / 1000 { summary = "the microphone clips — lower its capture level (alsamixer)" }
        else { summary = "OK" }
        var lines = [String(format: "Microphone loudest %.1f dBFS, average %.1f dBFS: %@", loudest, average, summary)]
        if heardTone > -50 { lines.append(String(format: "The microphone heard the tone at %.1f dBFS: echo cancellation will remove it in calls.", heardTone)) }
        let a = input.statistics, b = output.statistics
        if a.deviceXruns + b.deviceXruns > 0 { lines.append("(\(a.deviceXruns + b.deviceXruns) buffer over/underruns were recovered)") }
        if input.deviceRate != AudioStream.sampleRate || output.deviceRate != AudioStream.sampleRate {
            lines.append("(devices run at \(input.deviceRate) / \(output.deviceRate) Hz; termcall resamples to 48 kHz)")
        }
        return Verdict(loudest: loudest, average: average, heardTone: heardTone, lines: lines)
    }
}

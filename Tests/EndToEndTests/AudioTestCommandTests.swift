import Foundation
import MediaDevices
import Testing

/// `termcall audio-test` against real alsa-lib `file` PCMs: the microphone plays a known tone, the
/// recording is saved and played back through the speaker file.
@Suite struct AudioTestCommandTests {
    @Test func recordsMetersAndPlaysBackTheMicrophone() throws {
        let dir = NSTemporaryDirectory() + "termcall-audiotest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tone = (0..<(48_000 * 2)).map { Int16(8000 * sin(2 * Double.pi * 300 * Double($0) / 48_000)) }
        try Data(tone.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }).write(to: URL(fileURLWithPath: dir + "/in.raw"))
        try """
        pcm.testmic { type file; slave.pcm { type null }; file "/dev/null"; infile "\(dir)/in.raw"; format raw }
        pcm.testspk { type file; slave.pcm { type null }; file "\(dir)/out.raw"; format raw }
        """.write(toFile: dir + "/asound.conf", atomically: true, encoding: .utf8)
        let result = try runProcess(Tmux.termcall, ["audio-test", "--mic", "testmic", "--speaker", "testspk", "--seconds", "2", "--save", dir + "/rec.wav"],
                                    environment: ["ALSA_CONFIG_PATH": dir + "/asound.conf"])
        #expect(result.status == 0, "\(result.stderr)")
        // A 300 Hz sine of peak 8000 has an RMS of -15.3 dBFS.
        #expect(result.stdout.contains("Microphone loudest -15.3 dBFS, average -15.3 dBFS: OK"), "\(result.stdout)")
        let saved = try WAVAudio.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/rec.wav"))))
        #expect(saved.samples == tone)
        // The speaker file is rewritten when reopened, so it ends holding the playback of the recording.
        let played = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/out.raw")))
        #expect(played.count == tone.count * 2)
    }

    @Test func aMissingDeviceIsOneLine() throws {
        let result = try runProcess(Tmux.termcall, ["audio-test", "--mic", "nosuch", "--speaker", "nosuch"])
        #expect(result.status == 1)
        #expect(result.stderr == "termcall: speaker nosuch not found — run `termcall devices` to list audio devices\n")
        #expect(result.stdout.isEmpty)
    }
}

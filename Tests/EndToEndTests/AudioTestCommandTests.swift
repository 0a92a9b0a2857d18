import Foundation
import TestSupport
import MediaDevices
import Testing

/// `termcall audio-test` against real alsa-lib `file` PCMs driven by the device threads: the
/// microphone plays a known tone (heard during the speaker's tone, then recorded), the recording is
/// saved and played back through the speaker file after the test tone.
@Suite struct AudioTestCommandTests {
    @Test func recordsMetersAndPlaysBackTheMicrophone() throws {
        let dir = NSTemporaryDirectory() + "termcall-audiotest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 7 s: 2 s heard while the speaker plays its tone, 2 s recorded, the rest during playback.
        let tone = (0..<(48_000 * 7)).map { Int16(8000 * sin(2 * Double.pi * 300 * Double($0) / 48_000 + 1)) }
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
        #expect(result.stdout.contains("The microphone heard the tone at -15.3 dBFS"), "\(result.stdout)")
        let saved = try WAVAudio.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/rec.wav"))))
        let recorded = Array(tone[96_000..<192_000])
        #expect(saved.samples == recorded)
        // The speaker played the 440 Hz test tone, then the recording, each without a gap.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/out.raw")))
        let played = stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
        var testTone = ToneSource(frequency: 440, level: -12)
        let expectedTone = (0..<200).flatMap { _ in testTone.nextFrame() }
        // The tone starts at phase 0: its first sample is the zero before the first non-zero one.
        let toneAt = max(0, (played.indices.first { played[$0] != 0 } ?? 0) - 1)
        let tonePlayed = Array(played[toneAt..<min(played.count, toneAt + expectedTone.count)]) == expectedTone
        #expect(tonePlayed, "the test tone was not played intact")
        let playbackAt = played.indices.first { $0 >= toneAt + expectedTone.count && played[$0] == recorded[0] && played[$0 + 1] == recorded[1] }
        let playedBack = playbackAt.map { Array(played[$0..<min(played.count, $0 + recorded.count)]) == recorded } == true
        #expect(playedBack, "the recording was not played back intact")
    }

    @Test func aMissingDeviceIsOneLine() throws {
        let result = try runProcess(Tmux.termcall, ["audio-test", "--mic", "nosuch", "--speaker", "nosuch"])
        #expect(result.status == 1)
        #expect(result.stderr == "termcall: speaker nosuch not found — run `termcall devices` to list audio devices\n")
        #expect(result.stdout.isEmpty)
    }
}

import Foundation
import TestSupport
import Testing

/// `termcall devices` against real alsa-lib configured with file/null PCMs, and the fake camera.
@Suite struct DevicesCommandTests {
    @Test func listsAlsaPcmsFromTheConfiguration() throws {
        let dir = NSTemporaryDirectory() + "termcall-alsa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = """
        pcm.testmic { type file; slave.pcm { type null }; file "/dev/null"; infile "/dev/zero"; format raw; hint { show on; description "Test microphone"; } }
        pcm.testspk { type file; slave.pcm { type null }; file "\(dir)/out.raw"; format raw; hint { show on; description "Test speaker"; } }
        """
        try config.write(toFile: dir + "/asoundrc", atomically: true, encoding: .utf8)
        let result = try runProcess(Tmux.termcall, ["devices"], environment: ["ALSA_CONFIG_PATH": dir + "/asoundrc"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        let mics = out.components(separatedBy: "Microphones:")[1].components(separatedBy: "Speakers:")[0]
        let speakers = out.components(separatedBy: "Speakers:")[1]
        #expect(mics.contains("testmic  Test microphone") && speakers.contains("testspk  Test speaker"))
        #expect(out.contains("Cameras:"))
    }

    @Test func listsAProbedCameraWithItsModes() throws {
        let path = NSTemporaryDirectory() + "termcall-fakecam-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runProcess(Tmux.termcall, ["devices", "--camera", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\(path)  termcall fake camera [termcall-fake]"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("YUYV") && result.stdout.contains("320x240@30/15 640x480@30/15"))
    }

    @Test func helpAndManPageAgreeOnTheSubcommands() throws {
        let help = try runProcess(Tmux.termcall, ["--help"]).stdout
        let manURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("man/termcall.1")
        let man = try String(contentsOf: manURL, encoding: .utf8)
        for sub in ["preview", "devices", "audio-test"] {
            #expect(help.contains(sub))
            #expect(man.contains(".SS \(sub)") || man.contains("B \(sub)"), "man page lacks \(sub)")
        }
        let previewHelp = try runProcess(Tmux.termcall, ["preview", "--help"]).stdout
        for option in ["--camera", "--mode", "--colors", "--size", "--fps", "--threshold"] {
            #expect(previewHelp.contains(option))
            #expect(man.contains(option.replacingOccurrences(of: "-", with: "\\-")), "man page lacks \(option)")
        }
    }
}

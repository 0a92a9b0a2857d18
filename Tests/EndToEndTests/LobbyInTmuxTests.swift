import Foundation
import Testing

/// The lobby (plain `termcall`) in tmux: moving through it, the device menu, and the choice
/// surviving a restart through $XDG_CONFIG_HOME/termcall/settings.json.
@Suite(.serialized) struct LobbyInTmuxTests {
    @Test func deviceChoicesPersistAcrossRuns() throws {
        let config = NSTemporaryDirectory() + "termcall-xdg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let first = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config, "COLORTERM": "truecolor"])
        defer { first.kill() }
        #expect(first.waitFor { $0.contains("› Demo call") && $0.contains("Devices and display") } != nil, "\(first.capture())")
        first.sendKeys("Down", "Down", "Down")
        #expect(first.waitFor { $0.contains("› Devices and display") } != nil)
        first.sendKeys("Enter")
        #expect(first.waitFor { $0.contains("Render mode") && $0.contains("‹ half-blocks ›") } != nil, "\(first.capture())")
        // The live check beside the menu: the test pattern's picture and the tone's level (-20 dBFS peak).
        let live = first.waitFor { $0.contains("mic █") && $0.contains("dBFS") && $0.contains("▀") }
        #expect(live != nil, "no live preview: \(first.capture())")
        first.sendKeys("Down", "Down", "Down", "Right")
        #expect(first.waitFor { $0.contains("‹ ASCII ›") } != nil, "\(first.capture())")
        first.sendKeys("Down", "Enter")
        #expect(first.waitFor { $0.contains("saved to") } != nil, "\(first.capture())")
        let saved = try String(contentsOfFile: config + "/termcall/settings.json", encoding: .utf8)
        #expect(saved.contains(#""renderMode" : "ascii""#), "\(saved)")
        first.sendKeys("q")
        #expect(first.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(first.capture())")

        // A new run shows the saved choice.
        let second = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config, "COLORTERM": "truecolor"])
        defer { second.kill() }
        #expect(second.waitFor { $0.contains("› Demo call") } != nil)
        second.sendKeys("Up", "Up", "Up", "Enter") // wraps around: Quit, the audio test, then Devices
        #expect(second.waitFor { $0.contains("Render mode") && $0.contains("‹ ASCII ›") } != nil, "\(second.capture())")
        second.sendKeys("Escape")
        // Back in the lobby, the cursor is where it was.
        #expect(second.waitFor { $0.contains("› Devices and display") } != nil, "\(second.capture())")
        second.sendKeys("q")
        #expect(second.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    /// STUN/TURN servers typed into the join form: a URL that is not one is refused with the
    /// reason and nothing is saved; good ones are saved (with the TURN login, owner-only) for
    /// every later call.
    @Test func iceServersFromTheJoinFormAreCheckedAndSaved() throws {
        let config = NSTemporaryDirectory() + "termcall-xdg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: config) }
        let tmux = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": config])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("› Demo call") } != nil, "\(tmux.capture())")
        func openJoinForm() {
            tmux.sendKeys("Down")
            #expect(tmux.waitFor { $0.contains("› Join a room") } != nil, "\(tmux.capture())")
            openForm()
        }
        func openForm() {
            tmux.sendKeys("Enter")
            #expect(tmux.waitFor { $0.contains("STUN/TURN servers") } != nil, "\(tmux.capture())")
        }
        openJoinForm()
        // Server, room, passphrase, name, then the servers field: point the call at a port nobody serves.
        tmux.sendKeys("Enter")
        for _ in 0..<20 { tmux.sendKeys("BSpace") }
        tmux.sendKeys("-l", "ws://127.0.0.1:1")
        tmux.sendKeys("Enter", "Down", "Down", "Down", "Down", "Enter") // past room, passphrase, name
        tmux.sendKeys("-l", "turn:bad/host")
        tmux.sendKeys("Enter", "Down", "Down", "Down", "Enter")
        #expect(tmux.waitFor { $0.contains("is not a host name or address") } != nil, "\(tmux.capture())")
        #expect(!FileManager.default.fileExists(atPath: config + "/termcall/settings.json"))
        openForm() // the lobby's cursor is still on "Join a room"
        tmux.sendKeys("Down", "Down", "Down", "Down", "Enter")
        for _ in 0..<20 { tmux.sendKeys("BSpace") }
        tmux.sendKeys("-l", "turns:turn.example.org:443")
        tmux.sendKeys("Enter", "Down", "Enter")
        tmux.sendKeys("-l", "me")
        tmux.sendKeys("Enter", "Down", "Enter")
        tmux.sendKeys("-l", "s3cret")
        tmux.sendKeys("Enter", "Down", "Enter")
        // The call itself cannot reach ws://127.0.0.1:1; the servers were saved before it was tried.
        #expect(tmux.waitFor(timeout: 30) { $0.contains("could not join") } != nil, "\(tmux.capture())")
        let path = config + "/termcall/settings.json"
        let saved = try String(contentsOfFile: path, encoding: .utf8)
        #expect(saved.contains(#""turns:turn.example.org:443""#) && saved.contains(#""username" : "me""#) && saved.contains(#""credential" : "s3cret""#), "\(saved)")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        tmux.sendKeys("q")
    }

    /// The lobby's audio test on the saved devices (alsa-lib file PCMs): the phases run on the
    /// microphone's clock, the verdict is drawn, and it comes back as the lobby's footer.
    @Test func theAudioTestRunsOnTheChosenDevices() throws {
        let dir = NSTemporaryDirectory() + "termcall-lobby-audio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/termcall", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tone = (0..<(48_000 * 8)).map { Int16(8000 * sin(2 * Double.pi * 300 * Double($0) / 48_000 + 1)) }
        try Data(tone.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }).write(to: URL(fileURLWithPath: dir + "/in.raw"))
        try """
        pcm.testmic { type file; slave.pcm { type null }; file "/dev/null"; infile "\(dir)/in.raw"; format raw }
        pcm.testspk { type file; slave.pcm { type null }; file "\(dir)/out.raw"; format raw }
        """.write(toFile: dir + "/asound.conf", atomically: true, encoding: .utf8)
        try #"{"camera":"test","microphone":"testmic","speaker":"testspk","renderMode":"half","name":"t","server":"ws://127.0.0.1:1"}"#
            .write(toFile: dir + "/termcall/settings.json", atomically: true, encoding: .utf8)
        let tmux = try Tmux(Tmux.termcall, environment: ["XDG_CONFIG_HOME": dir, "ALSA_CONFIG_PATH": dir + "/asound.conf"])
        defer { tmux.kill() }
        #expect(tmux.waitFor { $0.contains("› Demo call") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Down", "Down", "Down", "Down")
        #expect(tmux.waitFor { $0.contains("› Audio test") } != nil, "\(tmux.capture())")
        tmux.sendKeys("Enter")
        #expect(tmux.waitFor { $0.contains("microphone testmic, speaker testspk") && $0.contains("mic [") } != nil, "\(tmux.capture())")
        // A 300 Hz sine of peak 8000 has an RMS of -15.3 dBFS.
        let verdict = tmux.waitFor(timeout: 30) { $0.contains("Microphone loudest -15.3 dBFS, average -15.3 dBFS: OK") && $0.contains("back to the lobby") }
        #expect(verdict != nil, "\(tmux.capture())")
        tmux.sendKeys("Enter")
        #expect(tmux.waitFor { $0.contains("› Audio test") && $0.contains("Microphone loudest -15.3 dBFS") } != nil, "\(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true, "\(tmux.capture())")
    }
}

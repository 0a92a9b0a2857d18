import Foundation
import ICE

/// What a person chose in the device menu, remembered in `$XDG_CONFIG_HOME/termcall/settings.json`
/// (`~/.config/termcall/settings.json`). Flags on a command line win over it.
struct Settings: Codable, Equatable {
    /// `test`, a V4L2 path, a .y4m file, or `none`.
    var camera = "test"
    /// `tone`, an ALSA PCM name, or `none`.
    var microphone = "tone"
    /// An ALSA PCM name, or `none`.
    var speaker = "none"
    /// half, ascii or ascii-color.
    var renderMode = "half"
    var name = "terminal"
    var server = "ws://127.0.0.1:8080"
    /// STUN/TURN servers for every call, besides those a signalling server hands out:
    /// `[{"urls": ["turns:turn.example.org"], "username": "…", "credential": "…"}]`. Optional so
    /// that settings saved before it existed still load.
    var iceServers: [IceServer]?

    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/termcall/settings.json"
    }

    /// The saved settings, or the defaults when there are none (or they cannot be read: a damaged
    /// file is set aside as settings.json.bad rather than lost).
    static func load(from path: String = Settings.path()) -> Settings {
        guard let data = FileManager.default.contents(atPath: path) else { return Settings() }
        if let settings = try? JSONDecoder().decode(Settings.self, from: data) { return settings }
        try? FileManager.default.moveItem(atPath: path, toPath: path + ".bad")
        return Settings()
    }

    func save(to path: String = Settings.path()) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        // It may hold a TURN password: readable by its owner only.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The saved STUN/TURN URLs as the lobby's text field shows them: separated by spaces.
    var iceServerURLs: String { (iceServers ?? []).flatMap(\.urls).joined(separator: " ") }

    /// From the lobby's fields: URLs separated by spaces or commas (each checked), one user and
    /// password for the TURN ones; empty clears them.
    mutating func setIceServers(urls text: String, username: String, password: String) throws {
        let urls = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        for url in urls {
            do throws(IceServerURL.ParseError) { _ = try IceServerURL(url) } catch { throw SettingsError(description: error.description) }
        }
        iceServers = urls.isEmpty ? nil : [IceServer(urls: urls, username: username.isEmpty ? nil : username, credential: password.isEmpty ? nil : password)]
    }
}

struct SettingsError: Error, CustomStringConvertible {
    var description: String
}

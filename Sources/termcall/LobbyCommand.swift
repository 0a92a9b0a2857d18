import ArgumentParser
import Call
import Foundation
import MediaDevices
import PeerConnection
import Render
import STUN
import Signaling
import SignalingClient
import SignalingServer
import Synchronization
import TUI

/// `termcall` with no subcommand: the lobby. Start the demo call, join a room on a server, or
/// pick camera, microphone, speaker and render mode (remembered in settings.json).
struct LobbyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lobby",
        abstract: "The lobby (what plain `termcall` opens): demo call, join a room, devices and display.",
        discussion: "Keys: Up/Down move, Left/Right change a choice, Enter picks or edits, q or Esc goes back."
    )

    func run() throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            fail("the lobby draws on a terminal — run it in one, or see `termcall --help` for the headless commands")
        }
        let environment = ProcessInfo.processInfo.environment
        let depth = TerminalColors.detect(environment: environment)
        var settings = Settings.load()
        let session = openTerminal(depth: depth)
        defer { session.restore() }
        var note = ""
        var lastPicked = "demo"
        while true {
            var lobby = MenuScreen(session: session, title: "termcall — video, voice and text calls in the terminal",
                                   footer: note.isEmpty ? "↑↓ move  Enter pick  q quit" : note,
                                   items: [
                                       .init(id: "demo", label: "Demo call (an echoing peer; no devices needed)", kind: .action),
                                       .init(id: "join", label: "Join a room on a server…", kind: .action),
                                       .init(id: "host", label: "Host a room here (others join from a browser or a terminal)…", kind: .action),
                                       .init(id: "devices", label: "Devices and display…", kind: .action),
                                       .init(id: "audio", label: "Audio test (tone, record, play back)…", kind: .action),
                                       .init(id: "quit", label: "Quit", kind: .action),
                                   ])
            note = ""
            // Back from a call or the audio test, the cursor is where the person left it.
            lobby.selected = lobby.items.firstIndex { $0.id == lastPicked } ?? 0
            let outcome = lobby.run()
            if case let .picked(id) = outcome { lastPicked = id }
            switch outcome {
            case .back, .picked("quit"): return
            case let .interrupted(signal): session.restore(); Foundation.exit(128 + signal)
            case .picked("demo"):
                note = Self.describe(DemoCommand.run(session: session, depth: depth, mode: settings.mode))
            case .picked("devices"):
                if let chosen = deviceMenu(session: session, settings: settings, depth: depth) {
                    settings = chosen
                    do { try settings.save(); note = "saved to \(Settings.path())" } catch { note = "could not save settings: \(error)" }
                }
            case .picked("audio"):
                note = audioTest(session: session, settings: settings, depth: depth)
            case .picked("join"):
                var form = MenuScreen(session: session, title: "Join a room", footer: "Enter edits a field or joins  Esc back", items: [
                    .init(id: "server", label: "Server", kind: .text, value: settings.server),
                    .init(id: "room", label: "Room", kind: .text, value: RoomName.random()),
                    .init(id: "passphrase", label: "Room passphrase", kind: .secret,
                          value: ProcessInfo.processInfo.environment["TERMCALL_ROOM_PASSPHRASE"] ?? ""),
                    .init(id: "name", label: "Your name", kind: .text, value: settings.name),
                    .init(id: "ice", label: "STUN/TURN servers", kind: .text, value: settings.iceServerURLs),
                    .init(id: "turnUser", label: "TURN user", kind: .text, value: settings.iceServers?.first?.username ?? ""),
                    .init(id: "turnPassword", label: "TURN password", kind: .text, value: settings.iceServers?.first?.credential ?? ""),
                    .init(id: "go", label: "Join", kind: .action),
                ])
                guard case .picked("go") = form.run() else { continue }
                settings.server = form.value("server")
                settings.name = form.value("name")
                do {
                    try settings.setIceServers(urls: form.value("ice"), username: form.value("turnUser"), password: form.value("turnPassword"))
                } catch {
                    note = "\(error)"
                    continue
                }
                try? settings.save()
                let passphrase = form.value("passphrase")
                note = Self.describe(roomCall(session: session, settings: settings, room: form.value("room"),
                                              passphrase: passphrase.isEmpty ? nil : passphrase, depth: depth))
            case .picked("host"):
                var form = MenuScreen(session: session, title: "Host a room", footer: "Enter edits a field or starts  Esc back", items: [
                    .init(id: "listen", label: "Listen on", kind: .choice(options: [("0.0.0.0", "every interface (others can join)"), ("127.0.0.1", "this machine only")]), value: "0.0.0.0"),
                    .init(id: "port", label: "Port", kind: .text, value: "8080"),
                    .init(id: "room", label: "Room", kind: .text, value: RoomName.random()),
                    .init(id: "go", label: "Start and join", kind: .action),
                ])
                guard case .picked("go") = form.run() else { continue }
                note = Self.describe(host(session: session, settings: settings, listen: form.value("listen"), port: Int(form.value("port")) ?? 8080,
                                          room: form.value("room"), depth: depth))
            default: break
            }
        }
    }

    /// Runs `termcall serve` in this process and joins its room; the addresses to share are shown
    /// in the chat pane. The server stops when the call ends.
    func host(session: TerminalSession, settings: Settings, listen: String, port: Int, room: String, depth: ColorDepth) -> CallScreen.Outcome {
        let bound = Mutex<Int?>(nil)
        var configuration = SignalingServer.Configuration()
        configuration.host = listen
        configuration.port = port
        let server = Task { try await SignalingServer(configuration: configuration).run { p in bound.withLock { $0 = p } } }
        defer { server.cancel() }
        let clock = ContinuousClock(), deadline = clock.now + .seconds(5)
        while bound.withLock({ $0 }) == nil, clock.now < deadline { usleep(5_000) }
        guard let actual = bound.withLock({ $0 }) else { return .failed("could not serve on \(listen):\(port) (in use? try another port)") }
        var shared = ["http://127.0.0.1:\(actual)/\(room)"]
        if listen == "0.0.0.0" { shared = Self.interfaceAddresses().map { "http://\($0):\(actual)/\(room)" } + shared }
        return CallScreen.roomCall(session: session, configuration: settings.callConfiguration, server: "ws://127.0.0.1:\(actual)", room: room,
                                   name: settings.name, depth: depth, mode: settings.mode,
                                   banner: ["hosting room \(room) — others open"] + shared.map { "  " + $0 }
                                       + ["or run: termcall call \(room) --server ws://HOST:\(actual)"])
    }

    /// IPv4 addresses of the machine's interfaces other than loopback, for the address to share.
    static func interfaceAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { out.append(text) }
        }
        return out
    }

    static func describe(_ outcome: CallScreen.Outcome) -> String {
        switch outcome {
        case .hungUp: return "call ended"
        case .peerLeft: return "the other side hung up"
        case let .failed(why): return why
        case let .interrupted(signal): return "interrupted (signal \(signal))"
        }
    }

    /// Camera, microphone, speaker and render mode from what this machine has, plus the test sources.
    func deviceMenu(session: TerminalSession, settings: Settings, depth: ColorDepth) -> Settings? {
        let cameras = CameraList.probe(CameraList.devicePaths()).cameras
        let pcms = AudioDeviceList.pcms()
        var menu = MenuScreen(session: session, title: "Devices and display", footer: "←→ change  ↑↓ move  Enter on Save  Esc back", items: [
            .init(id: "camera", label: "Camera", kind: .choice(options: [("test", "test pattern")] + cameras.map { ($0.path, "\($0.card) (\($0.path))") } + [("none", "none")]), value: settings.camera),
            .init(id: "mic", label: "Microphone", kind: .choice(options: [("tone", "440 Hz tone")] + pcms.filter(\.canCapture).map { ($0.name, $0.name) } + [("none", "none")]), value: settings.microphone),
            .init(id: "speaker", label: "Speaker", kind: .choice(options: [("none", "none")] + pcms.filter(\.canPlay).map { ($0.name, $0.name) }), value: settings.speaker),
            .init(id: "render", label: "Render mode", kind: .choice(options: [("half", "half-blocks"), ("ascii", "ASCII"), ("ascii-color", "ASCII colour")]), value: settings.renderMode),
            .init(id: "save", label: "Save", kind: .action),
        ])
        let preview = DevicePreview(depth: depth, mode: settings.mode)
        menu.sidePanel = { items, columns, rows in
            let value = { (id: String) in items.first { $0.id == id }?.value ?? "none" }
            return preview.panel(camera: value("camera"), microphone: value("mic"), columns: columns, rows: rows)
        }
        let outcome = menu.run()
        preview.stop()
        guard case .picked("save") = outcome else { return nil }
        var chosen = settings
        chosen.camera = menu.value("camera")
        chosen.microphone = menu.value("mic")
        chosen.speaker = menu.value("speaker")
        chosen.renderMode = menu.value("render")
        return chosen
    }

    /// The audio test on the chosen microphone and speaker ("default" for one not chosen, the
    /// tone being no microphone to test); its verdict becomes the lobby's footer.
    func audioTest(session: TerminalSession, settings: Settings, depth: ColorDepth) -> String {
        let microphone = ["tone", "none"].contains(settings.microphone) ? "default" : settings.microphone
        let speaker = settings.speaker == "none" ? "default" : settings.speaker
        let check: AudioCheck
        do { check = try AudioCheck(microphone: microphone, speaker: speaker, seconds: 3) } catch {
            return "\(error) (pick devices in Devices and display)"
        }
        defer { check.stop() }
        var screen = AudioCheckScreen(session: session, check: check)
        switch screen.run() {
        case let .finished(lines): return lines.first ?? "audio test done"
        case .stopped: return "audio test stopped"
        case let .failed(why): return why
        case let .interrupted(signal): session.restore(); Foundation.exit(128 + signal)
        }
    }

    /// A call in a room, on the call screen, with the saved devices.
    func roomCall(session: TerminalSession, settings: Settings, room: String, passphrase: String?, depth: ColorDepth) -> CallScreen.Outcome {
        var access: SignalingAccess?
        if let passphrase {
            access = SignalingAccess(passphrase: passphrase, caFile: ProcessInfo.processInfo.environment["TERMCALL_CA_FILE"])
        }
        return CallScreen.roomCall(session: session, configuration: settings.callConfiguration, server: settings.server, room: room,
                                   name: settings.name, access: access, depth: depth, mode: settings.mode)
    }
}

extension CallScreen {
    /// Joins `room` on `server` (first, so the call uses the STUN/TURN servers it hands out), then
    /// runs the call on this screen until someone hangs up.
    static func roomCall(session: TerminalSession, configuration: CallConfiguration, server: String, room: String, name: String,
                         access: SignalingAccess? = nil, depth: ColorDepth, mode: RenderMode, banner: [String] = []) -> CallScreen.Outcome {
        let roomCall: RoomCall
        do {
            let access = try access ?? SignalingAccess.resolve(passphraseFile: nil, caFile: nil, environment: ProcessInfo.processInfo.environment)
            roomCall = try RoomJoin.join(server: server, room: room, name: name, access: access, configuration: configuration).get()
        } catch { return .failed("\(error)") }
        let call = roomCall.call
        var screen = CallScreen(session: session, call: call, peerName: "room \(room)", depth: depth, mode: mode)
        screen.banner = banner
        screen.participants = { roomCall.participants.map { (name: $0.name, frame: $0.leg.remoteFrame, leg: $0.leg.id) } }
        let outcome = screen.run(step: {
            let names = Dictionary(roomCall.participants.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            return roomCall.step(maximumWait: 4).compactMap { event -> (event: Call.Event, from: String?)? in
                switch event {
                case let .call(e, from): return (e, roomCall.participants.first { $0.id == from }?.name)
                case let .signalling(text): return (.problem(text), nil)
                case let .joined(_, others): return (.problem(others == 0 ? "waiting in \(room) — share its name" : "joined \(room)"), nil)
                case .rejoined: return (.problem("back in touch with the server"), nil)
                case let .peerJoined(_, name): return (.problem("\(name) joined"), nil)
                case let .peerLeft(id): return roomCall.participants.isEmpty ? nil : (.problem("\(names[id] ?? "someone") left"), nil)
                }
            }
        })
        roomCall.hangUp()
        return outcome
    }
}

extension Settings {
    var mode: RenderMode { RenderMode(rawValue: renderMode) ?? .halfBlock }

    var callConfiguration: CallConfiguration {
        var c = CallConfiguration()
        c.useDevices(camera: camera, microphone: microphone, speaker: speaker, width: 640, height: 480, fps: 30)
        // Loopback candidates too: a peer on this same machine (a second terminal, a browser) is
        // then reachable even with no network up; a remote peer's checks on them simply fail.
        c.includeLoopback = true
        IceServerOptions.apply(iceServers ?? [], caFile: ProcessInfo.processInfo.environment["TERMCALL_CA_FILE"], to: &c.iceConfiguration)
        return c
    }
}

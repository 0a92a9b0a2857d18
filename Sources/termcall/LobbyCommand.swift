import ArgumentParser
import Call
import Foundation
import MediaDevices
import PeerConnection
import Render
import STUN
import Signaling
import SignalingClient
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
        let session = TerminalSession()
        defer { session.restore() }
        var note = ""
        while true {
            var lobby = MenuScreen(session: session, title: "termcall — video, voice and text calls in the terminal",
                                   footer: note.isEmpty ? "↑↓ move  Enter pick  q quit" : note,
                                   items: [
                                       .init(id: "demo", label: "Demo call (an echoing peer; no devices needed)", kind: .action),
                                       .init(id: "join", label: "Join a room on a server…", kind: .action),
                                       .init(id: "devices", label: "Devices and display…", kind: .action),
                                       .init(id: "quit", label: "Quit", kind: .action),
                                   ], depth: depth)
            note = ""
            switch lobby.run() {
            case .back, .picked("quit"): return
            case let .interrupted(signal): session.restore(); Foundation.exit(128 + signal)
            case .picked("demo"):
                note = Self.describe(DemoCommand.run(session: session, depth: depth, mode: settings.mode))
            case .picked("devices"):
                if let chosen = deviceMenu(session: session, settings: settings, depth: depth) {
                    settings = chosen
                    do { try settings.save(); note = "saved to \(Settings.path())" } catch { note = "could not save settings: \(error)" }
                }
            case .picked("join"):
                var form = MenuScreen(session: session, title: "Join a room", footer: "Enter edits a field or joins  Esc back", items: [
                    .init(id: "server", label: "Server", kind: .text, value: settings.server),
                    .init(id: "room", label: "Room", kind: .text, value: RoomName.random()),
                    .init(id: "name", label: "Your name", kind: .text, value: settings.name),
                    .init(id: "go", label: "Join", kind: .action),
                ], depth: depth)
                guard case .picked("go") = form.run() else { continue }
                settings.server = form.value("server")
                settings.name = form.value("name")
                try? settings.save()
                note = Self.describe(roomCall(session: session, settings: settings, room: form.value("room"), depth: depth))
            default: break
            }
        }
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
        ], depth: depth)
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

    /// A call in a room, on the call screen, with the saved devices.
    func roomCall(session: TerminalSession, settings: Settings, room: String, depth: ColorDepth) -> CallScreen.Outcome {
        CallScreen.roomCall(session: session, configuration: settings.callConfiguration, server: settings.server, room: room,
                            name: settings.name, depth: depth, mode: settings.mode)
    }
}

extension CallScreen {
    /// Joins `room` on `server` (first, so the call uses the STUN/TURN servers it hands out), then
    /// runs the call on this screen until someone hangs up.
    static func roomCall(session: TerminalSession, configuration: CallConfiguration, server: String, room: String, name: String,
                         depth: ColorDepth, mode: RenderMode) -> CallScreen.Outcome {
        guard SignalingMessage.isValidRoomName(room) else { return .failed("room names are letters, digits, - and _") }
        let signalling = SignalingConnection(server: server, room: room, name: name)
        let (peers, events) = signalling.waitUntilJoined()
        guard let peers else { signalling.close(); return .failed("could not join \(room) on \(server)") }
        var configuration = configuration
        IceServerList.apply(peers.iceServers ?? [], to: &configuration.iceConfiguration)
        let call: Call
        do { call = try Call(configuration: configuration) } catch { signalling.close(); return .failed("\(error)") }
        let roomCall = RoomCall(call: call, connection: signalling, received: events)
        var screen = CallScreen(session: session, call: call, peerName: "room \(room)", depth: depth, mode: mode)
        let outcome = screen.run(step: {
            roomCall.step(maximumWait: 4).compactMap { event -> Call.Event? in
                switch event {
                case let .call(e): return e
                case let .signalling(text): return .problem(text)
                case let .joined(_, others): return .problem(others == 0 ? "waiting in \(room) — share its name" : "joined \(room)")
                case .rejoined: return .problem("back in touch with the server")
                case .peerLeft: return nil
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
        c.camera = camera == "none" ? nil : VideoSourceSpec.parse(camera, width: 640, height: 480, fps: 30)
        c.microphone = microphone == "none" ? .none : microphone == "tone" ? .tone(frequency: 440) : .device(microphone)
        c.speaker = speaker == "none" ? nil : speaker
        return c
    }
}

import Call
import MediaDevices
import Render
import TUI

/// The device menu inside a call (`d`): camera, microphone, speaker and render mode, chosen from
/// what `termcall devices` finds plus the test sources, applied to the running call without
/// hanging up. A box over the call rather than a screen of its own, so the call keeps stepping
/// (audio, video, network) while the person chooses.
struct DeviceChooser {
    struct Row {
        let id: String
        let label: String
        let options: [(value: String, label: String)]
        var value: String
    }

    enum Action: Equatable { case apply, close }

    var rows: [Row]
    /// What the call used when the menu opened: only what changed is reopened.
    let initial: Settings
    /// `rows.count` is the "Apply" line.
    var selected = 0

    /// The choices for `configuration`, listed from the machine's devices.
    init(configuration: CallConfiguration, mode: RenderMode) {
        let choices = Settings.choices(of: configuration)
        initial = choices
        let cameras = CameraList.probe(CameraList.devicePaths()).cameras
        let pcms = AudioDeviceList.pcms()
        func including(_ options: [(value: String, label: String)], _ value: String) -> [(value: String, label: String)] {
            options.contains { $0.value == value } ? options : options + [(value, value)]
        }
        rows = [
            Row(id: "camera", label: "Camera", options: including([("test", "test pattern")] + cameras.map { ($0.path, "\($0.card) (\($0.path))") } + [("none", "none")], choices.camera), value: choices.camera),
            Row(id: "mic", label: "Microphone", options: including([("tone", "440 Hz tone")] + pcms.filter(\.canCapture).map { ($0.name, $0.name) } + [("none", "none")], choices.microphone), value: choices.microphone),
            Row(id: "speaker", label: "Speaker", options: including([("none", "none")] + pcms.filter(\.canPlay).map { ($0.name, $0.name) }, choices.speaker), value: choices.speaker),
            Row(id: "render", label: "Render mode", options: [("half", "half-blocks"), ("ascii", "ASCII"), ("ascii-color", "ASCII colour")], value: mode.rawValue),
        ]
    }

    func value(_ id: String) -> String { rows.first { $0.id == id }?.value ?? "" }

    mutating func handle(_ key: Key) -> Action? {
        switch key {
        case .up: selected = (selected + rows.count) % (rows.count + 1)
        case .down, .tab: selected = (selected + 1) % (rows.count + 1)
        case .left, .right, .character(" "):
            guard selected < rows.count, !rows[selected].options.isEmpty else { return nil }
            let options = rows[selected].options
            let at = options.firstIndex { $0.value == rows[selected].value } ?? 0
            rows[selected].value = options[(at + (key == .left ? options.count - 1 : 1)) % options.count].value
        case .enter: return selected == rows.count ? .apply : handle(.right)
        case .escape, .character("q"), .character("d"): return .close
        default: break
        }
        return nil
    }

    /// The box's lines: a title, one line per device, the Apply line.
    var lines: [String] {
        var out = ["devices for this call (↑↓ move  ←→ change  Enter apply  Esc close)", ""]
        for (i, row) in rows.enumerated() {
            let label = row.options.first { $0.value == row.value }?.label ?? row.value
            out.append("\(i == selected ? "›" : " ") \(row.label.padding(toLength: 12, withPad: " ", startingAt: 0)) ‹ \(label) ›")
        }
        out.append("")
        out.append("\(selected == rows.count ? "›" : " ") Apply")
        return out
    }

    /// Applies the choices to `call`; one line per device that could not be opened (the call
    /// keeps the one it had).
    func apply(to call: Call) -> [String] {
        var wanted = Settings()
        wanted.camera = value("camera")
        wanted.microphone = value("mic")
        wanted.speaker = value("speaker")
        let configuration = wanted.callConfiguration
        var problems: [String] = []
        if wanted.camera != initial.camera {
            do { try call.replaceCamera(configuration.camera) } catch { problems.append("camera \(wanted.camera): \(error)") }
        }
        if wanted.microphone != initial.microphone {
            do { try call.replaceMicrophone(configuration.microphone) } catch { problems.append("microphone \(wanted.microphone): \(error)") }
        }
        if wanted.speaker != initial.speaker {
            do { try call.replaceSpeaker(configuration.speaker) } catch { problems.append("speaker \(wanted.speaker): \(error)") }
        }
        return problems
    }
}

extension Settings {
    /// The menu's values for what a call uses now.
    static func choices(of configuration: CallConfiguration) -> Settings {
        var s = Settings()
        switch configuration.camera {
        case nil: s.camera = "none"
        case .testPattern?: s.camera = "test"
        case let .camera(path, _, _, _)?: s.camera = path
        case let .y4mFile(path, _)?: s.camera = path
        }
        switch configuration.microphone {
        case .tone: s.microphone = "tone"
        case let .device(name): s.microphone = name
        case .none: s.microphone = "none"
        }
        s.speaker = configuration.speaker ?? "none"
        return s
    }
}

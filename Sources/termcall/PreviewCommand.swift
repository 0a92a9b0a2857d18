import ArgumentParser
import Foundation
import MediaDevices
import Render
import TUI

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show a camera, the test pattern or a .y4m file live in the terminal.",
        discussion: """
        Keys: q or Ctrl-C quit; m cycles the render mode (colour modes need colour); c cycles the colour depth.
        The picture keeps its aspect ratio and follows the window size. Colours are detected from \
        COLORTERM and terminfo unless --colors says otherwise; NO_COLOR turns them off.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Video source: a V4L2 device (/dev/video0), 'test' for the test pattern, or a .y4m file.", valueName: "DEV|test|FILE.y4m"))
    var camera: String = "test"

    @Option(name: .long, help: ArgumentHelp("How cells show the picture: half (two pixels per cell with ▀), ascii, ascii-color. Default: half, or ascii when the locale is not UTF-8.", valueName: "half|ascii|ascii-color"))
    var mode: RenderMode?

    @Option(name: .long, help: ArgumentHelp("Colour depth: auto, truecolor, 256, 16 or none. 'none' implies --mode ascii.", valueName: "auto|truecolor|256|16|none"))
    var colors: ColorChoice = .auto

    @Option(name: .long, help: ArgumentHelp("Capture size asked of the camera or test pattern.", valueName: "WxH"))
    var size: CaptureSize = CaptureSize(width: 640, height: 480)

    @Option(name: .long, help: "Frames per second asked of the camera or test pattern.")
    var fps: Int = 30

    @Option(name: .long, help: ArgumentHelp("Per-channel colour change (0-255) below which a cell is not redrawn.", valueName: "N"))
    var threshold: Int = 6

    func validate() throws {
        guard (1...240).contains(fps) else { throw ValidationError("--fps must be between 1 and 240") }
        guard (0...255).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 255") }
    }

    func run() throws {
        let (depth, mode) = terminalDisplay(for: "preview", colors: colors, mode: mode)
        let spec = VideoSourceSpec.parse(camera, width: size.width, height: size.height, fps: fps)
        let feed: LiveVideoFeed
        do {
            feed = try LiveVideoFeed.start(spec) // before raw mode: errors print on a normal terminal
        } catch {
            fail(error.description)
        }
        let session = openTerminal(depth: depth, threshold: threshold)
        var preview = PreviewScreen(session: session, feed: feed, mode: mode, depth: depth)
        let outcome = preview.run()
        session.restore()
        feed.stop()
        switch outcome {
        case .quit: break
        case let .failed(message): fail(message)
        case let .interrupted(signal): Foundation.exit(128 + signal)
        }
    }
}

/// The terminal taken for a full-screen command, or one line saying why it cannot be.
func openTerminal(depth: ColorDepth, threshold: Int = 6) -> TerminalSession {
    do { return try TerminalSession(depth: depth, threshold: threshold) } catch { fail(error.description) }
}

/// Prints one line to stderr and exits non-zero: the user-facing form of every error.
/// The terminal a full-screen command draws on: it must be one, and its colour depth and render
/// mode come from the flags or else from COLORTERM/terminfo and the locale.
func terminalDisplay(for command: String, colors: ColorChoice, mode: RenderMode?) -> (ColorDepth, RenderMode) {
    guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
        fail("\(command) draws on a terminal — run it in one (stdin and stdout are not a tty)")
    }
    let environment = ProcessInfo.processInfo.environment
    return (colors.depth ?? TerminalColors.detect(environment: environment),
            mode ?? (TerminalCharset.isUTF8(environment: environment) ? .halfBlock : .ascii))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("termcall: \(message)\n".utf8))
    Foundation.exit(1)
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, truecolor, c256 = "256", c16 = "16", none
    var depth: ColorDepth? {
        switch self {
        case .auto: return nil
        case .truecolor: return .truecolor
        case .c256: return .palette256
        case .c16: return .palette16
        case .none: return ColorDepth.none
        }
    }
}

extension RenderMode: ExpressibleByArgument {}

struct CaptureSize: ExpressibleByArgument {
    var width: Int
    var height: Int
    init(width: Int, height: Int) { self.width = width; self.height = height }
    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...4096).contains(w), (16...4096).contains(h) else { return nil }
        self.init(width: w, height: h)
    }
    var defaultValueDescription: String { "\(width)x\(height)" }
}

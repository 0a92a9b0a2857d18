import Foundation
import MediaCore
import MediaDevices
import Render
import TUI

// termcall-bench: the renderer's figures for BENCHMARKS.md, with chafa on the same frames as anchor.
// Usage: termcall-bench [--frames N]     (scripts/bench pins it to one core)

let arguments = CommandLine.arguments
let frameCount = arguments.firstIndex(of: "--frames").flatMap { Int(arguments[$0 + 1]) } ?? 150
let columns = 160, rows = 48

print("# termcall-bench — 640x480 source -> \(columns)x\(rows) cells, \(frameCount) frames per clip")
print("machine: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores visible; run \(Date())")
print("")

let testPattern = TestPatternGenerator(width: 640, height: 480, fps: 30)
let clips: [(name: String, frames: [VideoFrame])] = [
    ("static scene", Array(repeating: testPattern.frame(number: 0), count: frameCount)),
    ("talking head (noisy)", TalkingHeadClip().frames(count: frameCount)),
    ("test pattern (all moving)", (0..<frameCount).map { testPattern.frame(number: UInt64($0)) }),
]

let configurations: [(RenderMode, ColorDepth)] = [
    (.halfBlock, .truecolor), (.halfBlock, .palette256), (.halfBlock, .palette16), (.asciiColor, .truecolor), (.ascii, .none),
]

print("## termcall renderer (frame -> bytes: downscale, cells, damage map, encoding)")
print("| clip | mode | ms/frame median | ms/frame p95 | first frame B | B/frame mean | B/frame p95 | PSNR dB mean | PSNR dB min |")
print("|---|---|---|---|---|---|---|---|---|")
for clip in clips {
    for (mode, depth) in configurations {
        let result = measure(clip.frames, mode: mode, depth: depth)
        let psnr = mode == .halfBlock ? (format(result.psnrMean), format(result.psnrMin)) : ("n/a", "n/a")
        print("| \(clip.name) | \(mode.rawValue)/\(depth.rawValue) | \(ms(result.times.median)) | \(ms(result.times.p95)) | "
              + "\(result.firstBytes) | \(Int(result.bytes.mean)) | \(Int(result.bytes.p95)) | \(psnr.0) | \(psnr.1) |")
    }
}

print("")
print("## through ncurses: the picture painted by ncurses or by the damage-map writer inside its window")
print("(a TerminalSession on a \(columns)x\(rows) pty; time = frame to bytes handed to the terminal, ncurses' refresh included)")
print("| clip | TERM | depth | painter | ms/frame median | ms/frame p95 | first frame B | B/frame mean | B/frame p95 |")
print("|---|---|---|---|---|---|---|---|---|")
let cursesCases: [(String, ColorDepth, VideoPath, String?)] = [
    ("xterm-256color", .truecolor, .writer, "truecolor"), ("xterm-direct", .truecolor, .curses, nil),
    ("xterm-256color", .palette256, .writer, nil), ("xterm-256color", .palette256, .curses, nil),
    ("xterm-256color", .palette16, .writer, nil), ("xterm-256color", .palette16, .curses, nil),
    ("linux", .palette16, .curses, nil),
]
for clip in clips.dropFirst() {
    for (term, depth, path, colorterm) in cursesCases {
        guard let r = measureThroughSession(clip.frames, term: term, depth: depth, path: path, colorterm: colorterm) else {
            print("| \(clip.name) | \(term) | \(depth.rawValue) | \(path.rawValue) | terminfo has no \(term) | | | | |")
            continue
        }
        print("| \(clip.name) | \(term) | \(depth.rawValue) | \(path.rawValue) | \(ms(r.times.median)) | \(ms(r.times.p95)) | \(r.firstBytes) | \(Int(r.bytes.mean)) | \(Int(r.bytes.p95)) |")
    }
}

print("")
print("## the whole call screen at 30 fps (picture + self view + chat pane + status line, as CallScreen lays them out)")
print("| TERM | depth | painter (the session's choice) | ms/frame median | ms/frame p95 | first frame B | B/frame mean | B/frame p95 | KB/s at 30 fps |")
print("|---|---|---|---|---|---|---|---|---|")
for (term, depth, colorterm) in [(nil, ColorDepth.truecolor, nil), ("xterm-256color", ColorDepth.truecolor, "truecolor" as String?), ("xterm-direct", .truecolor, nil),
                                  (nil, .palette256, nil), ("xterm-256color", .palette256, nil), (nil, .palette16, nil), ("linux", .palette16, nil)] as [(String?, ColorDepth, String?)] {
    guard let (r, path) = measureCallScreen(clips[1].frames, selfFrames: clips[2].frames, term: term, depth: depth, colorterm: colorterm) else { continue }
    print("| \(term ?? "before: one canvas, damage map alone") | \(depth.rawValue) | \(path?.rawValue ?? "–") | \(ms(r.times.median)) | \(ms(r.times.p95)) | \(r.firstBytes) | \(Int(r.bytes.mean)) | \(Int(r.bytes.p95)) | \(String(format: "%.0f", r.bytes.mean * 30 / 1024)) |")
}

print("")
print("## stage: area-averaging downscale alone (640x480 I420 -> 128x96 RGB)")
do {
    let frames = clips[1].frames
    var times: [Double] = []
    let scaler = AreaDownscaler()
    for pass in 0..<2 {
        for frame in frames {
            let start = ContinuousClock.now
            let grid = scaler.scale(frame, width: 128, height: 96)
            let elapsed = start.duration(to: .now)
            if pass == 1 { times.append(seconds(elapsed)) }
            blackHole(grid.pixels[0])
        }
    }
    print("median \(ms(times.median)) ms, p95 \(ms(times.p95)) ms")
}

print("")
print("## anchor: chafa \(chafaVersion()) on the same frames (one thread, truecolor, 128x48 cells = the same picture area)")
print("| clip | chafa symbols | ms/frame median | ms/frame p95 | B/frame mean |")
print("|---|---|---|---|---|")
for clip in clips {
    let rgb = clip.frames.map(ChafaAnchor.packedRGB)
    for (label, kind) in [("half blocks", ChafaAnchor.Symbols.halfBlocks), ("block+border+space", .chafaDefault)] {
        let chafa = ChafaAnchor(columns: 128, rows: 48, symbols: kind)
        var times: [Double] = [], bytes: [Double] = []
        for picture in rgb.prefix(5) { blackHole(chafa.render(rgb: picture, width: 640, height: 480)) } // warm-up
        for picture in rgb {
            let start = ContinuousClock.now
            let n = chafa.render(rgb: picture, width: 640, height: 480)
            times.append(seconds(start.duration(to: .now)))
            bytes.append(Double(n))
        }
        print("| \(clip.name) | \(label) | \(ms(times.median)) | \(ms(times.p95)) | \(Int(bytes.mean)) |")
    }
}

// MARK: measurement

struct Result {
    var times: [Double] = []
    var bytes: [Double] = []
    var firstBytes = 0
    var psnrMean = 0.0
    var psnrMin = Double.infinity
}

func measure(_ frames: [VideoFrame], mode: RenderMode, depth: ColorDepth) -> Result {
    let renderer = VideoRenderer(mode: mode, depth: depth)
    // Warm-up pass (caches, lazy allocations), then the measured pass on a fresh screen.
    var warm = TerminalScreen(columns: columns, rows: rows, depth: depth)
    for frame in frames.prefix(10) { warm.draw(renderer.render(frame, columns: columns, rows: rows), row: 0, column: 0); blackHole(warm.takeFrameBytes().count) }

    var result = Result()
    var screen = TerminalScreen(columns: columns, rows: rows, depth: depth)
    var replay = TerminalReplay(columns: columns, rows: rows)
    let layout = VideoLayout.fit(sourceWidth: frames[0].width, sourceHeight: frames[0].height, paneColumns: columns, paneRows: rows, mode: .halfBlock)!
    var psnrSum = 0.0
    for (index, frame) in frames.enumerated() {
        let start = ContinuousClock.now
        screen.draw(renderer.render(frame, columns: columns, rows: rows), row: 0, column: 0)
        let bytes = screen.takeFrameBytes()
        let elapsed = start.duration(to: .now)
        result.times.append(seconds(elapsed))
        if index == 0 { result.firstBytes = bytes.count } else { result.bytes.append(Double(bytes.count)) }
        replay.feed(bytes)
        if mode == .halfBlock {
            let p = psnr(frame, replay, layout)
            psnrSum += p
            result.psnrMin = min(result.psnrMin, p)
        }
    }
    result.psnrMean = psnrSum / Double(frames.count)
    return result
}

/// PSNR of what the terminal shows (each half-block cell re-rasterised as its two pixels) against
/// the source area-averaged to the same grid — the best any renderer at this resolution could show.
func psnr(_ frame: VideoFrame, _ replay: TerminalReplay, _ layout: VideoLayout) -> Double {
    let reference = AreaDownscaler().scale(frame, width: layout.pixelWidth, height: layout.pixelHeight)
    var squared = 0.0, count = 0.0
    for r in 0..<layout.rows {
        for c in 0..<layout.columns {
            let shown = replay.pixels(column: layout.column + c, row: layout.row + r)
            for (pixel, want) in [(shown.top, reference[c, 2 * r]), (shown.bottom, reference[c, 2 * r + 1])] {
                for shift in [16, 8, 0] as [UInt32] {
                    let d = Double(Int((pixel >> shift) & 0xFF) - Int((want >> shift) & 0xFF))
                    squared += d * d
                }
                count += 3
            }
        }
    }
    let mse = squared / count
    return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
}

// MARK: helpers

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func ms(_ s: Double) -> String { String(format: "%.3f", s * 1000) }
func format(_ x: Double) -> String { x >= 99 ? "∞" : String(format: "%.1f", x) }

extension Array where Element == Double {
    var mean: Double { isEmpty ? 0 : reduce(0, +) / Double(count) }
    var median: Double { isEmpty ? 0 : sorted()[count / 2] }
    var p95: Double { isEmpty ? 0 : sorted()[Swift.min(count - 1, Int(Double(count) * 0.95))] }
}

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    return info.split(separator: "\n").first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? "unknown CPU"
}

func chafaVersion() -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/chafa")
    p.arguments = ["--version"]
    let pipe = Pipe()
    p.standardOutput = pipe
    guard (try? p.run()) != nil else { return "" }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text.split(separator: "\n").first.map { String($0.split(separator: " ").last ?? "") } ?? ""
}

import AudioPipeline
import Foundation
import MediaCore
import MediaDevices
import Render

/// The device menu's live check: the chosen camera's picture and the chosen microphone's level,
/// reopened whenever the choice changes. (The tone "microphone" shows its own level.)
final class DevicePreview {
    private var camera: (spec: String, feed: LiveVideoFeed)?
    private var microphone: (name: String, stream: AudioStream)?
    private var tone = ToneSource(frequency: 440, level: -20)
    private var meter = LevelMeter()
    private var frame: VideoFrame?
    private var problem: String?
    private var samples = [Int16](repeating: 0, count: AudioStream.frameSamples)
    private let renderer: VideoRenderer

    init(depth: ColorDepth, mode: RenderMode) { renderer = VideoRenderer(mode: mode, depth: depth) }

    deinit { stop() }

    func stop() {
        camera?.feed.stop()
        microphone?.stream.stop()
        camera = nil
        microphone = nil
    }

    /// The panel for the current choices, `columns` x `rows` cells.
    func panel(camera choice: String, microphone mic: String, columns: Int, rows: Int) -> CellGrid {
        update(camera: choice, microphone: mic)
        let bg: UInt32 = 0x101418
        var grid = CellGrid(columns: columns, rows: rows, fill: .text(0x20, fg: 0xA0A0A0, bg: bg))
        let videoRows = max(1, rows - 3)
        if let frame {
            grid.blit(renderer.render(frame, columns: columns, rows: videoRows), row: 0, column: 0)
        } else {
            write(choice == "none" ? "no camera" : (problem ?? "opening the camera…"), into: &grid, row: videoRows / 2, fg: 0x909090, bg: bg)
        }
        // Level meter: -60…0 dBFS across the width.
        let width = max(1, columns - 14)
        let filled = Int(Double(width) * max(0, min(1, (meter.level + 60) / 60)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        write(mic == "none" ? "no microphone" : "mic " + bar + String(format: " %4.0f dBFS", max(-99, meter.level)), into: &grid, row: rows - 2,
              fg: meter.level > -6 ? 0xF08060 : 0x80D080, bg: bg)
        return grid
    }

    private func update(camera choice: String, microphone mic: String) {
        if camera?.spec != choice {
            camera?.feed.stop()
            camera = nil
            frame = nil
            problem = nil
            if choice != "none" {
                do { camera = (choice, try LiveVideoFeed.start(VideoSourceSpec.parse(choice, width: 320, height: 240, fps: 15))) } catch { problem = error.description }
            }
        }
        if let feed = camera?.feed {
            do { if let f = try feed.take() { frame = f } } catch { problem = error.description; frame = nil }
        }
        if microphone?.name != mic {
            microphone?.stream.stop()
            microphone = nil
            meter = LevelMeter()
            if mic != "none", mic != "tone" { microphone = try? (mic, AudioStream.start(device: mic, direction: .capture)) }
        }
        var floats = [Float](repeating: 0, count: AudioStream.frameSamples)
        if mic == "tone" {
            let s = tone.nextFrame(samples: AudioStream.frameSamples)
            for i in floats.indices { floats[i] = Float(s[i]) / 32_768 }
            meter.process(&floats)
        } else if let stream = microphone?.stream {
            while (try? stream.read(into: &samples)) == true {
                for i in floats.indices { floats[i] = Float(samples[i]) / 32_768 }
                meter.process(&floats)
            }
        }
    }

    private func write(_ text: String, into grid: inout CellGrid, row: Int, fg: UInt32, bg: UInt32) {
        guard row >= 0, row < grid.rows else { return }
        for (i, scalar) in text.unicodeScalars.prefix(grid.columns).enumerated() { grid[i, row] = .text(scalar.value, fg: fg, bg: bg) }
    }
}

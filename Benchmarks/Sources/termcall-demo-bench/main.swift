import Call
import Foundation
import MediaCore
import MediaDevices
import Render
import STUN

// termcall-demo-bench: what `termcall demo` costs and how late its picture is. Both callers of the
// demo in this process over loopback, each sending the 640x480@30 test pattern and a tone; the
// remote picture is rendered at 160x48 cells (half-blocks, truecolor) into a TerminalScreen whose
// bytes are counted and dropped. Over SECONDS (default 60): CPU (user+system) and peak RSS, and
// glass-to-glass latency: from the moment the sender's call takes a frame from its camera (the
// frame number is read from the pattern's own barcode) to the moment that frame's cells are drawn.

let seconds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 60
func caller(tone: Double) -> CallConfiguration { .loopbackTest(tone: tone, width: 640, height: 480) }
let you = try Call(configuration: caller(tone: 440)), echo = try Call(configuration: caller(tone: 660))
try echo.peer.setRemoteDescription(try you.peer.createOffer())
try you.peer.setRemoteDescription(try echo.peer.createAnswer())

let clock = ContinuousClock()
var renderer = VideoRenderer(mode: .halfBlock, depth: .truecolor)
var screen = TerminalScreen(columns: 160, rows: 49, depth: .truecolor)
var captured: [UInt32: ContinuousClock.Instant] = [:]
var latencies: [Double] = []
var lastLocal: UInt32?, drawn = 0, bytes = 0
func usage() -> (cpu: Double, rssKB: Int) {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    let cpu = Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    return (cpu, u.ru_maxrss)
}
// Let the call come up, then measure.
var start = clock.now
while clock.now - start < .seconds(2) { _ = echo.step(maximumWait: 2); _ = you.step(maximumWait: 2) }
let before = usage()
start = clock.now
while clock.now - start < .seconds(seconds) {
    _ = you.step(maximumWait: 2)
    _ = echo.step(maximumWait: 0)
    // The echo sends; "you" receives and draws, as on the demo's screen.
    if let local = echo.localFrame, let stamp = TestPatternStamp.read(from: local), stamp.frameNumber != lastLocal {
        lastLocal = stamp.frameNumber
        captured[stamp.frameNumber] = clock.now
    }
    if let remote = you.remoteFrame, let stamp = TestPatternStamp.read(from: remote), let sentAt = captured.removeValue(forKey: stamp.frameNumber) {
        screen.draw(renderer.render(remote, columns: 160, rows: 48), row: 0, column: 0)
        bytes += screen.takeFrameBytes().count
        drawn += 1
        let d = sentAt.duration(to: clock.now)
        latencies.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
    if captured.count > 300 { captured = captured.filter { clock.now - $0.value < .seconds(5) } }
}
let after = usage()
let sorted = latencies.sorted()
func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
print(String(format: "{\"seconds\":%d,\"cpu_percent_of_one_core\":%.1f,\"peak_rss_mb\":%.1f,\"frames_drawn\":%d,\"fps\":%.1f,\"kb_per_frame\":%.1f,\"glass_to_glass_ms_p50\":%.1f,\"p95\":%.1f,\"max\":%.1f}",
             seconds, (after.cpu - before.cpu) / Double(seconds) * 100, Double(after.rssKB) / 1024, drawn, Double(drawn) / Double(seconds),
             drawn > 0 ? Double(bytes) / Double(drawn) / 1024 : 0, pct(0.5), pct(0.95), sorted.last ?? 0))
you.hangUp()
echo.hangUp()

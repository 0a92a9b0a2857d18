import EventLoop
import Foundation
import MediaCore
import PeerConnection
import STUN
import VideoPipeline

// termcall-call-bench: from createOffer to a data channel open on both sides, and from createOffer
// to the first remote video frame decoded, termcall <-> termcall in one process over UDP on
// 127.0.0.1 (signalling instant, the sender's camera delivering 320x240 at 30 fps); medians of 50
// calls for the data channel, of 10 for the first frame.
// Run in a loopback-only namespace (scripts/bench-call).

let clock = ContinuousClock()
func ms(_ d: Duration) -> Double { (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000 }
/// Two peer connections on loopback, on one event loop (as the demo's two callers would be), with
/// offer and answer exchanged (instant signalling).
func negotiatedPair() throws -> (EventLoop, PeerConnection, PeerConnection) {
    let loopback = [TransportAddress.IP("127.0.0.1")!]
    let loop = EventLoop()
    let a = try loop.addConnection(addresses: loopback), b = try loop.addConnection(addresses: loopback)
    try b.setRemoteDescription(a.createOffer())
    try a.setRemoteDescription(try b.createAnswer())
    return (loop, a, b)
}

// The first call of the process is reported on its own ("cold"): it pays OpenSSL's and the Swift
// runtime's one-time costs (about 30 ms here, most of it in the first DTLS handshake); the median
// and p90 are of the fifty calls after it (a call takes a few milliseconds; ten left the median
// at the mercy of this machine's bursts).
// TERMCALL_BENCH_SETUP_ONLY=N: only the data-channel figure, over N calls (for a profiler).
// Read once: the environment getter copies the whole environment each time.
let phases = ProcessInfo.processInfo.environment["TERMCALL_BENCH_PHASES"] != nil
let setupOnly = ProcessInfo.processInfo.environment["TERMCALL_BENCH_SETUP_ONLY"].flatMap { Int($0) }
var times: [Double] = []
for _ in 0..<(setupOnly.map { max($0, 11) } ?? 51) {
    let start = clock.now
    let (loop, a, b) = try negotiatedPair()
    if phases { print("negotiated", String(format: "%.2f", ms(start.duration(to: clock.now)))) }
    a.createDataChannel(label: "chat")
    var aOpen = false, bOpen = false
    while !(aOpen && bOpen), clock.now - start < .seconds(10) {
        for (pc, e) in loop.turn(maximumWait: 5).events {
            if case .dataChannelOpen = e { if pc === a { aOpen = true } else { bOpen = true } }
            if phases {
                switch e {
                case .connectionState, .secured, .dataChannelOpen: print(pc === a ? "a" : "b", e, String(format: "%.2f", ms(start.duration(to: clock.now))))
                default: break
                }
            }
        }
    }
    precondition(aOpen && bOpen, "no data channel")
    times.append(ms(start.duration(to: clock.now)))
    a.close(); b.close()
    loop.flush()
}
let cold = times.removeFirst()
times.sort()
print(String(format: "{\"impl\":\"termcall<->termcall\",\"offer_to_dc_open_ms_median\":%.1f,\"p90\":%.1f,\"runs\":%d,\"cold_first_call_ms\":%.1f}",
             times[times.count / 2], times[times.count * 9 / 10], times.count, cold))
if setupOnly != nil { exit(0) }

var videoTimes: [Double] = []
for _ in 0..<10 {
    let start = clock.now
    let (loop, a, b) = try negotiatedPair()
    let sender = try VideoPipeline(), receiver = try VideoPipeline()
    var frame = VideoFrame(width: 320, height: 240)
    for i in frame.y.indices { frame.y[i] = UInt8(truncatingIfNeeded: i) }
    var secured = false, decoded = false, sentAt = clock.now, n: UInt32 = 0
    while !decoded, clock.now - start < .seconds(10) {
        for (pc, e) in loop.turn(maximumWait: 1).events {
            if pc === a, case .secured = e { secured = true }
            if pc === b, case let .videoFrame(encoded) = e, !receiver.receive(encoded, from: b).isEmpty { decoded = true }
        }
        // A camera delivers a frame every 33 ms; the first goes out as soon as the call is secured.
        if secured, n == 0 || clock.now - sentAt >= .milliseconds(33) {
            sender.send(frame, timestamp: n * 3000, on: a)
            loop.flush()
            n += 1
            sentAt = clock.now
        }
    }
    precondition(decoded, "no video frame")
    videoTimes.append(ms(start.duration(to: clock.now)))
    a.close(); b.close()
    loop.flush()
}
videoTimes.sort()
print(String(format: "{\"impl\":\"termcall<->termcall\",\"offer_to_first_video_frame_ms_median\":%.1f,\"p90\":%.1f,\"runs\":10}", videoTimes[5], videoTimes[9]))

// termcall <-> aiortc: termcall offers, a whole aiortc RTCPeerConnection answers in its own process
// (Tests/Interop/aiortc_pc_peer.py, started before the clock and ready); signalling over its pipes.
// Both processes share core 0 (taskset), as the two aiortc peers of the anchor share one.
let python = ".venv-interop/bin/python", aiortcPeer = "Tests/Interop/aiortc_pc_peer.py"
if FileManager.default.isExecutableFile(atPath: python) {
    var dcTimes: [Double] = [], frameTimes: [Double] = []
    for _ in 0..<10 {
        let peer = try AiortcPeer(python: python, script: aiortcPeer, arguments: ["--answer", "--video", "--bench"])
        _ = peer.next(within: .seconds(20)) { $0["event"] as? String == "ready" }
        let start = clock.now
        let networked = try NetworkedPeer(addresses: [TransportAddress.IP("127.0.0.1")!])
        let pc = networked.connection, video = try VideoPipeline()
        peer.send(["sdp": try pc.createOffer()])
        guard let answer = peer.next(within: .seconds(10), where: { $0["sdp"] is String })?["sdp"] as? String else { fatalError("aiortc gave no answer") }
        let answeredAt = start.duration(to: clock.now)
        try pc.setRemoteDescription(answer)
        pc.createDataChannel(label: "chat")
        var frame = VideoFrame(width: 320, height: 240)
        for i in frame.y.indices { frame.y[i] = UInt8(truncatingIfNeeded: i) }
        var secured = false, ourOpen = false, theirOpen: Duration?, firstFrame: Duration?, sentAt = clock.now, n: UInt32 = 0
        while (theirOpen == nil || firstFrame == nil || !ourOpen), clock.now - start < .seconds(10) {
            // Block in poll as a real call does: a busy loop would take half of the core aiortc shares.
            for e in networked.step(maximumWait: 1) {
                if case .secured = e { secured = true; if phases { print("secured", ms(start.duration(to: clock.now))) } }
                if case .dataChannelOpen = e { ourOpen = true; if phases { print("our open", ms(start.duration(to: clock.now))) } }
                if phases, case let .connectionState(state) = e { print(state, ms(start.duration(to: clock.now))) }
            }
            for line in peer.poll() {
                if line["event"] as? String == "datachannel", theirOpen == nil { theirOpen = start.duration(to: clock.now) }
                if line["event"] as? String == "first-frame", firstFrame == nil { firstFrame = start.duration(to: clock.now) }
            }
            if secured, n == 0 || clock.now - sentAt >= .milliseconds(33) {
                video.send(frame, timestamp: n * 3000, on: pc)
                networked.loop.flush()
                n += 1
                sentAt = clock.now
            }
        }
        if phases { print("answered", ms(answeredAt), "their open", theirOpen.map(ms) ?? -1, "frame", firstFrame.map(ms) ?? -1) }
        guard let theirOpen, let firstFrame, ourOpen else { fatalError("termcall <-> aiortc: no data channel or no frame in 10 s") }
        dcTimes.append(ms(theirOpen))
        frameTimes.append(ms(firstFrame))
        pc.close()
        networked.loop.flush()
        peer.stop()
    }
    dcTimes.sort()
    frameTimes.sort()
    print(String(format: "{\"impl\":\"termcall->aiortc\",\"offer_to_dc_open_ms_median\":%.1f,\"p90\":%.1f,\"runs\":10}", dcTimes[5], dcTimes[9]))
    print(String(format: "{\"impl\":\"termcall->aiortc\",\"offer_to_first_video_frame_ms_median\":%.1f,\"p90\":%.1f,\"runs\":10}", frameTimes[5], frameTimes[9]))
}

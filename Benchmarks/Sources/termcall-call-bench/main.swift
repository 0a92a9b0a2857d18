import Foundation
import MediaCore
import PeerConnection
import STUN

// termcall-call-bench: from createOffer to a data channel open on both sides, and from createOffer
// to the first remote video frame decoded, termcall <-> termcall in one process over UDP on
// 127.0.0.1 (signalling instant, the sender's camera delivering 320x240 at 30 fps), median of 10.
// Run in a loopback-only namespace (scripts/bench-call).

let clock = ContinuousClock()
func ms(_ d: Duration) -> Double { (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) * 1000 }
/// Two peer connections on loopback with offer and answer exchanged (instant signalling).
func negotiatedPair() throws -> (PeerConnection, PeerConnection) {
    let loopback = [TransportAddress.IP("127.0.0.1")!]
    let a = try PeerConnection(addresses: loopback), b = try PeerConnection(addresses: loopback)
    try b.setRemoteDescription(a.createOffer())
    try a.setRemoteDescription(try b.createAnswer())
    return (a, b)
}

var times: [Double] = []
for _ in 0..<10 {
    let start = clock.now
    let (a, b) = try negotiatedPair()
    a.createDataChannel(label: "chat")
    var aOpen = false, bOpen = false
    while !(aOpen && bOpen), clock.now - start < .seconds(10) {
        for e in a.step(maximumWait: 0) { if case .dataChannelOpen = e { aOpen = true } }
        for e in b.step(maximumWait: 0) { if case .dataChannelOpen = e { bOpen = true } }
    }
    precondition(aOpen && bOpen, "no data channel")
    times.append(ms(start.duration(to: clock.now)))
    a.close(); b.close()
}
times.sort()
print(String(format: "{\"impl\":\"termcall<->termcall\",\"offer_to_dc_open_ms_median\":%.1f,\"p90\":%.1f,\"runs\":10}", times[5], times[9]))

var videoTimes: [Double] = []
for _ in 0..<10 {
    let start = clock.now
    let (a, b) = try negotiatedPair()
    var frame = VideoFrame(width: 320, height: 240)
    for i in frame.y.indices { frame.y[i] = UInt8(truncatingIfNeeded: i) }
    var secured = false, decoded = false, sentAt = clock.now, n: UInt32 = 0
    while !decoded, clock.now - start < .seconds(10) {
        for e in a.step(maximumWait: 0) { if case .secured = e { secured = true } }
        for e in b.step(maximumWait: 0) { if case .video = e { decoded = true } }
        // A camera delivers a frame every 33 ms; the first goes out as soon as the call is secured.
        if secured, n == 0 || clock.now - sentAt >= .milliseconds(33) {
            a.sendVideo(frame, timestamp: n * 3000)
            n += 1
            sentAt = clock.now
        }
    }
    precondition(decoded, "no video frame")
    videoTimes.append(ms(start.duration(to: clock.now)))
    a.close(); b.close()
}
videoTimes.sort()
print(String(format: "{\"impl\":\"termcall<->termcall\",\"offer_to_first_video_frame_ms_median\":%.1f,\"p90\":%.1f,\"runs\":10}", videoTimes[5], videoTimes[9]))

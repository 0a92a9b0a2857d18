import Foundation
import HummingbirdWSClient
import Logging
import Signaling
import SignalingServer
import Synchronization

// termcall-serve-bench: how many rooms (two peers each, signalling only) `termcall serve` holds,
// and the relay latency while it does. The server runs in this process on 127.0.0.1; every room's
// first peer sends 20 candidate messages (one per 50 ms) stamped with the send time, the second
// peer records arrival − stamp. Prints one JSON line per room count.

var limit = rlimit()
getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = limit.rlim_max
setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)

let clock = ContinuousClock()
let origin = clock.now
func nowMicros() -> Int64 { let d = origin.duration(to: clock.now); return d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000 }

let port = Mutex<Int?>(nil)
var configuration = SignalingServer.Configuration()
configuration.port = 0
configuration.limits.maximumRooms = 1_000_000
let server = Task { try await SignalingServer(configuration: configuration).run { p in port.withLock { $0 = p } } }
while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
let serverPort = port.withLock { $0! }

final class Results: Sendable {
    let latencies = Mutex<[Int64]>([])
    let joined = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
}

/// One peer: joins `room`; the sender waits for the other peer, then sends `count` stamped messages.
func peer(room: String, sender: Bool, count: Int, results: Results, start: ContinuousClock.Instant) async {
    var logger = Logger(label: "bench")
    logger.logLevel = .critical
    do {
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(serverPort)/ws", logger: logger) { inbound, outbound, _ in
            try await outbound.write(.text(SignalingMessage.join(room: room, name: sender ? "a" : "b").encoded))
            var received = 0, sent = false
            for try await frame in inbound.messages(maxSize: 1 << 16) {
                guard case let .text(text) = frame, let m = try? SignalingMessage.decode(text) else { continue }
                if m.type == .peers, !sent {
                    results.joined.add(1, ordering: .relaxed)
                    if sender, (m.peers?.count ?? 0) == 1 {
                        sent = true
                        // Everyone starts sending once all rooms are full, so the load is all there.
                        try await Task.sleep(until: start, clock: clock)
                        for _ in 0..<count {
                            try await outbound.write(.text(SignalingMessage.candidate(to: nil, "\(nowMicros())", mid: "0").encoded))
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        try await Task.sleep(for: .milliseconds(500))
                        return
                    }
                }
                if m.type == .candidate, let stamp = m.candidate.flatMap({ Int64($0) }) {
                    let latency = nowMicros() - stamp
                    results.latencies.withLock { $0.append(latency) }
                    received += 1
                    if received == count { return }
                }
            }
        }
    } catch {
        results.failures.add(1, ordering: .relaxed)
    }
}

for rooms in [100, 500, 1_000, 2_000] {
    let results = Results()
    let count = 20
    // Joining takes a while for thousands of sockets: start the traffic 2 s after the last join begins.
    let setupStart = clock.now
    await withTaskGroup(of: Void.self) { group in
        let start = clock.now + .seconds(2) + .milliseconds(rooms * 2)
        for i in 0..<rooms {
            let room = "bench-\(rooms)-\(i)"
            group.addTask { await peer(room: room, sender: false, count: count, results: results, start: start) }
            group.addTask { await peer(room: room, sender: true, count: count, results: results, start: start) }
            if i % 50 == 49 { try? await Task.sleep(for: .milliseconds(1)) }
        }
    }
    let setup = setupStart.duration(to: clock.now)
    var latencies = results.latencies.withLock { $0 }.sorted()
    if latencies.isEmpty { latencies = [0] }
    func pct(_ p: Double) -> Double { Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1000 }
    print(String(format: "{\"rooms\":%d,\"websockets\":%d,\"messages\":%d,\"relay_ms_p50\":%.2f,\"p99\":%.2f,\"max\":%.2f,\"failures\":%d,\"run_s\":%.1f}",
                 rooms, rooms * 2, latencies.count, pct(0.5), pct(0.99), Double(latencies.last!) / 1000, results.failures.load(ordering: .relaxed),
                 Double(setup.components.seconds) + Double(setup.components.attoseconds) / 1e18))
}
server.cancel()

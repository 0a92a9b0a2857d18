import Foundation
import ICE
import STUN
import TURN
import UDPTransport

// termcall-ice-bench: time from the start of gathering to a nominated pair on both sides, for two
// agents in one process on loopback (signalling is instant, as in aioice_pair_bench.py).
//   termcall-ice-bench host [RUNS]
//   termcall-ice-bench relay HOST:PORT USER PASSWORD [RUNS]     both sides relay-only through TURN
// Prints one JSON line: {"mode":..., "runs":N, "median_ms":..., "p90_ms":..., "failures":F}.

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first, mode == "host" || (mode == "relay" && arguments.count >= 4) else {
    FileHandle.standardError.write(Data("usage: termcall-ice-bench host [RUNS] | relay HOST:PORT USER PASSWORD [RUNS]\n".utf8))
    exit(2)
}
let runs = Int(arguments.last!) ?? 20
var configuration = IceConfiguration()
if mode == "relay" {
    let parts = arguments[1].split(separator: ":")
    guard parts.count == 2, let port = UInt16(parts[1]), let server = TransportAddress(host: String(parts[0]), port: port) else { exit(2) }
    configuration.turnServers = [TurnServer(address: server, username: arguments[2], password: arguments[3])]
    configuration.relayOnly = true
}
let loopback = [TransportAddress.IP("127.0.0.1")!]

func monotonicMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}

var times: [Double] = [], failures = 0
for _ in 0..<runs {
    let start = monotonicMilliseconds()
    let a = try IceTransport(agent: IceAgent(role: .controlling, configuration: configuration), addresses: loopback)
    let b = try IceTransport(agent: IceAgent(role: .controlled, configuration: configuration), addresses: loopback)
    a.setRemoteCredentials(b.agent.localCredentials)
    b.setRemoteCredentials(a.agent.localCredentials)
    var done = false
    while !done, monotonicMilliseconds() - start < 10_000 {
        for (me, other) in [(a, b), (b, a)] {
            for event in me.step(maximumWait: 0) {
                if case let .ice(.localCandidate(c)) = event { other.addRemoteCandidate(c) }
                if case .ice(.gatheringComplete) = event { other.remoteCandidatesComplete() }
            }
        }
        done = a.agent.selectedCandidates != nil && b.agent.selectedCandidates != nil
    }
    if done { times.append(monotonicMilliseconds() - start) } else { failures += 1 }
}
times.sort()
let median = times.isEmpty ? 0 : times[times.count / 2], p90 = times.isEmpty ? 0 : times[min(times.count - 1, times.count * 9 / 10)]
print(String(format: "{\"impl\":\"termcall\",\"mode\":\"%@\",\"runs\":%d,\"median_ms\":%.1f,\"p90_ms\":%.1f,\"failures\":%d}", mode, runs, median, p90, failures))

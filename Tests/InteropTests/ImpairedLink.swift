import Foundation
import Testing

/// Tests/Interop/impaired_link.py from Swift: two network namespaces joined only through an
/// impairing relay (loss, bursts, delay, jitter, a bandwidth cap, outages; deterministic by
/// seed). Peers run in them with `nsenter`, so real programs (termcall, aiortc, Chromium) meet the
/// impairment unchanged.
final class ImpairedLink {
    enum Side { case a, b }
    let relay: PeerProcess
    let namespaceA: String, namespaceB: String
    let addressA: String, addressB: String

    init(seed: Int = 1, _ options: [String: Double] = [:]) throws {
        let arguments = ["--seed", String(seed)] + options.sorted { $0.key < $1.key }.flatMap { ["--\($0.key)", String($0.value)] }
        relay = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/impaired_link.py"] + arguments)
        let ready = try #require(relay.readJSON(timeoutMilliseconds: 10_000), "the impaired link did not start: \(relay.errorLog)")
        namespaceA = try #require(ready["a"] as? String)
        namespaceB = try #require(ready["b"] as? String)
        addressA = try #require(ready["a_address"] as? String)
        addressB = try #require(ready["b_address"] as? String)
    }

    /// The relay removes its namespaces on close: let it finish.
    deinit {
        try? relay.send(["cmd": "close"])
        relay.waitForExit(milliseconds: 10_000)
    }

    /// A program on one side of the link.
    func spawn(on side: Side, _ executable: String, _ arguments: [String]) throws -> PeerProcess {
        try PeerProcess("/usr/bin/nsenter", ["--net=\(side == .a ? namespaceA : namespaceB)", executable] + arguments)
    }

    /// Changes the impairment (keys as the script's options: loss, burst, delay, jitter, reorder, rate, queue).
    func set(_ options: [String: Double]) throws {
        try relay.send(["cmd": "set"].merging(options.mapValues { $0 as Any }) { a, _ in a })
    }

    /// Drops everything both ways for `milliseconds`.
    func outage(milliseconds: Int) throws { try relay.send(["cmd": "outage", "ms": milliseconds]) }

    /// Moves side A to another address (its old one disappears): a change of network.
    func renumberA() throws { try relay.send(["cmd": "renumber"]) }

    /// Packets in, delivered and dropped, each way.
    func statistics() throws -> [String: Any] {
        try relay.send(["cmd": "stats"])
        var reply: [String: Any]?
        let deadline = Date().addingTimeInterval(5)
        while reply == nil, Date() < deadline { reply = relay.readJSON(timeoutMilliseconds: 1_000).flatMap { $0["event"] as? String == "stats" ? $0 : nil } }
        return reply ?? [:]
    }
}

import Foundation
import TestSupport
import Testing

/// Tests/Interop/nat_lab.py from Swift: two LAN hosts, each behind its own NAT router namespace
/// (nftables: cone, symmetric, UDP blocked, only TLS 443, or open), and a "public" namespace with
/// coturn (UDP and TCP 3478, TLS 443, a throw-away CA) where a test may start `termcall serve`.
/// Programs run inside with `spawn`, seeing the lab's hosts file (turn.termcall.test,
/// signal.termcall.test → the server). Everything goes when this is released.
final class NatLab {
    enum Host: String { case a, b, pub }
    let lab: PeerProcess
    let ready: [String: Any]
    let serverAddress: String, caFile: String, turnSecret: String
    private let prefixes: [String: [String]]

    init(a: String, b: String) throws {
        lab = try PeerProcess(InteropEnvironment.python, [InteropEnvironment.root + "/Tests/Interop/nat_lab.py", "--a", a, "--b", b])
        let line = try #require(lab.readJSON(timeoutMilliseconds: 30_000), "the NAT lab did not start: \(lab.errorLog)")
        guard line["event"] as? String == "ready" else { throw SpawnError(description: "NAT lab: \(line["message"] ?? line)") }
        ready = line
        serverAddress = try #require(line["server_address"] as? String)
        caFile = try #require(line["ca_file"] as? String)
        turnSecret = try #require(line["turn_secret"] as? String)
        prefixes = try #require(line["run"] as? [String: [String]])
    }

    /// The lab stops coturn, kills what is left in its namespaces and deletes its files: let it.
    deinit {
        try? lab.send(["cmd": "close"])
        lab.waitForExit(milliseconds: 15_000)
    }

    /// A program on one of the lab's hosts.
    func spawn(on host: Host, _ executable: String, _ arguments: [String]) throws -> PeerProcess {
        let prefix = try #require(prefixes[host.rawValue])
        return try PeerProcess("/usr/bin/env", prefix + [executable] + arguments)
    }

    /// Changes what a router lets through (cone, symmetric, udp-blocked, tls-only, open).
    func set(_ host: Host, mode: String) throws {
        try lab.send(["cmd": "set", "side": host.rawValue, "mode": mode])
        _ = lab.waitFor(milliseconds: 5_000) { $0["event"] as? String == "set" }
    }

    /// Packets each router dropped: unsolicited inbound, and by its firewall.
    func statistics() throws -> [String: Any] {
        try lab.send(["cmd": "stats"])
        return lab.waitFor(milliseconds: 5_000) { $0["event"] as? String == "stats" } ?? [:]
    }
}

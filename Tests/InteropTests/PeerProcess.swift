import Foundation

/// A real peer (aioice, coturn helpers) as a child process speaking JSON lines on stdin/stdout.
/// Reads wait on the pipe with poll(2); the bound is a failure guard, never the synchronisation.
final class PeerProcess {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffered: [UInt8] = []
    var stderrPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        stderrPath = NSTemporaryDirectory() + "termcall-peer-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    /// Waits (bounded) for the peer to exit by itself — for ones that tear a lab down on `close`.
    func waitForExit(milliseconds: Int) {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    /// End of input first (the peers tear down on it), then SIGTERM, then — after 3 s — SIGKILL:
    /// children inherit this test process's signal mask, with SIGTERM blocked, so a peer that
    /// ignores end of input (openssl s_server) would otherwise outlive the suite.
    deinit {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        waitForExit(milliseconds: 3_000)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    func send(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object)
        data.append(0x0A)
        // A peer that has exited is a test failure, not a crash of the whole test process.
        try input.fileHandleForWriting.write(contentsOf: data)
    }

    func sendText(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// The next line that is not JSON (a program's one-line status), or nil.
    func readTextLine(timeoutMilliseconds: Int32 = 15_000) -> String? {
        var found: String?
        _ = readJSON(timeoutMilliseconds: timeoutMilliseconds) { line in found = line; return true }
        return found
    }

    /// The next JSON line, or nil if none came within `timeoutMilliseconds` or the peer exited.
    /// `other` sees lines that are not JSON objects; returning true stops the wait.
    func readJSON(timeoutMilliseconds: Int32 = 15_000, other: ((String) -> Bool)? = nil) -> [String: Any]? {
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMilliseconds) * 1_000_000
        while true {
            if let newline = buffered.firstIndex(of: 0x0A) {
                let line = Array(buffered[..<newline])
                buffered.removeFirst(newline + 1)
                if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { return object }
                if let other, other(String(decoding: line, as: UTF8.self)) { return nil }
                continue
            }
            let now = DispatchTime.now().uptimeNanoseconds
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = now < deadline ? Int32((deadline - now) / 1_000_000) + 1 : 0
            guard poll(&pfd, 1, wait) > 0 else {
                if now >= deadline { return nil } // a zero timeout still looks once
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { return nil }
            buffered += chunk[..<n]
        }
    }

    /// The next line matching `match`, reading (and dropping) others, or nil at the deadline.
    func waitFor(milliseconds: Int, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
        while Date() < deadline {
            if let line = readJSON(timeoutMilliseconds: 100), match(line) { return line }
        }
        return nil
    }

    var errorLog: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// Interop tests run real peers, and only inside a network namespace with nothing but loopback
/// (scripts/test runs the suite in `unshare --net`), so no packet can leave the machine.
enum InteropEnvironment {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let python = root + "/.venv-interop/bin/python"
    static let peer = root + "/Tests/Interop/aioice_peer.py"
    static let coturn = root + "/Tests/Interop/coturn.sh"

    /// True when the only network interface is loopback and the interop tools are installed.
    static var available: Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        // /proc/net is per network namespace (/sys/class/net is not, unless remounted).
        let table = (try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) ?? ""
        let interfaces = table.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }
        return interfaces == ["lo"]
    }
}

/// Firefox gathers no candidates without a default route (INTEROP.md), and the suite's namespace
/// has only loopback: this adds `default dev lo src 127.0.0.1` for the life of the value, and
/// removes it after if it added it. The suite runs serially (`--no-parallel`), so no other test
/// sees it.
final class LoopbackDefaultRoute {
    private var added = false

    init() throws {
        guard !Self.present else { return }
        let status = Self.ip(["route", "add", "default", "dev", "lo", "src", "127.0.0.1"])
        added = Self.present
        guard added else { throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "could not add a default route on lo (ip exited \(status))"]) }
    }

    deinit {
        if added { _ = Self.ip(["route", "del", "default", "dev", "lo"]) }
    }

    static var present: Bool { ((try? String(contentsOfFile: "/proc/net/route", encoding: .utf8)) ?? "").split(separator: "\n").dropFirst().contains { $0.split(separator: "\t").dropFirst().first == "00000000" } }

    private static func ip(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Debian's firefox-esr is installed (scripts/install-interop).
let firefoxInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/firefox-esr")

/// What the interop suites ask of any JSON-lines peer (termcall, Firefox, webrtcbin, Pion).
extension PeerProcess {
    struct NoReply: Error, CustomStringConvertible {
        let description: String
    }

    /// Asks for a stats line ({"cmd":"stats"}) and returns it.
    func statistics(milliseconds: Int = 5_000) throws -> [String: Any] {
        try send(["cmd": "stats"])
        guard let line = waitFor(milliseconds: milliseconds, { $0["event"] as? String == "stats" }) else {
            throw NoReply(description: "no stats line: \(errorLog.suffix(600))")
        }
        return line
    }

    /// Relays this peer's next offer to `answerer` and the answer back; returns the lines the
    /// answerer printed before its answer. A description is {"type":...,"sdp":...}, or a bare
    /// {"sdp":...} from the browser drivers.
    @discardableResult
    func offer(to answerer: PeerProcess, milliseconds: Int = 30_000) throws -> [[String: Any]] {
        guard let offer = waitFor(milliseconds: milliseconds, { $0["sdp"] is String && ($0["type"] as? String ?? "offer") == "offer" }) else {
            throw NoReply(description: "no offer: \(errorLog.suffix(800))")
        }
        try answerer.send(["type": "offer", "sdp": offer["sdp"] as! String])
        var passed: [[String: Any]] = []
        guard let answer = answerer.waitFor(milliseconds: milliseconds, { line in
            if line["sdp"] is String { return true }
            passed.append(line)
            return false
        }) else { throw NoReply(description: "no answer: \(answerer.errorLog.suffix(800))") }
        try send(["type": "answer", "sdp": answer["sdp"] as! String])
        return passed
    }
}

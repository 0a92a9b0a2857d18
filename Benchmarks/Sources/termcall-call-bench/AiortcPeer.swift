import Foundation

/// aiortc_pc_peer.py as a child process: JSON lines on its stdin and stdout, read without blocking.
final class AiortcPeer {
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer: [UInt8] = []

    init(python: String, script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let fd = output.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func send(_ object: [String: Any]) {
        guard var data = try? JSONSerialization.data(withJSONObject: object) else { return }
        data.append(0x0A)
        input.fileHandleForWriting.write(data)
    }

    /// Lines that have arrived, without waiting.
    func poll() -> [[String: Any]] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(output.fileHandleForReading.fileDescriptor, &chunk, chunk.count)
            guard n > 0 else { break }
            buffer += chunk[..<n]
        }
        var lines: [[String: Any]] = []
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = Array(buffer[..<newline])
            buffer.removeFirst(newline + 1)
            if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { lines.append(object) }
        }
        return lines
    }

    /// The first line matching `match` within `limit` (polling every millisecond).
    func next(within limit: Duration, where match: ([String: Any]) -> Bool) -> [String: Any]? {
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < limit {
            if let line = poll().first(where: match) { return line }
            usleep(1_000)
        }
        return nil
    }

    func stop() {
        send(["cmd": "close"])
        process.terminate()
    }
}

import Foundation
import HummingbirdWSClient
import Logging
import STUN
import Signaling
import Synchronization
import TestSupport
import Testing
import UDPTransport

/// The real server (`termcall serve` on 127.0.0.1, port 0) with real WebSocket clients: rooms relay,
/// bad frames are answered to their sender only, and the page and health endpoints answer.
@Suite struct SignalingServerTests {
    /// `termcall serve --port 0` as a child process (in-process, its actor would share the two
    /// cooperative threads with the suite's blocking tests and starve), and the port it printed.
    /// `task` ends it: cancel it when done.
    static func startServer(roomSize: Int = 4, tls: (certificate: String, key: String)? = nil) async throws -> (port: Int, task: Task<Void, any Error>) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.termcall)
        process.arguments = ["serve", "--port", "0", "--room-size", String(roomSize)] + (tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens; read it on a thread of its own (a blocking read).
        let line: String = await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                while !bytes.contains(0x0A) {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    bytes += chunk
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
        guard let port = line.components(separatedBy: "127.0.0.1:").dropFirst().first.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            process.terminate()
            throw CancellationError()
        }
        let owner = ProcessOwner(process)
        let task = Task<Void, any Error> {
            await withTaskCancellationHandler { while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) } } onCancel: { owner.stop() }
        }
        return (port, task)
    }

    /// A scripted WebSocket client: sends `script` in order (waiting for `expect` replies after
    /// each), returns everything it received.
    final class Client: Sendable {
        let received = Mutex<[SignalingMessage]>([])
        let outbox: AsyncStream<String>
        let input: AsyncStream<String>.Continuation
        init() { (outbox, input) = AsyncStream<String>.makeStream() }

        func run(port: Int) async throws {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", configuration: .init(maxFrameSize: 1 << 20), logger: logger) { inbound, outbound, _ in
                let writer = Task { for await text in self.outbox { try await outbound.write(.text(text)) }; try await outbound.close(.normalClosure, reason: nil) }
                defer { writer.cancel() }
                for try await frame in inbound.messages(maxSize: 1 << 20) {
                    if case let .text(text) = frame, let m = try? SignalingMessage.decode(text) { self.received.withLock { $0.append(m) } }
                }
            }
        }

        func waitFor(_ match: (SignalingMessage) -> Bool) async -> SignalingMessage? {
            for _ in 0..<500 {
                if let m = received.withLock({ $0.first(where: match) }) { return m }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return nil
        }
    }

    @Test func roomsRelayAndBadFramesStayWithTheirSender() async throws {
        let (port, server) = try await Self.startServer()
        defer { server.cancel() }
        let alice = Client(), bob = Client()
        let aliceTask = Task { try await alice.run(port: port) }, bobTask = Task { try await bob.run(port: port) }
        defer { aliceTask.cancel(); bobTask.cancel() }
        alice.input.yield(SignalingMessage.join(room: "r1", name: "alice").encoded)
        #expect(await alice.waitFor { $0.type == .peers } != nil)
        bob.input.yield(SignalingMessage.join(room: "r1", name: "bob").encoded)
        let bobView = try #require(await bob.waitFor { $0.type == .peers })
        #expect(bobView.peers?.map(\.name) == ["alice"])
        // Junk and an oversized frame from bob: errors to bob, nothing to alice.
        bob.input.yield("this is not json")
        bob.input.yield(#"{"v":1,"type":"offer","sdp":"\#(String(repeating: "a", count: 70_000))"}"#)
        #expect(await bob.waitFor { $0.code == "bad-message" } != nil)
        #expect(await bob.waitFor { $0.code == "too-large" } != nil)
        // The room still works: bob's offer reaches alice, from bob's id.
        bob.input.yield(SignalingMessage.description(.offer, to: nil, sdp: "v=0 test").encoded)
        let offer = try #require(await alice.waitFor { $0.type == .offer })
        #expect(offer.sdp == "v=0 test" && offer.from == bobView.id)
        #expect(alice.received.withLock { $0.allSatisfy { $0.type != .error } })
        // Bye: alice hears it.
        bob.input.yield(SignalingMessage(.bye).encoded)
        #expect(await alice.waitFor { $0.type == .bye && $0.from == bobView.id } != nil)
    }

    @Test func theRoomLimitHolds() async throws {
        let (port, server) = try await Self.startServer(roomSize: 2)
        defer { server.cancel() }
        let clients = [Client(), Client(), Client()]
        let tasks = clients.map { c in Task { try await c.run(port: port) } }
        defer { tasks.forEach { $0.cancel() } }
        for (i, c) in clients.enumerated() {
            c.input.yield(SignalingMessage.join(room: "small", name: "n\(i)").encoded)
            _ = await c.waitFor { $0.type == .peers || $0.type == .error }
        }
        #expect(await clients[2].waitFor { $0.code == "room-full" } != nil)
        #expect(clients[0].received.withLock { $0.last?.peers?.count } == 1)
    }

    @Test func pageHealthAndFreshRooms() async throws {
        let (port, server) = try await Self.startServer()
        defer { server.cancel() }
        func get(_ path: String) async throws -> (Int, String, String?) { try HTTPGet.fetch(port: port, path: path) }
        let health = try await get("/healthz")
        #expect(health.0 == 200 && health.1.contains(#""status":"ok""#))
        let page = try await get("/some-room")
        #expect(page.0 == 200 && page.1.contains("/assets/app.js"))
        #expect(try await get("/assets/app.js").1.contains("perfect-negotiation"))
        #expect(try await get("/bad%20room").0 == 404)
        let fresh = try await get("/")
        #expect(fresh.0 == 303 && (fresh.2.map { SignalingMessage.isValidRoomName(String($0.split(separator: "/").last ?? "")) } ?? false), "\(fresh)")
    }
}

extension SignalingServerTests {
    /// The STUN binding responder on the server's port number answers with the client's address.
    @Test func stunOnTheSamePort() async throws {
        let (port, server) = try await Self.startServer()
        defer { server.cancel() }
        let socket = try UDPSocket(bindTo: TransportAddress(ip: TransportAddress.IP("127.0.0.1")!, port: 0))
        let request = StunMessage(method: .binding, messageClass: .request, transactionID: StunMessage.newTransactionID())
        var buffer = [UInt8](repeating: 0, count: 1_500)
        var reply: StunMessage?
        for _ in 0..<20 where reply == nil { // UDP: ask again if a datagram is lost
            socket.send(request.encode(fingerprint: true), to: TransportAddress(ip: TransportAddress.IP("127.0.0.1")!, port: UInt16(port)))
            var pfd = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 250) > 0, let (count, _) = socket.receive(into: &buffer) { reply = try? StunMessage.decode(Array(buffer[..<count])).message }
        }
        let answer = try #require(reply)
        #expect(answer.messageClass == .success && answer.transactionID == request.transactionID)
        #expect(answer.xorMappedAddress == socket.local)
    }

    /// A child process waited for on a thread of its own: waitpid on one of the two cooperative
    /// threads would starve the in-process server's actor that the child is talking to.
    static func runOffThePool(_ path: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runProcess(path, arguments) }) }.start()
        }
    }

    /// With --tls-cert/--tls-key the same server speaks HTTPS (checked with curl, trusting the
    /// certificate made here).
    @Test func tlsWithACertificate() async throws {
        let dir = NSTemporaryDirectory() + "termcall-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try runProcess("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                                                       "-subj", "/CN=127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        #expect(made.status == 0, "\(made.stderr)")
        let (port, server) = try await Self.startServer(tls: (dir + "/cert.pem", dir + "/key.pem"))
        defer { server.cancel() }
        let fetched = try await Self.runOffThePool("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "10", "--cacert", dir + "/cert.pem",
                                                       "https://127.0.0.1:\(port)/healthz"])
        #expect(fetched.status == 0 && fetched.stdout.contains(#""status":"ok""#), "\(fetched)")
        // Plain HTTP on the TLS port gets nothing.
        let plain = try await Self.runOffThePool("/usr/bin/curl", ["--silent", "--max-time", "5", "http://127.0.0.1:\(port)/healthz"])
        #expect(!plain.stdout.contains("status"))
    }
}

/// A plain HTTP/1.1 GET over a socket (no redirects followed): status, body, Location.
enum HTTPGet {
    static func fetch(port: Int, path: String) throws -> (Int, String, String?) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            response += chunk[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? "", body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let location = lines.first { $0.lowercased().hasPrefix("location:") }.map { String($0.dropFirst(9)).trimmingCharacters(in: .whitespaces) }
        return (status, body, location)
    }
}

/// Terminates the server child when its test is done.
final class ProcessOwner: Sendable {
    private let process: Mutex<Process>
    init(_ process: sending Process) { self.process = Mutex(process) }
    func stop() { process.withLock { if $0.isRunning { $0.terminate() } } }
}

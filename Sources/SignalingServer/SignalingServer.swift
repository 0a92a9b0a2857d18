import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import Signaling

/// `termcall serve`: rooms over WebSocket (`/ws/ROOM`), the browser page (`/ROOM`, from
/// assets/web), a fresh unguessable room at `/`, `/healthz`, and a STUN binding responder on the
/// same port number over UDP. One process; the rooms live in `SignalingHub`.
public struct SignalingServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8_080
        public var tlsCertificate: String?
        public var tlsKey: String?
        public var turnSecret: String?
        /// How long minted TURN credentials work: long enough for a long meeting (a relayed call
        /// refreshes its allocation with them), short enough that a leaked one soon expires.
        public var turnCredentialLifetime = 4 * 3600
        public var turnURLs: [String] = []
        public var limits = RoomDirectory.Limits()
        /// Where index.html, app.js and app.css are (nil: found next to the sources or installed).
        public var webRoot: String?
        public init() {}
    }

    public let configuration: Configuration
    public init(configuration: Configuration) { self.configuration = configuration }

    /// Serves until SIGINT/SIGTERM. `ready` gets the bound port (the configured one, or the one
    /// the kernel chose for port 0) once the server listens.
    public func run(ready: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let logger = {
            var logger = Logger(label: "termcall.serve")
            logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return logger
        }()
        let turn = configuration.turnSecret.map { SignalingHub.TurnSettings(secret: $0, urls: configuration.turnURLs, lifetime: configuration.turnCredentialLifetime) }
        let hub = SignalingHub(limits: configuration.limits, turn: turn, logger: logger)
        let web = try WebAssets(root: configuration.webRoot)
        let maximumMessage = configuration.limits.maximumMessageBytes
        let stun = try StunResponderThread(host: configuration.host, port: configuration.port, logger: logger)

        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/healthz") { _, _ -> Response in
            let h = await hub.health
            let body = #"{"status":"ok","rooms":\#(h.rooms),"connections":\#(h.connections),"rejected":\#(h.rejected)}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/") { _, _ in Response.redirect(to: "/" + RoomName.random()) }
        router.get("/assets/:file") { _, context -> Response in
            guard let name = context.parameters.get("file"), let file = web.file(name) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
        router.get("/:room") { _, context -> Response in
            guard let room = context.parameters.get("room"), SignalingMessage.isValidRoomName(room), let page = web.file("index.html") else {
                return Response(status: .notFound)
            }
            return Response(status: .ok, headers: [.contentType: page.type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(bytes: page.bytes)))
        }
        router.ws("/ws") { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
            // The STUN URL as this client reached us (the Host header, our port).
            let host = context.request.head.authority.map { String($0.split(separator: ":").first ?? "") } ?? ""
            let stunURL = host.isEmpty ? nil : "stun:\(host):\(stun.port)"
            let (id, frames) = await hub.connect()
            let writer = Task {
                for await message in frames { try? await outbound.write(.text(message.encoded)) }
            }
            defer { writer.cancel() }
            do {
                for try await message in inbound.messages(maxSize: maximumMessage * 2) {
                    switch message {
                    case let .text(text): await hub.received(RoomDirectory.parse(text, limit: maximumMessage), from: id, stunURL: stunURL)
                    case .binary: await hub.received(.malformed(.notJSON), from: id, stunURL: stunURL)
                    }
                }
            } catch {
                // An oversized frame or a broken connection ends only this client.
                context.logger.notice("connection ended", metadata: ["connection": "\(id)", "error": "\(error)"])
            }
            await hub.disconnected(id)
        }

        var wsConfiguration = WebSocketServerConfiguration()
        wsConfiguration.maxFrameSize = maximumMessage * 2
        wsConfiguration.autoPing = .enabled(timePeriod: .seconds(20))
        var server = HTTPServerBuilder.http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(ws: wsConfiguration))
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(server, tlsConfiguration: tls)
        }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: stun.port), serverName: "termcall"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? stun.port
                logger.info("listening", metadata: ["url": "\(configuration.tlsCertificate == nil ? "http" : "https")://\(configuration.host):\(port)/", "stun": "udp \(stun.port)"])
                ready(port)
            },
            logger: logger)
        stun.start()
        defer { stun.stop() }
        try await app.runService()
    }
}

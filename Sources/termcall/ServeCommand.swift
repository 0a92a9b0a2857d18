import ArgumentParser
import ICE
import Foundation
import Signaling
import SignalingServer

/// `termcall serve`: the signalling server, with rooms and the browser page.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the signalling server: rooms over WebSocket, the browser page, STUN.",
        discussion: """
        Open http://HOST:PORT/ for a new room with an unguessable name; share its address. Terminals join \
        with `termcall call ROOM --server ws://HOST:PORT`. /healthz reports rooms and connections. A STUN \
        binding responder answers on the same port number over UDP.
        """
    )

    @Option(name: .long, help: "Address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "TCP port for HTTP/WebSocket, and UDP port for STUN (0: any free port).")
    var port = 8_080

    @Option(name: .long, help: ArgumentHelp("TLS certificate chain (PEM), for https/wss.", valueName: "FILE"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("TLS private key (PEM).", valueName: "FILE"))
    var tlsKey: String?

    @Option(name: .long, help: ArgumentHelp("Shared secret of a TURN server (coturn use-auth-secret): clients get time-limited credentials.", valueName: "SECRET"))
    var turnSecret: String?

    @Option(name: .long, help: ArgumentHelp("TURN server URL handed to clients, e.g. turn:turn.example.org:3478, 'turn:turn.example.org:3478?transport=tcp', turns:turn.example.org:443 (repeatable).", valueName: "URL"))
    var turnUrl: [String] = []

    @Option(name: .long, help: ArgumentHelp("How long the TURN credentials handed to each client work (a relayed call longer than this loses its relay).", valueName: "SECONDS"))
    var turnTtl = 4 * 3600

    @Option(name: .long, help: "Most people in one room.")
    var roomSize = 4

    @Option(name: .long, help: ArgumentHelp("Directory with index.html, app.js, verify.js and app.css (default: assets/web).", valueName: "DIR"))
    var webRoot: String?

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (turnSecret == nil) || !turnUrl.isEmpty else { throw ValidationError("--turn-secret needs --turn-url (where clients reach the TURN server)") }
        for url in turnUrl {
            // What clients are handed must be a TURN URL they can use (browsers refuse the whole list otherwise).
            let parsed: IceServerURL
            do throws(IceServerURL.ParseError) { parsed = try IceServerURL(url) } catch { throw ValidationError(error.description) }
            guard parsed.scheme == .turn || parsed.scheme == .turns else { throw ValidationError("--turn-url takes turn: or turns: URLs, not \(url)") }
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port is 0...65535") }
        guard (2...16).contains(roomSize) else { throw ValidationError("--room-size is 2...16") }
        guard (60...7 * 86_400).contains(turnTtl) else { throw ValidationError("--turn-ttl is 60 s to 7 days") }
    }

    func run() async throws {
        var configuration = SignalingServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.tlsCertificate = tlsCert
        configuration.tlsKey = tlsKey
        configuration.turnSecret = turnSecret
        configuration.turnURLs = turnUrl
        configuration.turnCredentialLifetime = turnTtl
        configuration.limits.roomSize = roomSize
        configuration.webRoot = webRoot
        let scheme = tlsCert == nil ? "http" : "https"
        let shownHost = host
        do {
            try await SignalingServer(configuration: configuration).run { port in
                // One line on stdout a script (or a test) can wait for.
                let line = "termcall serve: listening on \(scheme)://\(shownHost):\(port)/ (a new room: \(scheme)://\(shownHost):\(port)/\(RoomName.random()))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("termcall serve: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

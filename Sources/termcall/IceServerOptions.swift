import ArgumentParser
import Foundation
import ICE
import UDPTransport

/// The STUN and TURN servers a call may use besides the ones a signalling server hands out: from
/// the command line, then from settings.json (`iceServers`, RTCIceServer shape). Without any, two
/// people behind NATs who paste lines to each other could not connect.
struct IceServerOptions: ParsableArguments {
    @Option(name: .customLong("ice-server"), help: ArgumentHelp(
        "A STUN or TURN server: stun:HOST[:PORT], turn:HOST[:PORT][?transport=tcp], turns:HOST[:PORT] (TLS). Repeatable.",
        valueName: "URL"))
    var urls: [String] = []

    @Option(name: .long, help: ArgumentHelp("Username for the --ice-server TURN servers.", valueName: "NAME"))
    var turnUser: String?

    @Option(name: .long, help: ArgumentHelp("Password for the --ice-server TURN servers (or TERMCALL_TURN_PASSWORD, which ps does not show).", valueName: "SECRET"))
    var turnPassword: String?

    func validate() throws {
        for url in urls {
            do throws(IceServerURL.ParseError) { _ = try IceServerURL(url) } catch { throw ValidationError(error.description) }
        }
    }

    /// The command line's servers first, then the saved ones.
    func servers(settings: Settings? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> [IceServer] {
        var out: [IceServer] = []
        if !urls.isEmpty { out.append(IceServer(urls: urls, username: turnUser, credential: turnPassword ?? environment["TERMCALL_TURN_PASSWORD"])) }
        return out + (settings?.iceServers ?? [])
    }

    /// Resolves the servers — the user's, or the ones a signalling server handed out — into
    /// `configuration` (names looked up before the call starts) and says on stderr what had to be
    /// skipped.
    /// `caFile` is for TURN servers over TLS, these and the ones a signalling server hands out later.
    static func apply(_ servers: [IceServer], caFile: String?, to configuration: inout IceConfiguration) {
        if configuration.turnCAFile == nil { configuration.turnCAFile = caFile }
        guard !servers.isEmpty else { return }
        let result = IceServerResolver.resolve(servers)
        IceServerResolver.apply(result, to: &configuration)
        for problem in result.problems { FileHandle.standardError.write(Data("termcall: \(problem)\n".utf8)) }
    }
}

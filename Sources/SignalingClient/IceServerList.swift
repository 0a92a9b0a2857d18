import ICE
import Signaling
import UDPTransport

/// The STUN and TURN servers a signalling server hands out (RTCIceServer shape), as entries for
/// `IceServerResolver`, which merges them with the user's own (`--ice-server`, the config file).
public enum IceServerList {
    public static func entries(_ servers: [SignalingMessage.IceServer]) -> [IceServer] {
        servers.map { IceServer(urls: $0.urls, username: $0.username, credential: $0.credential) }
    }

    /// Resolves `servers` and adds them to `configuration`; returns one line per URL skipped.
    @discardableResult
    public static func apply(_ servers: [SignalingMessage.IceServer], to configuration: inout IceConfiguration) -> [String] {
        let result = IceServerResolver.resolve(entries(servers))
        IceServerResolver.apply(result, to: &configuration)
        return result.problems
    }
}

import Call
import Signaling
import SignalingClient

/// Joining a room on `termcall serve`: the one path the headless CLI, the lobby and the call
/// screen share. The join comes first, so the call uses the STUN and TURN servers the server
/// hands out; then the call is made and carried by a `RoomCall`.
enum RoomJoin {
    /// Joins `room` and makes the call, or says in one line why not.
    static func join(server: String, room: String, name: String, access: SignalingAccess,
                     configuration: CallConfiguration) -> Result<RoomCall, RoomJoinFailure> {
        guard SignalingMessage.isValidRoomName(room) else { return .failure(RoomJoinFailure("room names are letters, digits, - and _")) }
        let signalling: SignalingConnection
        do { signalling = try SignalingConnection(server: server, room: room, name: name, access: access) } catch {
            return .failure(RoomJoinFailure("\(error)"))
        }
        let (peers, events) = signalling.waitUntilJoined()
        guard let peers else {
            signalling.close()
            let reason = SignalingConnection.joinFailure(in: events) ?? "no answer within 10 s"
            return .failure(RoomJoinFailure("could not join \(room) on \(server): \(reason)"))
        }
        var configuration = configuration
        IceServerOptions.apply(peers.iceServers ?? [], caFile: access.caFile, to: &configuration.iceConfiguration)
        do {
            return .success(RoomCall(call: try Call(configuration: configuration), connection: signalling, received: events))
        } catch {
            signalling.close()
            return .failure(RoomJoinFailure("\(error)"))
        }
    }
}

/// Why a room could not be joined, as the one line the user sees.
struct RoomJoinFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

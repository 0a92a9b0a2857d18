import Foundation

/// What a terminal needs beyond the address to join a room: the room's passphrase and, for a
/// `wss://` server whose certificate comes from your own CA, that CA. From options or the
/// environment (`TERMCALL_ROOM_PASSPHRASE`, `TERMCALL_CA_FILE`), so a passphrase need not sit on
/// a command line where `ps` shows it.
public struct SignalingAccess: Sendable, Equatable {
    public var passphrase: String?
    public var caFile: String?

    public init(passphrase: String? = nil, caFile: String? = nil) {
        self.passphrase = passphrase
        self.caFile = caFile
    }

    /// Options first, then the environment. A passphrase file's first line is the passphrase.
    public static func resolve(passphraseFile: String?, caFile: String?, environment: [String: String]) throws -> SignalingAccess {
        var access = SignalingAccess(passphrase: environment["TERMCALL_ROOM_PASSPHRASE"], caFile: caFile ?? environment["TERMCALL_CA_FILE"])
        if let passphraseFile {
            guard let text = try? String(contentsOfFile: passphraseFile, encoding: .utf8) else {
                throw SignalingConnection.TrustError(description: "cannot read the passphrase file \(passphraseFile)")
            }
            access.passphrase = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        if access.passphrase?.isEmpty == true { access.passphrase = nil }
        return access
    }
}

extension SignalingConnection {
    public convenience init(server: String, room: String, name: String, access: SignalingAccess) throws(TrustError) {
        try self.init(server: server, room: room, name: name, passphrase: access.passphrase, caFile: access.caFile)
    }
}

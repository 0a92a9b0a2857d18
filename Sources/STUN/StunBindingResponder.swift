/// Answers STUN Binding requests with the sender's reflexive address (RFC 8489 §6.3): what a STUN
/// server does, for `termcall serve`. Stateless; malformed requests get no answer, requests with
/// comprehension-required attributes it does not know get 420 (§6.3.1.1).
public struct StunBindingResponder: Sendable {
    public var software: String

    public init(software: String = "termcall") { self.software = software }

    public func response(to bytes: [UInt8], from source: TransportAddress) -> [UInt8]? {
        guard let decoded = try? StunMessage.decode(bytes) else { return nil }
        let request = decoded.message
        guard request.method == .binding, request.messageClass == .request else { return nil }
        let unknown = request.attributes.compactMap { a -> UInt16? in
            if case let .unknown(type, _) = a, a.isComprehensionRequired { return type }
            return nil
        }
        if !unknown.isEmpty {
            return StunMessage(method: .binding, messageClass: .error, transactionID: request.transactionID,
                               attributes: [.errorCode(420, "Unknown Attribute"), .unknownAttributes(unknown), .software(software)])
                .encode(fingerprint: true)
        }
        return StunMessage(method: .binding, messageClass: .success, transactionID: request.transactionID,
                           attributes: [.xorMappedAddress(source), .software(software)])
            .encode(fingerprint: true)
    }
}

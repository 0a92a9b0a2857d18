/// Retransmission in a separate stream (RFC 4588 §4): the RTX packet has its own SSRC, payload type
/// and sequence numbers, and its payload is the original sequence number (OSN) followed by the
/// original payload. Timestamp, marker, CSRCs and header extensions are the original's.
public enum RtxPayload {
    /// Builds the RTX packet for `original`. Padding is not carried over.
    public static func wrap(_ original: RtpPacket, rtxSsrc: UInt32, rtxPayloadType: UInt8,
                            rtxSequenceNumber: UInt16) -> RtpPacket {
        var packet = original
        packet.ssrc = rtxSsrc
        packet.payloadType = rtxPayloadType
        packet.sequenceNumber = rtxSequenceNumber
        packet.paddingLength = 0
        packet.payload = [UInt8(truncatingIfNeeded: original.sequenceNumber >> 8), UInt8(truncatingIfNeeded: original.sequenceNumber)]
            + original.payload
        return packet
    }

    /// Recovers the original packet; the caller supplies the SSRC and payload type the RTX stream
    /// is associated with (`a=fmtp:<rtx pt> apt=<pt>`, §8.6). Throws `.tooShort` for payloads
    /// without an OSN, such as padding-only probes.
    public static func unwrap(_ rtx: RtpPacket, originalSsrc: UInt32,
                              originalPayloadType: UInt8) throws(RtpParseError) -> RtpPacket {
        guard rtx.payload.count >= 2 else { throw .tooShort }
        var packet = rtx
        packet.ssrc = originalSsrc
        packet.payloadType = originalPayloadType
        packet.sequenceNumber = UInt16(rtx.payload[0]) << 8 | UInt16(rtx.payload[1])
        packet.paddingLength = 0
        packet.payload = Array(rtx.payload[2...])
        return packet
    }
}

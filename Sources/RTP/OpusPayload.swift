/// Opus over RTP (RFC 7587): the payload is exactly one Opus packet, so there is nothing to
/// packetize; what remains are the clock and the SDP constants.
public enum OpusRtp {
    /// §4.1: the RTP clock is 48 kHz whatever the encoder's internal rate.
    public static let clockRate: UInt32 = 48_000
    /// §7: always declared as two channels; the decoder follows the stream.
    public static let channels = 2
    /// Timestamp advance for one 20 ms packet (termcall's frame size).
    public static let timestampIncrementPer20Milliseconds: UInt32 = 960
    /// `a=rtpmap:<pt> opus/48000/2` (§7).
    public static let rtpmap = "opus/48000/2"
    /// `a=fmtp` parameters termcall offers: 10 ms minimum packet time, in-band FEC on (§7).
    public static let formatParameters = "minptime=10;useinbandfec=1"

    /// Timestamp advance for a packet of `milliseconds` of audio (48 ticks per ms).
    public static func timestampIncrement(milliseconds: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: milliseconds &* 48)
    }
}

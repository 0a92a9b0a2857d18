import MediaCore
import RTP
import Testing

@Suite struct Vp8Tests {
    @Test func nonExtendedDescriptorIsOneByte() throws {
        let parsed = try Vp8PayloadDescriptor.parse([0x10, 0xAB])
        #expect(parsed.length == 1)
        #expect(parsed.descriptor == Vp8PayloadDescriptor(startOfPartition: true))
        #expect(parsed.descriptor.startsFrame)
        #expect(parsed.descriptor.serialized() == [0x10])
    }

    @Test func extendedDescriptorWithFifteenBitPictureId() throws {
        // RFC 7741 §4.2: X=1, S=1 | I=1 | M=1 and PictureID 0x1234 over two bytes.
        let bytes: [UInt8] = [0x90, 0x80, 0x92, 0x34]
        let parsed = try Vp8PayloadDescriptor.parse(bytes + [0x00])
        #expect(parsed.length == 4)
        #expect(parsed.descriptor.pictureId == .long(0x1234))
        #expect(parsed.descriptor.pictureId?.value == 0x1234)
        #expect(parsed.descriptor.serialized() == bytes)
    }

    @Test func everyOptionalField() throws {
        // X=1 N=1 S=0 PID=3 | I L T K | M=0 PictureID 0x55 | TL0PICIDX 7 | TID=2 Y=1 KEYIDX=5
        let bytes: [UInt8] = [0xA3, 0xF0, 0x55, 0x07, 0xA5]
        let parsed = try Vp8PayloadDescriptor.parse(bytes)
        let expected = Vp8PayloadDescriptor(nonReferenceFrame: true, startOfPartition: false, partitionIndex: 3, pictureId: .short(0x55),
                                            tl0PictureIndex: 7, temporalLayerIndex: 2, layerSync: true, keyIndex: 5)
        #expect(parsed.descriptor == expected)
        #expect(parsed.length == 5)
        #expect(expected.serialized() == bytes)
    }

    @Test func truncatedDescriptorsThrow() {
        for bytes: [UInt8] in [[], [0x80], [0x90, 0x80], [0x90, 0x80, 0x80], [0x90, 0x40], [0x90, 0x10]] {
            #expect(throws: RtpParseError.tooShort) { try Vp8PayloadDescriptor.parse(bytes) }
        }
    }

    static func frame(size: Int, keyframe: Bool, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        var frame = (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
        frame[0] = keyframe ? 0x10 : 0x11   // P bit: 0 for a key frame
        return frame
    }

    static func packets(_ payloads: [[UInt8]], firstSequence: UInt16, timestamp: UInt32) -> [RtpPacket] {
        payloads.enumerated().map { index, payload in
            RtpPacket(marker: index == payloads.count - 1, payloadType: 96, sequenceNumber: firstSequence &+ UInt16(index),
                      timestamp: timestamp, ssrc: 0x5555, payload: payload)
        }
    }

    @Test func aFrameIsPacketizedAndReassembled() throws {
        let frame = Self.frame(size: 5000, keyframe: true, seed: 1)
        var packetizer = Vp8Packetizer(maxPayloadSize: 1200, initialPictureId: 0x7FFF)
        let payloads = packetizer.packetize(frame)
        #expect(payloads.count == 5)
        #expect(payloads.allSatisfy { $0.count <= 1200 })
        #expect(payloads.map { $0[0] & 0x10 } == [0x10, 0, 0, 0, 0])
        for payload in payloads {
            #expect(try Vp8PayloadDescriptor.parse(payload).descriptor.pictureId == .long(0x7FFF))
        }
        #expect(Vp8Payload.isKeyframe(payloads[0]))
        #expect(!Vp8Payload.isKeyframe(payloads[1]))
        #expect(packetizer.nextPictureId == 0)   // 15 bits wrap

        var depacketizer = Vp8Depacketizer()
        var events: [Vp8DepacketizerEvent] = []
        for packet in Self.packets(payloads, firstSequence: 65_533, timestamp: 90_000) { events += depacketizer.push(packet) }
        #expect(events == [.frame(Vp8Frame(data: frame, rtpTimestamp: 90_000, pictureId: 0x7FFF, isKeyframe: true, followsLoss: false))])
    }

    @Test func aLostPacketDropsTheFrameAndFlagsTheNext() throws {
        var packetizer = Vp8Packetizer(maxPayloadSize: 1200)
        let first = Self.frame(size: 5000, keyframe: true, seed: 2)
        let second = Self.frame(size: 3000, keyframe: false, seed: 3)
        var packets = Self.packets(packetizer.packetize(first), firstSequence: 100, timestamp: 3000)
        packets.remove(at: 2)
        let secondPackets = Self.packets(packetizer.packetize(second), firstSequence: 105, timestamp: 6000)

        var depacketizer = Vp8Depacketizer()
        var events: [Vp8DepacketizerEvent] = []
        for packet in packets + secondPackets { events += depacketizer.push(packet) }
        #expect(events == [
            .incompleteFrame(rtpTimestamp: 3000, pictureId: 0),
            .frame(Vp8Frame(data: second, rtpTimestamp: 6000, pictureId: 1, isKeyframe: false, followsLoss: true)),
        ])
    }

    @Test func aMissingStartIsReportedOnce() {
        var packetizer = Vp8Packetizer(maxPayloadSize: 500)
        let packets = Self.packets(packetizer.packetize(Self.frame(size: 2000, keyframe: false, seed: 4)), firstSequence: 7, timestamp: 1)
        var depacketizer = Vp8Depacketizer()
        var events: [Vp8DepacketizerEvent] = []
        for packet in packets.dropFirst() { events += depacketizer.push(packet) }
        #expect(events == [.incompleteFrame(rtpTimestamp: 1, pictureId: 0)])
    }

    @Test func aFrameStartEndsAFrameWithoutMarker() {
        var packetizer = Vp8Packetizer()
        let one = Self.frame(size: 100, keyframe: true, seed: 5), two = Self.frame(size: 100, keyframe: false, seed: 6)
        var packets = Self.packets(packetizer.packetize(one), firstSequence: 1, timestamp: 10)
            + Self.packets(packetizer.packetize(two), firstSequence: 2, timestamp: 20)
        packets[0].marker = false
        var depacketizer = Vp8Depacketizer()
        let events = packets.flatMap { depacketizer.push($0) }
        #expect(events == [
            .frame(Vp8Frame(data: one, rtpTimestamp: 10, pictureId: 0, isKeyframe: true, followsLoss: false)),
            .frame(Vp8Frame(data: two, rtpTimestamp: 20, pictureId: 1, isKeyframe: false, followsLoss: false)),
        ])
    }

    @Test func keyframeDetection() {
        #expect(Vp8Payload.frameIsKeyframe([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]))
        #expect(!Vp8Payload.frameIsKeyframe([0x11]))
        #expect(!Vp8Payload.frameIsKeyframe([]))
        #expect(Vp8Payload.isKeyframe([0x10, 0x50]))         // S=1 PID=0, P=0
        #expect(!Vp8Payload.isKeyframe([0x11, 0x50]))        // PID=1: not the frame's start
        #expect(!Vp8Payload.isKeyframe([0x00, 0x50]))        // S=0
        #expect(!Vp8Payload.isKeyframe([0x10, 0x51]))        // P=1: interframe
        #expect(!Vp8Payload.isKeyframe([0x10]))              // no payload header
    }

    @Test func smallFramesAndTinyLimits() {
        var packetizer = Vp8Packetizer(maxPayloadSize: 1)
        let none = packetizer.packetize([])
        #expect(none.isEmpty)
        let payloads = packetizer.packetize([1, 2, 3])
        #expect(payloads.count == 3)
        #expect(payloads.allSatisfy { $0.count == Vp8Packetizer.descriptorLength + 1 })
    }
}

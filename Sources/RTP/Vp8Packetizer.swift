/// Splits encoded VP8 frames into RTP payloads (RFC 7741 §4.2, §4.4). Every payload carries a
/// descriptor with a 15-bit picture id that advances per frame, so a receiver can tell which
/// frame a lost packet belonged to; S=1 and PID=0 mark the first payload of a frame. Partitions are
/// not tracked (all payloads say PID 0), which §4.4 allows.
public struct Vp8Packetizer: Sendable, Equatable {
    /// The descriptor written on each payload: X, I, M and two picture id bytes.
    public static let descriptorLength = 4

    /// Largest RTP payload to produce, descriptor included; kept between descriptor + 1 and the
    /// largest UDP payload.
    public let maxPayloadSize: Int
    /// The id the next frame gets; wraps at 15 bits.
    public private(set) var nextPictureId: UInt16

    public init(maxPayloadSize: Int = 1200, initialPictureId: UInt16 = 0) {
        self.maxPayloadSize = min(max(maxPayloadSize, Self.descriptorLength + 1), 65_507)
        self.nextPictureId = initialPictureId & 0x7FFF
    }

    /// RTP payloads for one frame, in order; the caller sets the marker bit on the last (RFC 7741
    /// §4.1) and gives them all the frame's timestamp. Sizes differ by at most one byte, so no
    /// tiny tail packet is sent. An empty frame yields nothing and uses no picture id.
    public mutating func packetize(_ frame: [UInt8]) -> [[UInt8]] {
        guard !frame.isEmpty else { return [] }
        let pictureId = nextPictureId
        nextPictureId = (nextPictureId &+ 1) & 0x7FFF
        let capacity = maxPayloadSize - Self.descriptorLength
        let packetCount = (frame.count + capacity - 1) / capacity
        let baseSize = frame.count / packetCount, larger = frame.count % packetCount
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(packetCount)
        var offset = 0
        for index in 0..<packetCount {
            let size = baseSize + (index < larger ? 1 : 0)
            let descriptor = Vp8PayloadDescriptor(startOfPartition: index == 0, partitionIndex: 0, pictureId: .long(pictureId))
            payloads.append(descriptor.serialized() + frame[offset..<(offset + size)])
            offset += size
        }
        return payloads
    }
}

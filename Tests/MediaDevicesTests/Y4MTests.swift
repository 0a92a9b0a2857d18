import MediaCore
@testable import MediaDevices
import Testing

/// Feeds a byte array to a Y4MReader in chunks of `chunk` bytes, like a file read would.
func memoryReader(_ bytes: [UInt8], chunk: Int = 7) -> Y4MReader.ReadBytes {
    var offset = 0
    return { (count: Int) throws(DeviceError) -> [UInt8] in
        let n = min(count, chunk, bytes.count - offset)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
}

func y4m(header: String, frames: [[UInt8]], marker: String = "FRAME") -> [UInt8] {
    var bytes = Array((header + "\n").utf8)
    for f in frames { bytes += Array((marker + "\n").utf8) + f }
    return bytes
}

@Suite struct Y4MTests {
    @Test func parsesAFullHeader() throws {
        let h = try Y4MHeader.parse(Array("YUV4MPEG2 W640 H480 F30000:1001 Ip A1:1 C420jpeg XYSCSS=420JPEG".utf8))
        #expect(h.width == 640 && h.height == 480)
        #expect(abs(h.framesPerSecond - 29.97) < 0.01)
        #expect(h.chroma == .c420jpeg)
        #expect(h.frameByteCount == 460_800)
    }

    @Test func defaultsToThirtyFpsAnd420() throws {
        let h = try Y4MHeader.parse(Array("YUV4MPEG2 W2 H2".utf8))
        #expect(h.framesPerSecond == 30 && h.chroma == .c420jpeg && h.range == .limited)
        #expect(try Y4MHeader.parse(Array("YUV4MPEG2 W2 H2 XCOLORRANGE=FULL".utf8)).range == .full)
    }

    @Test(arguments: [
        ("P6 640 480", Y4MError.notY4M),
        ("YUV4MPEG2 H480", .missingDimensions),
        ("YUV4MPEG2 W0 H480", .badDimensions(0, 480)),
        ("YUV4MPEG2 W99999 H480", .badDimensions(99999, 480)),
        ("YUV4MPEG2 Wx H480", .badField("Wx")),
        ("YUV4MPEG2 W4 H4 F30:0", .badField("F30:0")),
        // A frame every 53 billion years: its second frame's timestamp would not fit (found by fuzzing).
        ("YUV4MPEG2 W1 H2 F1:1666666666666666666", .badField("F1:1666666666666666666")),
        ("YUV4MPEG2 W4 H4 C420p10", .unsupportedChroma("420p10")),
        ("YUV4MPEG2 W4 H4 It", .unsupportedInterlace("t")),
    ])
    func refusesMalformedHeaders(line: String, expected: Y4MError) {
        #expect(throws: expected) { try Y4MHeader.parse(Array(line.utf8)) }
    }

    @Test func readsFramesAndStopsCleanly() throws {
        let f0 = [UInt8](repeating: 50, count: 16) + [UInt8](repeating: 100, count: 4) + [UInt8](repeating: 150, count: 4)
        let f1 = [UInt8](repeating: 60, count: 16) + [UInt8](repeating: 110, count: 4) + [UInt8](repeating: 160, count: 4)
        var reader = try Y4MReader(readBytes: memoryReader(y4m(header: "YUV4MPEG2 W4 H4 F25:1", frames: [f0, f1], marker: "FRAME Ixyz")))
        let a = try #require(try reader.nextFrame())
        let b = try #require(try reader.nextFrame())
        #expect(try reader.nextFrame() == nil)
        #expect(a.y == [UInt8](repeating: 50, count: 16) && a.u == [100, 100, 100, 100] && a.v == [150, 150, 150, 150])
        #expect(b.sequence == 1 && b.timestampMicros == 40_000)
    }

    @Test func convertsMono422And444ToI420() throws {
        let luma = [UInt8](0..<16)
        var mono = try Y4MReader(readBytes: memoryReader(y4m(header: "YUV4MPEG2 W4 H4 Cmono", frames: [luma])))
        #expect(try mono.nextFrame()?.u == [128, 128, 128, 128])

        // 4:2:2 — chroma 2x4; rows 0/1 average to 15, rows 2/3 to 35.
        let u422: [UInt8] = [10, 10, 20, 20, 30, 30, 40, 40]
        var c422 = try Y4MReader(readBytes: memoryReader(y4m(header: "YUV4MPEG2 W4 H4 C422", frames: [luma + u422 + u422])))
        #expect(try c422.nextFrame()?.u == [15, 15, 35, 35])

        // 4:4:4 — each 2x2 block averaged.
        let u444: [UInt8] = [0, 4, 8, 8, 4, 0, 8, 8, 100, 100, 200, 200, 100, 100, 200, 200]
        var c444 = try Y4MReader(readBytes: memoryReader(y4m(header: "YUV4MPEG2 W4 H4 C444", frames: [luma + u444 + u444])))
        #expect(try c444.nextFrame()?.v == [2, 8, 100, 200])
    }

    @Test func reportsATruncatedFrameWithItsNumber() throws {
        let f = [UInt8](repeating: 1, count: 24)
        var bytes = y4m(header: "YUV4MPEG2 W4 H4", frames: [f, f])
        bytes.removeLast(5)
        var reader = try Y4MReader(readBytes: memoryReader(bytes))
        _ = try reader.nextFrame()
        #expect(throws: DeviceError.badFile(path: "", reason: Y4MError.truncatedFrame(frame: 1, expected: 24, got: 19).description)) {
            try reader.nextFrame()
        }
    }

    @Test func reportsAMissingFrameMarker() throws {
        var reader = try Y4MReader(readBytes: memoryReader(y4m(header: "YUV4MPEG2 W4 H4", frames: [[UInt8](repeating: 1, count: 24)], marker: "FRAMX")))
        #expect(throws: DeviceError.badFile(path: "", reason: Y4MError.badFrameMarker(frame: 0).description)) {
            try reader.nextFrame()
        }
    }

    /// Property: any byte string either yields well-formed frames or a DeviceError — never a trap,
    /// never an oversized allocation.
    @Test func survivesArbitraryBytes() {
        var rng = SplitMix64(seed: 0x7E57)
        let seeds: [[UInt8]] = [Array("YUV4MPEG2 W4 H4 F30:1\nFRAME\n".utf8), Array("YUV4MPEG2 ".utf8), []]
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            let extra = Int(rng.next() % 96)
            for _ in 0..<extra { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            if round % 5 == 0, !bytes.isEmpty { bytes[Int(rng.next() % UInt64(bytes.count))] = 0x0A }
            do {
                var reader = try Y4MReader(readBytes: memoryReader(bytes, chunk: 1 + Int(rng.next() % 13)))
                #expect(reader.header.width <= Y4MHeader.maxDimension)
                var frames = 0
                while let frame = try reader.nextFrame() {
                    #expect(frame.y.count == frame.width * frame.height)
                    frames += 1
                }
                #expect(frames <= bytes.count)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}

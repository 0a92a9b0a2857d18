import Codecs
import MediaCore
import Testing

@Suite struct Vp8CodecTests {
    /// A moving gradient: enough detail to make the encoder work, simple to compare.
    func frame(_ n: Int, width: Int = 320, height: Int = 240) -> VideoFrame {
        var f = VideoFrame(width: width, height: height)
        for row in 0..<height { for col in 0..<width { f.y[row * width + col] = UInt8(truncatingIfNeeded: (col + row + n * 4) / 2) } }
        return f
    }

    @Test func framesSurviveEncodingAndDecoding() throws {
        let encoder = try Vp8Encoder(width: 320, height: 240), decoder = try Vp8Decoder()
        var decoded: [VideoFrame] = [], keyframes = 0
        for n in 0..<30 {
            for encoded in try encoder.encode(frame(n)) {
                if encoded.isKeyframe { keyframes += 1 }
                decoded += try decoder.decode(encoded.data)
            }
        }
        #expect(decoded.count == 30 && keyframes == 1) // one keyframe, then only when asked
        let last = try #require(decoded.last), source = frame(29)
        #expect(last.width == 320 && last.height == 240)
        let error = zip(last.y, source.y).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(source.y.count)
        #expect(error < 4, "mean luma error \(error)")
        encoder.requestKeyframe()
        #expect(try encoder.encode(frame(30)).first?.isKeyframe == true)
    }

    /// Rate control counts real time, not frames: fed at 15 frames a second (a slow camera, or
    /// a sender skipping every other frame), the encoder still spends its whole target, and a
    /// frame timestamped 1/30 s later costs half as much again.
    @Test func theTargetIsMetAtTheFrameRateFramesCome() throws {
        for (interval, frames) in [(UInt32(6_000), 150), (3_000, 300)] {
            let encoder = try Vp8Encoder(width: 320, height: 240, bitrateKbps: 160)
            var bytes = 0
            for n in 0..<frames { bytes += try encoder.encode(frame(n * Int(interval) / 3_000), at: UInt32(n) * interval).reduce(0) { $0 + $1.data.count } }
            let kbps = Double(bytes * 8) / 10 / 1_000
            #expect(abs(kbps - 160) < 0.15 * 160, "\(kbps) kbit/s at \(90_000 / Int(interval)) frames a second")
        }
    }

    @Test func garbageIsAnErrorNotACrash() throws {
        let decoder = try Vp8Decoder()
        #expect(throws: CodecError.self) { try decoder.decode([0x00, 0x01, 0x02, 0xFF, 0xFF, 0xFF, 0x00]) }
    }
}

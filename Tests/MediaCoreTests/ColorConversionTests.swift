import MediaCore
import Testing

@Suite struct ColorConversionTests {
    @Test func limitedRangeBlackAndWhiteMapToTheEnds() {
        #expect(ColorConversion.rgb(y: 16, u: 128, v: 128, range: .limited) == (0, 0, 0))
        #expect(ColorConversion.rgb(y: 235, u: 128, v: 128, range: .limited) == (255, 255, 255))
        #expect(ColorConversion.rgb(y: 0, u: 128, v: 128, range: .full) == (0, 0, 0))
        #expect(ColorConversion.rgb(y: 255, u: 128, v: 128, range: .full) == (255, 255, 255))
    }

    @Test(arguments: [(255, 0, 0), (0, 255, 0), (0, 0, 255), (200, 120, 40), (17, 99, 201), (128, 128, 128)])
    func rgbSurvivesARoundTripThroughYUV(r: Int, g: Int, b: Int) {
        let yuv = ColorConversion.yuv(r: r, g: g, b: b)
        let back = ColorConversion.rgb(y: Int(yuv.y), u: Int(yuv.u), v: Int(yuv.v), range: .limited)
        #expect(abs(Int(back.r) - r) <= 3 && abs(Int(back.g) - g) <= 3 && abs(Int(back.b) - b) <= 3)
    }

    @Test func framesRejectPlanesOfTheWrongSize() {
        #expect(VideoFrame(width: 4, height: 4, y: [UInt8](repeating: 0, count: 16), u: [0, 0, 0, 0], v: [0, 0, 0, 0]) != nil)
        #expect(VideoFrame(width: 4, height: 4, y: [UInt8](repeating: 0, count: 15), u: [0, 0, 0, 0], v: [0, 0, 0, 0]) == nil)
        #expect(VideoFrame(width: 3, height: 3, y: [UInt8](repeating: 0, count: 9), u: [0, 0, 0, 0], v: [0, 0, 0, 0]) != nil)
        #expect(VideoFrame.byteCount(width: 640, height: 480) == 460_800)
    }
}

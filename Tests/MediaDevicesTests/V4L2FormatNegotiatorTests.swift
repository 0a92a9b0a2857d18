import MediaDevices
import Testing

@Suite struct V4L2FormatNegotiatorTests {
    let yuyv = FourCC.yuyv, mjpg = FourCC.mjpeg
    let vga = CaptureRequest(width: 640, height: 480, fps: 30)

    /// A typical UVC webcam: YUYV reaches 30 fps only up to 640x480; MJPEG does 30 fps at 1280x720.
    var webcam: [CameraFormat] {
        [CameraFormat(fourcc: yuyv, name: "YUYV 4:2:2", sizes: [.discrete(640, 480, fps: [30, 15]), .discrete(1280, 720, fps: [10, 5])]),
         CameraFormat(fourcc: mjpg, name: "Motion-JPEG", sizes: [.discrete(640, 480, fps: [30]), .discrete(1280, 720, fps: [30])])]
    }

    @Test func exactMatchPrefersRawOverCompressed() {
        #expect(V4L2FormatNegotiator.choose(from: webcam, for: vga) == CaptureChoice(fourcc: yuyv, width: 640, height: 480, fps: 30))
    }

    @Test func highResolutionAtFullRateNeedsMJPEG() {
        let hd = CaptureRequest(width: 1280, height: 720, fps: 30)
        #expect(V4L2FormatNegotiator.choose(from: webcam, for: hd) == CaptureChoice(fourcc: mjpg, width: 1280, height: 720, fps: 30))
    }

    @Test func lowerRateRequestTakesTheSmallestSufficientRate() {
        let slow = CaptureRequest(width: 640, height: 480, fps: 12)
        #expect(V4L2FormatNegotiator.choose(from: webcam, for: slow)?.fps == 15)
    }

    @Test func emulatedFormatsAreIgnoredWhenNativeOnesExist() {
        let formats = webcam + [CameraFormat(fourcc: FourCC.yu12, name: "Planar YUV 4:2:0", emulated: true,
                                             sizes: [.discrete(640, 480, fps: [30])])]
        #expect(V4L2FormatNegotiator.choose(from: formats, for: vga)?.fourcc == yuyv)
    }

    @Test func prefersLargerOverSmallerWhenNoExactSize() {
        let formats = [CameraFormat(fourcc: yuyv, name: "YUYV", sizes: [.discrete(320, 240, fps: [30]), .discrete(800, 600, fps: [30])])]
        #expect(V4L2FormatNegotiator.choose(from: formats, for: vga).map { ($0.width, $0.height) } ?? (0, 0) == (800, 600))
    }

    @Test func stepwiseSizesSnapToTheStep() {
        let formats = [CameraFormat(fourcc: yuyv, name: "YUYV", sizes: [
            CameraFrameSize(minWidth: 48, maxWidth: 1920, stepWidth: 16, minHeight: 32, maxHeight: 1080, stepHeight: 8, frameRates: [])])]
        let choice = V4L2FormatNegotiator.choose(from: formats, for: CaptureRequest(width: 650, height: 485, fps: 25))
        #expect(choice == CaptureChoice(fourcc: yuyv, width: 656, height: 488, fps: 25))
        let tiny = V4L2FormatNegotiator.choose(from: formats, for: CaptureRequest(width: 8, height: 8, fps: 25))
        #expect(tiny?.width == 48 && tiny?.height == 32)
    }

    @Test func aCameraWithoutSizesGivesNoChoice() {
        #expect(V4L2FormatNegotiator.choose(from: [], for: vga) == nil)
        #expect(V4L2FormatNegotiator.choose(from: [CameraFormat(fourcc: yuyv, name: "YUYV", sizes: [])], for: vga) == nil)
    }

    @Test func fourccRoundTrips() {
        #expect(FourCC.string(FourCC.code("MJPG")) == "MJPG")
        #expect(FourCC.yuyv == 0x5659_5559)
    }
}

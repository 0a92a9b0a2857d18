import MediaCore
@testable import MediaDevices
import Testing

@Suite struct TestPatternTests {
    @Test(arguments: [(640, 480), (320, 240), (1280, 720), (160, 120)])
    func stampReadsBackFrameNumberAndTime(width: Int, height: Int) {
        let generator = TestPatternGenerator(width: width, height: height, fps: 30)
        for n: UInt64 in [0, 1, 29, 30, 12345, 999_999] {
            let frame = generator.frame(number: n)
            let stamp = TestPatternStamp.read(from: frame)
            #expect(stamp == TestPatternStamp(frameNumber: UInt32(n), millis: UInt32(n * 1000 / 30)))
        }
    }

    @Test func stampSurvivesNoiseAndBlur() {
        var frame = TestPatternGenerator(width: 640, height: 480, fps: 30).frame(number: 4242)
        var rng = SplitMix64(seed: 9)
        for i in frame.y.indices { frame.y[i] = UInt8(clamping: Int(frame.y[i]) + Int(rng.next() % 61) - 30) }
        // Box blur a copy horizontally (3 taps), as a lossy codec would soften block edges.
        let w = frame.width
        var blurred = frame
        for row in 0..<frame.height {
            for col in 1..<(w - 1) {
                blurred.y[row * w + col] = UInt8((Int(frame.y[row * w + col - 1]) + Int(frame.y[row * w + col]) + Int(frame.y[row * w + col + 1])) / 3)
            }
        }
        #expect(TestPatternStamp.read(from: blurred)?.frameNumber == 4242)
    }

    /// Every size the CLI accepts draws without trapping, even when the barcode cannot fit.
    @Test(arguments: [(16, 16), (32, 24), (48, 48), (640, 16), (4096, 240), (17, 31)])
    func tinyAndExtremeSizesDraw(width: Int, height: Int) {
        let frame = TestPatternGenerator(width: width, height: height, fps: 30).frame(number: 3)
        #expect(frame.y.count == width * height)
    }

    @Test func aDamagedStampIsRejectedNotMisread() {
        var frame = TestPatternGenerator(width: 640, height: 480, fps: 30).frame(number: 7)
        let block = TestPatternStamp.blockSize(forWidth: 640), origin = TestPatternStamp.margin(forWidth: 640)
        // Flip the last bit of the frame-number row only.
        let x0 = origin + 31 * block, y0 = origin
        let flipped: UInt8 = frame.y[(y0 + block / 2) * 640 + x0 + block / 2] > 128 ? 16 : 235
        for y in y0..<(y0 + block) { for x in x0..<(x0 + block) { frame.y[y * 640 + x] = flipped } }
        #expect(TestPatternStamp.read(from: frame) == nil)
        #expect(TestPatternStamp.read(from: VideoFrame(width: 64, height: 8)) == nil)
    }

    @Test func framesMoveAndAreDeterministic() {
        let generator = TestPatternGenerator(width: 320, height: 240, fps: 30)
        let a = generator.frame(number: 10), b = generator.frame(number: 11)
        #expect(a == generator.frame(number: 10))
        let changed = zip(a.y, b.y).filter { $0 != $1 }.count
        #expect(changed > a.y.count / 4) // the background scrolls: most of the picture changes
        #expect(b.timestampMicros - a.timestampMicros == 33_333)
    }

    @Test func unpacedSourceCountsFrames() throws {
        let source = TestPatternSource(generator: TestPatternGenerator(width: 64, height: 48, fps: 15), paced: false)
        let frames = try (0..<3).map { _ in try source.readFrame() }
        #expect(frames.map(\.sequence) == [0, 1, 2])
        #expect(source.label == "test pattern 64x48@15")
    }

    @Test func sourceSpecParsesTheCameraArgument() {
        #expect(VideoSourceSpec.parse("test") == .testPattern(width: 640, height: 480, fps: 30))
        #expect(VideoSourceSpec.parse("clip.Y4M") == .y4mFile(path: "clip.Y4M", loop: true))
        #expect(VideoSourceSpec.parse("/dev/video2", width: 320, height: 240, fps: 15) == .camera(path: "/dev/video2", width: 320, height: 240, fps: 15))
        #expect(throws: DeviceError.self) { try VideoSourceSpec.testPattern(width: 8, height: 8, fps: 30).open() }
    }

    @Test func liveFeedDeliversTheNewestFrameAndStops() throws {
        let feed = try LiveVideoFeed.start(.testPattern(width: 64, height: 48, fps: 240))
        var pfd = pollfd(fd: feed.wakeDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 5000) == 1)
        let frame = try #require(try feed.take())
        #expect(frame.width == 64)
        feed.stop()
    }

    @Test func liveFeedReportsOpenErrorsBeforeStarting() {
        #expect(throws: DeviceError.notFound(device: "/dev/termcall-no-such-video")) {
            try LiveVideoFeed.start(.camera(path: "/dev/termcall-no-such-video", width: 640, height: 480, fps: 30))
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

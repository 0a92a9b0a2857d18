import Testing
import VideoPipeline

/// The picture size the estimate and the viewer's screen allow.
@Suite struct VideoSendScaleTests {
    @Test func thePictureFollowsTheEstimateAndTheViewersScreen() {
        var scale = VideoSendScale()
        #expect(scale.admit(frameSequence: 0, target: 600_000, sourceWidth: 640, sourceHeight: 480, now: 0) && scale.halvings == 0)
        // 100 kbit/s: 320x240 (about 92 kbit/s needed).
        _ = scale.admit(frameSequence: 1, target: 100_000, sourceWidth: 640, sourceHeight: 480, now: 10_000)
        #expect(scale.halvings == 1 && !scale.halfFrameRate)
        // Not back up at once, nor without a margin.
        _ = scale.admit(frameSequence: 2, target: 400_000, sourceWidth: 640, sourceHeight: 480, now: 12_000)
        #expect(scale.halvings == 1)
        _ = scale.admit(frameSequence: 3, target: 400_000, sourceWidth: 640, sourceHeight: 480, now: 16_000)
        #expect(scale.halvings == 1) // 400k < 1.3 × 368k
        _ = scale.admit(frameSequence: 4, target: 500_000, sourceWidth: 640, sourceHeight: 480, now: 16_000)
        #expect(scale.halvings == 0)
        // Very little: the smallest size at half the frame rate.
        var starved = VideoSendScale()
        let sent = (0..<10).filter { starved.admit(frameSequence: UInt64($0), target: 10_000, sourceWidth: 640, sourceHeight: 480, now: 0) }.count
        #expect(starved.halvings == 2 && starved.halfFrameRate && sent == 5)
        // A terminal viewer 160 pixels wide needs no more than 160x120, however fast the path.
        var terminal = VideoSendScale()
        terminal.viewWidth = 160
        _ = terminal.admit(frameSequence: 0, target: 2_000_000, sourceWidth: 640, sourceHeight: 480, now: 0)
        #expect(terminal.halvings == 2)
    }
}

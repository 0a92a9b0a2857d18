import MediaCore

/// The test pattern as a live source: frame `n` is released at `n / fps` seconds after the first read.
public final class TestPatternSource: VideoSource {
    public let generator: TestPatternGenerator
    private var pacer: FramePacer?
    private var next: UInt64 = 0
    private var isClosed = false

    /// `paced: false` returns frames as fast as they are asked for (tests, benchmarks).
    public init(generator: TestPatternGenerator, paced: Bool = true) {
        self.generator = generator
        pacer = paced ? FramePacer(fps: Double(generator.fps)) : nil
    }

    public var label: String { "test pattern \(generator.width)x\(generator.height)@\(generator.fps)" }

    public func readFrame() throws(DeviceError) -> VideoFrame {
        guard !isClosed else { throw .closed(device: "test pattern") }
        pacer?.waitForFrame(next)
        defer { next += 1 }
        return generator.frame(number: next)
    }

    public func close() { isClosed = true }
}

/// Releases frames on a fixed schedule against the monotonic clock; a slow consumer skips ahead
/// instead of accumulating a backlog. This is the I/O edge: only live sources use it.
struct FramePacer {
    let interval: Duration
    private var start: ContinuousClock.Instant?

    init(fps: Double) { interval = .nanoseconds(Int64(1e9 / max(fps, 0.001))) }

    mutating func waitForFrame(_ index: UInt64) {
        let clock = ContinuousClock()
        let origin: ContinuousClock.Instant
        if let start { origin = start } else { origin = clock.now; start = origin }
        let due = origin.advanced(by: interval * Int(index))
        let wait = clock.now.duration(to: due)
        if wait > .zero { sleepFor(wait) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

func sleepFor(_ duration: Duration) {
    let (seconds, attos) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attos / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}

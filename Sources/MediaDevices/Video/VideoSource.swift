import MediaCore

/// Something that yields video frames at its own pace: a camera, the test pattern, a Y4M file.
///
/// A source is owned by exactly one thread (the capture thread of `LiveVideoFeed`), so it is
/// deliberately not `Sendable`; its description travels between threads as a `VideoSourceSpec`.
public protocol VideoSource: AnyObject {
    /// What the user picked, for status lines ("test pattern 640x480@30").
    var label: String { get }
    /// Blocks until the next frame is due or captured.
    func readFrame() throws(DeviceError) -> VideoFrame
    /// Releases the device; further reads fail.
    func close()
}

/// Which source to open, chosen on the command line: `test`, a `.y4m` file, or a V4L2 device path.
public enum VideoSourceSpec: Sendable, Equatable {
    case testPattern(width: Int, height: Int, fps: Int)
    case y4mFile(path: String, loop: Bool)
    case camera(path: String, width: Int, height: Int, fps: Int)

    /// Parses the `--camera` argument: `test`, a path ending in `.y4m`, or anything else as a device.
    public static func parse(_ argument: String, width: Int = 640, height: Int = 480, fps: Int = 30) -> VideoSourceSpec {
        if argument == "test" || argument == "pattern" { return .testPattern(width: width, height: height, fps: fps) }
        if argument.lowercased().hasSuffix(".y4m") { return .y4mFile(path: argument, loop: true) }
        return .camera(path: argument, width: width, height: height, fps: fps)
    }

    /// Opens the source on the calling thread.
    public func open() throws(DeviceError) -> any VideoSource {
        switch self {
        case let .testPattern(width, height, fps):
            guard width >= 16, height >= 16, width <= 4096, height <= 4096, fps >= 1, fps <= 240 else {
                throw DeviceError.invalidRequest("test pattern size \(width)x\(height)@\(fps) is out of range — use 16...4096 pixels and 1...240 fps")
            }
            return TestPatternSource(generator: TestPatternGenerator(width: width, height: height, fps: fps))
        case let .y4mFile(path, loop):
            return try Y4MFileSource(path: path, loop: loop)
        case let .camera(path, width, height, fps):
            return try V4L2Camera(path: path, request: CaptureRequest(width: width, height: height, fps: Double(fps)))
        }
    }
}

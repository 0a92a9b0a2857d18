#if canImport(Glibc)
import Glibc
#endif
import MediaCore

/// Plays a `.y4m` file at its own frame rate, looping at the end when asked to.
public final class Y4MFileSource: VideoSource {
    public let path: String
    public let loop: Bool
    private var fd: Int32
    private var reader: Y4MReader
    private var pacer: FramePacer?
    private var played: UInt64 = 0

    /// `paced: false` returns frames as fast as they are asked for (tests, benchmarks).
    public init(path: String, loop: Bool, paced: Bool = true) throws(DeviceError) {
        self.path = path
        self.loop = loop
        fd = try Self.openFile(path)
        do {
            reader = try Y4MReader(readBytes: Self.reader(fd: fd, path: path))
        } catch {
            Glibc.close(fd)
            throw error.naming(path)
        }
        pacer = paced ? FramePacer(fps: reader.header.framesPerSecond) : nil
    }

    public var header: Y4MHeader { reader.header }
    public var label: String { "\(path) \(reader.header.width)x\(reader.header.height)" }

    public func readFrame() throws(DeviceError) -> VideoFrame {
        guard fd >= 0 else { throw .closed(device: path) }
        pacer?.waitForFrame(played)
        var frame: VideoFrame
        do throws(DeviceError) {
            if let next = try reader.nextFrame() {
                frame = next
            } else {
                guard loop, reader.framesRead > 0 else { throw DeviceError.badFile(path: path, reason: Y4MError.empty.description) }
                guard lseek(fd, 0, SEEK_SET) == 0 else { throw DeviceError.io(device: path, operation: "rewind", errno: errno) }
                reader = try Y4MReader(readBytes: Self.reader(fd: fd, path: path))
                guard let first = try reader.nextFrame() else { throw DeviceError.badFile(path: path, reason: Y4MError.empty.description) }
                frame = first
            }
        } catch {
            throw error.naming(path)
        }
        frame.sequence = played
        frame.timestampMicros = Int64(Double(played) * 1_000_000 / reader.header.framesPerSecond)
        played += 1
        return frame
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }

    private static func openFile(_ path: String) throws(DeviceError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw .badFile(path: path, reason: "no such file")
            case EACCES: throw .badFile(path: path, reason: "permission denied")
            default: throw .badFile(path: path, reason: errnoText(code))
            }
        }
        return fd
    }

    private static func reader(fd: Int32, path: String) -> Y4MReader.ReadBytes {
        { (count: Int) throws(DeviceError) -> [UInt8] in
            var buffer = [UInt8](repeating: 0, count: count)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
                if n >= 0 { buffer.removeSubrange(n...); return buffer }
                if errno != EINTR { throw DeviceError.badFile(path: path, reason: errnoText(errno)) }
            }
        }
    }
}

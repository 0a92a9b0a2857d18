#if canImport(Glibc)
import Glibc
#endif
import CV4L2
import MediaCore

/// Live capture from a V4L2 camera: negotiates a mode, asks libv4l2 for I420 (it converts from
/// YUYV, MJPEG and friends), streams through memory-mapped buffers and timestamps each frame.
public final class V4L2Camera: VideoSource {
    public let path: String
    public let card: String
    public let choice: CaptureChoice
    /// Size and line pitch libv4l2 actually delivers.
    public private(set) var width = 0
    public private(set) var height = 0
    private var bytesPerLine = 0
    private let device: V4L2Device
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var sequence: UInt64 = 0
    private var streaming = false
    /// Corrupt or short buffers in a row; a camera that sends only those is reported, not waited on.
    private var badFramesInARow = 0
    static let badFrameLimit = 60

    /// How long a read waits for the camera before reporting it stalled.
    public var stallTimeoutMillis: Int32 = 3000

    public init(path: String, request: CaptureRequest) throws(DeviceError) {
        self.path = path
        device = try V4L2Device(path: path)
        let caps = try device.capabilities()
        guard caps.canCapture, caps.canStream else { throw .notACaptureDevice(device: path, driver: caps.driver) }
        card = caps.card
        let formats = device.formats()
        guard let choice = V4L2FormatNegotiator.choose(from: formats, for: request) else {
            throw .unsupportedFormat(device: path, detail: formats.isEmpty ? "it lists no formats" : "no frame sizes")
        }
        self.choice = choice
        try configure(choice)
        try startStreaming()
    }

    deinit { close() }

    /// The rate the camera reports after negotiation (it may differ from the one asked for).
    public private(set) var frameRate: Double = 0

    public var label: String { "\(card) (\(path)) \(width)x\(height)@\(Int(frameRate.rounded()))" }

    private func configure(_ choice: CaptureChoice) throws(DeviceError) {
        var format = v4l2_format()
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        // Even sizes only: I420 chroma of odd sizes is laid out differently by different converters.
        format.fmt.pix.width = UInt32(max(2, choice.width & ~1))
        format.fmt.pix.height = UInt32(max(2, choice.height & ~1))
        format.fmt.pix.pixelformat = TC_PIX_FMT_YUV420
        format.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        let code = device.ioctl(TC_VIDIOC_S_FMT, &format)
        if code == EBUSY { throw .busy(device: path) }
        if code != 0 { throw .io(device: path, operation: "S_FMT", errno: code) }
        guard format.fmt.pix.pixelformat == TC_PIX_FMT_YUV420 else {
            throw .unsupportedFormat(device: path, detail: "libv4l2 cannot convert \(FourCC.string(format.fmt.pix.pixelformat)) to I420")
        }
        width = Int(format.fmt.pix.width)
        height = Int(format.fmt.pix.height)
        bytesPerLine = max(width, Int(format.fmt.pix.bytesperline))
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
            throw .unsupportedFormat(device: path, detail: "frame size \(width)x\(height)")
        }

        var parm = v4l2_streamparm()
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        if device.ioctl(TC_VIDIOC_G_PARM, &parm) == 0, parm.parm.capture.capability & TC_CAP_TIMEPERFRAME != 0 {
            parm.parm.capture.timeperframe = v4l2_fract(numerator: 1000, denominator: UInt32((choice.fps * 1000).rounded()))
            device.ioctl(TC_VIDIOC_S_PARM, &parm) // best effort: the camera may keep its own rate
        }
        var actual = v4l2_streamparm()
        actual.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        if device.ioctl(TC_VIDIOC_G_PARM, &actual) == 0, actual.parm.capture.timeperframe.numerator > 0 {
            let t = actual.parm.capture.timeperframe
            frameRate = Double(t.denominator) / Double(t.numerator)
        } else {
            frameRate = choice.fps
        }
    }

    private func startStreaming() throws(DeviceError) {
        var request = v4l2_requestbuffers()
        request.count = 4
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        let code = device.ioctl(TC_VIDIOC_REQBUFS, &request)
        if code == EBUSY { throw .busy(device: path) }
        if code != 0 { throw .io(device: path, operation: "REQBUFS", errno: code) }
        guard request.count >= 2 else { throw .unsupportedFormat(device: path, detail: "only \(request.count) capture buffer") }
        for index in 0..<request.count {
            var buffer = makeBuffer(index: index)
            let q = device.ioctl(TC_VIDIOC_QUERYBUF, &buffer)
            if q != 0 { throw .io(device: path, operation: "QUERYBUF", errno: q) }
            let length = Int(buffer.length)
            buffers.append((try device.map(length: length, offset: buffer.m.offset), length))
            let e = device.ioctl(TC_VIDIOC_QBUF, &buffer)
            if e != 0 { throw .io(device: path, operation: "QBUF", errno: e) }
        }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        let on = device.ioctl(TC_VIDIOC_STREAMON, &type)
        if on == EBUSY { throw .busy(device: path) }
        if on != 0 { throw .io(device: path, operation: "STREAMON", errno: on) }
        streaming = true
    }

    private func makeBuffer(index: UInt32) -> v4l2_buffer {
        var buffer = v4l2_buffer()
        buffer.index = index
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        return buffer
    }

    public func readFrame() throws(DeviceError) -> VideoFrame {
        guard device.fd >= 0, streaming else { throw .closed(device: path) }
        while true {
            var pfd = pollfd(fd: device.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, stallTimeoutMillis)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .io(device: path, operation: "poll", errno: errno)
            }
            if ready == 0 { throw .stalled(device: path) }
            if pfd.revents & Int16(POLLERR | POLLHUP) != 0 && pfd.revents & Int16(POLLIN) == 0 {
                throw .io(device: path, operation: "poll", errno: ENODEV)
            }
            var buffer = makeBuffer(index: 0)
            let code = device.ioctl(TC_VIDIOC_DQBUF, &buffer)
            if code == EAGAIN { continue }
            if code != 0 { throw .io(device: path, operation: "DQBUF", errno: code) }
            defer { _ = device.ioctl(TC_VIDIOC_QBUF, &buffer) }
            if buffer.flags & TC_BUF_FLAG_ERROR != 0 { try countBadFrame(); continue } // corrupted: wait for the next
            let slot = buffers[Int(buffer.index)]
            let micros = Int64(buffer.timestamp.tv_sec) * 1_000_000 + Int64(buffer.timestamp.tv_usec)
            let frame = copyFrame(from: UnsafeRawBufferPointer(start: slot.pointer, count: min(slot.length, Int(buffer.bytesused))),
                                  timestampMicros: micros)
            guard let frame else { try countBadFrame(); continue } // short buffer: drop it, as a driver glitch
            badFramesInARow = 0
            sequence += 1
            return frame
        }
    }

    private func countBadFrame() throws(DeviceError) {
        badFramesInARow += 1
        if badFramesInARow >= Self.badFrameLimit {
            throw .unsupportedFormat(device: path, detail: "\(badFramesInARow) corrupt or short frames in a row")
        }
    }

    /// Copies an I420 buffer with line pitch `bytesPerLine` (chroma pitch half of it) into a packed frame.
    private func copyFrame(from raw: UnsafeRawBufferPointer, timestampMicros: Int64) -> VideoFrame? {
        let cw = (width + 1) / 2, ch = (height + 1) / 2, chromaPitch = bytesPerLine / 2
        let needed = bytesPerLine * height + 2 * chromaPitch * ch
        guard raw.count >= needed || (bytesPerLine == width && raw.count >= VideoFrame.byteCount(width: width, height: height)) else { return nil }
        var frame = VideoFrame(width: width, height: height, timestampMicros: timestampMicros, sequence: sequence)
        let bytes = raw.bindMemory(to: UInt8.self)
        func copyPlane(_ dst: inout [UInt8], from offset: Int, pitch: Int, w: Int, h: Int) {
            dst.withUnsafeMutableBufferPointer { out in
                for row in 0..<h {
                    let src = offset + row * pitch
                    for col in 0..<w { out[row * w + col] = bytes[src + col] }
                }
            }
        }
        let chromaPitchUsed = bytesPerLine == width ? cw : chromaPitch
        copyPlane(&frame.y, from: 0, pitch: bytesPerLine, w: width, h: height)
        let uOffset = bytesPerLine * height
        copyPlane(&frame.u, from: uOffset, pitch: chromaPitchUsed, w: cw, h: ch)
        copyPlane(&frame.v, from: uOffset + chromaPitchUsed * ch, pitch: chromaPitchUsed, w: cw, h: ch)
        return frame
    }

    public func close() {
        guard device.fd >= 0 else { return }
        if streaming {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            device.ioctl(TC_VIDIOC_STREAMOFF, &type)
            streaming = false
        }
        for b in buffers { device.unmap(b.pointer, length: b.length) }
        buffers.removeAll()
        var release = v4l2_requestbuffers()
        release.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        release.memory = V4L2_MEMORY_MMAP.rawValue
        device.ioctl(TC_VIDIOC_REQBUFS, &release)
        device.close()
    }
}

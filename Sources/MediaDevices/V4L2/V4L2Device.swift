#if canImport(Glibc)
import Glibc
#endif
import CV4L2

/// An open V4L2 device file, through libv4l2 (so formats the camera lacks are converted for us).
/// The only place in termcall that calls libv4l2.
final class V4L2Device {
    let path: String
    private(set) var fd: Int32

    init(path: String) throws(DeviceError) {
        self.path = path
        let fd = tc_v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENODEV, ENXIO: throw .notFound(device: path)
            case EACCES, EPERM: throw .permissionDenied(device: path)
            case EBUSY: throw .busy(device: path)
            default: throw .io(device: path, operation: "open", errno: code)
            }
        }
        self.fd = fd
    }

    deinit { close() }

    func close() {
        if fd >= 0 { v4l2_close(fd) }
        fd = -1
    }

    /// ioctl through libv4l2, retried on EINTR. Returns errno on failure.
    @discardableResult
    func ioctl<T>(_ request: UInt, _ argument: inout T) -> Int32 {
        while true {
            let r = withUnsafeMutablePointer(to: &argument) { tc_v4l2_ioctl(fd, request, UnsafeMutableRawPointer($0)) }
            if r >= 0 { return 0 }
            if errno != EINTR { return errno }
        }
    }

    /// Maps a capture buffer (libv4l2 hands out its own conversion buffers when it converts).
    func map(length: Int, offset: UInt32) throws(DeviceError) -> UnsafeMutableRawPointer {
        guard let mapped = v4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(offset)),
              mapped != MAP_FAILED else { throw .io(device: path, operation: "mmap", errno: errno) }
        return mapped
    }

    func unmap(_ pointer: UnsafeMutableRawPointer, length: Int) { v4l2_munmap(pointer, length) }

    struct Capabilities {
        var driver: String
        var card: String
        var busInfo: String
        var canCapture: Bool
        var canStream: Bool
    }

    func capabilities() throws(DeviceError) -> Capabilities {
        var caps = v4l2_capability()
        let code = ioctl(TC_VIDIOC_QUERYCAP, &caps)
        if code == ENOTTY || code == EINVAL { throw .notACaptureDevice(device: path, driver: "not a V4L2 device") }
        if code != 0 { throw .io(device: path, operation: "QUERYCAP", errno: code) }
        let flags = caps.capabilities & TC_CAP_DEVICE_CAPS != 0 ? caps.device_caps : caps.capabilities
        return Capabilities(driver: cString(&caps.driver), card: cString(&caps.card), busInfo: cString(&caps.bus_info),
                            canCapture: flags & TC_CAP_VIDEO_CAPTURE != 0, canStream: flags & TC_CAP_STREAMING != 0)
    }

    /// Every format with its sizes and rates (VIDIOC_ENUM_FMT / ENUM_FRAMESIZES / ENUM_FRAMEINTERVALS).
    func formats() -> [CameraFormat] {
        var result: [CameraFormat] = []
        for index in 0..<64 {
            var desc = v4l2_fmtdesc()
            desc.index = UInt32(index)
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            guard ioctl(TC_VIDIOC_ENUM_FMT, &desc) == 0 else { break }
            result.append(CameraFormat(fourcc: desc.pixelformat, name: cString(&desc.description),
                                       emulated: desc.flags & TC_FMT_FLAG_EMULATED != 0,
                                       sizes: frameSizes(desc.pixelformat)))
        }
        return result
    }

    private func frameSizes(_ fourcc: UInt32) -> [CameraFrameSize] {
        var sizes: [CameraFrameSize] = []
        for index in 0..<256 {
            var size = v4l2_frmsizeenum()
            size.index = UInt32(index)
            size.pixel_format = fourcc
            guard ioctl(TC_VIDIOC_ENUM_FRAMESIZES, &size) == 0 else { break }
            if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                let w = Int(size.discrete.width), h = Int(size.discrete.height)
                sizes.append(.discrete(w, h, fps: frameRates(fourcc, w, h)))
            } else {
                let s = size.stepwise
                sizes.append(CameraFrameSize(minWidth: Int(s.min_width), maxWidth: Int(s.max_width), stepWidth: Int(s.step_width),
                                             minHeight: Int(s.min_height), maxHeight: Int(s.max_height), stepHeight: Int(s.step_height),
                                             frameRates: []))
                break
            }
        }
        return sizes
    }

    private func frameRates(_ fourcc: UInt32, _ width: Int, _ height: Int) -> [Double] {
        var rates: [Double] = []
        for index in 0..<64 {
            var interval = v4l2_frmivalenum()
            interval.index = UInt32(index)
            interval.pixel_format = fourcc
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            guard ioctl(TC_VIDIOC_ENUM_FRAMEINTERVALS, &interval) == 0 else { break }
            guard interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue else { break }
            let f = interval.discrete
            if f.numerator > 0 { rates.append(Double(f.denominator) / Double(f.numerator)) }
        }
        return rates
    }
}

/// A fixed-size C char array (imported as a tuple) as a Swift string.
func cString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

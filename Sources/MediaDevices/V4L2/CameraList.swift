#if canImport(Glibc)
import Glibc
#endif

/// A camera as `termcall devices` shows it.
public struct CameraInfo: Sendable, Equatable {
    public var path: String
    public var card: String
    public var driver: String
    public var busInfo: String
    public var formats: [CameraFormat]
}

/// Finds V4L2 capture devices: every /dev/video* node that can capture and stream, plus any extra
/// paths given (a fake test camera, a device under another name). Metadata nodes are skipped.
public enum CameraList {
    public static func devicePaths(in directory: String = "/dev") -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("video"), Int(name.dropFirst(5)) != nil { names.append(name) }
        }
        return names.sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }.map { "\(directory)/\($0)" }
    }

    /// Probes each path; returns the cameras and, for paths that failed, why.
    public static func probe(_ paths: [String]) -> (cameras: [CameraInfo], problems: [DeviceError]) {
        var cameras: [CameraInfo] = []
        var problems: [DeviceError] = []
        for path in paths {
            do {
                let device = try V4L2Device(path: path)
                let caps = try device.capabilities()
                guard caps.canCapture, caps.canStream else { continue } // metadata or output node
                cameras.append(CameraInfo(path: path, card: caps.card, driver: caps.driver, busInfo: caps.busInfo,
                                          formats: device.formats()))
            } catch {
                problems.append(error)
            }
        }
        return (cameras, problems)
    }
}

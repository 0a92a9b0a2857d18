/// What went wrong with a device or file, phrased for a person: each case renders as one line that
/// names the device and says what to try.
public enum DeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(device: String)
    case permissionDenied(device: String)
    case busy(device: String)
    case notACaptureDevice(device: String, driver: String)
    case unsupportedFormat(device: String, detail: String)
    case io(device: String, operation: String, errno: Int32)
    case stalled(device: String)
    case badFile(path: String, reason: String)
    case invalidRequest(String)
    case closed(device: String)
    case audioNotFound(device: String, capture: Bool)
    case audioBusy(device: String)
    case unsupportedAudio(device: String, detail: String)

    public var description: String {
        switch self {
        case let .notFound(device):
            return "camera \(device) not found — run `termcall devices` to list cameras, or use --camera test"
        case let .permissionDenied(device):
            return "no permission to open \(device) — add your user to the 'video' group (then log in again)"
        case let .busy(device):
            return "camera \(device) is busy — close the other program using it, or pick another with --camera"
        case let .notACaptureDevice(device, driver):
            return "\(device) (\(driver)) cannot capture video — run `termcall devices` and pick a camera"
        case let .unsupportedFormat(device, detail):
            return "camera \(device) offers no usable format (\(detail)) — try another --size or camera"
        case let .io(device, operation, code):
            return "camera \(device) failed during \(operation): \(errnoText(code)) — unplug and replug it, or pick another"
        case let .stalled(device):
            return "camera \(device) stopped delivering frames — check the cable, or pick another with --camera"
        case let .badFile(path, reason):
            return "cannot play \(path): \(reason)"
        case let .invalidRequest(text):
            return text
        case let .closed(device):
            return "\(device) was closed"
        case let .audioNotFound(device, capture):
            return "\(capture ? "microphone" : "speaker") \(device) not found — run `termcall devices` to list audio devices"
        case let .audioBusy(device):
            return "audio device \(device) is busy — close the other program using it, or pick 'default'"
        case let .unsupportedAudio(device, detail):
            return "audio device \(device) cannot be used (\(detail)) — try 'default', which converts formats"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

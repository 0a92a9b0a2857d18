import CALSA

/// An ALSA PCM as `termcall devices` lists it.
public struct AudioDeviceInfo: Sendable, Equatable {
    public enum Direction: Sendable, Equatable { case capture, playback, both }
    public var name: String
    public var description: String
    public var direction: Direction

    public var canCapture: Bool { direction != .playback }
    public var canPlay: Bool { direction != .capture }
}

/// Enumerates ALSA PCMs (hardware cards, `default`, and configured plugins) from alsa-lib's name hints.
public enum AudioDeviceList {
    public static func pcms() -> [AudioDeviceInfo] {
        var hints: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        guard snd_device_name_hint(-1, "pcm", &hints) == 0, let list = hints else { return [] }
        defer { snd_device_name_free_hint(list) }
        var result: [AudioDeviceInfo] = []
        var index = 0
        while let hint = list[index] {
            index += 1
            guard let name = take(snd_device_name_get_hint(hint, "NAME")) else { continue }
            let description = (take(snd_device_name_get_hint(hint, "DESC")) ?? "")
                .split(separator: "\n").joined(separator: " — ")
            let direction: AudioDeviceInfo.Direction
            switch take(snd_device_name_get_hint(hint, "IOID")) {
            case "Input": direction = .capture
            case "Output": direction = .playback
            default: direction = .both
            }
            result.append(AudioDeviceInfo(name: name, description: description, direction: direction))
        }
        return result
    }

    /// Copies and frees a string alsa-lib allocated.
    private static func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

#if canImport(Glibc)
import Glibc
#endif

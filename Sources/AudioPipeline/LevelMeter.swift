/// The microphone level for the UI: RMS of each 10 ms frame in dBFS, with a peak that holds for a
/// moment and then falls, like a hardware meter. Mute lives here too: a muted frame is zeroed
/// after it is measured, so the meter still shows the user is speaking while muted.
public struct LevelMeter: Sendable {
    /// Quietest level reported; silence reads as this.
    public static let floor = -90.0
    public private(set) var level = LevelMeter.floor
    public private(set) var peak = LevelMeter.floor
    public var muted = false
    private var holdFrames = 0

    public init() {}

    /// Measures (and, when muted, silences) one frame.
    public mutating func process(_ frame: inout [Float]) {
        var sum = 0.0
        for s in frame { sum += Double(s) * Double(s) }
        level = frame.isEmpty || sum == 0 ? Self.floor : max(Self.floor, 10 * log10(sum / Double(frame.count)))
        if level >= peak {
            peak = level
            holdFrames = 50 // 500 ms
        } else if holdFrames > 0 {
            holdFrames -= 1
        } else {
            peak = max(level, peak - 0.5) // 50 dB per second
        }
        if muted { for i in frame.indices { frame[i] = 0 } }
    }
}

#if canImport(Glibc)
import Glibc
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The one clock a loop passes to everything it drives: milliseconds (and microseconds, for
/// arrival stamps) since the clock was made, from CLOCK_MONOTONIC.
public struct MonotonicClock: Sendable {
    private let origin: Int64

    public init() { origin = Self.systemMicroseconds() }

    public var milliseconds: Int64 { (Self.systemMicroseconds() - origin) / 1_000 }
    public var microseconds: Int64 { Self.systemMicroseconds() - origin }

    static func systemMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    /// Unix time in milliseconds at this clock's zero (RTCP sender reports carry wall-clock time).
    public var unixMillisecondsAtZero: Int64 {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        return Int64(wall.tv_sec) * 1000 + Int64(wall.tv_nsec) / 1_000_000 - milliseconds
    }
}

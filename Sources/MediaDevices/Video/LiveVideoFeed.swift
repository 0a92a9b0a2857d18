#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MediaCore
import Synchronization

/// Runs a video source on its own thread and keeps only the newest frame, so a slow consumer skips
/// frames instead of queueing them (DESIGN.md: late video is dropped). The consumer polls
/// `wakeDescriptor` beside its other inputs and calls `take()` when it becomes readable.
///
/// The source is opened *on* the capture thread and never leaves it, so no non-Sendable state is shared.
public final class LiveVideoFeed: Sendable {
    private struct Slot {
        var frame: VideoFrame?
        var failure: DeviceError?
        var delivered: UInt64 = 0
        var stopped = false
    }

    private let slot = Mutex(Slot())
    private let pipe: WakePipe
    private let finished = DispatchSemaphore(value: 0)
    /// Readable whenever a new frame or a failure is waiting.
    public var wakeDescriptor: Int32 { pipe.readDescriptor }
    public let label: String

    /// Opens the source on a new thread; throws the open error (camera missing, file unreadable)
    /// before returning, so callers can report it while the terminal is still in its normal state.
    public static func start(_ spec: VideoSourceSpec) throws(DeviceError) -> LiveVideoFeed {
        let pipe = try WakePipe(device: "video feed")
        do throws(DeviceError) {
            return try DeviceThread.start(
                name: "termcall.video-capture",
                open: { () throws(DeviceError) -> (any VideoSource, String) in
                    let source = try spec.open()
                    return (source, source.label)
                },
                owner: { label in LiveVideoFeed(label: label, pipe: pipe) },
                run: { feed, source in feed.run(source) })
        } catch {
            pipe.close()
            throw error
        }
    }

    private init(label: String, pipe: WakePipe) {
        self.label = label
        self.pipe = pipe
    }

    private func run(_ source: any VideoSource) {
        defer { source.close(); finished.signal() }
        while !slot.withLock({ $0.stopped }) {
            do throws(DeviceError) {
                let frame = try source.readFrame()
                slot.withLock { $0.frame = frame; $0.delivered += 1 }
            } catch {
                slot.withLock { $0.failure = error }
                wake()
                return
            }
            wake()
        }
    }

    private func wake() { pipe.wake() }

    /// The newest frame not yet taken (nil if none arrived since the last call), or the error that
    /// ended capture. Drains the wake-up descriptor.
    public func take() throws(DeviceError) -> VideoFrame? {
        pipe.drain()
        let (frame, failure) = slot.withLock { s -> (VideoFrame?, DeviceError?) in
            let f = s.frame
            s.frame = nil
            return (f, s.failure)
        }
        if let frame { return frame }
        if let failure { throw failure }
        return nil
    }

    /// Frames the source produced so far (taken or overwritten).
    public var framesCaptured: UInt64 { slot.withLock { $0.delivered } }

    /// Stops capture and waits (at most `timeout`) for the thread to release the device. A source
    /// blocked longer (a slow file's frame interval, a stalled camera) finishes on its own; its pipe
    /// is then left open rather than closed under it.
    public func stop(timeout: DispatchTimeInterval = .milliseconds(500)) {
        let wasStopped = slot.withLock { s -> Bool in defer { s.stopped = true }; return s.stopped }
        guard !wasStopped else { return }
        guard finished.wait(timeout: .now() + timeout) == .success else { return }
        pipe.close()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A microphone or speaker running on its own real-time thread, exchanging 10 ms frames of 48 kHz
/// mono audio with the rest of the program through a `SampleRing`.
///
/// The device thread opens the PCM, then only moves samples: device ⇄ (resampler, when the device
/// insists on another rate) ⇄ ring. It never allocates, never waits on a lock (the ring's real-time
/// side only tries it) and asks for SCHED_FIFO when the system allows. Everything slow — echo
/// cancellation, codecs, the jitter buffer — runs on the consumer's thread. DESIGN.md: audio owns
/// its clock; the capture period paces the whole send path.
///
/// alsa-lib's `null` and `file` PCMs have no clock of their own, so the thread also keeps time with
/// an absolute-deadline timer that never lets it run more than one device buffer ahead of real time
/// (that is how tests and machines without sound hardware get a device that behaves like one; a
/// real card blocks first and the timer never sleeps).
public final class AudioStream: Sendable {
    public enum Direction: Sendable { case capture, playback }

    public struct Statistics: Sendable, Equatable {
        /// Device overruns/underruns recovered by alsa-lib (`snd_pcm_recover`).
        public var deviceXruns = 0
        /// Capture: samples lost because the consumer fell behind. Playback: samples trimmed to keep latency down.
        public var droppedSamples = 0
        /// Playback: 10 ms periods played as silence because nothing was queued (after audio had started).
        public var silentPeriods = 0
        /// Transfers the device thread skipped rather than wait for the ring's lock.
        public var contention = 0
        /// Device periods moved so far.
        public var periods = 0
    }

    public static let sampleRate = 48_000
    /// One 10 ms frame at 48 kHz.
    public static let frameSamples = 480

    public let device: String
    public let direction: Direction
    /// The rate the device runs at (48 000 unless it insisted on another; then the thread resamples).
    public let deviceRate: Int
    /// True when the device thread got SCHED_FIFO.
    public let realTimeScheduling: Bool
    /// Readable when the device thread moved a period (capture: a frame is waiting) or failed; poll
    /// it beside other inputs.
    public var wakeDescriptor: Int32 { pipe.readDescriptor }

    private let ring: SampleRing
    private let pipe: WakePipe
    private let stopping = Atomic<Bool>(false)
    private let xruns = Atomic<Int>(0), silent = Atomic<Int>(0), periods = Atomic<Int>(0), trimmed = Atomic<Int>(0)
    private let failure = Mutex<DeviceError?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    /// Playback: the most audio queued ahead of the device before the oldest is trimmed.
    private let maximumQueuedSamples: Int
    /// Playback: audio queued before the device thread starts taking it (20 ms).
    private let prefillSamples = 2 * AudioStream.frameSamples

    /// Opens `device` on a new thread and starts it. Throws the open error (missing, busy, no such
    /// format) before returning, so it can be shown as one line.
    ///
    /// - `deviceRate`: the rate to ask the device for; a device that offers only another rate gets
    ///   that one and is resampled.
    /// - `maximumLatencyMilliseconds`: playback's queue cap (clock drift between the network and the
    ///   sound card is trimmed here); capture's ring holds twice this before dropping.
    public static func start(device: String, direction: Direction, configurationFile: String? = nil,
                             deviceRate: Int = AudioStream.sampleRate, maximumLatencyMilliseconds: Int = 200) throws(DeviceError) -> AudioStream {
        let pipe = try WakePipe(device: device)
        do throws(DeviceError) {
            return try DeviceThread.start(
                name: direction == .capture ? "termcall.audio-capture" : "termcall.audio-playback",
                open: { () throws(DeviceError) -> ((ALSAPCM, Resampler?), (rate: Int, realTime: Bool)) in
                    let pcm = try ALSAPCM(name: device, direction: direction == .capture ? .capture : .playback,
                                          sampleRate: deviceRate, configurationFile: configurationFile)
                    var resampler: Resampler?
                    if pcm.sampleRate != sampleRate {
                        resampler = direction == .capture
                            ? try Resampler(inputRate: pcm.sampleRate, outputRate: sampleRate)
                            : try Resampler(inputRate: sampleRate, outputRate: pcm.sampleRate)
                    }
                    // Only a device with its own clock may run at real-time priority: a clockless one
                    // would spin a core at SCHED_FIFO.
                    let realTime = pcm.hasDeviceClock && Self.requestRealTimePriority()
                    return ((pcm, resampler), (pcm.sampleRate, realTime))
                },
                owner: { info in
                    AudioStream(device: device, direction: direction, deviceRate: info.rate, realTime: info.realTime,
                                pipe: pipe, maximumLatencyMilliseconds: maximumLatencyMilliseconds)
                },
                run: { stream, device in stream.run(device.0, resampler: device.1) })
        } catch {
            pipe.close()
            throw error
        }
    }

    private init(device: String, direction: Direction, deviceRate: Int, realTime: Bool, pipe: WakePipe, maximumLatencyMilliseconds: Int) {
        self.device = device
        self.direction = direction
        self.deviceRate = deviceRate
        self.realTimeScheduling = realTime
        self.pipe = pipe
        maximumQueuedSamples = max(2, maximumLatencyMilliseconds / 10) * Self.frameSamples
        ring = SampleRing(capacity: 2 * maximumQueuedSamples)
    }

    // MARK: consumer side (any one thread)

    /// Capture: takes the next 10 ms frame (`frame` must hold 480 samples). False when none is
    /// waiting yet; throws the failure that stopped the device (unplugged, say). One wake-up may
    /// stand for several frames: call until it returns false.
    public func read(into frame: inout [Int16]) throws(DeviceError) -> Bool {
        pipe.drain()
        if ring.count >= Self.frameSamples {
            return ring.read(into: &frame, wanted: Self.frameSamples) == Self.frameSamples
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return false
    }

    /// Capture: drops the audio that waited while nobody read (the microphone opens before the
    /// call connects). Sent later it would leave in one burst of up to the ring's 400 ms, and the
    /// far end would first play stale audio and then carry it as delay until its jitter buffer
    /// shortened it away. Returns the samples dropped.
    @discardableResult
    public func discardWaiting() -> Int {
        pipe.drain()
        return ring.trim(toAtMost: 0)
    }

    /// Waits (up to `milliseconds`) until the device thread has moved another period — capture: a
    /// frame may be waiting; playback: queued audio went to the device. For consumers without a poll
    /// loop; returns false on timeout.
    public func waitForPeriod(milliseconds: Int32) -> Bool {
        if direction == .capture, ring.count >= Self.frameSamples { return true }
        let woken = pipe.wait(milliseconds: milliseconds)
        if direction == .playback { pipe.drain() }
        return woken
    }

    /// Playback: queues audio for the speaker. Beyond the latency cap the oldest queued audio is
    /// dropped (the speaker's clock is slower than the sender's); throws the device's failure.
    public func write(_ samples: ArraySlice<Int16>) throws(DeviceError) {
        if let error = failure.withLock({ $0 }) { throw error }
        ring.write(samples)
        let excess = ring.trim(toAtMost: maximumQueuedSamples)
        if excess > 0 { trimmed.add(excess, ordering: .relaxed) }
    }

    /// Audio queued and not yet handed to the device (ms): part of the speaker-to-microphone delay.
    public var queuedMilliseconds: Int { ring.count * 1000 / Self.sampleRate }

    public var statistics: Statistics {
        Statistics(deviceXruns: xruns.load(ordering: .relaxed),
                   droppedSamples: ring.overflowedSamples + trimmed.load(ordering: .relaxed),
                   silentPeriods: silent.load(ordering: .relaxed),
                   contention: ring.contention,
                   periods: periods.load(ordering: .relaxed))
    }

    /// Stops the device thread and waits (at most `timeout`) for it to close the device. The wake
    /// pipe stays open until the stream is released (`deinit`), so a consumer still polling it never
    /// sees its descriptor reused for something else. The device thread holds the stream until it
    /// ends, so a thread blocked past the timeout still releases everything when it returns.
    public func stop(timeout: DispatchTimeInterval = .milliseconds(500)) {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = finished.wait(timeout: .now() + timeout)
    }

    deinit { pipe.close() }

    // MARK: device thread

    private func run(_ pcm: ALSAPCM, resampler: Resampler?) {
        defer { pcm.close(); finished.signal() }
        let periodFrames = pcm.periodFrames
        var deviceBuffer = [Int16](repeating: 0, count: direction == .capture ? periodFrames : (resampler?.maximumOutput(forInput: Self.frameSamples) ?? Self.frameSamples))
        var frame = [Int16](repeating: 0, count: direction == .capture ? (resampler?.maximumOutput(forInput: periodFrames) ?? periodFrames) : Self.frameSamples)
        var deadline = Self.monotonicNow()
        let periodNanoseconds = Int64(direction == .capture ? periodFrames : Self.frameSamples) * 1_000_000_000 / Int64(direction == .capture ? pcm.sampleRate : Self.sampleRate)
        var primed = false
        let bufferNanoseconds = Int64(pcm.bufferFrames) * 1_000_000_000 / Int64(pcm.sampleRate)
        do throws(DeviceError) {
            while !stopping.load(ordering: .relaxed) {
                switch direction {
                case .capture:
                    try pcm.read(into: &deviceBuffer)
                    periods.add(1, ordering: .relaxed) // counted before the consumer can see the frame
                    if let resampler {
                        let n = resampler.process(deviceBuffer[...], into: &frame)
                        ring.write(frame[..<n], realTime: true)
                    } else {
                        ring.write(deviceBuffer[...], realTime: true)
                    }
                    pipe.wake()
                case .playback:
                    // Start (and restart after running dry) only with a cushion queued: the
                    // producer runs on another clock, and without slack every phase wobble between
                    // the two would be a gap.
                    // A busy lock (nil) is not an empty queue: play silence this once but stay primed.
                    let taken = ring.read(into: &frame, wanted: Self.frameSamples, minimum: primed ? 0 : prefillSamples, realTime: true)
                    let got = taken ?? 0
                    if got > 0 { primed = true }
                    if got < Self.frameSamples {
                        for i in got..<Self.frameSamples { frame[i] = 0 }
                        if primed, taken != nil {
                            silent.add(1, ordering: .relaxed)
                            primed = false
                        }
                    }
                    if let resampler {
                        let n = resampler.process(frame[...], into: &deviceBuffer)
                        try pcm.write(deviceBuffer[..<n])
                    } else {
                        try pcm.write(frame[...])
                    }
                    periods.add(1, ordering: .relaxed)
                    pipe.wake()
                }
                xruns.store(pcm.xruns, ordering: .relaxed)
                // Keep time for devices without a clock (null, file — also behind plug or other
                // plugins): never run more than one device buffer ahead of real time. A device with a
                // clock blocks long before this and never sleeps here. After a stall, start afresh
                // rather than catching up in a burst.
                deadline += periodNanoseconds
                let now = Self.monotonicNow()
                if deadline < now - 2 * periodNanoseconds { deadline = now }
                if deadline - now > bufferNanoseconds { Self.sleep(until: deadline - bufferNanoseconds) }
            }
        } catch {
            failure.withLock { $0 = error }
            pipe.wake()
        }
    }

    private static func monotonicNow() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// The stand-in device clock: absolute deadlines, so the period never drifts.
    private static func sleep(until deadline: Int64) {
        var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }

    /// SCHED_FIFO at a modest priority (as audio servers use); refused without CAP_SYS_NICE or an
    /// rtprio limit, which is fine: the thread then runs at normal priority.
    private static func requestRealTimePriority() -> Bool {
        var parameters = sched_param(sched_priority: 10)
        return pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters) == 0
    }
}

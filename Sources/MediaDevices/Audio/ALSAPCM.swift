import CALSA

/// An open ALSA PCM: signed 16-bit interleaved at 48 kHz in 10 ms periods, blocking reads and
/// writes, xruns recovered (`snd_pcm_recover`) and counted. The only place termcall opens PCMs.
///
/// The real-time capture/playback threads of the audio pipeline drive this; it allocates nothing in
/// `read`/`write` once the caller's buffer has its size.
public final class ALSAPCM {
    public enum Direction: Sendable { case capture, playback }

    public let name: String
    public let direction: Direction
    public let channels: Int
    /// What the device agreed to; a device that insists on another rate is resampled by the caller.
    public private(set) var sampleRate: Int
    public private(set) var periodFrames: Int
    /// The device buffer the hardware agreed to (frames): the most that can be queued ahead.
    public private(set) var bufferFrames: Int
    /// Overruns (capture) or underruns (playback) recovered so far.
    public private(set) var xruns = 0
    private var pcm: OpaquePointer?
    private var config: OpaquePointer?

    /// Opens `name` ("default", "hw:1,0", or a PCM defined in asoundrc). `configurationFile` replaces
    /// alsa-lib's configuration for this PCM only (tests define `file`/`null` PCMs this way).
    public init(name: String, direction: Direction, sampleRate: Int = 48_000, channels: Int = 1,
                periodFrames: Int = 480, periods: Int = 4, configurationFile: String? = nil) throws(DeviceError) {
        guard (1...8).contains(channels), (8_000...192_000).contains(sampleRate), (16...48_000).contains(periodFrames), (2...64).contains(periods) else {
            throw .invalidRequest("audio format \(sampleRate) Hz, \(channels) channel(s), \(periodFrames)x\(periods) frames is out of range")
        }
        self.name = name
        self.direction = direction
        self.channels = channels
        self.sampleRate = sampleRate
        self.periodFrames = periodFrames
        self.bufferFrames = periodFrames * periods
        tc_alsa_silence_errors()
        let stream = direction == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        var handle: OpaquePointer?
        var code: Int32
        if let configurationFile {
            var top: OpaquePointer?, input: OpaquePointer?
            guard snd_config_top(&top) == 0, snd_input_stdio_open(&input, configurationFile, "r") == 0 else {
                if let top { snd_config_delete(top) }
                throw .badFile(path: configurationFile, reason: "cannot read the ALSA configuration")
            }
            code = snd_config_load(top, input)
            snd_input_close(input)
            guard code == 0 else { snd_config_delete(top); throw .badFile(path: configurationFile, reason: Self.text(code)) }
            config = top
            code = snd_pcm_open_lconf(&handle, name, stream, 0, top)
        } else {
            code = snd_pcm_open(&handle, name, stream, 0)
        }
        guard code == 0, let handle else {
            close() // releases the configuration; deinit will find nothing left to free
            throw Self.openError(name, code, direction)
        }
        pcm = handle
        do {
            try configure(periods: periods)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func configure(periods: Int) throws(DeviceError) {
        var hw: OpaquePointer?
        guard snd_pcm_hw_params_malloc(&hw) == 0, let hw else { throw .io(device: name, operation: "hw_params", errno: ENOMEM) }
        defer { snd_pcm_hw_params_free(hw) }
        var rate = UInt32(sampleRate), dir: Int32 = 0
        var period = snd_pcm_uframes_t(periodFrames), buffer = snd_pcm_uframes_t(periodFrames * periods)
        try check("hw_params_any", snd_pcm_hw_params_any(pcm, hw))
        try check("access", snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED))
        try check("format S16", snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE))
        try check("\(channels) channel(s)", snd_pcm_hw_params_set_channels(pcm, hw, UInt32(channels)))
        try check("rate", snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir))
        try check("period", snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir))
        try check("buffer", snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer))
        try check("hw_params", snd_pcm_hw_params(pcm, hw))
        sampleRate = Int(rate)
        periodFrames = Int(period)
        bufferFrames = Int(buffer)
        try check("prepare", snd_pcm_prepare(pcm))
    }

    /// Reads whole frames into `samples` (its count decides how many: a multiple of `channels`).
    /// Blocks until they are there; recovers from an overrun and goes on.
    public func read(into samples: inout [Int16]) throws(DeviceError) {
        guard let pcm, direction == .capture else { throw .closed(device: name) }
        let channels = self.channels
        try transfer(frames: samples.count / channels) { done, count in
            samples.withUnsafeMutableBufferPointer { snd_pcm_readi(pcm, $0.baseAddress! + done * channels, snd_pcm_uframes_t(count)) }
        }
    }

    /// Writes all of `samples` (interleaved); blocks while the device buffer is full; recovers from
    /// an underrun and goes on.
    public func write(_ samples: ArraySlice<Int16>) throws(DeviceError) {
        guard let pcm, direction == .playback else { throw .closed(device: name) }
        let channels = self.channels
        try transfer(frames: samples.count / channels) { done, count in
            samples.withUnsafeBufferPointer { snd_pcm_writei(pcm, $0.baseAddress! + done * channels, snd_pcm_uframes_t(count)) }
        }
    }

    public func write(_ samples: [Int16]) throws(DeviceError) { try write(samples[...]) }

    /// False for alsa-lib's `null` and `file` PCMs, which move samples as fast as they are asked:
    /// whoever drives them must keep time itself (`AudioStream` does). Hardware, dmix, pulse and the
    /// like block at the sound card's rate.
    public var hasDeviceClock: Bool {
        guard let pcm else { return false }
        let type = snd_pcm_type(pcm)
        return type != SND_PCM_TYPE_NULL && type != SND_PCM_TYPE_FILE
    }

    /// Moves `frames` frames with `step(framesDone, framesLeft)` (readi or writei), recovering
    /// from xruns between steps.
    private func transfer(frames: Int, _ step: (Int, Int) -> snd_pcm_sframes_t) throws(DeviceError) {
        var done = 0
        while done < frames {
            let n = step(done, frames - done)
            if n >= 0 { done += Int(n); continue }
            try recover(Int32(n))
        }
    }

    /// Plays out what is queued (playback) and releases the device.
    public func close() {
        if let pcm {
            if direction == .playback { snd_pcm_drain(pcm) }
            snd_pcm_close(pcm)
        }
        pcm = nil
        if let config { snd_config_delete(config) }
        config = nil
    }

    private func recover(_ code: Int32) throws(DeviceError) {
        if code == -EPIPE || code == -ESTRPIPE { xruns += 1 }
        if code == -EINTR { return }
        guard snd_pcm_recover(pcm, code, 1) == 0 else {
            throw .io(device: name, operation: direction == .capture ? "capture" : "playback", errno: -code)
        }
    }

    private func check(_ what: String, _ code: Int32) throws(DeviceError) {
        if code < 0 { throw .unsupportedAudio(device: name, detail: "\(what): \(Self.text(code))") }
    }

    static func text(_ code: Int32) -> String { String(cString: snd_strerror(code)) }

    static func openError(_ name: String, _ code: Int32, _ direction: Direction) -> DeviceError {
        switch -code {
        case EBUSY: return .audioBusy(device: name)
        case ENOENT, ENODEV, ENXIO: return .audioNotFound(device: name, capture: direction == .capture)
        case EACCES, EPERM: return .permissionDenied(device: name)
        default: return .unsupportedAudio(device: name, detail: text(code))
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

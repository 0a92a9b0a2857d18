import CSpeexDSP

/// speexdsp's MDF echo canceller plus its preprocessor's residual-echo suppression. It needs the
/// far-end frame that is playing *while* the near-end frame was captured, so it keeps the far-end
/// frames in a short queue and takes the one `delayHint` old.
public final class SpeexEchoCanceller: EchoCanceller {
    private let echo: OpaquePointer
    private let preprocess: OpaquePointer
    private var farEnd: [[Int16]] = []
    private var near = [Int16](repeating: 0, count: EchoCancellerFrame.samples)
    private var out = [Int16](repeating: 0, count: EchoCancellerFrame.samples)

    /// `tailMilliseconds`: the longest echo path it can model (room reverberation plus delay error).
    public init(tailMilliseconds: Int = 200) throws(AudioProcessingError) {
        guard let e = speex_echo_state_init(Int32(EchoCancellerFrame.samples), Int32(tailMilliseconds * EchoCancellerFrame.sampleRate / 1000)) else {
            throw .unavailable("speex_echo_state_init")
        }
        guard let p = speex_preprocess_state_init(Int32(EchoCancellerFrame.samples), Int32(EchoCancellerFrame.sampleRate)) else {
            speex_echo_state_destroy(e)
            throw .unavailable("speex_preprocess_state_init")
        }
        echo = e
        preprocess = p
        var rate = Int32(EchoCancellerFrame.sampleRate)
        _ = speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate)
        _ = speex_preprocess_ctl(preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echo))
    }

    /// A float sample as 16-bit; NaN and out-of-range values cannot trap the conversion.
    static func sample(_ x: Float) -> Int16 {
        guard x.isFinite else { return 0 }
        return Int16((max(-1, min(1, x)) * 32767).rounded())
    }

    deinit {
        speex_preprocess_state_destroy(preprocess)
        speex_echo_state_destroy(echo)
    }

    public func analyzeFarEnd(_ frame: [Float]) throws(AudioProcessingError) {
        guard frame.count == EchoCancellerFrame.samples else { throw .wrongFrameSize(frame.count) }
        farEnd.append(frame.map(Self.sample))
        if farEnd.count > 64 { farEnd.removeFirst(farEnd.count - 64) }
    }

    public func processNearEnd(_ frame: inout [Float], delayHintMilliseconds: Int) throws(AudioProcessingError) {
        guard frame.count == EchoCancellerFrame.samples else { throw .wrongFrameSize(frame.count) }
        for i in 0..<frame.count { near[i] = Self.sample(frame[i]) }
        let back = min(farEnd.count, max(1, delayHintMilliseconds / 10 + 1))
        let reference = back > 0 ? farEnd[farEnd.count - back] : [Int16](repeating: 0, count: EchoCancellerFrame.samples)
        speex_echo_cancellation(echo, near, reference, &out)
        _ = speex_preprocess_run(preprocess, &out)
        for i in 0..<frame.count { frame[i] = Float(out[i]) / 32767 }
    }
}

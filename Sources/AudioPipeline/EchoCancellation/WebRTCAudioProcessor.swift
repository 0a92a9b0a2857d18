import CAudioProcessing

/// webrtc-audio-processing 0.3 (through the CAudioProcessing shim): the AEC runs with the extended
/// filter and delay-agnostic mode, so a wrong delay hint still converges. The only user of the shim.
public final class WebRTCAudioProcessor: EchoCanceller {
    public enum NoiseSuppression: Int32, Sendable { case off = 0, moderate = 1, high = 2, veryHigh = 3 }
    /// How hard residual echo is suppressed after the adaptive filter; higher also eats into a
    /// near-end talker during double talk. Moderate keeps double talk within 10 dB.
    public enum EchoSuppression: Int32, Sendable { case low = 0, moderate = 1, high = 2 }

    private let apm: OpaquePointer

    public init(echoCancellation: Bool = true, echoSuppression: EchoSuppression = .moderate, noiseSuppression: NoiseSuppression = .high,
                gainControl: Bool = true, highPassFilter: Bool = true) throws(AudioProcessingError) {
        var config = tc_apm_config(sample_rate_hz: Int32(EchoCancellerFrame.sampleRate),
                                   echo_cancellation: echoCancellation ? 1 : 0,
                                   echo_suppression: echoSuppression.rawValue,
                                   noise_suppression: noiseSuppression.rawValue,
                                   gain_control: gainControl ? 1 : 0,
                                   high_pass_filter: highPassFilter ? 1 : 0)
        guard let created = tc_apm_create(&config) else { throw .unavailable("webrtc-audio-processing refused the configuration") }
        apm = created
    }

    deinit { tc_apm_destroy(apm) }

    public func analyzeFarEnd(_ frame: [Float]) throws(AudioProcessingError) {
        guard frame.count == EchoCancellerFrame.samples else { throw .wrongFrameSize(frame.count) }
        let code = frame.withUnsafeBufferPointer { tc_apm_process_render(apm, $0.baseAddress, Int32($0.count)) }
        if code != 0 { throw .failed("ProcessReverseStream", code) }
    }

    public func processNearEnd(_ frame: inout [Float], delayHintMilliseconds: Int) throws(AudioProcessingError) {
        guard frame.count == EchoCancellerFrame.samples else { throw .wrongFrameSize(frame.count) }
        let code = frame.withUnsafeMutableBufferPointer {
            tc_apm_process_capture(apm, $0.baseAddress, Int32($0.count), Int32(max(0, min(500, delayHintMilliseconds))))
        }
        if code != 0 { throw .failed("ProcessStream", code) }
    }
}

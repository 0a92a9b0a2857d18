/// Removes the far end's voice, played by our speaker and picked up again by our microphone, from
/// what we send. Works on 10 ms mono frames at 48 kHz (480 samples, floats in -1...1).
///
/// Call `analyzeFarEnd` with every frame handed to the speaker and `processNearEnd` with every frame
/// from the microphone, in the order they happen. Two backends: `WebRTCAudioProcessor` (the default:
/// echo cancellation, noise suppression, gain control, high-pass) and `SpeexEchoCanceller` (the
/// stand-in, for comparison and for systems without webrtc-audio-processing).
public protocol EchoCanceller: AnyObject {
    func analyzeFarEnd(_ frame: [Float]) throws(AudioProcessingError)
    /// `delayHintMilliseconds` is the best guess of speaker-to-microphone delay; backends that
    /// estimate it themselves may ignore it.
    func processNearEnd(_ frame: inout [Float], delayHintMilliseconds: Int) throws(AudioProcessingError)
}

public enum EchoCancellerFrame {
    public static let sampleRate = 48_000
    public static let samples = 480
}

public enum AudioProcessingError: Error, Sendable, Equatable, CustomStringConvertible {
    case unavailable(String)
    case wrongFrameSize(Int)
    case failed(String, Int32)

    public var description: String {
        switch self {
        case let .unavailable(what): return "audio processing is unavailable: \(what)"
        case let .wrongFrameSize(n): return "audio processing takes 10 ms frames of \(EchoCancellerFrame.samples) samples, not \(n)"
        case let .failed(call, code): return "\(call) failed with code \(code)"
        }
    }
}

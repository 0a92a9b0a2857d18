import CSpeexDSP

/// Sample-rate conversion with speexdsp, for sound devices that insist on a rate other than 48 kHz.
/// `process(_:into:)` allocates nothing, so the real-time audio threads can call it. The only user of
/// speexdsp's resampler.
public final class Resampler {
    public let channels: Int
    public private(set) var inputRate: Int
    public private(set) var outputRate: Int
    private let state: OpaquePointer

    /// `quality` 0...10 (speexdsp's scale; 5 is its VoIP default).
    public init(inputRate: Int, outputRate: Int, channels: Int = 1, quality: Int = 5) throws(DeviceError) {
        var error: Int32 = 0
        guard (1...2).contains(channels), (1...1_000_000).contains(inputRate), (1...1_000_000).contains(outputRate),
              let created = speex_resampler_init(UInt32(channels), UInt32(inputRate), UInt32(outputRate), Int32(max(0, min(10, quality))), &error),
              error == 0 else { throw .invalidRequest("cannot resample \(inputRate) Hz to \(outputRate) Hz") }
        state = created
        self.channels = channels
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    deinit { speex_resampler_destroy(state) }

    /// Most output frames `inputFrames` input frames can produce (size the output buffer with this).
    public func maximumOutput(forInput inputFrames: Int) -> Int { inputFrames * outputRate / inputRate + 2 }

    /// Converts all of `input` (interleaved) into the front of `output`; returns how many samples it
    /// wrote. `output` must hold `maximumOutput(forInput:) * channels` samples (then speexdsp always
    /// consumes the whole input; `unconsumedFrames` counts any it did not).
    public func process(_ input: ArraySlice<Int16>, into output: inout [Int16]) -> Int {
        var inLength = UInt32(input.count / channels)
        var outLength = UInt32(min(output.count / channels, maximumOutput(forInput: input.count / channels)))
        _ = input.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                speex_resampler_process_interleaved_int(state, inp.baseAddress, &inLength, out.baseAddress, &outLength)
            }
        }
        unconsumedFrames += input.count / channels - Int(inLength)
        return Int(outLength) * channels
    }

    /// Input frames speexdsp left unconsumed because the output buffer was too small (0 when sized
    /// by `maximumOutput(forInput:)`).
    public private(set) var unconsumedFrames = 0

    /// Allocating form of `process(_:into:)`.
    public func process(_ input: [Int16]) -> [Int16] {
        var output = [Int16](repeating: 0, count: maximumOutput(forInput: input.count / channels) * channels)
        output.removeLast(output.count - process(input[...], into: &output))
        return output
    }
}

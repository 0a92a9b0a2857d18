import CSpeexDSP

/// Sample-rate conversion with speexdsp, for devices that insist on a rate other than 48 kHz and
/// for absorbing clock drift (the ratio can be nudged while running). The only user of
/// speexdsp's resampler.
public final class Resampler {
    public let channels: Int
    public private(set) var inputRate: Int
    public private(set) var outputRate: Int
    private let state: OpaquePointer

    /// `quality` 0...10 (speexdsp's scale; 5 is its VoIP default).
    public init(inputRate: Int, outputRate: Int, channels: Int = 1, quality: Int = 5) throws(AudioProcessingError) {
        var error: Int32 = 0
        guard (1...2).contains(channels), (1...1_000_000).contains(inputRate), (1...1_000_000).contains(outputRate),
              let created = speex_resampler_init(UInt32(channels), UInt32(inputRate), UInt32(outputRate), Int32(max(0, min(10, quality))), &error),
              error == 0 else { throw .unavailable("speex_resampler_init \(inputRate)->\(outputRate)") }
        state = created
        self.channels = channels
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    deinit { speex_resampler_destroy(state) }

    /// Converts interleaved samples; the output holds about `input.count * outputRate / inputRate`.
    public func process(_ input: [Int16]) -> [Int16] {
        let frames = input.count / channels
        var inLength = UInt32(frames)
        var outLength = UInt32(frames * outputRate / inputRate + 16)
        var output = [Int16](repeating: 0, count: Int(outLength) * channels)
        _ = input.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                speex_resampler_process_interleaved_int(state, inp.baseAddress, &inLength, out.baseAddress, &outLength)
            }
        }
        output.removeLast(output.count - Int(outLength) * channels)
        return output
    }

    /// Changes the conversion ratio without resetting the filter (drift compensation).
    public func setRates(input: Int, output: Int) throws(AudioProcessingError) {
        guard (1...1_000_000).contains(input), (1...1_000_000).contains(output) else { throw .unavailable("resampling \(input)->\(output)") }
        guard speex_resampler_set_rate(state, UInt32(input), UInt32(output)) == 0 else { throw .unavailable("speex_resampler_set_rate") }
        inputRate = input
        outputRate = output
    }
}

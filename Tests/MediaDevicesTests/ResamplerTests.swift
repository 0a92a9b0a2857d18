import MediaDevices
import Foundation
import Testing

@Suite struct ResamplerTests {
    @Test func convertsFortyFourOneToFortyEightKeepingPitch() throws {
        let resampler = try Resampler(inputRate: 44_100, outputRate: 48_000)
        let input = (0..<44_100).map { Int16(12000 * sin(2 * Double.pi * 1000 * Double($0) / 44_100)) }
        var output: [Int16] = []
        // The allocation-free form, as the device threads use it: one 10 ms period at a time.
        var period = [Int16](repeating: 0, count: resampler.maximumOutput(forInput: 441))
        for start in stride(from: 0, to: input.count, by: 441) {
            let n = resampler.process(input[start..<(start + 441)], into: &period)
            #expect((478...482).contains(n) || start == 0)
            output += period[..<n]
        }
        #expect(abs(output.count - 48_000) < 100)
        // Over 0.8 s of the steady part: 800 cycles of 1 kHz at the new rate.
        let steady = Array(output[4800..<43_200])
        let crossings = zip(steady, steady.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(crossings - 800) <= 1, "\(crossings) cycles")
    }

    @Test func refusesNonsense() {
        #expect(throws: DeviceError.self) { try Resampler(inputRate: 0, outputRate: 48_000) }
    }
}

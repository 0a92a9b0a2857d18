import AudioPipeline
import Foundation
import Testing

@Suite struct LevelMeterTests {
    @Test func fullScaleSineReadsMinusThreeAndSilenceTheFloor() {
        var meter = LevelMeter()
        var sine = (0..<480).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 48_000)) }
        meter.process(&sine)
        #expect(abs(meter.level - (-3.01)) < 0.1)
        var silence = [Float](repeating: 0, count: 480)
        meter.process(&silence)
        #expect(meter.level == LevelMeter.floor)
        #expect(abs(meter.peak - (-3.01)) < 0.1) // the peak holds
    }

    @Test func thePeakFallsAfterItsHold() {
        var meter = LevelMeter()
        var loud = [Float](repeating: 0.5, count: 480), quiet = [Float](repeating: 0, count: 480)
        meter.process(&loud)
        for _ in 0..<50 { meter.process(&quiet) }
        let held = meter.peak
        for _ in 0..<20 { meter.process(&quiet) }
        #expect(meter.peak == held - 10)
    }

    @Test func muteSilencesButStillMeasures() {
        var meter = LevelMeter()
        meter.muted = true
        var frame = [Float](repeating: 0.25, count: 480)
        meter.process(&frame)
        #expect(frame.allSatisfy { $0 == 0 })
        #expect(abs(meter.level - 20 * log10(0.25)) < 0.01)
    }
}

@Suite struct ResamplerTests {
    @Test func convertsFortyFourOneToFortyEightKeepingPitch() throws {
        let resampler = try Resampler(inputRate: 44_100, outputRate: 48_000)
        let input = (0..<44_100).map { Int16(12000 * sin(2 * Double.pi * 1000 * Double($0) / 44_100)) }
        var output: [Int16] = []
        for start in stride(from: 0, to: input.count, by: 441) { output += resampler.process(Array(input[start..<(start + 441)])) }
        #expect(abs(output.count - 48_000) < 100)
        // Over 0.8 s of the steady part: 800 cycles of 1 kHz at the new rate.
        let steady = Array(output[4800..<43_200])
        let crossings = zip(steady, steady.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(crossings - 800) <= 1, "\(crossings) cycles")
    }

    @Test func refusesNonsense() {
        #expect(throws: AudioProcessingError.self) { try Resampler(inputRate: 0, outputRate: 48_000) }
    }
}

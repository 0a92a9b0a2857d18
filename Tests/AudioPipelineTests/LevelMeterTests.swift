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

import Foundation
import MediaDevices
import Testing

/// Real alsa-lib moving real samples, through `file` PCMs over `null` (no sound card needed):
/// capture returns exactly the bytes of `infile`, playback appends to `file`.
@Suite struct ALSAPCMTests {
    @Test func captureReadsTheMicrophonesSamplesInOrder() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        let mic = try ALSAPCM(name: "testmic", direction: .capture, configurationFile: fixture.configuration)
        defer { mic.close() }
        #expect(mic.sampleRate == 48_000 && mic.periodFrames == 480)
        var period = [Int16](repeating: 0, count: 480), captured: [Int16] = []
        for _ in 0..<10 {
            try mic.read(into: &period)
            captured += period
        }
        #expect(captured == Array(fixture.input.prefix(4800)))
        #expect(mic.xruns == 0)
    }

    @Test func playbackWritesEverySampleToTheSpeaker() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        let tone = (0..<4800).map { Int16(10000 * sin(2 * Double.pi * 440 * Double($0) / 48_000)) }
        let speaker = try ALSAPCM(name: "testspk", direction: .playback, configurationFile: fixture.configuration)
        for start in stride(from: 0, to: tone.count, by: 480) { try speaker.write(Array(tone[start..<(start + 480)])) }
        speaker.close()
        #expect(fixture.played == tone)
    }

    @Test func unknownDevicesAndWrongDirectionsSaySo() throws {
        let fixture = try ALSAFixture()
        defer { fixture.remove() }
        #expect(throws: DeviceError.audioNotFound(device: "nosuchpcm", capture: true)) {
            try ALSAPCM(name: "nosuchpcm", direction: .capture, configurationFile: fixture.configuration)
        }
        let speaker = try ALSAPCM(name: "testspk", direction: .playback, configurationFile: fixture.configuration)
        var buffer = [Int16](repeating: 0, count: 480)
        #expect(throws: DeviceError.closed(device: "testspk")) { try speaker.read(into: &buffer) }
        speaker.close()
        #expect(throws: DeviceError.closed(device: "testspk")) { try speaker.write(buffer) }
        #expect(DeviceError.audioNotFound(device: "hw:3", capture: false).description
            == "speaker hw:3 not found — run `termcall devices` to list audio devices")
    }
}

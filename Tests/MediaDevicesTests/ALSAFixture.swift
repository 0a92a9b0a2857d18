import Foundation

/// A test asoundrc with real alsa-lib PCMs and no sound card: `testmic` is a `file` PCM over `null`
/// that reads `in.raw` (the known `input`), `testspk` one that writes `out.raw` (`played`).
struct ALSAFixture {
    let directory: String
    let configuration: String
    let input: [Int16]

    init(inputSamples: Int = 9_600) throws {
        directory = NSTemporaryDirectory() + "termcall-alsa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        input = (0..<inputSamples).map { Int16(truncatingIfNeeded: $0 &* 13 &+ 1) }
        try Data(input.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
            .write(to: URL(fileURLWithPath: directory + "/in.raw"))
        configuration = directory + "/asound.conf"
        try """
        pcm.testmic { type file; slave.pcm { type null }; file "/dev/null"; infile "\(directory)/in.raw"; format raw }
        pcm.testspk { type file; slave.pcm { type null }; file "\(directory)/out.raw"; format raw }
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    var played: [Int16] {
        let bytes = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: directory + "/out.raw"))) ?? Data())
        return stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

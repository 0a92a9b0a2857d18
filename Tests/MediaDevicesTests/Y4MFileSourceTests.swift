import Foundation
import MediaCore
import MediaDevices
import Testing

@Suite struct Y4MFileSourceTests {
    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "termcall-\(UUID().uuidString).y4m"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func loopsAtTheEndWithContinuingSequenceNumbers() throws {
        let f0 = [UInt8](repeating: 20, count: 24), f1 = [UInt8](repeating: 40, count: 24)
        let path = try temporaryFile(y4m(header: "YUV4MPEG2 W4 H4 F10:1", frames: [f0, f1]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try Y4MFileSource(path: path, loop: true, paced: false)
        let frames = try (0..<5).map { _ in try source.readFrame() }
        #expect(frames.map { $0.y[0] } == [20, 40, 20, 40, 20])
        #expect(frames.map(\.sequence) == [0, 1, 2, 3, 4])
        #expect(frames[4].timestampMicros == 400_000)
        source.close()
        #expect(throws: DeviceError.closed(device: path)) { try source.readFrame() }
    }

    @Test func errorsNameTheFileAndSayWhatToDo() throws {
        #expect(throws: DeviceError.badFile(path: "/nonexistent/clip.y4m", reason: "no such file")) {
            try Y4MFileSource(path: "/nonexistent/clip.y4m", loop: false)
        }
        let path = try temporaryFile(Array("not a video".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try Y4MFileSource(path: path, loop: false)
            Issue.record("a text file was accepted as Y4M")
        } catch {
            #expect(error.description.hasPrefix("cannot play \(path): not a YUV4MPEG2 file"))
            #expect(!error.description.contains("\n"))
        }
    }
}

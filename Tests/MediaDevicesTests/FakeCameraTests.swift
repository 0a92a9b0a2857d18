import Foundation
import MediaCore
import MediaDevices
import Testing

/// The real libv4l2 capture path (open, format negotiation, libv4lconvert YUYV -> I420, mmap
/// streaming) against the fake camera plugin in Tests/Fixtures/fakecam, installed by
/// scripts/install-fakecam.sh. Its frame n has Y(x, y) = (x + y + 4n) & 0xFF, U = 96, V = 160.
@Suite(.serialized) struct FakeCameraTests {
    static let pluginPath = "/usr/lib/x86_64-linux-gnu/libv4l/plugins/libv4l-00-termcall-fakecam.so"

    func fakeCamera(_ name: String = "termcall-fakecam") throws -> String {
        guard FileManager.default.fileExists(atPath: Self.pluginPath) else {
            throw FakeCameraMissing()
        }
        let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    struct FakeCameraMissing: Error, CustomStringConvertible {
        var description: String { "the fake camera plugin is not installed: run scripts/install-fakecam.sh as root (the README's test command does)" }
    }

    @Test func capturesConvertedI420FramesThroughLibv4l2() throws {
        let path = try fakeCamera()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let camera = try V4L2Camera(path: path, request: CaptureRequest(width: 320, height: 240, fps: 30))
        defer { camera.close() }
        #expect(camera.choice == CaptureChoice(fourcc: FourCC.yuyv, width: 320, height: 240, fps: 30))
        #expect(camera.width == 320 && camera.height == 240)
        #expect(camera.label.hasPrefix("termcall fake camera"))
        var last: Int64 = 0
        for n in 0..<3 {
            let frame = try camera.readFrame()
            #expect(frame.width == 320 && frame.height == 240)
            var mismatches = 0
            for y in 0..<240 { for x in 0..<320 where frame.y[y * 320 + x] != UInt8((x + y + 4 * n) & 0xFF) { mismatches += 1 } }
            #expect(mismatches == 0, "frame \(n): \(mismatches) luma samples differ from the plugin's formula")
            #expect(frame.u.allSatisfy { $0 == 96 } && frame.v.allSatisfy { $0 == 160 })
            #expect(frame.timestampMicros >= last)
            last = frame.timestampMicros
        }
    }

    @Test func negotiatesTheNearestSizeTheCameraOffers() throws {
        let path = try fakeCamera()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let camera = try V4L2Camera(path: path, request: CaptureRequest(width: 1280, height: 720, fps: 30))
        defer { camera.close() }
        #expect(camera.width == 640 && camera.height == 480)
        #expect(try camera.readFrame().y.count == 640 * 480)
    }

    @Test func enumerationListsFormatsSizesAndRates() throws {
        let path = try fakeCamera()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (cameras, problems) = CameraList.probe([path])
        #expect(problems.isEmpty)
        let camera = try #require(cameras.first)
        #expect(camera.card == "termcall fake camera" && camera.driver == "termcall-fake")
        let yuyv = try #require(camera.formats.first { $0.fourcc == FourCC.yuyv && !$0.emulated })
        #expect(yuyv.sizes == [.discrete(320, 240, fps: [30, 15]), .discrete(640, 480, fps: [30, 15])])
        #expect(camera.formats.contains { $0.emulated }) // libv4lconvert adds the formats it can make
    }

    @Test func aBusyCameraSaysSo() throws {
        let path = try fakeCamera("termcall-fakecam-busy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DeviceError.busy(device: path)) {
            try V4L2Camera(path: path, request: CaptureRequest(width: 320, height: 240, fps: 30))
        }
    }

    @Test func missingAndNonCameraPathsGiveOneLineErrors() throws {
        #expect(throws: DeviceError.notFound(device: "/dev/video-termcall-absent")) {
            try V4L2Camera(path: "/dev/video-termcall-absent", request: CaptureRequest(width: 320, height: 240, fps: 30))
        }
        let notACamera = NSTemporaryDirectory() + "plain-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: notACamera, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(atPath: notACamera) }
        do {
            _ = try V4L2Camera(path: notACamera, request: CaptureRequest(width: 320, height: 240, fps: 30))
            Issue.record("a plain file was accepted as a camera")
        } catch {
            #expect(error.description.contains(notACamera) && !error.description.contains("\n"))
        }
    }
}

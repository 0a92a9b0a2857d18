import ArgumentParser
import MediaDevices

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List cameras (V4L2), microphones and speakers (ALSA PCMs).",
        discussion: "Cameras are the /dev/video* nodes that can capture; audio devices come from alsa-lib's name hints, so plugins defined in asoundrc are listed too."
    )

    @Option(name: .long, help: ArgumentHelp("Also probe this device path (repeatable).", valueName: "PATH"))
    var camera: [String] = []

    func run() throws {
        let (cameras, problems) = CameraList.probe(CameraList.devicePaths() + camera)
        print("Cameras:")
        if cameras.isEmpty { print("  (none found — use --camera test for the test pattern)") }
        for cam in cameras {
            print("  \(cam.path)  \(cam.card) [\(cam.driver)]")
            for format in cam.formats where !format.emulated {
                let sizes = format.sizes.map { size -> String in
                    let dims = size.minWidth == size.maxWidth
                        ? "\(size.minWidth)x\(size.minHeight)"
                        : "\(size.minWidth)x\(size.minHeight)…\(size.maxWidth)x\(size.maxHeight)"
                    let rates = size.frameRates.map { String(Int($0.rounded())) }.joined(separator: "/")
                    return rates.isEmpty ? dims : "\(dims)@\(rates)"
                }
                print("    \(format.fourccString) \(format.name): \(sizes.joined(separator: " "))")
            }
        }
        for problem in problems { print("  ! \(problem)") }
        let pcms = AudioDeviceList.pcms()
        print("Microphones:")
        let mics = pcms.filter(\.canCapture)
        if mics.isEmpty { print("  (none found)") }
        for pcm in mics { print("  \(pcm.name)  \(pcm.description)") }
        print("Speakers:")
        let speakers = pcms.filter(\.canPlay)
        if speakers.isEmpty { print("  (none found)") }
        for pcm in speakers { print("  \(pcm.name)  \(pcm.description)") }
    }
}

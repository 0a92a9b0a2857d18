import Foundation

/// This process's resident memory and open file descriptors, from /proc: the soak test samples
/// them through the headless stats line to show a long call does not grow.
enum ProcessResources {
    /// VmRSS in KiB (0 where /proc is missing).
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    static func openDescriptors() -> Int {
        // The listing itself holds one descriptor open while it reads.
        max(0, ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1)
    }
}

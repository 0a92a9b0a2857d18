import Foundation
import Testing

/// A long call over an impaired link (3 % loss, 20 ms delay, 30 ms jitter each way; test pattern
/// and tone both ways, a chat line every sample): each side's resident memory and open file
/// descriptors, read from its own stats line, must not grow. CI runs 2.5 minutes; the 30-minute
/// soak is `scripts/soak` (TERMCALL_SOAK_MINUTES=30), with the figures in BENCHMARKS.md.
@Suite(.enabled(if: InteropEnvironment.available, "needs scripts/install-interop and root for namespaces (scripts/test provides both)"), .serialized)
struct SoakTests {
    /// Growth allowed from the first sample (after one interval of warm-up) to the last.
    static let rssGrowthKiB = 12 * 1024

    @Test func aLongCallOverABadNetworkDoesNotGrow() throws {
        let minutes = Double(ProcessInfo.processInfo.environment["TERMCALL_SOAK_MINUTES"] ?? "") ?? 2.5
        let interval: Double = minutes >= 10 ? 60 : 15
        let calls = ImpairedCallTests()
        let link = try ImpairedLink(seed: 11, ["loss": 3, "delay": 20, "jitter": 30])
        let (a, b) = try calls.call(over: link)
        struct Sample { var seconds: Int; var rss: (Int, Int); var fds: (Int, Int); var frames: (Int, Int); var chat: Int }
        var samples: [Sample] = []
        let start = Date()
        var sent = 0
        print("soak: \(minutes) min, a sample every \(Int(interval)) s (rss KiB a/b, fds a/b, frames decoded a/b, chat received by b)")
        while Date().timeIntervalSince(start) < minutes * 60 {
            // Waits on b's output for one interval (the bound is the pacing, not a synchronisation).
            _ = calls.waitFor(b, milliseconds: Int(interval * 1000)) { _ in false }
            try a.send(["chat": "soak line \(sent)"])
            sent += 1
            let sa = try calls.stats(a), sb = try calls.stats(b)
            func int(_ d: [String: Any], _ k: String) -> Int { d[k] as? Int ?? 0 }
            let sample = Sample(seconds: Int(Date().timeIntervalSince(start)), rss: (int(sa, "rss_kib"), int(sb, "rss_kib")),
                                fds: (int(sa, "open_fds"), int(sb, "open_fds")),
                                frames: (int(sa, "video_frames_decoded"), int(sb, "video_frames_decoded")), chat: int(sb, "chat_received"))
            samples.append(sample)
            print("soak: \(sample.seconds) s  rss \(sample.rss.0)/\(sample.rss.1)  fds \(sample.fds.0)/\(sample.fds.1)  frames \(sample.frames.0)/\(sample.frames.1)  chat \(sample.chat)")
        }
        try #require(samples.count >= 4, "too few samples")
        let first = samples[1], last = samples[samples.count - 1]
        #expect(last.rss.0 - first.rss.0 <= Self.rssGrowthKiB && last.rss.1 - first.rss.1 <= Self.rssGrowthKiB,
                "memory grew: a \(first.rss.0)→\(last.rss.0) KiB, b \(first.rss.1)→\(last.rss.1) KiB")
        #expect(last.fds == first.fds || (last.fds.0 <= first.fds.0 && last.fds.1 <= first.fds.1), "descriptors grew: \(first.fds) → \(last.fds)")
        // The call was alive all along: pictures both ways in every interval, every chat line arrived.
        for (before, after) in zip(samples, samples.dropFirst()) {
            #expect(after.frames.0 > before.frames.0 && after.frames.1 > before.frames.1, "no pictures between \(before.seconds) s and \(after.seconds) s")
        }
        _ = calls.waitFor(b, milliseconds: 3_000) { _ in false } // the last line's way across
        #expect(try calls.stats(b)["chat_received"] as? Int == sent, "chat lost")
        try a.send(["cmd": "hangup"])
        try b.send(["cmd": "hangup"])
    }
}

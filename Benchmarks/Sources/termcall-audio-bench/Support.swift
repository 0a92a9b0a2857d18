import Foundation
import MediaDevices

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// A mono 48 kHz 16-bit WAV (scripts/bench-audio converts espeak-ng's output to that).
func readSpeech(_ path: String) throws -> [Int16] {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchmarkError(description: "cannot read \(path)") }
    let wav = try WAVAudio.parse([UInt8](data))
    guard wav.sampleRate == 48_000, wav.channels == 1 else {
        throw BenchmarkError(description: "\(path) is \(wav.sampleRate) Hz, \(wav.channels) channel(s); want 48000 Hz mono")
    }
    return wav.samples
}

func writeWAV(_ samples: [Int16], to path: String) throws {
    let bytes = WAVAudio(sampleRate: 48_000, channels: 1, samples: samples).serialized()
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw BenchmarkError(description: "cannot write \(path)") }
}

func power(_ x: ArraySlice<Float>) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)) }
func dB(_ ratio: Double) -> Double { 10 * log10(max(ratio, 1e-20)) }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
func f2(_ x: Double) -> String { String(format: "%.2f", x) }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    return info.split(separator: "\n").first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? "unknown CPU"
}

/// CPU time this process has used (user + system), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

import Foundation

// termcall-audio-bench: the audio figures for BENCHMARKS.md. scripts/bench-audio makes the speech
// (espeak-ng), runs these pinned to one core, and scores the network runs with PESQ/STOI.
//
//   termcall-audio-bench echo FAR.wav NEAR.wav            echo canceller on a synthetic room
//   termcall-audio-bench network SPEECH.wav OUTDIR        Opus + jitter buffer under simulated loss/jitter
//   termcall-audio-bench cpu FAR.wav NEAR.wav             the whole send+receive path, per second of audio

let arguments = Array(CommandLine.arguments.dropFirst())
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: termcall-audio-bench echo FAR NEAR | network SPEECH OUTDIR | cpu FAR NEAR\n".utf8))
    exit(2)
}
guard arguments.count == 3 else { usage() }
do {
    switch arguments[0] {
    case "echo": try EchoBenchmark(far: readSpeech(arguments[1]), near: readSpeech(arguments[2])).run()
    case "network": try NetworkBenchmark(speech: readSpeech(arguments[1]), outputDirectory: arguments[2]).run()
    case "cpu": try CPUBenchmark(far: readSpeech(arguments[1]), near: readSpeech(arguments[2])).run()
    default: usage()
    }
} catch {
    FileHandle.standardError.write(Data("termcall-audio-bench: \(error)\n".utf8))
    exit(1)
}

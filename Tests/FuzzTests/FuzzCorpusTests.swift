import Foundation
import FuzzTargets
import Testing

/// The committed fuzzing corpus (Fuzz/corpus/TARGET/, grown and minimised by `scripts/fuzz`) through
/// the same entry points libFuzzer drives: every input that once found new code, and every crash
/// ever fixed, runs again on every test run. A trap here fails the whole test process, loudly.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    func inputs(_ target: FuzzTarget) -> [[UInt8]] {
        let folder = Self.corpus.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { try? Array(Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCommittedInputStillPasses(_ target: FuzzTarget) {
        let inputs = inputs(target)
        #expect(inputs.count >= 3, "Fuzz/corpus/\(target.rawValue) has \(inputs.count) inputs: run scripts/fuzz to grow it")
        for input in inputs { target.run(input) }
    }
}

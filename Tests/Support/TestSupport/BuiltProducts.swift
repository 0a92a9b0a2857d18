import Foundation

/// The products of the build under test: the test bundle sits beside them, so a run from any
/// scratch path (`swift test --scratch-path`) drives its own `termcall`, never another build's.
public enum BuiltProducts {
    public static var directory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }
    public static var termcall: String { directory.appendingPathComponent("termcall").path }
}

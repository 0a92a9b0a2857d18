// swift-tools-version:6.0
// libFuzzer drivers for termcall's parsers (Sources/FuzzTargets). Kept out of the main package:
// `-sanitize=fuzzer` supplies main() and instruments everything built with it.
// Build and run: scripts/fuzz (see SECURITY.md).
import PackageDescription

let package = Package(
    name: "termcall-fuzz",
    dependencies: [.package(name: "termcall", path: "..")],
    targets: [
        .executableTarget(
            name: "termcall-fuzz",
            dependencies: [.product(name: "FuzzTargets", package: "termcall")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        ),
    ]
)

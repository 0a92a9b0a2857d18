// swift-tools-version:6.1
//
// termcall's benchmarks, apart from the main package so that building termcall never needs chafa
// (the rendering anchor) or glib. Run with scripts/bench; figures go to BENCHMARKS.md.
import PackageDescription

let package = Package(
    name: "termcall-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "termcall", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CChafa", pkgConfig: "chafa", providers: [.apt(["libchafa-dev", "libglib2.0-dev"])]),
        .executableTarget(
            name: "termcall-bench",
            dependencies: [
                "CChafa",
                .product(name: "MediaCore", package: "termcall"),
                .product(name: "MediaDevices", package: "termcall"),
                .product(name: "Render", package: "termcall"),
                .product(name: "TUI", package: "termcall"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-audio-bench",
            dependencies: [
                .product(name: "MediaCore", package: "termcall"),
                .product(name: "MediaDevices", package: "termcall"),
                .product(name: "Codecs", package: "termcall"),
                .product(name: "AudioPipeline", package: "termcall"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-srtp-bench",
            dependencies: [.product(name: "SecureTransport", package: "termcall")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-sctp-bench",
            dependencies: [.product(name: "SecureTransport", package: "termcall"), .product(name: "UDPTransport", package: "termcall")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-call-bench",
            dependencies: [.product(name: "PeerConnection", package: "termcall"), .product(name: "UDPTransport", package: "termcall"),
                           .product(name: "EventLoop", package: "termcall"), .product(name: "VideoPipeline", package: "termcall"),
                           .product(name: "MediaCore", package: "termcall")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-demo-bench",
            dependencies: [
                .product(name: "Call", package: "termcall"), .product(name: "MediaDevices", package: "termcall"),
                .product(name: "MediaCore", package: "termcall"), .product(name: "Render", package: "termcall"),
                .product(name: "UDPTransport", package: "termcall"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-serve-bench",
            dependencies: [
                .product(name: "Signaling", package: "termcall"), .product(name: "SignalingServer", package: "termcall"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "termcall-ice-bench",
            dependencies: [.product(name: "UDPTransport", package: "termcall")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)

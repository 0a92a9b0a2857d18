// swift-tools-version:6.1
//
// termcall — a video, voice and text call client for the terminal.
// Layers (ARCHITECTURE.md): C modules at the bottom, protocol cores and media in the middle,
// Render/TUI above them, the `termcall` executable on top. Arrows point down only.
import PackageDescription

/// One system-library target per C library; its `shim.h` holds the `static inline` wrappers
/// Swift cannot call directly (macros, variadics), so each library is wrapped exactly once.
///
/// `pkgConfig` is nil for the libraries whose .pc files carry `-D` flags (ncursesw, usrsctp,
/// webrtc-audio-processing): SwiftPM drops those with a warning, so their shims define them instead
/// and their headers are found on the default path (APM's through CAudioProcessing's search path).
func cLibrary(_ name: String, pkgConfig: String?, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/CModules/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "termcall",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "termcall", targets: ["termcall"]),
        // Libraries for the benchmark package in Benchmarks/ (kept apart so users need no chafa/glib).
        .library(name: "MediaCore", targets: ["MediaCore"]),
        .library(name: "MediaDevices", targets: ["MediaDevices"]),
        .library(name: "Render", targets: ["Render"]),
        .library(name: "TUI", targets: ["TUI"]),
        .library(name: "Codecs", targets: ["Codecs"]),
        .library(name: "AudioPipeline", targets: ["AudioPipeline"]),
        .library(name: "UDPTransport", targets: ["UDPTransport", "ICE", "TURN", "STUN"]),
        .library(name: "SecureTransport", targets: ["DTLS", "SRTP", "SCTP"]),
        .library(name: "PeerConnection", targets: ["PeerConnection", "CongestionControl", "SDP"]),
        .library(name: "Signaling", targets: ["Signaling"]),
        // For the libFuzzer package in Fuzz/ (scripts/fuzz).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
        .library(name: "EventLoop", targets: ["EventLoop"]),
        .library(name: "VideoPipeline", targets: ["VideoPipeline"]),
        .library(name: "Call", targets: ["Call"]),
        .library(name: "SignalingServer", targets: ["SignalingServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The signalling server (termcall serve) and its WebSocket client: HTTP/1 + WebSocket on SwiftNIO.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        // Already under Hummingbird's TLS; named so the client can trust a CA of your own for wss://.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // MARK: C modules (wrapped once each, by the layer that owns the library)
        cLibrary("CNCurses", pkgConfig: nil, apt: ["libncurses-dev"]),
        cLibrary("CV4L2", pkgConfig: "libv4l2", apt: ["libv4l-dev"]),
        cLibrary("CALSA", pkgConfig: "alsa", apt: ["libasound2-dev"]),
        cLibrary("COpus", pkgConfig: "opus", apt: ["libopus-dev"]),
        cLibrary("CZlib", pkgConfig: "zlib", apt: ["zlib1g-dev"]),
        cLibrary("CVPX", pkgConfig: "vpx", apt: ["libvpx-dev"]),
        cLibrary("COpenSSL", pkgConfig: "openssl", apt: ["libssl-dev"]),
        cLibrary("CSRTP", pkgConfig: "libsrtp2", apt: ["libsrtp2-dev"]),
        cLibrary("CUsrsctp", pkgConfig: nil, apt: ["libusrsctp-dev"]),
        cLibrary("CSpeexDSP", pkgConfig: "speexdsp", apt: ["libspeexdsp-dev"]),
        cLibrary("CWebRTCAudioProcessingLib", pkgConfig: nil,
                 apt: ["libwebrtc-audio-processing-dev"]),
        /// webrtc-audio-processing 0.3 is C++ only: this target is the `extern "C"` face of it.
        .target(
            name: "CAudioProcessing",
            dependencies: ["CWebRTCAudioProcessingLib"],
            path: "Sources/CModules/CAudioProcessing",
            cxxSettings: [
                .define("WEBRTC_POSIX"), .define("WEBRTC_AUDIO_PROCESSING_ONLY_BUILD"),
                .unsafeFlags(["-I/usr/include/webrtc_audio_processing"]),
            ],
            linkerSettings: [.linkedLibrary("webrtc_audio_processing")]
        ),

        // MARK: media
        .target(name: "MediaCore", swiftSettings: strict),
        .target(name: "MediaDevices", dependencies: ["MediaCore", "CV4L2", "CALSA", "CSpeexDSP"], swiftSettings: strict),

        .target(name: "Codecs", dependencies: ["COpus", "CVPX", "MediaCore"], swiftSettings: strict),
        .target(name: "AudioPipeline", dependencies: ["Codecs", "CAudioProcessing", "CSpeexDSP"], swiftSettings: strict),

        // MARK: protocol cores (sans-IO: bytes and time in, bytes, events and deadlines out)
        .target(name: "CryptoPrimitives", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "STUN", dependencies: ["CryptoPrimitives"], swiftSettings: strict),
        .target(name: "TURN", dependencies: ["STUN", "CryptoPrimitives"], swiftSettings: strict),
        .target(name: "ICE", dependencies: ["STUN", "TURN", "CryptoPrimitives"], swiftSettings: strict),
        .target(name: "SRTP", dependencies: ["CSRTP"], swiftSettings: strict),
        .target(name: "RTP", dependencies: ["MediaCore"], swiftSettings: strict),
        .target(name: "SCTP", dependencies: ["CUsrsctp"], swiftSettings: strict),
        .target(name: "SDP", swiftSettings: strict),
        .target(name: "DTLS", dependencies: ["COpenSSL", "CryptoPrimitives", "SRTP"], swiftSettings: strict),
        /// termcall's signalling protocol and room rules, sans-IO (no NIO here, so tests are plain).
        .target(name: "Signaling", dependencies: ["CryptoPrimitives", "CZlib", "ICE"], swiftSettings: strict),
        /// One entry point per parser of hostile bytes, for libFuzzer (Fuzz/) and the corpus replay test.
        .target(name: "FuzzTargets", dependencies: ["STUN", "RTP", "SDP", "SCTP", "Signaling", "MediaDevices", "MediaCore", "TURN", "ICE"], swiftSettings: strict),
        /// `termcall serve`: Hummingbird HTTP/1 + WebSocket, TLS, the web page, a STUN responder.
        .target(name: "SignalingServer", dependencies: [
            "Signaling", "STUN", "TURN", "UDPTransport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ], swiftSettings: strict),
        /// A terminal's side of signalling: the WebSocket client and perfect negotiation for a Call.
        .target(name: "SignalingClient", dependencies: [
            "Signaling", "Call", "PeerConnection", "ICE", "STUN", "TURN",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ], swiftSettings: strict),
        /// A call: devices → pipelines → PeerConnection and back.
        /// The one loop: every connection's sockets, the clock, and what else the owner waits on.
        .target(name: "EventLoop", dependencies: ["PeerConnection", "UDPTransport", "ICE", "STUN"], swiftSettings: strict),
        .target(name: "Call", dependencies: ["EventLoop", "VideoPipeline", "UDPTransport", "PeerConnection", "SDP", "AudioPipeline", "Codecs", "MediaCore", "MediaDevices", "ICE", "SCTP", "STUN"], swiftSettings: strict),
        .target(name: "CongestionControl", dependencies: ["RTP"], swiftSettings: strict),
        .target(name: "PeerConnection", dependencies: ["CongestionControl", "ICE", "DTLS", "SRTP", "SCTP", "SDP", "STUN", "RTP", "CryptoPrimitives", "MediaCore"], swiftSettings: strict),
        /// VP8 encode/decode and the send scale, above the transport (encoded frames in and out).
        .target(name: "VideoPipeline", dependencies: ["PeerConnection", "Codecs", "MediaCore"], swiftSettings: strict),
        /// The UDP shell: sockets, RFC 7983 demultiplexing, the poll loop that drives the ICE agent.
        .target(name: "UDPTransport", dependencies: ["ICE", "STUN", "TURN", "DTLS"], swiftSettings: strict),

        // MARK: presentation
        .target(name: "Render", dependencies: ["MediaCore"], swiftSettings: strict),
        .target(name: "TUI", dependencies: ["Render", "CNCurses"], swiftSettings: strict),

        // MARK: executables
        .executableTarget(
            name: "termcall",
            dependencies: [
                "MediaCore", "MediaDevices", "Render", "TUI", "AudioPipeline", "Codecs", "PeerConnection", "Call", "SCTP", "STUN", "Signaling", "SignalingServer", "SignalingClient", "ICE", "TURN", "UDPTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // MARK: tests
        .testTarget(name: "CModuleTests",
                    dependencies: ["CNCurses", "CV4L2", "CALSA", "COpus", "CVPX", "COpenSSL", "CSRTP",
                                   "CUsrsctp", "CSpeexDSP", "CAudioProcessing"],
                    swiftSettings: strict),
        .testTarget(name: "MediaCoreTests", dependencies: ["MediaCore"], swiftSettings: strict),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "AudioPipelineTests", dependencies: ["AudioPipeline", "Codecs", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "MediaDevicesTests", dependencies: ["MediaDevices", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "ICETests", dependencies: ["ICE", "TURN", "STUN", "UDPTransport", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: ["ICE", "STUN", "TURN", "UDPTransport", "DTLS", "SRTP", "SCTP", "SDP", "PeerConnection", "EventLoop", "VideoPipeline", "Codecs", "MediaCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SecureTransportTests", dependencies: ["DTLS", "SRTP", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "SDPTests", dependencies: ["SDP", "MediaCore"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "SCTPTests", dependencies: ["SCTP", "DTLS", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "SignalingTests", dependencies: ["Signaling"], swiftSettings: strict),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"], swiftSettings: strict),
        .testTarget(name: "SignalingServerTests", dependencies: [
            "Signaling", "STUN", "UDPTransport", "TestSupport",
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
        ], swiftSettings: strict),
        .testTarget(name: "CallTests", dependencies: ["Call", "EventLoop", "PeerConnection", "MediaDevices", "MediaCore", "STUN", "UDPTransport", "SCTP"], swiftSettings: strict),
        .testTarget(name: "PeerConnectionTests", dependencies: ["PeerConnection", "VideoPipeline", "ICE", "RTP", "SDP", "STUN", "MediaCore", "MediaDevices"], swiftSettings: strict),
        .testTarget(name: "VideoPipelineTests", dependencies: ["VideoPipeline"], swiftSettings: strict),
        .testTarget(name: "SignalingClientTests", dependencies: ["SignalingClient", "PeerConnection"], swiftSettings: strict),
        .testTarget(name: "CongestionControlTests", dependencies: ["CongestionControl", "RTP", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "RTPTests", dependencies: ["RTP", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "STUNTests", dependencies: ["STUN", "CryptoPrimitives", "MediaCore"], swiftSettings: strict),
        .testTarget(name: "RenderTests", dependencies: ["Render", "MediaCore"], swiftSettings: strict),
        .target(name: "CPseudoTerminal", path: "Tests/Support/CPseudoTerminal"),
        /// Child processes for tests (posix_spawn: Foundation's Process hangs in waitUntilExit here).
        .target(name: "TestSupport", path: "Tests/Support/TestSupport", swiftSettings: strict),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Render", "CPseudoTerminal"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["MediaCore", "MediaDevices", "TestSupport"], swiftSettings: strict),
    ],
    cxxLanguageStandard: .cxx14
)

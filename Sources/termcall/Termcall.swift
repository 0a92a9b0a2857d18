import ArgumentParser

@main
struct Termcall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "termcall",
        abstract: "Video, voice and text calls in the terminal.",
        discussion: """
        Calls (WebRTC with Chromium, Firefox and aiortc peers) are being built; this version lists \
        devices, previews local video in the terminal, tests the speaker and microphone, and makes \
        headless calls with signalling on stdin/stdout.
        """,
        version: "0.1.0",
        subcommands: [PreviewCommand.self, DevicesCommand.self, AudioTestCommand.self, CallCommand.self]
    )
}

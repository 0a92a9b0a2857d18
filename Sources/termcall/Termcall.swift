import ArgumentParser

@main
struct Termcall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "termcall",
        abstract: "Video, voice and text calls in the terminal.",
        discussion: """
        Lists devices, previews local video in the terminal, tests the speaker and microphone, makes \
        headless calls (signalling on stdin/stdout or through a server) and runs the signalling server \
        with its browser page. The call screen comes next.
        """,
        version: "0.1.0",
        subcommands: [DemoCommand.self, PreviewCommand.self, DevicesCommand.self, AudioTestCommand.self, CallCommand.self, ServeCommand.self]
    )
}

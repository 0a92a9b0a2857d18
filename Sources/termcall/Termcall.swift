import ArgumentParser

@main
struct Termcall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "termcall",
        abstract: "Video, voice and text calls in the terminal.",
        discussion: """
        Without a subcommand, opens the lobby: the demo call, joining a room, devices and display. \
        Also: a demo call, previews of local video, a speaker and microphone test, headless calls \
        (through a server, JSON lines on stdin/stdout, or pasted lines) and the signalling server \
        with its browser page.
        """,
        version: "0.1.0",
        subcommands: [LobbyCommand.self, DemoCommand.self, PreviewCommand.self, DevicesCommand.self, AudioTestCommand.self, CallCommand.self, ServeCommand.self],
        defaultSubcommand: LobbyCommand.self
    )
}

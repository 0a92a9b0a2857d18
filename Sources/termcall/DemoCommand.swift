import ArgumentParser
import Call
import Foundation
import MediaDevices
import PeerConnection
import SignalingClient
import Render
import STUN
import TUI

/// `termcall demo`: the whole stack with no devices and no peer. Two callers in this process
/// connect over loopback (ICE, DTLS-SRTP, SCTP) with the test pattern and tones; the call screen
/// shows the other one's video, and it echoes whatever you say in the chat.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A call to an echoing peer in this process: no camera, microphone or network needed.",
        discussion: "Keys: q hang up; Enter (or Tab) chat, Enter send, Esc back; PgUp/PgDn scroll the chat; m mute; v camera; d devices; r render mode; s statistics; ? help. The mouse: click the chat to type, a tile to enlarge it; the wheel scrolls the chat."
    )

    @Option(name: .long, help: ArgumentHelp("half, ascii or ascii-color (default: half on a UTF-8 terminal).", valueName: "MODE"))
    var mode: RenderMode?

    @Option(name: .long, help: ArgumentHelp("auto, truecolor, 256, 16 or none.", valueName: "DEPTH"))
    var colors: ColorChoice = .auto

    func run() throws {
        let (depth, mode) = terminalDisplay(for: "demo", colors: colors, mode: mode)
        let session = openTerminal(depth: depth)
        let outcome = Self.run(session: session, depth: depth, mode: mode)
        session.restore()
        switch outcome {
        case .hungUp, .peerLeft: break
        case let .failed(message): fail(message)
        case let .interrupted(signal): Foundation.exit(128 + signal)
        }
    }

    /// The demo call on an open terminal session (the lobby runs it too).
    static func run(session: TerminalSession, depth: ColorDepth, mode: RenderMode) -> CallScreen.Outcome {
        func caller(tone: Double) -> CallConfiguration { .loopbackTest(tone: tone, width: 320, height: 240) }
        let you: Call, echo: Call
        do {
            you = try Call(configuration: caller(tone: 440))
            echo = try Call(configuration: caller(tone: 660))
            try echo.peer.setRemoteDescription(try you.peer.createOffer())
            try you.peer.setRemoteDescription(try echo.peer.createAnswer())
        } catch {
            return .failed("the demo call could not start: \(error)")
        }
        var screen = CallScreen(session: session, call: you, peerName: "echo", depth: depth, mode: mode)
        // Renegotiation (the device menu adding or removing the camera) is signalled in-process:
        // the echo answers at once.
        var negotiator = PairNegotiator(polite: false)
        let outcome = screen.run(step: {
            let events = you.step(maximumWait: 4)
            var notes: [(Call.Event, String?)] = []
            var pending = events.contains(.negotiationNeeded) ? negotiator.negotiationNeeded(you.peer) : []
            while !pending.isEmpty {
                switch pending.removeFirst() {
                case let .offer(sdp):
                    do {
                        try echo.peer.setRemoteDescription(sdp)
                        pending += negotiator.answerArrived(try echo.peer.createAnswer(), on: you.peer)
                    } catch { notes.append((.problem("renegotiation failed: \(error)"), nil)) }
                case .answer: break // the echo never offers
                case let .note(text): notes.append((.problem(text), nil))
                case let .refused(kind, reason): notes.append((.problem("the echo's \(kind) was refused: \(reason)"), nil))
                }
            }
            return events.map { ($0, nil) } + notes
        }, sideStep: {
            for event in echo.step(maximumWait: 0) {
                if case let .chat(text) = event { echo.sendChat("you said: \(text)") }
            }
        })
        echo.hangUp()
        return outcome
    }
}

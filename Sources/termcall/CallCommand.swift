import ArgumentParser
import Call
import Foundation
import MediaDevices
import PeerConnection
import SCTP
import SDP
import STUN
import TURN
import TUI
import Signaling
import SignalingClient

/// A call without a terminal UI, for scripts and tests: offer and answer travel as JSON lines on
/// stdin/stdout, chat lines come in on stdin and go out as JSON. The `Call` underneath is the one
/// the call screen drives: camera or test pattern, microphone or tone, speaker or nothing.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Make a call: in a room on a signalling server (the call screen on a terminal), or headless with JSON lines or pasted lines.",
        discussion: """
        ROOM --server URL on a terminal runs the call on the call screen (q hangs up, ? shows the keys). \
        Headless (pipes, --headless, or --signal): with --offer, prints {"type":"offer","sdp":...} and reads \
        {"type":"answer","sdp":...}; without, reads the offer and prints the answer (--signal paste: one \
        termcall1: line each way instead). During the call: {"chat":"text"} sends a chat message, \
        {"cmd":"stats"} prints a stats line, {"cmd":"camera","on":false} turns the camera track off (a \
        new offer is printed), {"cmd":"mute","on":true} mutes the microphone, {"type":"offer"|"answer","sdp":...} renegotiates, {"type":"candidate",\
        "candidate":"candidate:..."} adds a trickled candidate, {"cmd":"hangup"} ends the call. Printed: \
        {"event":"chat","text":...}, {"event":"track"|"track-ended","kind":...}, {"event":"first-frame"} (once per far end; in a room these name its "peer"), \
        {"event":"verification","code":"482 913"} (read it to the far end: SECURITY.md), {"event":"chat-refused","reason":...}, \
        {"event":"closed"} (with "reason" when the call was refused); with --server also {"event":"joined"}, {"event":"rejoined"}, {"event":"peer-left"}, \
        {"event":"signalling"}.
        """
    )

    @Argument(help: ArgumentHelp("Room to join on --server (as `termcall serve` names them).", valueName: "ROOM"))
    var room: String?

    @Option(name: .long, help: ArgumentHelp("Signalling server, e.g. ws://host:8080 (started with `termcall serve`).", valueName: "URL"))
    var server: String?

    @Option(name: .long, help: "Your name in the room.")
    var name = "terminal"

    @Option(name: .long, help: ArgumentHelp("The room's passphrase, from the first line of FILE (or TERMCALL_ROOM_PASSPHRASE). Whoever opens a room sets it.", valueName: "FILE"))
    var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("For a wss:// server: trust the CA certificates in FILE (PEM) instead of the system's (or TERMCALL_CA_FILE).", valueName: "FILE"))
    var caFile: String?

    @Option(name: .long, help: "Signalling without a server: 'stdio' (JSON lines on stdin/stdout) or 'paste' (one line each way to copy into any chat).")
    var signal: String = "stdio"

    @Flag(name: .long, help: "Make the offer (otherwise answer one).")
    var offer = false

    @Flag(name: .long, help: "Offer loopback addresses as candidates (for calls on one machine).")
    var loopback = false

    @Flag(name: .long, help: "JSON lines on stdin/stdout even on a terminal (no call screen).")
    var headless = false

    @Flag(name: .long, help: "Send the microphone as it is: no echo cancellation, noise suppression or gain control (music; a headset that already does it).")
    var noVoiceProcessing = false

    @Flag(name: .long, help: "Connect only through a TURN relay (hides your addresses from the peer; needs a TURN server: --ice-server, or a signalling server with --turn-secret).")
    var relayOnly = false

    @OptionGroup var iceServers: IceServerOptions

    @Flag(name: .long, help: "Offer your host addresses as random .local names (answered by multicast DNS on your LAN only), as browsers do.")
    var hideHostAddresses = false

    @Option(name: .long, help: ArgumentHelp("How the offer asks for BUNDLE: 'balanced' (the default), 'max-bundle' (sections after the first are bundle-only, as Firefox and GStreamer offer with that policy) or 'max-compat'. The call runs on one transport either way.", valueName: "POLICY"))
    var bundlePolicy: BundlePolicy = .balanced

    @Option(name: .long, help: ArgumentHelp("Video to send: 'test' (a moving pattern), a V4L2 device such as /dev/video0, a .y4m file, or 'none'.", valueName: "SOURCE"))
    var camera = "test"

    @Option(name: .long, help: ArgumentHelp("Capture size and rate, WxH@FPS.", valueName: "SIZE"))
    var videoSize = "320x240@30"

    @Option(name: .long, help: ArgumentHelp("Audio to send: 'tone' (440 Hz), an ALSA PCM name as `termcall devices` lists it, or 'none'.", valueName: "DEV"))
    var mic = "tone"

    @Option(name: .long, help: ArgumentHelp("Where the far end's audio plays: an ALSA PCM name, or 'none'.", valueName: "DEV"))
    var speaker = "none"

    func validate() throws {
        guard signal == "stdio" || signal == "paste" else { throw ValidationError("--signal takes 'stdio' or 'paste'; for a server use ROOM --server URL") }
        if server != nil {
            guard let room, SignalingMessage.isValidRoomName(room) else { throw ValidationError("with --server, name the ROOM to join (letters, digits, - and _)") }
            guard !offer else { throw ValidationError("--offer is for --signal stdio; in a room the newcomer offers") }
        } else if room != nil {
            throw ValidationError("a ROOM needs --server URL")
        }
        guard Self.parseSize(videoSize) != nil else { throw ValidationError("--video-size takes WxH@FPS, for example 640x480@30") }
    }

    static func parseSize(_ text: String) -> (width: Int, height: Int, fps: Int)? {
        let parts = text.split(separator: "@")
        let dims = parts.first?.split(separator: "x") ?? []
        guard dims.count == 2, let w = Int(dims[0]), let h = Int(dims[1]) else { return nil }
        let fps = parts.count > 1 ? Int(parts[1]) : 30
        guard let fps, (16...4096).contains(w), (16...4096).contains(h), (1...240).contains(fps) else { return nil }
        return (w, h, fps)
    }

    func run() throws {
        var configuration = CallConfiguration()
        let size = Self.parseSize(videoSize) ?? (320, 240, 30)
        configuration.useDevices(camera: camera, microphone: mic, speaker: speaker, width: size.width, height: size.height, fps: size.fps)
        if loopback {
            configuration.addresses = [TransportAddress.IP("127.0.0.1")!]
            configuration.includeLoopback = true
        }
        configuration.iceConfiguration.relayOnly = relayOnly
        configuration.iceConfiguration.hideHostAddresses = hideHostAddresses
        configuration.voiceProcessing = !noVoiceProcessing
        configuration.bundlePolicy = bundlePolicy
        // On a terminal, a room call runs on the call screen; through pipes it stays headless.
        let access: SignalingAccess
        do { access = try SignalingAccess.resolve(passphraseFile: passphraseFile, caFile: caFile, environment: ProcessInfo.processInfo.environment) } catch { fail("\(error)") }
        IceServerOptions.apply(iceServers.servers(settings: Settings.load()), caFile: access.caFile, to: &configuration.iceConfiguration)
        if let server, let room, isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1, !headless {
            let environment = ProcessInfo.processInfo.environment
            let depth = TerminalColors.detect(environment: environment)
            let session = openTerminal(depth: depth)
            let outcome = CallScreen.roomCall(session: session, configuration: configuration, server: server, room: room, name: name, access: access,
                                              depth: depth,
                                              mode: TerminalCharset.isUTF8(environment: environment) ? .halfBlock : .ascii)
            session.restore()
            switch outcome {
            case .hungUp, .peerLeft: return
            case let .failed(message): fail(message)
            case let .interrupted(signal): Foundation.exit(128 + signal)
            }
        }
        let input = StdinLines()
        if let server, let room {
            let roomCall: RoomCall
            switch RoomJoin.join(server: server, room: room, name: name, access: access, configuration: configuration) {
            case let .success(joined): roomCall = joined
            case let .failure(failure):
                FileHandle.standardError.write(Data("termcall: \(failure)\n".utf8))
                throw ExitCode.failure
            }
            try runLoop(call: roomCall.call, input: input) {
                var out: [(peer: String?, event: Call.Event)] = []
                for event in roomCall.step(maximumWait: 5) {
                    switch event {
                    case let .call(e, peer): out.append((peer, e))
                    case let .joined(room, others): emit(["event": "joined", "room": room, "others": others])
                    case let .rejoined(others): emit(["event": "rejoined", "others": others])
                    case let .peerJoined(id, name): emit(["event": "peer-joined", "id": id, "name": name])
                    case let .peerLeft(id): emit(["event": "peer-left", "id": id])
                    case let .signalling(text): emit(["event": "signalling", "text": text])
                    }
                }
                return out
            } hangUp: {
                roomCall.hangUp()
            }
            return
        }
        let call: Call
        do { call = try Call(configuration: configuration) } catch {
            FileHandle.standardError.write(Data("termcall: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let pc = call.peer
        // stdio and paste carry no trickled candidates: each description holds what was gathered
        // when it was made, so let the STUN and TURN servers answer first.
        waitForCandidates(call)
        if signal == "paste" {
            try pasteExchange(pc, input: input)
        } else if offer {
            emit(["type": "offer", "sdp": try pc.createOffer()])
            guard let answer = input.waitForJSON()?["sdp"] as? String else { throw ExitCode.failure }
            try pc.setRemoteDescription(answer)
        } else {
            guard let offer = input.waitForJSON()?["sdp"] as? String else { throw ExitCode.failure }
            try pc.setRemoteDescription(offer)
            emit(["type": "answer", "sdp": try pc.createAnswer()])
        }
        try runLoop(call: call, input: input) { call.step(maximumWait: 5).map { (nil, $0) } } hangUp: { call.hangUp() }
    }

    /// Steps the call until ICE gathering is complete (server-reflexive and relayed candidates are
    /// in), at most `IceTransport`'s allocation deadline; problems (a refused TURN login) are said.
    private func waitForCandidates(_ call: Call) {
        let deadline = Date().addingTimeInterval(Double(TurnAllocation.streamTimeout) / 1000)
        while !call.peer.iceGatheringComplete, Date() < deadline {
            for case let .problem(text) in call.step(maximumWait: 20) { FileHandle.standardError.write(Data("termcall: \(text)\n".utf8)) }
        }
    }

    /// Server-less: the offer and the answer each travel as one line the people copy into any chat
    /// (PastedDescription). Prompts go to stderr, the line alone to stdout.
    private func pasteExchange(_ pc: PeerConnection, input: StdinLines) throws {
        func say(_ text: String) { FileHandle.standardError.write(Data("termcall: \(text)\n".utf8)) }
        func readDescription(_ kind: PastedDescription.Kind) throws -> String {
            while let line = input.waitForLine() {
                do {
                    let (got, sdp) = try PastedDescription.decode(line)
                    if got == kind { return sdp }
                    say("that is your own line; paste the one the other person sent")
                } catch { say(error.description) }
            }
            throw ExitCode.failure
        }
        if offer {
            FileHandle.standardOutput.write(Data((PastedDescription.encode(try pc.createOffer(), as: .offer) + "\n").utf8))
            say("send the line above to the other person (they run: termcall call --signal paste), then paste their reply here:")
            try pc.setRemoteDescription(try readDescription(.answer))
        } else {
            say("paste the termcall1:o: line the other person sent you:")
            try pc.setRemoteDescription(try readDescription(.offer))
            FileHandle.standardOutput.write(Data((PastedDescription.encode(try pc.createAnswer(), as: .answer) + "\n").utf8))
            say("send the line above back to them; the call starts when they paste it")
        }
    }

    /// The call's loop: `step` runs the signalling and the call; stdin lines steer it (chat,
    /// stats, camera, mute, hang-up, and with stdio signalling renegotiation and candidates).
    /// Each event comes with the far end's id in a room (nil with one far end): one-shot events
    /// (chat-open, first-frame, verification) are said once per far end, and name it.
    private func runLoop(call: Call, input: StdinLines, step: () throws -> [(peer: String?, event: Call.Event)], hangUp: () -> Void) throws {
        let pc = call.peer
        // Stdio signalling is one pair: the side that made the first offer is the impolite one.
        var negotiator = PairNegotiator(polite: !offer)
        func emit(_ object: [String: Any], peer: String? = nil) {
            var line = object
            if let peer { line["peer"] = peer }
            self.emit(line)
        }
        func send(_ output: [PairNegotiator.Output]) {
            for item in output {
                switch item {
                case let .offer(sdp): emit(["type": "offer", "sdp": sdp])
                case let .answer(sdp): emit(["type": "answer", "sdp": sdp])
                case let .note(text): FileHandle.standardError.write(Data("termcall: \(text)\n".utf8))
                case let .refused(kind, reason): FileHandle.standardError.write(Data("termcall: their \(kind) was refused: \(reason)\n".utf8))
                }
            }
        }
        while true {
            for (peer, event) in try step() {
                switch event {
                case .chatOpen: emit(["event": "chat-open"], peer: peer)
                case .remoteVideo(first: true): emit(["event": "first-frame"], peer: peer)
                case let .chat(text): emit(["event": "chat", "text": text])
                case let .track(kind): emit(["event": "track", "kind": kind.rawValue])
                case let .trackEnded(kind): emit(["event": "track-ended", "kind": kind.rawValue])
                case .negotiationNeeded where server == nil:
                    send(negotiator.negotiationNeeded(pc))
                case let .problem(text): FileHandle.standardError.write(Data("termcall: \(text)\n".utf8))
                case let .verificationCode(code): emit(["event": "verification", "code": code], peer: peer)
                case let .ended(byPeer):
                    var line: [String: Any] = ["event": "closed", "by": byPeer ? "peer" : "us"]
                    if let reason = call.endReason { line["reason"] = reason }
                    emit(line)
                    return
                default: break
                }
            }
            while let line = input.nextJSON() {
                if let text = line["chat"] as? String {
                    if let refusal = call.chatRefusal(text) { emit(["event": "chat-refused", "reason": refusal]) } else { _ = call.sendChat(text) }
                }
                switch (line["type"] as? String, line["sdp"] as? String) {
                case let ("offer", sdp?): send(negotiator.offerArrived(sdp, on: pc))
                case let ("answer", sdp?): send(negotiator.answerArrived(sdp, on: pc))
                case ("candidate", _):
                    if negotiator.acceptsCandidates { pc.addIceCandidate(line["candidate"] as? String ?? "") }
                default: break
                }
                switch line["cmd"] as? String {
                case "stats": self.emit(statisticsLine(call))
                case "camera": call.setCamera(on: line["on"] as? Bool ?? true)
                case "mute": call.microphoneMuted = line["on"] as? Bool ?? true
                case "hangup":
                    hangUp()
                    emit(["event": "closed", "by": "us"])
                    return
                default: break
                }
            }
            if input.closed { hangUp(); return }
        }
    }

    /// The `{"cmd":"stats"}` line: the first far end's figures at the top (a 1:1 call's only
    /// one), every far end's in `legs`, and the process's own.
    private func statisticsLine(_ call: Call) -> StatisticsLine {
        let legs = call.statistics()
        return StatisticsLine(first: legs[0], legs: legs, opusExpectedLoss: call.expectedLossPercent,
                              rssKib: ProcessResources.residentKiB(), openFds: ProcessResources.openDescriptors(),
                              microphoneDroppedSamples: call.microphoneStatistics?.droppedSamples,
                              speakerDroppedSamples: call.speakerStatistics?.droppedSamples,
                              speakerSilentPeriods: call.speakerStatistics?.silentPeriods)
    }

    private func emit(_ line: some Encodable) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard var data = try? encoder.encode(line) else { return }
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    private func emit(_ object: [String: Any]) {
        guard var data = try? JSONSerialization.data(withJSONObject: object) else { return }
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }
}

/// Lines of stdin as JSON objects, read without blocking the call loop.
final class StdinLines {
    private var buffer: [UInt8] = []
    private(set) var closed = false

    init() { _ = fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) }

    func nextJSON() -> [String: Any]? {
        fill()
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = Array(buffer[..<newline])
            buffer.removeFirst(newline + 1)
            if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { return object }
        }
        return nil
    }

    /// Blocks (polling stdin) until a non-empty line arrives or stdin closes.
    func waitForLine() -> String? {
        while true {
            fill()
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { return line }
                continue
            }
            if closed { return nil }
            var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, 1000)
        }
    }

    /// Blocks (polling stdin) until a JSON line arrives or stdin closes.
    func waitForJSON() -> [String: Any]? {
        while !closed {
            if let object = nextJSON() { return object }
            var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, 1000)
        }
        return nextJSON()
    }

    private func fill() {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(0, &chunk, chunk.count)
            if n > 0 { buffer += chunk[..<n]; continue }
            if n == 0 { closed = true }
            return
        }
    }
}

extension BundlePolicy: ExpressibleByArgument {}

/// What `{"cmd":"stats"}` prints, as one JSON object (keys in snake_case).
struct StatisticsLine: Encodable {
    var first: LegStatistics
    var legs: [LegStatistics]
    var opusExpectedLoss: Int
    var rssKib: Int, openFds: Int
    /// The devices' discontinuities: samples the microphone's ring lost or the speaker trimmed, and
    /// 10 ms periods the speaker played as silence for want of audio (nil without the device).
    var microphoneDroppedSamples: Int?, speakerDroppedSamples: Int?, speakerSilentPeriods: Int?

    enum Keys: String, CodingKey { case event, legs, opusExpectedLoss, rssKib, openFds, microphoneDroppedSamples, speakerDroppedSamples, speakerSilentPeriods }

    func encode(to encoder: any Encoder) throws {
        try first.encode(to: encoder) // the first leg's figures at the top level
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("stats", forKey: .event)
        try container.encode(legs, forKey: .legs)
        try container.encode(opusExpectedLoss, forKey: .opusExpectedLoss)
        try container.encode(rssKib, forKey: .rssKib)
        try container.encode(openFds, forKey: .openFds)
        try container.encodeIfPresent(microphoneDroppedSamples, forKey: .microphoneDroppedSamples)
        try container.encodeIfPresent(speakerDroppedSamples, forKey: .speakerDroppedSamples)
        try container.encodeIfPresent(speakerSilentPeriods, forKey: .speakerSilentPeriods)
    }
}

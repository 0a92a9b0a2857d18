import ArgumentParser
import AudioPipeline
import Codecs
import Foundation
import MediaDevices
import PeerConnection
import SCTP
import STUN

/// A call without a terminal UI, for scripts and tests: offer and answer travel as JSON lines on
/// stdin/stdout, the test pattern and a tone stand in for camera and microphone, chat lines come in
/// on stdin and go out as JSON. Audio goes through the real pipeline (`CallAudio`: echo
/// cancellation, Opus, the adaptive jitter buffer), paced by a 10 ms tick; the speaker's output is
/// discarded here. (The ncurses call screen is #9; this is the engine under it.)
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Make a call with signalling as JSON lines on stdin/stdout (headless).",
        discussion: """
        With --offer, prints {"type":"offer","sdp":...} and reads {"type":"answer","sdp":...}; without, \
        reads the offer and prints the answer. Then: {"chat":"text"} sends a chat message, {"cmd":"stats"} \
        prints a stats line, {"cmd":"hangup"} ends the call. Received chat prints {"event":"chat","text":...}.
        """
    )

    @Option(name: .long, help: "Signalling channel (only 'stdio' for now).")
    var signal: String = "stdio"

    @Flag(name: .long, help: "Make the offer (otherwise answer one).")
    var offer = false

    @Flag(name: .long, help: "Offer loopback addresses as candidates (for calls on one machine).")
    var loopback = false

    func validate() throws {
        guard signal == "stdio" else { throw ValidationError("--signal takes 'stdio' (a server comes with `termcall serve`)") }
    }

    func run() throws {
        let addresses = loopback ? [TransportAddress.IP("127.0.0.1")!] : nil
        let pc = try PeerConnection(addresses: addresses, includeLoopback: loopback)
        let input = StdinLines()
        if offer {
            emit(["type": "offer", "sdp": try pc.createOffer()])
            guard let answer = input.waitForJSON()?["sdp"] as? String else { throw ExitCode.failure }
            try pc.setRemoteDescription(answer)
            pc.createDataChannel(label: "chat")
        } else {
            guard let offer = input.waitForJSON()?["sdp"] as? String else { throw ExitCode.failure }
            try pc.setRemoteDescription(offer)
            emit(["type": "answer", "sdp": try pc.createAnswer()])
        }
        let audio = CallAudio(sender: AudioSender(canceller: try WebRTCAudioProcessor(), encoder: try OpusEncoder()), receiver: try AudioReceiver())
        var tone = ToneSource(frequency: 440, level: -20)
        let pattern = TestPatternGenerator(width: 320, height: 240, fps: 30)
        var chat: UInt16?, secured = false, nextAudio: Int64 = 0, nextVideo: Int64 = 0, frameNumber: UInt64 = 0
        var chatReceived = 0, audioReceived = 0, videoReceived = 0
        while true {
            for event in pc.step(maximumWait: 5) {
                switch event {
                case .secured: secured = true; nextAudio = pc.ice.now; nextVideo = pc.ice.now
                case let .dataChannelOpen(id, label) where label == "chat": chat = id; emit(["event": "chat-open"])
                case let .message(_, .text(text)): chatReceived += 1; emit(["event": "chat", "text": text])
                case let .audio(sequence, timestamp, payload):
                    audioReceived += 1
                    audio.receive(sequence: sequence, timestamp: timestamp, payload: payload, now: pc.ice.now)
                case .video: videoReceived += 1
                case let .problem(text): FileHandle.standardError.write(Data("termcall: \(text)\n".utf8))
                case .closed:
                    emit(["event": "closed", "by": "peer"]) // the peer hung up (DTLS close_notify)
                    return
                default: break
                }
            }
            if secured, pc.ice.now >= nextAudio {
                // One 10 ms tick of the call's audio: playout (discarded here), AEC, Opus every 20 ms.
                let out = try audio.tick(microphone: tone.nextFrame(samples: 480)[...], now: pc.ice.now)
                if let packet = out.packet {
                    if packet.transmit { pc.sendAudio(packet.payload, timestampAdvance: packet.timestampAdvance) }
                    else { pc.skipAudio(timestampAdvance: packet.timestampAdvance) }
                }
                nextAudio += 10
            }
            if secured, pc.ice.now >= nextVideo {
                pc.sendVideo(pattern.frame(number: frameNumber), timestamp: UInt32(truncatingIfNeeded: frameNumber * 3000))
                frameNumber += 1
                nextVideo += 33
            }
            while let line = input.nextJSON() {
                if let text = line["chat"] as? String, let chat { try? pc.send(.text(text), on: chat) }
                switch line["cmd"] as? String {
                case "stats":
                    let st = pc.statistics()
                    var line: [String: Any] = [
                        "event": "stats", "audio_packets_received": audioReceived, "video_frames_decoded": videoReceived,
                        "audio_packets_sent": st.outbound(.audio)?.packetsSent ?? 0, "video_frames_sent": st.outbound(.video)?.framesEncoded ?? 0,
                        "chat_received": chatReceived, "ice": "\(st.transport.iceState)",
                        "audio_played": audio.receiver.buffer.statistics.played, "audio_concealed": audio.receiver.buffer.statistics.concealed,
                        "audio_buffered_ms": audio.receiver.buffer.bufferedMilliseconds,
                        "dtls_cipher": st.transport.dtlsCipher ?? "", "srtp_profile": st.transport.srtpProfile ?? "",
                        "selected_pair": st.transport.selectedPair ?? "",
                        "video_fps": st.inbound(.video)?.framesPerSecond ?? 0, "video_width": st.inbound(.video)?.frameWidth ?? 0,
                        "audio_jitter_ms": (st.inbound(.audio)?.jitter ?? 0) * 1000, "audio_packets_lost": st.inbound(.audio)?.packetsLost ?? 0,
                        "video_bitrate": st.inbound(.video)?.bitrate ?? 0, "keyframes_sent": st.outbound(.video)?.keyframesEncoded ?? 0,
                        "pli_received": st.outbound(.video)?.pliReceived ?? 0, "pli_sent": st.inbound(.video)?.pliSent ?? 0,
                    ]
                    if let rtt = st.transport.roundTripTime { line["rtt_ms"] = rtt * 1000 }
                    emit(line)
                case "hangup":
                    pc.close()
                    _ = pc.step(maximumWait: 0)
                    emit(["event": "closed"])
                    return
                default: break
                }
            }
            if input.closed { pc.close(); return }
        }
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

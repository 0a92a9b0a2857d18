import Call
import Foundation
import MediaCore
import PeerConnection
import Render
import TUI

/// The call screen: the far end's video as large as the window allows,
/// your own picture as an inset, a chat pane with an input line, and a status line. One loop on
/// the main thread steps the call (network, audio, camera) and the terminal; a frame is drawn only
/// when the terminal has taken the previous one, so a slow link skips frames instead of lagging.
struct CallScreen {
    enum Outcome { case hungUp, peerLeft, failed(String), interrupted(Int32) }

    struct ChatLine {
        var who: String
        var text: String
        var time = ChatLine.clock()
        /// HH:MM local time, for the pane.
        static func clock() -> String {
            var now = time_t(Foundation.time(nil)), parts = tm()
            localtime_r(&now, &parts)
            return String(format: "%02d:%02d", parts.tm_hour, parts.tm_min)
        }
    }

    let session: TerminalSession
    let call: Call
    let peerName: String
    var renderer: VideoRenderer
    var chat: [ChatLine] = []
    /// The chat line: edits like readline, Up/Down through what was sent.
    var input = LineEditor()
    var chatFocused = false
    /// Lines scrolled back from the newest (PageUp/PageDown, the wheel over the chat).
    var chatScroll = 0
    var status = "connecting"
    var drawPending = true
    var selfView: VideoFrame?
    var lastStats = ContinuousClock.now
    var statsText = ""
    var showHelp = false
    var showStats = false
    /// The device menu over the call (`d`), while it is open.
    var devices: DeviceChooser?
    /// The others in a group call (a room): their names and latest pictures, laid out as a grid
    /// when there are two or more. Nil for a 1:1 call (the call's own remote frame).
    var participants: (() -> [(name: String, frame: VideoFrame?, leg: Int)])?
    /// The tile a click enlarged to the whole video pane (a leg id), until clicked again or Esc.
    var enlarged: Int?
    /// Shown in a box over the video until the far end's picture arrives (a host's address to share).
    var banner: [String] = []
    /// Messages that arrived while the chat line was not focused.
    var unread = 0
    /// Where things were last drawn, for the mouse.
    var layout = Layout()

    struct Layout {
        var videoColumns = 0, videoRows = 0, chatColumn = 0
        var tiles: [(leg: Int, row: Int, column: Int, columns: Int, rows: Int)] = []
    }

    static let chatWidth = 32

    init(session: TerminalSession, call: Call, peerName: String, depth: ColorDepth, mode: RenderMode) {
        self.session = session
        self.call = call
        self.peerName = peerName
        renderer = VideoRenderer(mode: mode, depth: depth)
    }

    /// `step` runs the call for one turn (the call alone, or with its room's signalling) and says
    /// who each event is from (nil: `peerName`); `sideStep` runs beside it (the demo's echoing peer).
    mutating func run(step: (() -> [(event: Call.Event, from: String?)])? = nil, sideStep: () -> Void = {}) -> Outcome {
        while true {
            if let signal = session.receivedSignal { return .interrupted(signal) }
            if session.inputClosed { call.hangUp(); return .hungUp }
            for key in session.keys() {
                if handle(key) { call.hangUp(); return .hungUp }
            }
            sideStep()
            // The call's loop waits on the terminal too: a key wakes it as a datagram does.
            let events = step?() ?? call.turn(maximumWait: 4, alsoWaitingOn: [session.input, session.interruptDescriptor]).events.map { ($0.event, nil) }
            for (event, from) in events {
                switch event {
                case .remoteVideo: drawPending = true
                case .chatOpen: note("chat with \(peerName) is open")
                case let .chat(text):
                    chat.append(ChatLine(who: from ?? peerName, text: text.precomposedStringWithCanonicalMapping))
                    if !chatFocused { unread += 1 }
                    if chatScroll > 0 { chatScroll += 1 } // what the person scrolled back to stays put
                    drawPending = true
                case let .connectionState(state): status = "\(state)"; drawPending = true
                case .secured: status = "in call"; drawPending = true
                case .ended:
                    // A refused certificate ends the call before it began: say why, after the screen is gone.
                    if let reason = call.endReason { return .failed(reason) }
                    return .peerLeft
                case let .verificationCode(code):
                    note("verification code \(code): read it to \(from ?? peerName); if theirs differs, someone is in the middle")
                case let .problem(text): note(text)
                default: break
                }
            }
            guard session.flushFrames() else { return .hungUp }
            if let frame = call.localFrame { selfView = frame }
            if drawPending, !session.frames.isBacklogged {
                drawPending = false
                draw()
            }
        }
    }

    private mutating func note(_ text: String) {
        chat.append(ChatLine(who: "", text: text))
        drawPending = true
    }

    /// True when the key hangs up.
    private mutating func handle(_ key: Key) -> Bool {
        drawPending = true
        if case let .mouse(event) = key { return click(event) }
        switch key {
        case .resize: return false
        case .pageUp: chatScroll += max(1, layout.videoRows - 3); return false
        case .pageDown: chatScroll = max(0, chatScroll - max(1, layout.videoRows - 3)); return false
        default: break
        }
        if chatFocused {
            switch key {
            case .enter:
                guard !input.isEmpty else { break }
                // A line that cannot go keeps its place in the input, with the reason above it.
                if let refusal = call.chatRefusal(input.text) {
                    note(refusal)
                    break
                }
                if call.sendChat(input.text) {
                    chat.append(ChatLine(who: "me", text: input.commit()))
                    chatScroll = 0
                } else {
                    note("the chat could not take that line just now: it is kept, press Enter again")
                }
            case .escape, .tab: chatFocused = false
            case .interrupt: return true
            default: input.handle(key)
            }
            return false
        }
        if devices != nil {
            switch devices!.handle(key) {
            case .apply?:
                let chooser = devices!
                devices = nil
                renderer.mode = RenderMode(rawValue: chooser.value("render")) ?? renderer.mode
                let problems = chooser.apply(to: call)
                selfView = nil
                note(problems.isEmpty ? "devices changed" : problems.joined(separator: "; "))
            case .close?: devices = nil
            case nil: if key == .interrupt { return true }
            }
            return false
        }
        if showHelp, key != .character("q") { showHelp = false; return false } // any key closes the help
        switch key {
        case .character("q"), .character("Q"), .interrupt: return true
        case .enter, .tab: chatFocused = true; unread = 0
        case .escape: enlarged = nil
        case .character("m"): call.microphoneMuted.toggle()
        case .character("v"): call.cameraPaused.toggle()
        case .character("s"): showStats.toggle()
        case .character("d"): devices = DeviceChooser(configuration: call.configuration, mode: renderer.mode)
        case .character("?"), .character("h"), .function(1): showHelp = true
        case .character("r") where renderer.depth != .none:
            renderer.mode = RenderMode.allCases[(RenderMode.allCases.firstIndex(of: renderer.mode)! + 1) % RenderMode.allCases.count]
        default: break
        }
        return false
    }

    /// A click on the chat pane focuses its line; on a tile, enlarges it (again: back to the grid);
    /// on the video, leaves the chat line. The wheel scrolls the chat.
    private mutating func click(_ event: MouseEvent) -> Bool {
        if showHelp { showHelp = false; return false }
        let inChat = layout.chatColumn > 0 && event.column >= layout.chatColumn && event.row < layout.videoRows
        switch event.kind {
        case .wheelUp: chatScroll += 3
        case .wheelDown: chatScroll = max(0, chatScroll - 3)
        case .press, .secondaryPress:
            if inChat { chatFocused = true; unread = 0; return false }
            guard event.row < layout.videoRows, event.column < layout.videoColumns else { return false }
            chatFocused = false
            if enlarged != nil { enlarged = nil; return false }
            if let tile = layout.tiles.first(where: { event.row >= $0.row && event.row < $0.row + $0.rows && event.column >= $0.column && event.column < $0.column + $0.columns }) {
                enlarged = tile.leg
            }
        }
        return false
    }

    private mutating func draw() {
        guard let size = session.size() else { return }
        let chatWidth = size.columns >= 60 ? Self.chatWidth : 0
        let videoColumns = size.columns - chatWidth, videoRows = size.rows - 1
        guard videoColumns >= 4, videoRows >= 2 else { return }
        layout = Layout(videoColumns: videoColumns, videoRows: videoRows, chatColumn: chatWidth > 0 ? videoColumns : 0)
        var video = CellGrid(columns: videoColumns, rows: videoRows, fill: .text(0x20, fg: 0x808080, bg: 0x000000))
        var others = participants?() ?? []
        if let enlarged {
            if let one = others.first(where: { $0.leg == enlarged }) { others = [one] } else { self.enlarged = nil }
        }
        let pixelRows = renderer.mode == .halfBlock ? 2 : 1
        if others.count >= 2 {
            video = grid(others, columns: videoColumns, rows: videoRows)
        } else if let one = others.first, participants != nil {
            // The far end need not send more than we draw (a half-block cell is two pixels tall).
            call.setViewSize(width: videoColumns, height: videoRows * pixelRows, leg: one.leg)
            if let frame = one.frame { video = renderer.render(frame, columns: videoColumns, rows: videoRows) }
            else { put("waiting for \(one.name)'s video…", into: &video, row: videoRows / 2, column: max(0, videoColumns / 2 - 14), fg: 0x909090, bg: 0x000000) }
        } else {
            call.setViewSize(width: videoColumns, height: videoRows * pixelRows)
            if let remote = call.remoteFrame {
                video = renderer.render(remote, columns: videoColumns, rows: videoRows)
            } else {
                put("waiting for \(peerName)'s video…", into: &video, row: videoRows / 2, column: max(0, videoColumns / 2 - 14), fg: 0x909090, bg: 0x000000)
            }
        }
        // Self view: a quarter of the width, bottom right of the video (part of the picture's
        // window, so one painter draws both).
        if let own = selfView, videoColumns >= 24, videoRows >= 8 {
            let inset = renderer.render(own, columns: videoColumns / 4, rows: videoRows / 4)
            video.blit(inset, row: videoRows - inset.rows, column: videoColumns - inset.columns)
        }
        var layers = [ScreenLayer(name: "call.video", row: 0, column: 0, grid: video, isVideo: true)]
        if chatWidth > 0 { layers.append(ScreenLayer(name: "call.chat", row: 0, column: videoColumns, grid: chatPane(columns: chatWidth, rows: videoRows))) }
        layers.append(ScreenLayer(name: "call.status", row: size.rows - 1, column: 0, grid: statusLine(columns: size.columns)))
        if showStats { layers += box("call.stats", statisticsLines(), size: size, row: 1, column: 2) }
        else if call.remoteFrame == nil, !banner.isEmpty { layers += box("call.banner", banner, size: size, row: 1, column: 2) }
        if let devices { layers += centredBox("call.devices", devices.lines, size: size) }
        if showHelp { layers += centredBox("call.help", Self.help, size: size) }
        session.present(layers)
    }

    /// Several people: a grid of tiles as near square as the window allows, each with its picture
    /// (aspect kept) and its name under it.
    private mutating func grid(_ people: [(name: String, frame: VideoFrame?, leg: Int)], columns: Int, rows: Int) -> CellGrid {
        var canvas = CellGrid(columns: columns, rows: rows, fill: .text(0x20, fg: 0x808080, bg: 0x000000))
        let tiles = Self.tiles(count: people.count, columns: columns, rows: rows)
        for (i, person) in people.enumerated() {
            let tile = tiles[i]
            guard tile.columns >= 4, tile.rows >= 2 else { continue }
            layout.tiles.append((leg: person.leg, row: tile.row, column: tile.column, columns: tile.columns, rows: tile.rows))
            let pictureRows = tile.rows - 1
            call.setViewSize(width: tile.columns - 1, height: pictureRows * (renderer.mode == .halfBlock ? 2 : 1), leg: person.leg)
            if let frame = person.frame {
                let picture = renderer.render(frame, columns: tile.columns - 1, rows: pictureRows)
                canvas.blit(picture, row: tile.row, column: tile.column)
            } else {
                put("waiting for video…", into: &canvas, row: tile.row + pictureRows / 2, column: tile.column + 1, fg: 0x909090, bg: 0x000000)
            }
            let code = call.legs.first { $0.id == person.leg }?.verificationCode
            let label = code.map { "\(person.name) · \($0)" } ?? person.name
            put(String(TextWrap.suffix(label, fitting: tile.columns - 2)), into: &canvas, row: tile.row + pictureRows, column: tile.column + 1,
                fg: 0xE0E0E0, bg: 0x000000)
        }
        return canvas
    }

    /// Tile rectangles for `count` people in a `columns` x `rows` area: the grid shape (c x r)
    /// whose tiles are closest to a 4:3 picture (a cell is about twice as tall as wide).
    static func tiles(count: Int, columns: Int, rows: Int) -> [(row: Int, column: Int, columns: Int, rows: Int)] {
        guard count > 0 else { return [] }
        var best = (across: 1, down: count), bestScore = Double.infinity
        for across in 1...count {
            let down = (count + across - 1) / across
            let w = Double(columns / across), h = Double(rows / down) * 2
            guard w > 0, h > 0 else { continue }
            let score = abs(log((w / h) / (4.0 / 3.0)))
            if score < bestScore { bestScore = score; best = (across, down) }
        }
        let w = columns / best.across, h = rows / best.down
        return (0..<count).map { i in (row: (i / best.across) * h, column: (i % best.across) * w, columns: w, rows: h) }
    }

    static let help = [
        "termcall — keys",
        "",
        "q / Ctrl-C   hang up",
        "Enter / Tab  chat: type, Enter sends, Esc back",
        "             ←→ Home End, Ctrl-W word, Ctrl-U line, ↑↓ history",
        "PgUp / PgDn  scroll the chat (or the mouse wheel over it)",
        "click        the chat to type; a tile to enlarge it, again to go back",
        "m            mute / unmute the microphone",
        "v            camera off / on",
        "r            render mode (half-blocks, ASCII, ASCII colour)",
        "s            call statistics",
        "d            devices: camera, microphone, speaker, render mode",
        "? / F1       this help (any key closes it)",
    ]

    /// The figures a person asks for, every far end's (the `LegStatistics` that `{"cmd":"stats"}`
    /// prints), each under its name in a group call.
    private func statisticsLines() -> [String] {
        let legs = call.statistics()
        let names = Dictionary((participants?() ?? []).map { ($0.leg, $0.name) }, uniquingKeysWith: { a, _ in a })
        var lines = ["call statistics (s closes)"]
        for leg in legs {
            if legs.count > 1 { lines.append("── \(names[leg.id] ?? "leg \(leg.id)")") }
            lines.append("path    \(leg.selectedPair.isEmpty ? "–" : leg.selectedPair)")
            lines.append("secured \(leg.dtlsCipher.isEmpty ? "–" : leg.dtlsCipher) \(leg.srtpProfile)")
            lines.append("rtt     " + (leg.rttMs.map { String(format: "%.1f ms", $0) + (leg.rttSource == "ice" ? " (ICE)" : "") } ?? "–"))
            lines.append("in  audio \(leg.audioPacketsReceived) packets, lost \(leg.audioPacketsLost), jitter \(String(format: "%.1f", leg.audioJitterMs)) ms, concealed \(leg.audioConcealed)")
            lines.append("in  video \(Int(leg.videoBitrate / 1000)) kb/s \(leg.videoWidth) wide \(String(format: "%.0f", leg.videoFps)) fps, lost \(leg.videoPacketsLost), freezes \(leg.freezeCount)")
            var out = "out video \(Int(leg.videoBitrateSent / 1000)) of \(leg.videoTargetBitrate / 1000) kb/s \(leg.videoWidthSent) wide, keyframes \(leg.keyframesSent), PLI \(leg.pliReceived)"
            if let estimate = leg.availableOutgoingBitrate { out += ", path \(estimate / 1000) kb/s" }
            lines.append(out)
            lines.append("repair  NACK \(leg.nackSent) sent / \(leg.nackReceived) received, RTX \(leg.rtxReceived) in / \(leg.rtxSent) out")
            lines.append("chat    \(leg.chatReceived) received")
        }
        if legs.isEmpty { lines.append("no one on the call yet") }
        return lines
    }

    /// The status line's figures over every far end: the longest round trip, the slowest
    /// picture, what arrives in all, what was lost in all.
    static func statusFigures(_ legs: [LegStatistics]) -> String {
        let rtt = legs.compactMap(\.rttMs).max().map { String(format: "rtt %.1f ms", $0) } ?? "rtt –"
        let fps = legs.map(\.videoFps).min() ?? 0
        let kbps = legs.reduce(0) { $0 + $1.videoBitrate } / 1000
        let lost = legs.reduce(0) { $0 + $1.audioPacketsLost + $1.videoPacketsLost }
        return "\(rtt) | \(String(format: "%.0f", fps)) fps | \(Int(kbps)) kb/s | lost \(lost)"
    }

    /// A framed box of text over whatever is drawn: its own window, above the others.
    private func box(_ name: String, _ lines: [String], size: (columns: Int, rows: Int), row: Int, column: Int) -> [ScreenLayer] {
        let width = min(size.columns - column, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4)
        let height = min(size.rows - 1 - row, lines.count + 2)
        guard width > 4, height > 2 else { return [] }
        let bg: UInt32 = 0x202830, edge: UInt32 = 0x8090A0
        var grid = CellGrid(columns: width, rows: height, fill: .text(0x20, fg: 0xE0E0E0, bg: bg))
        for x in 0..<width { grid[x, 0] = .text(0x2500, fg: edge, bg: bg); grid[x, height - 1] = .text(0x2500, fg: edge, bg: bg) }
        for y in 0..<height { grid[0, y] = .text(0x2502, fg: edge, bg: bg); grid[width - 1, y] = .text(0x2502, fg: edge, bg: bg) }
        grid[0, 0] = .text(0x250C, fg: edge, bg: bg); grid[width - 1, 0] = .text(0x2510, fg: edge, bg: bg)
        grid[0, height - 1] = .text(0x2514, fg: edge, bg: bg); grid[width - 1, height - 1] = .text(0x2518, fg: edge, bg: bg)
        for (i, line) in lines.prefix(height - 2).enumerated() { put(line, into: &grid, row: i + 1, column: 2, fg: i == 0 ? 0xFFFFFF : 0xD0D0D0, bg: bg) }
        return [ScreenLayer(name: name, row: row, column: column, grid: grid)]
    }

    private func centredBox(_ name: String, _ lines: [String], size: (columns: Int, rows: Int)) -> [ScreenLayer] {
        let width = lines.map { DisplayWidth.of($0) }.max() ?? 0
        return box(name, lines, size: size, row: max(0, (size.rows - lines.count) / 2 - 1), column: max(0, (size.columns - width) / 2 - 2))
    }

    private func chatPane(columns: Int, rows: Int) -> CellGrid {
        let bg: UInt32 = 0x181818
        var grid = CellGrid(columns: columns, rows: rows, fill: .text(0x20, fg: 0xD0D0D0, bg: bg))
        for row in 0..<rows { grid[0, row] = .text(0x2502, fg: 0x505050, bg: bg) } // │
        // Wrap every line to the pane; show the newest that fit above the input line.
        var wrapped: [(String, UInt32)] = []
        for line in chat {
            let text = line.who.isEmpty ? "\(line.time) \(line.text)" : "\(line.time) \(line.who): \(line.text)"
            let colour: UInt32 = line.who.isEmpty ? 0x888888 : (line.who == "me" ? 0x9FD89F : 0x7FC4F0)
            for piece in TextWrap.lines(text, width: columns - 3) { wrapped.append((piece, colour)) }
        }
        let room = max(0, rows - 2)
        let scroll = min(chatScroll, max(0, wrapped.count - room))
        let visible = wrapped.dropLast(scroll).suffix(room)
        for (i, (text, colour)) in visible.enumerated() { put(text, into: &grid, row: i, column: 2, fg: colour, bg: bg) }
        if scroll > 0 { put("↓ \(scroll) more (PgDn)", into: &grid, row: rows - 2, column: 2, fg: 0xC0A060, bg: bg) }
        if chatFocused {
            let view = input.view(width: columns - 5)
            put("> " + view.text, into: &grid, row: rows - 1, column: 2, fg: 0xFFFFFF, bg: bg)
            // The cursor: the cell under it in reverse colours.
            let at = 4 + view.cursorColumn
            if at < columns {
                let under = grid[at, rows - 1]
                grid[at, rows - 1] = .text(under.scalar == Cell.wideTail ? 0x20 : under.scalar, fg: bg, bg: 0xFFFFFF)
            }
        } else {
            put(unread > 0 ? "● \(unread) new — Enter to chat" : "Enter: chat", into: &grid, row: rows - 1, column: 2, fg: 0x707070, bg: bg)
        }
        return grid
    }

    private mutating func statusLine(columns: Int) -> CellGrid {
        if ContinuousClock.now - lastStats > .milliseconds(500) {
            lastStats = .now
            statsText = Self.statusFigures(call.statistics())
        }
        let mic = (call.microphoneMuted ? "muted" : "mic on") + (call.cameraPaused ? " | camera off" : "") + (unread > 0 ? " | ● \(unread) new" : "")
        let keysHelp = chatFocused ? "Enter send  Esc back" : "q hang up  m mute  v camera  d devices  Enter chat  ? help"
        // The verification code sits beside the name, where both people look when they compare.
        let code = call.legs.count == 1 ? call.legs[0].verificationCode.map { " | code \($0)" } ?? "" : ""
        let text = " \(peerName) | \(status)\(code) | \(statsText) | \(mic) | \(keysHelp)"
        var grid = CellGrid(columns: columns, rows: 1, fill: .text(0x20, fg: 0xE0E0E0, bg: 0x303030))
        put(text, into: &grid, row: 0, column: 0, fg: 0xE0E0E0, bg: 0x303030)
        return grid
    }

    private func put(_ text: String, into grid: inout CellGrid, row: Int, column: Int, fg: UInt32, bg: UInt32) {
        grid.write(text, row: row, column: column, fg: fg, bg: bg)
    }
}

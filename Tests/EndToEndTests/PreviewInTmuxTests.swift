import Foundation
import TestSupport
import Testing

/// `termcall preview` in a real terminal (tmux): what a person would see, and that the terminal is
/// given back intact on every way out.
@Suite(.serialized) struct PreviewInTmuxTests {
    static let halfBlocks: Set<Character> = ["▀", "▄", "█"]

    func pictureLines(_ pane: String) -> [Substring] {
        pane.split(separator: "\n").filter { $0.contains { Self.halfBlocks.contains($0) } }
    }

    @Test func testPatternShowsColouredHalfBlocksThatMove() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera test", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        let first = try #require(tmux.waitFor(escapes: true) { $0.contains("38;2;") && pictureLines($0).count > 20 },
                                 "no coloured half-block picture appeared:\n\(tmux.capture())")
        #expect(first.contains("48;2;"))
        let later = tmux.waitFor(escapes: true) { $0 != first && pictureLines($0).count > 20 }
        #expect(later != nil, "the picture did not change")
        #expect(tmux.capture().contains("test pattern 640x480@30"))
        tmux.sendKeys("q")
        let end = tmux.waitFor { $0.contains("EXIT=") }
        #expect(end?.contains("EXIT=0 RESTORED=yes") == true, "\(end ?? tmux.capture())")
    }

    @Test func noColourAsciiModeShowsOnlyAscii() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera test --colors none --mode ascii")
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor(escapes: true) { pane in
            pane.split(separator: "\n").filter { $0.filter { $0 != " " }.count > 60 }.count > 30
        }, "no ASCII picture appeared:\n\(tmux.capture())")
        #expect(pane.contains("@") && pane.contains(":"), "the density ramp is not in use")
        let picture = pane.split(separator: "\n").dropLast(2).joined(separator: "\n")
        #expect(picture.unicodeScalars.allSatisfy { $0.isASCII }, "non-ASCII output in ASCII mode")
        #expect(!pane.contains("38;2;") && !pane.contains("38;5;"))
        tmux.sendKeys("C-c")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    @Test func aNonUTF8LocaleGetsAsciiArtByDefault() throws {
        let tmux = try Tmux("LANG=C \(Tmux.termcall) preview --camera test", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor { $0.contains("ascii/truecolor") }, "\(tmux.capture())")
        #expect(pane.unicodeScalars.allSatisfy { $0.isASCII })
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    @Test func anAbsentCameraGivesOneLineAndANonZeroExit() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera /dev/video9", columns: 200)
        defer { tmux.kill() }
        let pane = try #require(tmux.waitFor { $0.contains("EXIT=") }, "\(tmux.capture())")
        let lines = pane.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("EXIT=") }
        #expect(lines == ["termcall: camera /dev/video9 not found — run `termcall devices` to list cameras, or use --camera test"])
        #expect(pane.contains("EXIT=1 RESTORED=yes"))
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera test", environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        _ = try #require(tmux.waitFor { pictureLines($0).count > 20 })
        let killed = try runProcess("/usr/bin/pkill", ["-TERM", "-P", String(tmux.shellPID), "termcall"])
        #expect(killed.status == 0)
        let end = tmux.waitFor { $0.contains("EXIT=") }
        #expect(end?.contains("EXIT=143 RESTORED=yes") == true, "\(end ?? tmux.capture())")
    }

    @Test func thePictureFollowsAResize() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera test", columns: 120, rows: 40, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        // Rows of one colour are drawn as spaces on a background, so count rows carrying colour
        // (the picture's truecolor, the status line's palette colour from ncurses).
        func colouredRows(_ pane: String) -> Int { pane.split(separator: "\n").filter { $0.contains("8;2;") || $0.contains("8;5;") }.count }
        _ = try #require(tmux.waitFor(escapes: true) { colouredRows($0) >= 40 }) // 39 picture rows + status
        tmux.resize(columns: 60, rows: 20)
        // 4:3 in 60x19 cells: 50 columns by 19 rows of picture, status line below.
        let small = tmux.waitFor(escapes: true) { pane in
            colouredRows(pane) == 20 && pane.split(separator: "\n").count <= 20
        }
        #expect(small != nil, "picture did not fit the new size:\n\(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("RESTORED=yes") == true)
    }
}

/// The CLI's other sources, end to end: a camera through real libv4l2 (the fake-camera plugin) and a
/// Y4M file.
@Suite(.serialized) struct PreviewSourcesInTmuxTests {
    func colouredRows(_ pane: String) -> Int { pane.split(separator: "\n").filter { $0.contains("8;2;") }.count }

    @Test func previewsACameraThroughLibv4l2() throws {
        let path = NSTemporaryDirectory() + "termcall-fakecam-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tmux = try Tmux("\(Tmux.termcall) preview --camera \(path) --size 320x240", columns: 100, rows: 30,
                            environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        let pane = tmux.waitFor(escapes: true) { colouredRows($0) >= 29 }
        #expect(pane != nil, "no camera picture:\n\(tmux.capture())")
        #expect(tmux.capture().contains("termcall fake camera (\(path)) 320x240@30"))
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }

    @Test func previewsAY4MFile() throws {
        // Two 64x48 frames: left half white, right half black, then swapped.
        func frame(leftWhite: Bool) -> [UInt8] {
            var y = [UInt8](repeating: 0, count: 64 * 48)
            for r in 0..<48 { for c in 0..<64 { y[r * 64 + c] = (c < 32) == leftWhite ? 235 : 16 } }
            return y + [UInt8](repeating: 128, count: 2 * 32 * 24)
        }
        var bytes = Array("YUV4MPEG2 W64 H48 F10:1 C420jpeg\n".utf8)
        for f in [frame(leftWhite: true), frame(leftWhite: false)] { bytes += Array("FRAME\n".utf8) + f }
        let path = NSTemporaryDirectory() + "termcall-\(UUID().uuidString).y4m"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tmux = try Tmux("\(Tmux.termcall) preview --camera \(path) --mode ascii --colors none", columns: 64, rows: 25)
        defer { tmux.kill() }
        // The picture is 64x24 cells: '@' fills the white half, spaces the black half; the file loops.
        let leftWhite = tmux.waitFor { $0.split(separator: "\n").first.map { $0.hasPrefix(String(repeating: "@", count: 32)) } ?? false }
        let rightWhite = tmux.waitFor { $0.split(separator: "\n").first.map { $0.hasSuffix(String(repeating: "@", count: 32)) && $0.hasPrefix(" ") } ?? false }
        #expect(leftWhite != nil && rightWhite != nil, "\(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }
}

/// A terminal that stops reading (a stalled SSH link) must cost skipped frames, not a growing delay.
@Suite(.serialized) struct SlowTerminalTests {
    @Test func framesAreSkippedWhileTheTerminalIsStalledAndInputStaysLive() throws {
        let tmux = try Tmux("\(Tmux.termcall) preview --camera test", columns: 160, rows: 50, environment: ["COLORTERM": "truecolor"])
        defer { tmux.kill() }
        _ = try #require(tmux.waitFor { $0.contains("0 dropped") })
        let server = try #require(Int32(try tmux.run(["display-message", "-p", "-t", tmux.session, "#{pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // The impairment: the terminal (tmux) reads nothing for 0.7 s while the picture keeps moving.
        kill(server, SIGSTOP)
        usleep(700_000)
        kill(server, SIGCONT)
        let status = tmux.waitFor { pane in
            guard let line = pane.split(separator: "\n").last(where: { $0.contains("dropped") }),
                  let count = line.split(separator: "|").last(where: { $0.contains("dropped") })?
                    .split(separator: " ").first.flatMap({ Int($0) }) else { return false }
            return count > 0
        }
        #expect(status != nil, "no skipped frames reported:\n\(tmux.capture())")
        tmux.sendKeys("q")
        #expect(tmux.waitFor { $0.contains("EXIT=") }?.contains("EXIT=0 RESTORED=yes") == true)
    }
}

#if canImport(Glibc)
import Glibc
#endif

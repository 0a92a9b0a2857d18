import Foundation
import MediaCore
import SDP
import Testing

/// Our side's transport in the answers the tests make: one host candidate, gathering complete.
let testTransport: JsepAnswerer.LocalTransport = {
    var t = JsepAnswerer.LocalTransport(iceUfrag: "tcuf", icePassword: "termcall-password-0123456789", fingerprint: "sha-256 AB:CD")
    t.candidates = ["candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"]
    t.candidatesComplete = true
    return t
}()

func fixture(_ name: String) throws -> String {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct SessionDescriptionTests {
    @Test func chromiumsOfferParses() throws {
        let offer = try SessionDescription.parse(try fixture("chromium-156-offer.sdp"))
        #expect(offer.bundleGroups == [["0", "1", "2"]])
        #expect(offer.media.map(\.kind) == ["audio", "video", "application"])
        let audio = offer.media[0], video = offer.media[1], data = offer.media[2]
        #expect(audio.mid == "0" && audio.direction == .sendrecv && audio.rtcpMux && audio.setup == "actpass")
        let opus = try #require(audio.codecs.first)
        #expect(opus.name == "opus" && opus.payloadType == 111 && opus.clockRate == 48_000 && opus.channels == 2)
        #expect(opus.parameters["useinbandfec"] == "1" && opus.feedback == ["transport-cc"])
        let vp8 = try #require(video.codecs.first { $0.name == "VP8" })
        #expect(vp8.payloadType == 96 && Set(vp8.feedback) == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(video.codecs.contains { $0.name == "rtx" && $0.parameters["apt"] == "96" })
        #expect(audio.headerExtensions.contains { $0.id == 3 && $0.uri.contains("transport-wide-cc") })
        #expect(audio.fingerprints.count == 1 && audio.fingerprints[0].algorithm == "sha-256")
        #expect(audio.candidates.count == 2 && audio.iceUfrag == "eq29" && audio.iceOptions == ["trickle"])
        #expect(data.isDataChannel && data.sctpPort == 5000 && data.maxMessageSize == 262_144)
    }

    @Test func aiortcsOfferParses() throws {
        let offer = try SessionDescription.parse(try fixture("aiortc-1.16-offer.sdp"))
        #expect(offer.media.count == 3)
        for m in offer.media { #expect(m.fingerprints.map { $0.algorithm } == ["sha-256", "sha-384", "sha-512"]) }
        for m in offer.media { #expect(m.endOfCandidates) }
        #expect(offer.media[0].codecs.first?.name == "opus" && offer.media[1].codecs.first?.name == "VP8")
        #expect(offer.media[2].isDataChannel)
    }

    @Test func roundTripsAndBareNewlines() throws {
        for name in ["chromium-156-offer.sdp", "chromium-156-answer.sdp", "firefox-153-offer.sdp", "aiortc-1.16-offer.sdp"] {
            let text = try fixture(name)
            let parsed = try SessionDescription.parse(text)
            #expect(try SessionDescription.parse(parsed.serialized) == parsed)
            // Safari ends lines with a bare \n.
            #expect(try SessionDescription.parse(text.replacingOccurrences(of: "\r\n", with: "\n")) == parsed)
        }
    }

    /// CRLF is one line end, as are a bare LF and a lone CR; line numbers count them so.
    @Test func linesEndAtCrlfLfOrCr() throws {
        #expect(SessionDescription.lines(of: "a\r\nb\nc\rd") == ["a", "b", "c", "d"])
        #expect(SessionDescription.lines(of: "a\r\n\r\nb\r\n") == ["a", "", "b", ""])
        #expect(SessionDescription.lines(of: "a\n\rb") == ["a", "", "b"])
        #expect(SessionDescription.lines(of: "") == [""])
        #expect(SessionDescription.lines(of: "s=café ☕\r\nx") == ["s=café ☕", "x"])
        #expect(throws: SdpParseError.malformedLine(4, "expected <letter>=<value>, got \"é=1\"")) {
            try SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\rs=-\né=1\r\n")
        }
        #expect(try SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=Zoë ☕\r\n").sessionName == "Zoë ☕")
    }

    @Test func malformedDescriptionsSayWhatIsWrong() {
        #expect(throws: SdpParseError.empty) { try SessionDescription.parse("") }
        #expect(throws: SdpParseError.malformedLine(1, "a description starts with v=0")) { try SessionDescription.parse("o=- 1 1 IN IP4 0.0.0.0\r\n") }
        #expect(throws: SdpParseError.missingLine("o=")) { try SessionDescription.parse("v=0\r\ns=-\r\n") }
        #expect(throws: SdpParseError.malformedLine(3, "m= port \"x\" is not a number")) {
            try SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio x UDP/TLS/RTP/SAVPF 111\r\n")
        }
        #expect(throws: SdpParseError.malformedLine(2, "expected <letter>=<value>, got \"hello\"")) { try SessionDescription.parse("v=0\nhello\n") }
        #expect(SdpParseError.malformedLine(2, "x").description == "session description line 2: x")
    }

    @Test func malformedAttributeValuesAreSkippedByTheAccessors() throws {
        let text = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
                    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98", "a=mid:0",
                    "a=rtpmap:96 VP8/90000", "a=rtpmap:/ x", "a=rtpmap:97 H264", "a=rtpmap:98  opus/48000/2",
                    "a=fmtp:96 ;;==;x-google-start-bitrate=300 ", "a=fmtp:", "a=rtcp-fb:*", "a=rtcp-fb:96  nack   pli ",
                    "a=rtcp-fb:* transport-cc", "a=extmap:/ urn:x", "a=extmap:2/sendrecv urn:y", "a=extmap:300 urn:z",
                    "a=fingerprint:sha-256", ""].joined(separator: "\r\n")
        let video = try #require(try SessionDescription.parse(text).media.first)
        #expect(video.headerExtensions.map(\.id) == [2] && video.headerExtensions.map(\.uri) == ["urn:y"])
        #expect(video.codecs.map(\.payloadType) == [96, 98]) // 97 has no clock rate
        #expect(video.codecs.first?.parameters == ["x-google-start-bitrate": "300", "": "=="])
        #expect(video.codecs.first?.feedback == ["nack pli", "transport-cc"])
        #expect(video.fingerprints.isEmpty)
    }

    @Test func arbitraryTextNeverTraps() throws {
        var rng = SplitMix64(seed: 21)
        let base = Array(try fixture("chromium-156-offer.sdp").utf8)
        var parsed = 0
        for round in 0..<1_000 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert([0x3D, 0x0A, 0x20, 0x3A][Int(rng.next() % 4)], at: i)
                }
            }
            if round % 10 == 0 { bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            if let description = try? SessionDescription.parse(String(decoding: bytes, as: UTF8.self)) {
                parsed += 1
                _ = description.media.map { ($0.codecs, $0.fingerprints, $0.headerExtensions, $0.direction) }
                #expect((try? SessionDescription.parse(description.serialized)) == description)
            }
        }
        #expect(parsed > 30)
    }
}

import Foundation
import MediaCore
import MediaDevices
@testable import PeerConnection
import SDP
import STUN
import Testing
import VideoPipeline

/// Two PeerConnection cores on one simulated network and clock: setup, renegotiation, ICE
/// restart, statistics, loss repair, recovery. Limits are simulated milliseconds; the loops end on
/// the awaited event, and nothing depends on how fast this machine is.
struct PeerConnectionSimulatedTests {
    /// A call between `a` (offerer) and `b` on a simulated network; feeds the test pattern and
    /// Opus-sized audio from both sides every 33 ms.
    final class Pair {
        let network: SimulatedNetwork
        let a: PeerConnection, b: PeerConnection
        var aEvents: [PeerConnection.Event] { network.node(a).events }
        var bEvents: [PeerConnection.Event] {
            get { network.node(b).events }
            set { network.node(b).events = newValue }
        }
        private var frame: UInt64 = 0
        private let pattern = TestPatternGenerator(width: 160, height: 120, fps: 30)
        /// Media on (both sides send each tick).
        var sending = true
        /// The Opus frame each side sends each tick (small, but sent back to back: speech to the
        /// sender); empty: a DTX pause, the frame skipped.
        var audioFrame: [UInt8] = [0xF8, 0xFF, 0xFE]
        let video: [ObjectIdentifier: VideoPipeline]

        /// The first offer and answer, as they went.
        private(set) var firstOffer = "", firstAnswer = ""

        init(aTracks: Set<MediaKind> = [.audio, .video], bTracks: Set<MediaKind> = [.audio, .video], bundlePolicy: BundlePolicy = .balanced,
             chat: Bool = false, seed: UInt64 = 1, conditions: SimulatedNetwork.Conditions = .init()) throws {
            network = SimulatedNetwork(seed: seed, conditions: conditions)
            a = try network.addPeer(tracks: aTracks).connection
            b = try network.addPeer(tracks: bTracks).connection
            let pipelines = [ObjectIdentifier(a): try VideoPipeline(), ObjectIdentifier(b): try VideoPipeline()]
            video = pipelines
            // Each side's video pipeline decodes as frames arrive and answers keyframe requests.
            network.onEvent = { connection, event in
                guard let pipeline = pipelines[ObjectIdentifier(connection)] else { return }
                switch event {
                case let .videoFrame(frame): _ = pipeline.receive(frame, from: connection)
                case .keyframeRequested: pipeline.keyframeRequested()
                default: break
                }
            }
            a.bundlePolicy = bundlePolicy
            if chat { a.createDataChannel(label: "chat") }
            firstOffer = try a.createOffer()
            try b.setRemoteDescription(firstOffer)
            firstAnswer = try b.createAnswer()
            try a.setRemoteDescription(firstAnswer)
        }

        /// Offer from `offerer` and answer from the other, as signalling would relay them.
        func renegotiate(from offerer: PeerConnection) throws {
            let answerer = offerer === a ? b : a
            try answerer.setRemoteDescription(try offerer.createOffer())
            try offerer.setRemoteDescription(try answerer.createAnswer())
        }

        /// Runs until `done` or `milliseconds` of simulated time pass, with media every 33 ms.
        @discardableResult
        func run(milliseconds: Int64 = 10_000, until done: () -> Bool) -> Bool {
            network.run(milliseconds: milliseconds, tickInterval: 33, tick: { [self] in
                guard sending else { return }
                for pc in [a, b] {
                    if audioFrame.isEmpty { pc.skipAudio() } else { pc.sendAudio(audioFrame) }
                    video[ObjectIdentifier(pc)]!.send(pattern.frame(number: frame), timestamp: UInt32(truncatingIfNeeded: frame * 3000), on: pc)
                }
                frame += 1
            }, until: done)
        }

        /// Frames the transport handed to the video pipeline (each decoded as it came).
        func videoFrames(_ events: [PeerConnection.Event]) -> Int { events.reduce(0) { if case .videoFrame = $1 { return $0 + 1 }; return $0 } }
    }

    @Test func statisticsReportBothDirectionsAndTheRoundTrip() throws {
        let pair = try Pair()
        let ok = pair.run { pair.a.statistics().transport.roundTripSource == .rtcp && pair.b.statistics().transport.roundTripSource == .rtcp }
        #expect(ok, "no RTT from RTCP: \(pair.a.statistics())")
        let stats = pair.a.statistics()
        #expect(stats.transport.dtlsCipher == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" && stats.transport.dtlsVersion == "DTLSv1.2")
        #expect(stats.transport.srtpProfile == "AEAD_AES_128_GCM")
        #expect(stats.transport.selectedPair?.contains("10.0.0.1") == true)
        #expect((stats.transport.roundTripTime ?? 1) < 0.5)
        let videoOut = try #require(stats.outbound(.video)), videoIn = try #require(stats.inbound(.video))
        #expect(videoOut.packetsSent > 0 && videoOut.framesEncoded > 0 && videoOut.keyframesEncoded >= 1 && videoOut.codec == "video/VP8")
        #expect(videoIn.framesDecoded > 0 && videoIn.frameWidth == 160 && videoIn.frameHeight == 120 && videoIn.packetsLost == 0)
        #expect((stats.inbound(.audio)?.packetsReceived ?? 0) > 0 && stats.outbound(.audio)?.remotePacketsLost == 0)
        #expect(stats.transport.srtpFailures == 0 && stats.transport.rtcpMalformed == 0)
    }

    /// An offer made max-bundle (its audio and data sections bundle-only, port 0, no transport of
    /// their own) is answered in full, and audio, video and the data channel all flow.
    @Test func aMaxBundleOfferCarriesAudioVideoAndData() throws {
        let pair = try Pair(bundlePolicy: .maxBundle, chat: true)
        let offer = try SessionDescription.parse(pair.firstOffer), answer = try SessionDescription.parse(pair.firstAnswer)
        #expect(offer.media.map(\.port) == [9, 0, 0] && offer.media.map(\.isBundleOnly) == [false, true, true])
        #expect(offer.media.dropFirst().allSatisfy { $0.iceUfrag == offer.media[0].iceUfrag && $0.candidates.isEmpty })
        #expect(answer.media.map(\.port) == [9, 9, 9] && answer.bundleGroups == [["0", "1", "2"]])
        var audio = 0
        let ok = pair.run {
            audio = pair.bEvents.reduce(0) { if case .audio = $1 { return $0 + 1 }; return $0 }
            let channel = pair.bEvents.contains { if case .dataChannelOpen(_, "chat") = $0 { return true }; return false }
            return audio >= 10 && pair.videoFrames(pair.bEvents) >= 5 && pair.videoFrames(pair.aEvents) >= 5 && channel
        }
        #expect(ok, "audio \(audio), video \(pair.videoFrames(pair.bEvents))/\(pair.videoFrames(pair.aEvents)): \(pair.b.statistics())")
        // A re-offer keeps every section in the bundle, each with the transport now.
        try pair.renegotiate(from: pair.a)
        #expect(pair.a.signalingState == .stable && pair.b.signalingState == .stable)
    }

    /// A far end that sends no receiver reports leaves RTCP without a round trip: the figure then
    /// comes from ICE's checks, and says so.
    @Test func withoutReceiverReportsTheRoundTripComesFromIce() throws {
        let pair = try Pair()
        pair.b.rtcp.reportsOnReceivedStreams = false
        let ok = pair.run { pair.a.statistics().transport.roundTripTime != nil && pair.b.statistics().transport.roundTripSource == .rtcp && pair.videoFrames(pair.bEvents) >= 30 }
        #expect(ok, "\(pair.a.statistics().transport)")
        let stats = pair.a.statistics()
        #expect(stats.transport.roundTripSource == .ice && (stats.transport.roundTripTime ?? 1) < 0.5, "\(stats.transport)")
        #expect(stats.outbound(.video)?.roundTripTime == nil)
    }

    @Test func removingAndAddingATrackRenegotiatesOnTheSameTransport() throws {
        let pair = try Pair()
        #expect(pair.run { pair.videoFrames(pair.bEvents) >= 3 })
        #expect(pair.bEvents.contains(.track(.video)) && pair.bEvents.contains(.track(.audio)))
        let dtls = pair.a.dtls
        pair.a.removeTrack(.video)
        #expect(!pair.a.canSend(.video))
        _ = pair.run(milliseconds: 50) { false }
        #expect(pair.aEvents.contains(.negotiationNeeded))
        try pair.renegotiate(from: pair.a)
        #expect(pair.a.signalingState == .stable && pair.b.signalingState == .stable)
        #expect(pair.run { pair.bEvents.contains(.trackEnded(.video)) }) // events come out of the next step
        #expect(!pair.b.statistics().inbound.isEmpty)
        // b keeps sending video to a (recvonly on a's side is sendonly on b's).
        let before = pair.videoFrames(pair.aEvents)
        #expect(pair.run { pair.videoFrames(pair.aEvents) >= before + 3 })
        // Back again, this time offered by b.
        pair.a.addTrack(.video)
        pair.bEvents = []
        try pair.renegotiate(from: pair.b)
        #expect(pair.run { pair.videoFrames(pair.bEvents) >= 3 })
        #expect(pair.bEvents.filter { $0 == .track(.video) }.count == 1)
        #expect(pair.a.dtls === dtls) // one DTLS association throughout
    }

    @Test func iceRestartKeepsTheCallUp() throws {
        let pair = try Pair()
        pair.a.createDataChannel(label: "chat")
        var chat: UInt16?
        #expect(pair.run { chat = pair.aEvents.lazy.compactMap { if case let .dataChannelOpen(id, _) = $0 { return id }; return nil }.first; return chat != nil })
        let id = try #require(chat)
        let oldLocal = pair.a.ice.localCredentials
        pair.a.restartIce()
        let offer = try pair.a.createOffer()
        #expect(pair.a.ice.localCredentials != oldLocal && offer.contains("a=ice-ufrag:\(pair.a.ice.localCredentials.ufrag)"))
        let oldUfrag = pair.b.agreement?.remoteIceUfrag
        try pair.b.setRemoteDescription(offer)
        try pair.a.setRemoteDescription(try pair.b.createAnswer())
        #expect(pair.b.agreement?.remoteIceUfrag != oldUfrag)
        try pair.a.send(.text("after the restart"), on: id)
        #expect(pair.run { pair.bEvents.contains(.message(id: id, .text("after the restart"))) })
        #expect(pair.run { [.connected, .completed].contains(pair.a.ice.state) })
    }

    @Test func aReceiveOnlyPeerAnswersRecvonlyAndSendsNothing() throws {
        let pair = try Pair(bTracks: [])
        #expect(pair.run { pair.videoFrames(pair.bEvents) >= 3 })
        #expect(!pair.b.canSend(.audio) && !pair.b.canSend(.video))
        #expect(!pair.aEvents.contains(.track(.video)) && pair.a.statistics().inbound.isEmpty)
        // Its RTCP still reports on what it receives (an RR from the receive-only SSRC).
        #expect(pair.run { pair.a.statistics().outbound(.video)?.remotePacketsLost != nil })
    }

    /// Glare (W3C perfect negotiation): both ends offer at once; the polite one rolls back, takes
    /// the other's offer and answers it, and the call renegotiates on the same transport.
    @Test func bothOfferingAtOnceIsSettledByRollingBack() throws {
        let pair = try Pair()
        #expect(pair.run { pair.videoFrames(pair.bEvents) >= 3 && pair.videoFrames(pair.aEvents) >= 3 })
        let dtls = pair.a.dtls
        pair.a.removeTrack(.video)
        pair.b.removeTrack(.audio)
        // Both offer; a, the impolite end, ignores b's offer and keeps its own.
        let fromA = try pair.a.createOffer()
        _ = try pair.b.createOffer()
        #expect(pair.a.signalingState == .haveLocalOffer && pair.b.signalingState == .haveLocalOffer)
        pair.b.rollback()
        try pair.b.setRemoteDescription(fromA)
        try pair.a.setRemoteDescription(try pair.b.createAnswer())
        #expect(pair.a.signalingState == .stable && pair.b.signalingState == .stable)
        // b's rolled-back change rode in its answer (an answer says what its side sends now):
        // neither end needs another offer, and each sees the other's track end.
        #expect(!pair.a.needsNegotiation && !pair.b.needsNegotiation)
        #expect(pair.run { pair.bEvents.contains(.trackEnded(.video)) && pair.aEvents.contains(.trackEnded(.audio)) })
        #expect(!pair.a.canSend(.video) && !pair.b.canSend(.audio) && pair.a.dtls === dtls)
        // A track added back, with no exchange under way, needs an offer again.
        pair.b.addTrack(.audio)
        #expect(pair.b.needsNegotiation)
    }

    @Test func descriptionsOutOfOrderAreRefusedWithAReason() throws {
        let network = SimulatedNetwork()
        let a = try network.addPeer().connection
        #expect(throws: PeerConnection.Failure.wrongState("no remote offer to answer")) { try a.createAnswer() }
        #expect(throws: PeerConnection.Failure.self) { try a.setRemoteDescription("v=0\r\nnot sdp") }
        let b = try network.addPeer().connection
        try b.setRemoteDescription(try a.createOffer())
        #expect(throws: PeerConnection.Failure.wrongState("an offer from the peer is waiting for our answer")) { try b.createOffer() }
        b.rollback()
        #expect(b.signalingState == .stable)
    }
}

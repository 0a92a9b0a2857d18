import Codecs
import MediaCore
import PeerConnection

/// One far end's video, beside `AudioPipeline` (DESIGN.md): the camera's pictures sized for the
/// path and the viewer (`VideoSendScale`), VP8-encoded at the transport's estimate, handed to the
/// transport as encoded frames; the transport's reassembled frames decoded into pictures. Keyframe
/// requests come in as the transport's events, decoder failures go back as its keyframe request.
/// The only place a VP8 encoder or decoder is made. Owned by the call's thread.
public final class VideoPipeline {
    private var encoder: Vp8Encoder?
    private let decoder: Vp8Decoder
    /// The send scale: picture size and frame rate for the estimate and the far end's view.
    public private(set) var scale = VideoSendScale()
    /// Encoder failures (a picture size libvpx refused): counted, the frame skipped.
    public private(set) var encodeFailures = 0

    public init() throws(CodecError) {
        decoder = try Vp8Decoder()
    }

    /// The largest picture width the far end can use (it draws on a terminal and said so); nil: any.
    public var viewWidth: Int? {
        get { scale.viewWidth }
        set { scale.viewWidth = newValue }
    }

    /// Sizes, encodes and sends one picture on `peer`'s video; `timestamp` is its 90 kHz media
    /// time. False when the transport cannot send video now (not secured, not negotiated).
    @discardableResult
    public func send(_ picture: VideoFrame, timestamp: UInt32, on peer: PeerConnection) -> Bool {
        guard peer.canSendVideoNow else { return false }
        // The estimate decides the picture size and rate; the encoder gets what packet headers,
        // SRTP and retransmissions leave of it.
        let target = peer.videoTargetBitrate
        guard scale.admit(frameSequence: picture.sequence, target: target, sourceWidth: picture.width, sourceHeight: picture.height, now: peer.now) else { return true }
        var frame = picture
        for _ in 0..<scale.halvings { frame = frame.halved() }
        let kbps = UInt32(max(30, peer.videoEncoderBitrate / 1_000))
        do throws(CodecError) {
            if encoder?.width != frame.width || encoder?.height != frame.height {
                encoder = try Vp8Encoder(width: frame.width, height: frame.height, bitrateKbps: kbps)
            }
            guard let encoder else { return false }
            encoder.setTargetBitrate(kbps: kbps)
            for encoded in try encoder.encode(frame, at: timestamp) {
                peer.sendVideo(EncodedVideoFrame(data: encoded.data, isKeyframe: encoded.isKeyframe, width: frame.width, height: frame.height),
                               timestamp: timestamp)
            }
        } catch {
            encodeFailures += 1
            encoder = nil
            return false
        }
        return true
    }

    /// The far end lost our picture (`.keyframeRequested`): the next one is a keyframe.
    public func keyframeRequested() { encoder?.requestKeyframe() }

    /// Decodes a frame `peer` reassembled (`.videoFrame`); a decoder error asks the far end for a
    /// keyframe, since only one repairs a lost reference.
    public func receive(_ frame: EncodedVideoFrame, from peer: PeerConnection) -> [VideoFrame] {
        do throws(CodecError) {
            let pictures = try decoder.decode(frame.data)
            for picture in pictures { peer.videoDecoded(width: picture.width, height: picture.height) }
            return pictures
        } catch {
            peer.videoDecodeFailed()
            return []
        }
    }
}

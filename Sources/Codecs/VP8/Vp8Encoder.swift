import CVPX
import MediaCore

/// VP8 (RFC 6386) with libvpx, tuned for calls: real-time deadline, CBR, no lookahead, error
/// resilient, keyframes when asked (a PLI/FIR from the peer) rather than on a timer. The only place
/// libvpx's encoder is called. Owned by one thread.
public final class Vp8Encoder {
    public struct EncodedFrame: Sendable, Equatable {
        public var data: [UInt8]
        public var isKeyframe: Bool
    }

    public let width: Int, height: Int
    private var context = vpx_codec_ctx_t()
    /// Presentation time in 90 kHz units, advanced by each frame's real duration.
    private var pts: Int64 = 0
    private var lastTimestamp: UInt32?
    private let nominalDuration: Int64
    private var forceKeyframe = true
    private var config = vpx_codec_enc_cfg_t()
    /// The rate control's target, kbit/s (bandwidth estimation moves it during the call).
    public private(set) var targetBitrateKbps: UInt32

    public init(width: Int, height: Int, bitrateKbps: UInt32 = 800, framesPerSecond: Int32 = 30) throws(CodecError) {
        guard (16...4096).contains(width), (16...4096).contains(height) else { throw .invalidArgument("VP8 picture \(width)x\(height) is out of range") }
        guard vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &config, 0) == VPX_CODEC_OK else { throw .library("vpx_codec_enc_config_default", -1) }
        config.g_w = UInt32(width)
        config.g_h = UInt32(height)
        // The RTP clock as the time base: libvpx gives each frame the bits its real duration
        // earns, so a camera at 15 fps or a sender skipping frames still meets the target.
        config.g_timebase = vpx_rational(num: 1, den: 90_000)
        nominalDuration = Int64(90_000 / max(1, framesPerSecond))
        config.rc_target_bitrate = bitrateKbps
        config.rc_end_usage = VPX_CBR
        config.g_lag_in_frames = 0
        config.g_error_resilient = vpx_codec_er_flags_t(VPX_ERROR_RESILIENT_DEFAULT)
        config.kf_mode = VPX_KF_DISABLED
        config.g_threads = 1
        // A short rate-control buffer and frame dropping: when the target falls (a congested
        // path), the encoder must get under it within a second, not average over six.
        config.rc_buf_sz = 1000
        config.rc_buf_initial_sz = 500
        config.rc_buf_optimal_sz = 600
        config.rc_dropframe_thresh = 30
        config.rc_undershoot_pct = 50
        config.rc_overshoot_pct = 10
        targetBitrateKbps = bitrateKbps
        guard tc_vpx_enc_init(&context, &config, 0) == VPX_CODEC_OK else { throw .library("vpx_codec_enc_init", -1) }
        // A keyframe at most about nine average frames (libwebrtc's choice for a 600 ms buffer).
        _ = tc_vpx_set_max_intra_pct(&context, 900)
        // A fixed real-time speed (libwebrtc's -6): several times faster than libvpx choosing one
        // from its own encode timings, and the same output for the same input on any machine.
        // (Skipping near-static blocks as well, VP8E_SET_STATIC_THRESHOLD, doubled the drops at a
        // 300 kbit/s bottleneck in ImpairedCallTests: not set.)
        _ = tc_vpx_set_cpu_used(&context, -6)
        self.width = width
        self.height = height
    }

    deinit { vpx_codec_destroy(&context) }

    /// Moves the rate control's target (kbit/s) without restarting the encoder.
    public func setTargetBitrate(kbps: UInt32) {
        guard kbps != targetBitrateKbps, kbps > 0 else { return }
        config.rc_target_bitrate = kbps
        if vpx_codec_enc_config_set(&context, &config) == VPX_CODEC_OK { targetBitrateKbps = kbps }
    }

    /// The next frame will be a keyframe (the peer lost the picture: PLI/FIR).
    public func requestKeyframe() { forceKeyframe = true }

    /// Encodes `frame`, taken at `timestamp` on the 90 kHz RTP clock (nil: one nominal frame
    /// interval after the last).
    public func encode(_ frame: VideoFrame, at timestamp: UInt32? = nil) throws(CodecError) -> [EncodedFrame] {
        guard frame.width == width, frame.height == height else { throw .invalidArgument("frame \(frame.width)x\(frame.height) is not \(width)x\(height)") }
        // A step over a second (a pause in capture) or backwards counts as one nominal interval.
        var duration = nominalDuration
        if let timestamp, let last = lastTimestamp {
            let step = Int64(timestamp &- last)
            if (1...90_000).contains(step) { duration = step }
        }
        if let timestamp { lastTimestamp = timestamp }
        let key = forceKeyframe
        forceKeyframe = false
        let status = frame.y.withUnsafeBufferPointer { y in
            frame.u.withUnsafeBufferPointer { u in
                frame.v.withUnsafeBufferPointer { v in
                    tc_vpx_encode_i420(&context, y.baseAddress, u.baseAddress, v.baseAddress, UInt32(width), UInt32(height), pts, UInt(duration), key ? 1 : 0)
                }
            }
        }
        pts += duration
        guard status == VPX_CODEC_OK else { throw .library("vpx_codec_encode", Int32(status.rawValue)) }
        var out: [EncodedFrame] = []
        var iterator: vpx_codec_iter_t?
        var data: UnsafeRawPointer?, size = 0, isKey: Int32 = 0
        while tc_vpx_next_frame(&context, &iterator, &data, &size, &isKey) == 1, let data {
            out.append(EncodedFrame(data: Array(UnsafeRawBufferPointer(start: data, count: size)), isKeyframe: isKey != 0))
        }
        return out
    }
}

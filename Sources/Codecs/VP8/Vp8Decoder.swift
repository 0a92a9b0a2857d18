import CVPX
import MediaCore

/// VP8 decoding with libvpx into I420 `VideoFrame`s. A corrupt frame is an error the caller counts
/// (and answers with a keyframe request), never a crash.
public final class Vp8Decoder {
    private var context = vpx_codec_ctx_t()

    public init() throws(CodecError) {
        guard tc_vpx_dec_init(&context, 0) == VPX_CODEC_OK else { throw .library("vpx_codec_dec_init", -1) }
    }

    deinit { vpx_codec_destroy(&context) }

    public func decode(_ data: [UInt8]) throws(CodecError) -> [VideoFrame] {
        guard !data.isEmpty else { return [] }
        let status = data.withUnsafeBufferPointer { vpx_codec_decode(&context, $0.baseAddress, UInt32($0.count), nil, 0) }
        guard status == VPX_CODEC_OK else { throw .corruptPacket(Int32(status.rawValue)) }
        var out: [VideoFrame] = []
        var iterator: vpx_codec_iter_t?
        var w: UInt32 = 0, h: UInt32 = 0
        var y: UnsafePointer<UInt8>?, u: UnsafePointer<UInt8>?, v: UnsafePointer<UInt8>?
        var ys: Int32 = 0, us: Int32 = 0, vs: Int32 = 0
        while tc_vpx_next_image(&context, &iterator, &w, &h, &y, &u, &v, &ys, &us, &vs) == 1, let y, let u, let v {
            var frame = VideoFrame(width: Int(w), height: Int(h))
            // libvpx's planes have row padding: copy row by row into our packed planes.
            Self.copyPlane(from: y, stride: Int(ys), into: &frame.y, width: Int(w), height: Int(h))
            Self.copyPlane(from: u, stride: Int(us), into: &frame.u, width: frame.chromaWidth, height: frame.chromaHeight)
            Self.copyPlane(from: v, stride: Int(vs), into: &frame.v, width: frame.chromaWidth, height: frame.chromaHeight)
            out.append(frame)
        }
        return out
    }

    private static func copyPlane(from source: UnsafePointer<UInt8>, stride: Int, into plane: inout [UInt8], width: Int, height: Int) {
        plane.withUnsafeMutableBufferPointer { target in
            for row in 0..<height {
                (target.baseAddress! + row * width).update(from: source + row * stride, count: width)
            }
        }
    }
}

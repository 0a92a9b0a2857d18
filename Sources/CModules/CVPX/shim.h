// libvpx for Swift: vpx_codec_enc_init / vpx_codec_dec_init are macros carrying the ABI version.
#ifndef TERMCALL_CVPX_SHIM_H
#define TERMCALL_CVPX_SHIM_H
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

static inline vpx_codec_err_t tc_vpx_enc_init(vpx_codec_ctx_t *ctx, const vpx_codec_enc_cfg_t *cfg, vpx_codec_flags_t flags) {
    return vpx_codec_enc_init(ctx, vpx_codec_vp8_cx(), cfg, flags);
}
static inline vpx_codec_err_t tc_vpx_dec_init(vpx_codec_ctx_t *ctx, vpx_codec_flags_t flags) {
    return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), NULL, flags);
}

/* Encodes one I420 picture (planes tightly packed: strides w and (w+1)/2) shown from pts for
   duration, both in the time base's units. */
static inline vpx_codec_err_t tc_vpx_encode_i420(vpx_codec_ctx_t *ctx, const unsigned char *y, const unsigned char *u, const unsigned char *v,
                                                 unsigned int w, unsigned int h, vpx_codec_pts_t pts, unsigned long duration, int force_key) {
    vpx_image_t img;
    if (!vpx_img_wrap(&img, VPX_IMG_FMT_I420, w, h, 1, (unsigned char *)y)) return VPX_CODEC_INVALID_PARAM;
    img.planes[VPX_PLANE_Y] = (unsigned char *)y; img.planes[VPX_PLANE_U] = (unsigned char *)u; img.planes[VPX_PLANE_V] = (unsigned char *)v;
    img.stride[VPX_PLANE_Y] = (int)w; img.stride[VPX_PLANE_U] = img.stride[VPX_PLANE_V] = (int)((w + 1) / 2);
    return vpx_codec_encode(ctx, &img, pts, duration, force_key ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME);
}

/* Caps a keyframe at pct % of an average frame's bits (VP8E_SET_MAX_INTRA_BITRATE_PCT): a keyframe
   ten times a delta frame's size overflows a slow path's queue as one burst. */
/* VP8E_SET_CPUUSED: negative is a fixed speed (|n|); 0 and up let libvpx pick one from how long
 * frames took to encode, which makes the output depend on the machine's load. */
static inline vpx_codec_err_t tc_vpx_set_cpu_used(vpx_codec_ctx_t *ctx, int speed) {
    return vpx_codec_control(ctx, VP8E_SET_CPUUSED, speed);
}
static inline vpx_codec_err_t tc_vpx_set_max_intra_pct(vpx_codec_ctx_t *ctx, unsigned int pct) {
    return vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, pct);
}

/* The next compressed frame after an encode call; 0 when there is none. */
static inline int tc_vpx_next_frame(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter, const void **data, size_t *size, int *key) {
    const vpx_codec_cx_pkt_t *pkt;
    while ((pkt = vpx_codec_get_cx_data(ctx, iter)) != NULL) {
        if (pkt->kind == VPX_CODEC_CX_FRAME_PKT) {
            *data = pkt->data.frame.buf; *size = pkt->data.frame.sz; *key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
            return 1;
        }
    }
    return 0;
}

/* The next decoded picture; 0 when there is none. */
static inline int tc_vpx_next_image(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter, unsigned int *w, unsigned int *h,
                                    const unsigned char **y, const unsigned char **u, const unsigned char **v, int *ys, int *us, int *vs) {
    vpx_image_t *img = vpx_codec_get_frame(ctx, iter);
    if (!img || img->fmt != VPX_IMG_FMT_I420) return 0;
    *w = img->d_w; *h = img->d_h;
    *y = img->planes[VPX_PLANE_Y]; *u = img->planes[VPX_PLANE_U]; *v = img->planes[VPX_PLANE_V];
    *ys = img->stride[VPX_PLANE_Y]; *us = img->stride[VPX_PLANE_U]; *vs = img->stride[VPX_PLANE_V];
    return 1;
}
#endif

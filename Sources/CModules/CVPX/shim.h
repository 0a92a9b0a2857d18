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
#endif

// libsrtp2 for Swift (srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro: use the _rtp_default function).
#ifndef TERMCALL_CSRTP_SHIM_H
#define TERMCALL_CSRTP_SHIM_H
#include <srtp2/srtp.h>
static inline void tc_srtp_policy_aes_cm_128_hmac_sha1_80(srtp_policy_t *p) {
    srtp_crypto_policy_set_rtp_default(&p->rtp);
    srtp_crypto_policy_set_rtcp_default(&p->rtcp);
}
static inline void tc_srtp_policy_aead_aes_128_gcm(srtp_policy_t *p) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
}
static inline void tc_srtp_policy_direction(srtp_policy_t *p, int outbound) {
    p->ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    p->ssrc.value = 0;
}
#endif

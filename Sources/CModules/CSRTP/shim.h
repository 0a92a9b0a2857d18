// libsrtp2 for Swift (srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro: use the _rtp_default function).
#ifndef TERMCALL_CSRTP_SHIM_H
#define TERMCALL_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif

#!/usr/bin/env python3
"""Anchor for termcall-srtp-bench: pylibsrtp (aiortc's SRTP, its own libsrtp build) protecting and
unprotecting the same 1200-byte RTP packets, timed the same way. Includes Python's call overhead."""
import time
from pylibsrtp import Policy, Session

PACKETS = 100_000
profiles = [("AEAD_AES_128_GCM", Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 16, 12),
            ("AES_CM_128_HMAC_SHA1_80", Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 16, 14)]
print("| profile (pylibsrtp) | protect µs/packet | unprotect µs/packet | protect+unprotect µs |")
print("|---|---|---|---|")
for name, profile, key_len, salt_len in profiles:
    key = bytes([1]) * key_len + bytes([2]) * salt_len
    tx = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_OUTBOUND, srtp_profile=profile))
    rx = Session(policy=Policy(key=key, ssrc_type=Policy.SSRC_ANY_INBOUND, srtp_profile=profile))
    packets = [bytes([0x80, 96, (i >> 8) & 0xFF, i & 0xFF, (i >> 24) & 0xFF, (i >> 16) & 0xFF, 0, 0, 0xCA, 0xFE, 0xBA, 0xBE]) + bytes([0x5A]) * 1188
               for i in range(PACKETS)]
    start = time.perf_counter()
    protected = [tx.protect(p) for p in packets]
    protect = (time.perf_counter() - start) / PACKETS * 1e6
    start = time.perf_counter()
    for p in protected:
        rx.unprotect(p)
    unprotect = (time.perf_counter() - start) / PACKETS * 1e6
    print(f"| {name} | {protect:.2f} | {unprotect:.2f} | {protect + unprotect:.2f} |")

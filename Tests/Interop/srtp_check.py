#!/usr/bin/env python3
"""SRTP/SRTCP cross-check against libsrtp (pylibsrtp), one JSON line in, one JSON line out.

    echo '{"profile":"AES_CM_128_HMAC_SHA1_80","key_hex":"..","salt_hex":"..",
           "direction":"protect","packets_hex":["80..", ...]}' \
      | .venv-interop/bin/python Tests/Interop/srtp_check.py
    -> {"packets_hex":["80..", ...]}

Input fields:
  profile      AES_CM_128_HMAC_SHA1_80 | AES_CM_128_HMAC_SHA1_32 | AEAD_AES_128_GCM | AEAD_AES_256_GCM
               (the OpenSSL/aiortc names SRTP_AES128_CM_SHA1_80, SRTP_AEAD_AES_128_GCM, ... work too)
  key_hex      master key (16 or 32 bytes)       salt_hex  master salt (14 bytes for CM, 12 for GCM)
  direction    protect | unprotect
  packets_hex  packets, processed in order by ONE libsrtp session (replay window and ROC carry over)
  kind         optional: "rtp" | "rtcp" | "auto" (default: auto = RTCP when byte 1 is 192..223, RFC 5761)
  window_size  optional replay window (default 1024, like aiortc); allow_repeat_tx optional (default true)
Output: {"packets_hex":[...]} ; a packet libsrtp rejects gives null there and an entry in
        "errors":[{"index":i,"message":...}]. Bad input -> {"error":...} and exit 1.
Each further input line is a new, independent session (one output line each).

    srtp_check.py --self-test      round-trips every profile through protect -> unprotect
"""

import json
import os
import sys

import pylibsrtp
from pylibsrtp import Policy, Session

PROFILES = {  # name -> (libsrtp profile, key length, salt length)
    "AES_CM_128_HMAC_SHA1_80": (Policy.SRTP_PROFILE_AES128_CM_SHA1_80, 16, 14),
    "AES_CM_128_HMAC_SHA1_32": (Policy.SRTP_PROFILE_AES128_CM_SHA1_32, 16, 14),
    "AEAD_AES_128_GCM": (Policy.SRTP_PROFILE_AEAD_AES_128_GCM, 16, 12),
    "AEAD_AES_256_GCM": (Policy.SRTP_PROFILE_AEAD_AES_256_GCM, 32, 12),
}
ALIASES = {
    "SRTP_AES128_CM_SHA1_80": "AES_CM_128_HMAC_SHA1_80",
    "SRTP_AES128_CM_SHA1_32": "AES_CM_128_HMAC_SHA1_32",
    "SRTP_AEAD_AES_128_GCM": "AEAD_AES_128_GCM",
    "SRTP_AEAD_AES_256_GCM": "AEAD_AES_256_GCM",
}


def is_rtcp(packet):
    return len(packet) >= 2 and 192 <= packet[1] <= 223


def process(req):
    name = ALIASES.get(req["profile"], req["profile"])
    if name not in PROFILES:
        raise ValueError(f"unknown profile {req['profile']!r}")
    profile, key_len, salt_len = PROFILES[name]
    key, salt = bytes.fromhex(req["key_hex"]), bytes.fromhex(req["salt_hex"])
    if len(key) != key_len or len(salt) != salt_len:
        raise ValueError(f"{name} needs a {key_len}-byte key and {salt_len}-byte salt, "
                         f"got {len(key)} and {len(salt)}")
    direction = req["direction"]
    if direction not in ("protect", "unprotect"):
        raise ValueError(f"direction must be protect or unprotect, not {direction!r}")
    kind = req.get("kind", "auto")
    if kind not in ("auto", "rtp", "rtcp"):
        raise ValueError(f"kind must be auto, rtp or rtcp, not {kind!r}")

    policy = Policy(key=key + salt,  # libsrtp wants master key || master salt
                    ssrc_type=Policy.SSRC_ANY_OUTBOUND if direction == "protect" else Policy.SSRC_ANY_INBOUND,
                    srtp_profile=profile)
    policy.window_size = int(req.get("window_size", 1024))
    policy.allow_repeat_tx = bool(req.get("allow_repeat_tx", True))
    session = Session(policy)

    out, errors = [], []
    for i, hexpkt in enumerate(req["packets_hex"]):
        pkt = bytes.fromhex(hexpkt)
        rtcp = is_rtcp(pkt) if kind == "auto" else kind == "rtcp"
        try:
            if direction == "protect":
                res = session.protect_rtcp(pkt) if rtcp else session.protect(pkt)
            else:
                res = session.unprotect_rtcp(pkt) if rtcp else session.unprotect(pkt)
            out.append(res.hex())
        except pylibsrtp.Error as exc:
            out.append(None)
            errors.append({"index": i, "message": str(exc)})
    result = {"packets_hex": out}
    if errors:
        result["errors"] = errors
    return result


def self_test():
    import struct
    ok = True
    rtp = [struct.pack("!BBHII", 0x80, 111, seq, 960 * (seq - 1), 0x11223344)
           + f"rtp-{seq}".encode().ljust(32, b"\0") for seq in range(1, 6)]
    rtp.append(struct.pack("!BBHII", 0x80, 111, 0xFFFF, 0, 0x11223344) + b"wrap")  # seq wrap
    rtp.append(struct.pack("!BBHII", 0x80, 111, 0x0000, 960, 0x11223344) + b"wrapped")
    rtcp = [bytes.fromhex("80c80006") + struct.pack("!I", 0x11223344) + bytes(20)]  # SR, no blocks
    pkts = [p.hex() for p in rtp + rtcp]
    for name, (_, key_len, salt_len) in PROFILES.items():
        key, salt = os.urandom(key_len).hex(), os.urandom(salt_len).hex()
        base = {"profile": name, "key_hex": key, "salt_hex": salt}
        prot = process({**base, "direction": "protect", "packets_hex": pkts})
        back = process({**base, "direction": "unprotect", "packets_hex": prot["packets_hex"]})
        # a flipped bit in the first packet must be rejected
        bad = bytearray(bytes.fromhex(prot["packets_hex"][0]))
        bad[-1] ^= 1
        rej = process({**base, "direction": "unprotect", "packets_hex": [bytes(bad).hex()]})
        # protecting twice gives the same bytes (deterministic given key/ssrc/seq/index)
        again = process({**base, "direction": "protect", "packets_hex": pkts})
        good = (back["packets_hex"] == pkts and "errors" not in prot and rej["packets_hex"] == [None]
                and again == prot and all(p != q for p, q in zip(prot["packets_hex"], pkts)))
        ok = ok and good
        print(json.dumps({"profile": name, "ok": good, "packets": len(pkts),
                          "overhead": [len(bytes.fromhex(p)) - len(bytes.fromhex(q))
                                       for p, q in zip(prot["packets_hex"], pkts)][::len(pkts) - 1],
                          "tamper": rej.get("errors", [{}])[0].get("message")}), flush=True)
    return 0 if ok else 1


def main():
    if "--self-test" in sys.argv[1:]:
        sys.exit(self_test())
    rc = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            res = process(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            res, rc = {"error": f"{type(exc).__name__}: {exc}"}, 1
        print(json.dumps(res), flush=True)
    sys.exit(rc)


if __name__ == "__main__":
    main()

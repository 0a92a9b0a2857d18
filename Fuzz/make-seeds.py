#!/usr/bin/env python3
"""Writes the starting corpus for each fuzz target into Fuzz/corpus/TARGET/ (seed-*.bin): small,
valid examples of every message kind, made here from the specs (RFC 5389, 3550, 4585, 8832, 8866,
the Y4M and WAV formats) and from the SDP fixtures real browsers wrote. libFuzzer grows the corpus
from these; `scripts/fuzz --merge` keeps the inputs that reach new code."""
import base64, binascii, hashlib, hmac, io, json, os, struct, wave, zlib

root = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    folder = os.path.join(root, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name + ".bin"), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# STUN (RFC 5389/8489): a binding request with USERNAME, PRIORITY, ICE-CONTROLLING, integrity, fingerprint.
def stun(method_class, attributes, key=None, fingerprint=True):
    tid = bytes(range(12))
    body = b""
    for kind, value in attributes:
        body += struct.pack("!HH", kind, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)
    def header(length):
        return struct.pack("!HHI", method_class, length, 0x2112A442) + tid
    if key is not None:
        mac = hmac.new(key, header(len(body) + 24) + body, hashlib.sha1).digest()
        body += struct.pack("!HH", 0x0008, 20) + mac
    if fingerprint:
        crc = binascii.crc32(header(len(body) + 8) + body) ^ 0x5354554E
        body += struct.pack("!HHI", 0x8028, 4, crc)
    return header(len(body)) + body

xor_v4 = struct.pack("!BBH", 0, 1, 0x1234 ^ 0x2112) + struct.pack("!I", 0x7F000001 ^ 0x2112A442)
put("stun", "binding-request", stun(0x0001, [(0x0006, b"abcd:efgh"), (0x0024, struct.pack("!I", 0x6E7F00FF)),
                                             (0x802A, bytes(8)), (0x0025, b"")], key=b"password"))
put("stun", "binding-success", stun(0x0101, [(0x0020, xor_v4)], key=b"password"))
put("stun", "allocate-error", stun(0x0113, [(0x0009, struct.pack("!HBB", 0, 4, 1) + b"Unauthorized"),
                                            (0x0014, b"example.org"), (0x0015, b"nonce-123")], fingerprint=False))
put("stun", "turn-data", stun(0x0017, [(0x0012, xor_v4), (0x0013, b"\x17\xfe\xfd hello")], fingerprint=False))

# RTP (RFC 3550) with a one-byte header extension (RFC 8285) and padding.
def rtp(pt, seq, ts, ssrc, payload, marker=False, ext=None, pad=0):
    first = 0x80 | (0x20 if pad else 0) | (0x10 if ext else 0)
    out = struct.pack("!BBHII", first, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    if ext:
        data = b"".join(bytes([(i << 4) | (len(v) - 1)]) + v for i, v in ext)
        data += b"\0" * ((4 - len(data) % 4) % 4)
        out += struct.pack("!HH", 0xBEDE, len(data) // 4) + data
    out += payload
    if pad:
        out += b"\0" * (pad - 1) + bytes([pad])
    return out

put("rtp", "opus", rtp(111, 1, 960, 0x1234, b"\xfc\xff\xfe", ext=[(1, b"\x80"), (3, b"\x00\x01")]))
put("rtp", "vp8-padded", rtp(96, 65535, 90000, 0x5678, b"\x90\x80\x81\x02\x10\x9d\x01\x2a", marker=True, pad=4))
put("rtp", "rtx", rtp(97, 7, 90000, 0x9abc, b"\x00\x05\x90\x80\x81"))

# RTCP (RFC 3550, 4585, 5104; REMB; transport-wide feedback).
def rtcp(count, pt, body):
    return struct.pack("!BBH", 0x80 | count, pt, (len(body) + 4) // 4 - 1) + body
block = struct.pack("!IIIIII", 0x5678, 0x01000010, 100, 5, 0x11112222, 10)
sr = rtcp(1, 200, struct.pack("!IIIIII", 0x1234, 0xE0000000, 0, 960, 10, 1000) + block)
rr = rtcp(1, 201, struct.pack("!I", 0x1234) + block)
sdes = rtcp(1, 202, struct.pack("!I", 0x1234) + b"\x01\x05cname\x00\x00")
bye = rtcp(1, 203, struct.pack("!I", 0x1234))
nack = rtcp(1, 205, struct.pack("!IIHH", 0x1234, 0x5678, 100, 0x0005))
pli = rtcp(1, 206, struct.pack("!II", 0x1234, 0x5678))
remb = rtcp(15, 206, struct.pack("!II", 0x1234, 0) + b"REMB" + bytes([1, 0x0B, 0x71, 0xB0]) + struct.pack("!I", 0x5678))
twcc = rtcp(15, 205, struct.pack("!IIHHIB", 0x1234, 0x5678, 10, 3, 0x000100, 0) + struct.pack("!H", 0x2003) + bytes([4, 4, 8]) + b"\0")
put("rtcp", "sr-sdes", sr + sdes)
put("rtcp", "rr-nack-pli", rr + nack + pli)
put("rtcp", "remb-bye", rr + remb + bye)
put("rtcp", "twcc", twcc)

# VP8 payload descriptors (RFC 7741) with a keyframe header behind them.
put("vp8", "keyframe", b"\x90\x80\x81\x02\x10\x9d\x01\x2a\xa0\x00\x78\x00" + bytes(40))
put("vp8", "extended", b"\xb0\xe0\x92\x34\x05\xa0" + bytes(20))
put("vp8", "short", b"\x10\x00\x00")

# SDP: what real browsers and aiortc wrote.
fixtures = os.path.join(root, "..", "Tests", "SDPTests", "Fixtures")
for name in sorted(os.listdir(fixtures)):
    with open(os.path.join(fixtures, name), "rb") as f:
        put("sdp", name.replace(".sdp", ""), f.read())

# DCEP (RFC 8832): DATA_CHANNEL_OPEN (reliable, partial) and ACK.
def dcep_open(channel_type, priority, reliability, label, protocol):
    return struct.pack("!BBHIHH", 3, channel_type, priority, reliability, len(label), len(protocol)) + label + protocol
put("dcep", "open-reliable", dcep_open(0, 256, 0, b"chat", b""))
put("dcep", "open-partial", dcep_open(0x81, 128, 3, b"termcall-control", b"json"))
put("dcep", "ack", b"\x02")

# Signalling: lines of JSON as a server receives them.
lines = [
    {"v": 1, "type": "join", "room": "fuzz", "name": "b", "passphrase": "secret"},
    {"v": 1, "type": "offer", "sdp": "v=0\r\n", "to": "p1"},
    {"v": 1, "type": "candidate", "candidate": "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "mid": "0"},
    {"v": 1, "type": "answer", "sdp": "v=0\r\n"},
    {"v": 1, "type": "bye"},
]
put("signaling", "session", "\n".join(json.dumps(l) for l in lines))
put("signaling", "bad-version", json.dumps({"v": 2, "type": "join", "room": "x"}))
put("signaling", "server-only", json.dumps({"v": 1, "type": "peers", "peers": [{"id": "a", "name": "b"}]}))

# Pasted lines: termcall1:o:/a: + URL-safe base64 of zlib.
for kind, name in (("o", "chromium-156-offer.sdp"), ("a", "chromium-156-answer.sdp")):
    with open(os.path.join(fixtures, name), "rb") as f:
        text = base64.urlsafe_b64encode(zlib.compress(f.read(), 9)).decode().rstrip("=")
    put("pasted", kind, "termcall1:" + kind + ":" + text)
put("pasted", "damaged", "termcall1:o:eJzLSM3JyQcABiwCFQ")

# Y4M: 4x2 4:2:0 (12 bytes a frame), two frames; a 4:4:4 one with a colour range.
put("y4m", "i420", b"YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C420jpeg\n" + (b"FRAME\n" + bytes(range(12))) * 2)
put("y4m", "i444", b"YUV4MPEG2 W2 H2 F25:1 C444 XCOLORRANGE=FULL\n" + b"FRAME\n" + bytes(12))
put("y4m", "truncated", b"YUV4MPEG2 W640 H480 F30:1\nFRAME\n" + bytes(100))

# WAV: 16-bit PCM, mono and stereo, with an extra chunk.
for name, channels, rate in (("mono", 1, 48000), ("stereo", 2, 16000)):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(range(32)) * channels)
    put("wav", name, buffer.getvalue())
data = bytes(8)
put("wav", "list-chunk", b"RIFF" + struct.pack("<I", 4 + 26 + 12 + 8 + len(data)) + b"WAVE" + b"LIST" + struct.pack("<I", 4) + b"INFO"
    + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16) + b"data" + struct.pack("<I", len(data)) + data)

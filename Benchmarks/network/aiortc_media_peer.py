#!/usr/bin/env python3
"""aiortc for the network benchmark, JSON lines like Tests/Interop/aiortc_pc_peer.py:
  --offer / --answer, --host ADDR (the address to gather on),
  --play FILE.wav: send that speech as audio; --pattern: send a moving 640x480 pattern at 30 fps;
  --record FILE.wav: write the audio received (48 kHz mono s16);
  {"cmd":"stats"} -> {"event":"stats","video_frames":N,"freeze_count":F,"longest_gap_ms":G,...}
  (freezes by the W3C webrtc-stats rule, from the times frames came out of aiortc's decoder).
  {"cmd":"close"} -> {"event":"closed"}."""
import asyncio
import fractions
import sys
import time
import wave

import aioice.ice
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import VideoStreamTrack

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/Tests/Interop")
from jsonlines import StdinLines, emit, run_and_exit  # noqa: E402

host = sys.argv[sys.argv.index("--host") + 1] if "--host" in sys.argv else "127.0.0.1"
aioice.ice.get_host_addresses = lambda *a, **k: [host]


# 64 rows of diagonal bands, one per phase; a frame picks a phase per 8-line strip.
ROWS = [bytes(((x // 8 + shift) * 4) & 0xFF for x in range(640)) for shift in range(64)]


class Pattern(VideoStreamTrack):
    """Diagonal bands moving a few pixels a frame, with a block that moves the other way."""

    def __init__(self):
        super().__init__()
        self.n = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        n = self.n
        self.n += 1
        frame = av.VideoFrame(640, 480, "yuv420p")
        luma = bytearray(b"".join(ROWS[(y // 8 + n) % 64] for y in range(480)))
        bx = (600 - 6 * n) % 560
        for y in range(200, 280):
            luma[y * 640 + bx: y * 640 + bx + 80] = b"\xeb" * 80
        frame.planes[0].update(bytes(luma))
        frame.planes[1].update(bytes([128]) * (320 * 240))
        frame.planes[2].update(bytes([128]) * (320 * 240))
        frame.pts, frame.time_base = pts, time_base
        return frame


async def main():
    stdin = StdinLines(asyncio.get_running_loop())
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    stats = {"video_frames": 0, "freeze_count": 0, "freezes_ms": 0, "longest_gap_ms": 0, "audio_frames": 0}
    record = sys.argv[sys.argv.index("--record") + 1] if "--record" in sys.argv else None
    recorded = bytearray()

    @pc.on("track")
    def _track(track):
        async def consume():
            last, mean = None, 33.0
            resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
            while True:
                try:
                    frame = await track.recv()
                except Exception:  # noqa: BLE001 - the track ended
                    return
                if track.kind == "video":
                    now = time.monotonic() * 1000
                    stats["video_frames"] += 1
                    if last is not None:
                        gap = now - last
                        if gap > max(3 * mean, mean + 150):
                            stats["freeze_count"] += 1
                            stats["freezes_ms"] += int(gap)
                        stats["longest_gap_ms"] = max(stats["longest_gap_ms"], int(gap))
                        mean += (min(gap, 1000) - mean) / 30
                    last = now
                else:
                    stats["audio_frames"] += 1
                    if record:
                        for out in resampler.resample(frame):
                            recorded.extend(bytes(out.planes[0])[: out.samples * 2])
        asyncio.ensure_future(consume())

    def add_tracks():
        if "--play" in sys.argv:
            player = MediaPlayer(sys.argv[sys.argv.index("--play") + 1])
            pc.addTrack(player.audio)
        if "--pattern" in sys.argv:
            pc.addTrack(Pattern())

    if "--offer" in sys.argv:
        add_tracks()
        pc.createDataChannel("chat")
        await pc.setLocalDescription(await pc.createOffer())
        emit({"sdp": pc.localDescription.sdp})
        answer = await stdin.next_json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    else:
        offer = await stdin.next_json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        add_tracks()
        await pc.setLocalDescription(await pc.createAnswer())
        emit({"sdp": pc.localDescription.sdp})
    while True:
        line = await stdin.next_json()
        if line is None or line.get("cmd") == "close":
            break
        if line.get("cmd") == "stats":
            report = await pc.getStats()
            for s in report.values():
                if s.type == "inbound-rtp" and s.kind == "video":
                    stats["video_packets_lost"] = s.packetsLost
            emit({"event": "stats", **stats})
    await pc.close()
    if record:
        with wave.open(record, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(48000)
            w.writeframes(bytes(recorded))
    emit({"event": "closed"})
    return 0


run_and_exit(main())

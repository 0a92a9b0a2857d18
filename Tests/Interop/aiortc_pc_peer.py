#!/usr/bin/env python3
"""A whole aiortc RTCPeerConnection for call-level interop tests, JSON lines on stdin/stdout.
  --answer: in {"sdp": offer}  -> out {"sdp": answer}
  --offer:  out {"sdp": offer (data channel "chat")} -> in {"sdp": answer}
  --audio:  also send audio (aiortc's AudioStreamTrack, Opus) and count the remote audio frames it
            decodes; --video likewise with VideoStreamTrack (VP8, 640x480 at 30 fps);
            {"cmd":"stats"} prints {"event":"stats","audio_frames_received":N,"video_frames_received":M}
Then: {"event":"datachannel","label":..} when a channel opens, {"event":"message","label":..,"text":..}
for each message (echoed back on the same channel), {"event":"state","state":..} on connection
state changes. {"cmd":"close"} closes and prints {"event":"closed"}. Errors: {"event":"error"}, exit 1.
--bench: prints {"event":"ready"} once imported (so a benchmark starts its clock after Python's start-up)
and {"event":"first-frame","kind":..} when the first remote frame of a kind is decoded.
Run inside a loopback-only namespace."""
import asyncio
import sys

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from jsonlines import StdinLines, emit, run_and_exit

aioice.ice.get_host_addresses = lambda *a, **k: ["127.0.0.1"]


def wire(channel):
    @channel.on("open")
    def _open():
        emit({"event": "datachannel", "label": channel.label, "id": channel.id})

    @channel.on("message")
    def _message(message):
        emit({"event": "message", "label": channel.label, "text": message if isinstance(message, str) else None,
              "length": len(message)})
        channel.send(message)


async def main():
    stdin = StdinLines(asyncio.get_running_loop())
    if "--bench" in sys.argv:
        emit({"event": "ready"})
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    @pc.on("connectionstatechange")
    def _state():
        emit({"event": "state", "state": pc.connectionState})

    received = {"audio": 0, "video": 0}

    @pc.on("track")
    def _track(track):
        async def count():
            while True:
                try:
                    await track.recv()
                except Exception:  # noqa: BLE001 - the track ended
                    return
                received[track.kind] += 1
                if received[track.kind] == 1 and "--bench" in sys.argv:
                    emit({"event": "first-frame", "kind": track.kind})
        asyncio.ensure_future(count())

    def add_tracks():
        if "--audio" in sys.argv:
            pc.addTrack(AudioStreamTrack())
        if "--video" in sys.argv:
            pc.addTrack(VideoStreamTrack())

    @pc.on("datachannel")
    def _datachannel(channel):
        emit({"event": "datachannel", "label": channel.label, "id": channel.id})
        wire(channel)

    if "--offer" in sys.argv:
        add_tracks()
        wire(pc.createDataChannel("chat"))
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
            emit({"event": "stats", "audio_frames_received": received["audio"], "video_frames_received": received["video"]})
    await pc.close()
    emit({"event": "closed"})
    return 0


run_and_exit(main())

#!/usr/bin/env python3
"""aiortc as an offerer (default) or answerer (--answer) for SDP interop tests, JSON lines:
  offerer:  out {"sdp": <aiortc's offer: audio, video, data channel "chat">}
            in  {"sdp": <our answer>}
            out {"event":"accepted","transceivers":[[kind, direction, codec], ...]}
  answerer: in  {"sdp": <our offer>}
            out {"sdp": <aiortc's answer, sending audio and video back>}
  Failures: {"event":"error","message":...} and exit 1.
Run inside a loopback-only namespace (no candidates leave 127.0.0.1)."""
import asyncio
import os
import sys

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from jsonlines import StdinLines, emit

aioice.ice.get_host_addresses = lambda *a, **k: ["127.0.0.1"]


async def answer_offer(pc, stdin):
    offer = await stdin.next_json()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createAnswer())
    emit({"sdp": pc.localDescription.sdp})


async def main():
    stdin = StdinLines(asyncio.get_running_loop())
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        if "--answer" in sys.argv:
            await answer_offer(pc, stdin)
            await pc.close()
            os._exit(0)
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())
        pc.createDataChannel("chat")
        await pc.setLocalDescription(await pc.createOffer())
        emit({"sdp": pc.localDescription.sdp})
        answer = await stdin.next_json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        emit({"event": "accepted", "transceivers": [
            [t.kind, t.currentDirection, t._codecs[0].mimeType if t._codecs else None] for t in pc.getTransceivers()]})
    except Exception as exc:  # noqa: BLE001 - reported to the driver
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        os._exit(1)
    finally:
        await pc.close()
    os._exit(0)


asyncio.run(main())

#!/usr/bin/env python3
"""Anchor for termcall-call-bench: aiortc <-> aiortc in one process, createOffer -> data channel open
on both sides, median of 10 (INTEROP.md: 45-60 ms). Run inside a loopback-only namespace."""
import asyncio, json, statistics, time
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection

aioice.ice.get_host_addresses = lambda *a, **k: ["127.0.0.1"]


async def once():
    start = time.perf_counter()
    a, b = RTCPeerConnection(RTCConfiguration(iceServers=[])), RTCPeerConnection(RTCConfiguration(iceServers=[]))
    opened = asyncio.get_running_loop().create_future()
    count = {"n": 0}

    def mark():
        count["n"] += 1
        if count["n"] == 2 and not opened.done():
            opened.set_result(time.perf_counter())

    channel = a.createDataChannel("chat")
    channel.on("open", mark)
    b.on("datachannel", lambda ch: mark())
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    end = await asyncio.wait_for(opened, 10)
    await a.close(); await b.close()
    return (end - start) * 1000


async def first_video():
    """createOffer -> the answerer's first decoded frame of the offerer's VideoStreamTrack."""
    from aiortc.mediastreams import VideoStreamTrack
    start = time.perf_counter()
    a, b = RTCPeerConnection(RTCConfiguration(iceServers=[])), RTCPeerConnection(RTCConfiguration(iceServers=[]))
    got = asyncio.get_running_loop().create_future()

    @b.on("track")
    def _track(track):
        async def first():
            await track.recv()
            if not got.done():
                got.set_result(time.perf_counter())
        asyncio.ensure_future(first())

    a.addTrack(VideoStreamTrack())
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    end = await asyncio.wait_for(got, 10)
    await a.close(); await b.close()
    return (end - start) * 1000


async def main():
    times = sorted([await once() for _ in range(10)])
    print(json.dumps({"impl": "aiortc<->aiortc", "offer_to_dc_open_ms_median": round(statistics.median(times), 1), "p90": round(times[8], 1), "runs": 10}))
    video = sorted([await first_video() for _ in range(10)])
    print(json.dumps({"impl": "aiortc<->aiortc", "offer_to_first_video_frame_ms_median": round(statistics.median(video), 1), "p90": round(video[8], 1), "runs": 10}))

asyncio.run(main())

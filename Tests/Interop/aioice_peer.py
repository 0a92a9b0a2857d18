#!/usr/bin/env python3
"""aioice peer for ICE interop tests, driven by JSON lines on stdin/stdout.

Run it inside a loopback-only namespace (`unshare --net bash -c 'ip link set lo up; ...'`)
with the venv made by scripts/install-interop:

    .venv-interop/bin/python Tests/Interop/aioice_peer.py --role controlled --echo

Protocol (one JSON object per line, stdout always flushed):
  out: {"ufrag":..., "pwd":..., "candidates":["candidate:...", ...]}   after gathering
  in:  {"ufrag":..., "pwd":..., "candidates":[...]}                     the remote side
       (entries may start with "a=", "candidate:" or neither; end-of-candidates is implied)
  out: {"event":"connected","selected":[[lhost,lport],[rhost,rport]],"types":[l,r],"ms":...}
  then
    --echo:    every datagram received is sent back, until stdin closes or {"cmd":"close"}
    --send N:  sends "ping-0".."ping-{N-1}" one at a time, prints
               {"event":"recv","data":"ping-i","rtt_ms":...} for each one that comes back,
               then {"event":"done","sent":N,"received":K} and closes (exit 1 if K < N)
    neither:   prints {"event":"recv","data":...} for each datagram until stdin closes
  in (any time after connected): {"cmd":"close"} | {"cmd":"send","data":"text"}
  out: {"event":"closed","received":R,"echoed":E} on close
  out: {"event":"error","message":...} and exit 1 on any failure.
"""

import argparse
import asyncio
import base64
import json
import logging
import os
import sys
import threading
import time

import aioice
import aioice.ice
import aioice.turn
from jsonlines import StdinLines, emit


# Prepended to every ping (--dtls-prefix): 0x17 puts the datagram in RFC 7983's DTLS range, so a
# WebRTC stack's demultiplexer hands it to the application instead of discarding it.
PREFIX = b""


def parse_hostport(value):
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def candidate_from_line(line):
    line = line.strip()
    if line.startswith("a="):
        line = line[2:]
    if line.startswith("candidate:"):
        line = line[len("candidate:"):]
    return aioice.Candidate.from_sdp(line)


def decode_text(data):
    try:
        return {"data": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"data_b64": base64.b64encode(data).decode("ascii")}


def selected_pair(conn):
    pair = getattr(conn, "_nominated", {}).get(1)  # private in aioice 0.13.0
    if pair is None:
        return None, None
    return ([list(pair.local_addr), list(pair.remote_addr)],
            [pair.local_candidate.type, pair.remote_candidate.type])


async def run(args):
    loop = asyncio.get_running_loop()
    stdin = StdinLines(loop)

    # aioice skips 127.0.0.1 when it lists host addresses; in a loopback-only namespace it
    # would gather nothing.
    aioice.ice.get_host_addresses = lambda *a, **k: list(args.host)
    # 256 KiB default overflows on loopback bursts (only TURN sockets use it).
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = 4 << 20

    kwargs = {}
    if args.turn:
        kwargs.update(turn_server=args.turn, turn_username=args.turn_user,
                      turn_password=args.turn_password, turn_transport=args.turn_transport)
        policy = args.ice_policy or "relay"
    else:
        policy = args.ice_policy or "all"
    kwargs["transport_policy"] = (aioice.TransportPolicy.RELAY if policy == "relay"
                                  else aioice.TransportPolicy.ALL)

    conn = aioice.Connection(ice_controlling=(args.role == "controlling"),
                             use_ipv6=False, **kwargs)
    try:
        t0 = time.monotonic()
        await asyncio.wait_for(conn.gather_candidates(), args.timeout)
        gather_ms = (time.monotonic() - t0) * 1000
        if not conn.local_candidates:
            raise RuntimeError(f"no local candidates gathered (policy {policy}"
                               + ("; TURN allocation failed: check server and credentials)" if args.turn else ")"))
        emit({"ufrag": conn.local_username, "pwd": conn.local_password,
              "candidates": ["candidate:" + c.to_sdp() for c in conn.local_candidates],
              "gather_ms": round(gather_ms, 1)})

        remote = await asyncio.wait_for(stdin.next_json(), args.timeout)
        if remote is None:
            raise RuntimeError("stdin closed before the remote description")
        conn.remote_username = remote["ufrag"]
        conn.remote_password = remote["pwd"]
        for line in remote.get("candidates", []):
            await conn.add_remote_candidate(candidate_from_line(line))
        await conn.add_remote_candidate(None)

        t1 = time.monotonic()
        await asyncio.wait_for(conn.connect(), args.timeout)
        connect_ms = (time.monotonic() - t1) * 1000
        selected, types = selected_pair(conn)
        emit({"event": "connected", "selected": selected, "types": types,
              "ms": round(connect_ms, 1)})

        counts = {"received": 0, "echoed": 0}
        if args.send is not None:
            ok = await send_pings(conn, args.send, args.reply_timeout, counts)
            emit({"event": "done", "sent": args.send, "received": ok})
            await conn.close()
            emit({"event": "closed", **counts})
            return 0 if ok == args.send else 1

        await serve(conn, stdin, args.echo, counts)
        await conn.close()
        emit({"event": "closed", **counts})
        return 0
    finally:
        await conn.close()


async def send_pings(conn, n, reply_timeout, counts):
    ok = 0
    for i in range(n):
        msg = PREFIX + f"ping-{i}".encode()
        t = time.monotonic()
        await conn.send(msg)
        deadline = t + reply_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                emit({"event": "timeout", "data": msg.decode()})
                break
            try:
                data = await asyncio.wait_for(conn.recv(), remaining)
            except asyncio.TimeoutError:
                continue
            counts["received"] += 1
            emit({"event": "recv", **decode_text(data),
                  "rtt_ms": round((time.monotonic() - t) * 1000, 2)})
            if data == msg:
                ok += 1
                break
    return ok


async def serve(conn, stdin, echo, counts):
    async def receiver():
        while True:
            data = await conn.recv()
            counts["received"] += 1
            if echo:
                await conn.send(data)
                counts["echoed"] += 1
            else:
                emit({"event": "recv", **decode_text(data)})

    rx = asyncio.create_task(receiver())
    try:
        while True:
            cmd_task = asyncio.create_task(stdin.next_json())
            done, _ = await asyncio.wait({cmd_task, rx}, return_when=asyncio.FIRST_COMPLETED)
            if rx in done:
                cmd_task.cancel()
                rx.result()  # raises ConnectionError if the connection went away
                return
            cmd = cmd_task.result()
            if cmd is None or cmd.get("cmd") == "close":
                return
            if cmd.get("cmd") == "send":
                await conn.send(cmd.get("data", "").encode())
    finally:
        rx.cancel()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role", choices=["controlling", "controlled"], required=True)
    p.add_argument("--turn", type=parse_hostport, metavar="HOST:PORT")
    p.add_argument("--turn-user")
    p.add_argument("--turn-password")
    p.add_argument("--turn-transport", choices=["udp", "tcp"], default="udp")
    p.add_argument("--ice-policy", choices=["all", "relay"],
                   help="default: relay with --turn (relay candidates only), else all")
    p.add_argument("--host", action="append", default=None,
                   help="host address to gather on (repeatable; default 127.0.0.1)")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--dtls-prefix", action="store_true", help="start each ping with byte 0x17")
    p.add_argument("--send", type=int, metavar="N")
    p.add_argument("--timeout", type=float, default=30.0, help="gather/signal/connect timeout (s)")
    p.add_argument("--reply-timeout", type=float, default=2.0, help="per-ping wait with --send (s)")
    p.add_argument("--verbose", action="store_true", help="aioice debug logs on stderr")
    args = p.parse_args()
    if args.host is None:
        args.host = ["127.0.0.1"]
    if args.echo and args.send is not None:
        p.error("--echo and --send are exclusive")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    global PREFIX
    if args.dtls_prefix:
        PREFIX = b"\x17"

    try:
        rc = asyncio.run(run(args))
    except Exception as exc:  # noqa: BLE001 - reported to the driver as JSON
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)  # do not wait on the stdin thread


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""aiortc DTLS-SRTP peer for interop tests, driven by JSON lines on stdin/stdout.

Runs aiortc's own RTCIceGatherer + RTCIceTransport + RTCDtlsTransport (no RTCPeerConnection, no SDP).
Run it inside a loopback-only namespace with the venv made by scripts/install-interop:

    unshare --net bash -c 'ip link set lo up; \
        .venv-interop/bin/python Tests/Interop/aiortc_dtls_peer.py --role controlled --echo-rtp'
    .venv-interop/bin/python Tests/Interop/aiortc_dtls_peer.py --self-test --runs 10   # aiortc <-> aiortc

Protocol (one JSON object per line, stdout always flushed):
  out: {"ice":{"ufrag","pwd","candidates":["candidate:..."]},
        "dtls":{"fingerprints":[{"algorithm":"sha-256","value":"AB:.."},..],"role":"auto"|"client"|"server"}}
  in:  the remote side in the same shape (candidate entries may start with "a=", "candidate:" or
       neither; end-of-candidates is implied; "dtls.role" may be omitted = "auto")
  out: {"event":"ice-connected","ms":...}
  out: {"event":"dtls-connected","dtls_role":"client"|"server","version":"DTLSv1.2","cipher":...,
        "srtp_profile":"SRTP_AEAD_AES_256_GCM"|...,"ms":<handshake>,"ice_ms":...,
        ["srtp_keys":{"tx_key_hex","tx_salt_hex","rx_key_hex","rx_salt_hex"}  with --print-keys]}
  then
    --rtp N:      sends N SRTP packets (PT 111, SSRC 0x11223344, seq 1..N, ts 0,960,..., payload
                  b"rtp-<seq>" zero-padded to --payload-len), then {"event":"rtp-sent","count":N}
    --echo-rtp:   every received SRTP/SRTCP packet that unprotects is reported (below) and re-sent,
                  protected with our tx session
    always:       {"event":"rtp","ssrc":..,"seq":..,"pt":..,"ts":..,"marker":..,"payload_hex":..}
                  {"event":"rtcp","hex":...}              (unprotected SRTCP)
                  {"event":"srtp-error","message":...}    (packet that failed to unprotect)
                  {"event":"dtls-data","data_hex":...}    (DTLS application data, unused by WebRTC media)
  in (after dtls-connected): {"cmd":"close"} -> close_notify sent, {"event":"closed","rtp_received":R,"rtp_echoed":E}
                             {"cmd":"rtp","count":N}   -> send N more packets (seq continues)
  EOF on stdin closes like {"cmd":"close"}. The remote's close_notify -> {"event":"closed","by":"remote",...}
  out: {"event":"error","message":...} and exit 1 on any failure (fingerprint mismatch, no SRTP profile,
       handshake error or timeout, ICE failure).

DTLS role (aiortc ignores RTCDtlsParameters.role in start()): with --dtls-role client|server we force it
(RTCDtlsTransport._set_role, what RTCPeerConnection does from a=setup). With --dtls-role auto, an explicit
remote "client"/"server" makes us take the opposite; if both are "auto", aiortc's ORTC rule applies:
ICE controlling -> DTLS server, ICE controlled -> DTLS client.
"""

import argparse
import asyncio
import json
import logging
import os
import statistics
import struct
import sys
import threading
import time

import aioice
import aioice.ice
import aioice.turn
from aiortc import (RTCCertificate, RTCDtlsFingerprint, RTCDtlsParameters, RTCDtlsTransport,
                    RTCIceGatherer, RTCIceParameters, RTCIceTransport)
from aiortc.rtcdtlstransport import SRTP_PROFILES, State
from aiortc.rtcicetransport import candidate_from_aioice
from aiortc.rtp import RtpPacket
from jsonlines import StdinLines, emit, run_and_exit

SSRC = 0x11223344
PT = 111


def candidate_from_line(line):
    line = line.strip()
    if line.startswith("a="):
        line = line[2:]
    if line.startswith("candidate:"):
        line = line[len("candidate:"):]
    return candidate_from_aioice(aioice.Candidate.from_sdp(line))


def rtp_packet(seq, payload_len):
    payload = f"rtp-{seq}".encode().ljust(payload_len, b"\0")
    # V=2, no padding/extension/CSRC, M=0, PT 111
    return struct.pack("!BBHII", 0x80, PT, seq & 0xFFFF, (960 * (seq - 1)) & 0xFFFFFFFF, SSRC) + payload


def patch_aioice(hosts=None, rcvbuf=4 << 20):
    """Process-wide aioice settings of every interop peer: gather only `hosts` (default 127.0.0.1,
    which aioice never gathers by itself, so a loopback-only namespace would give no candidates) and
    a UDP receive buffer of `rcvbuf` (aioice's 256 KiB overflows on loopback bursts; a lost DATA
    packet can leave aiortc's SCTP waiting for its 1 s minimum RTO). Needs net.core.rmem_max >= rcvbuf."""
    hosts = list(hosts or ["127.0.0.1"])
    aioice.ice.get_host_addresses = lambda *a, **k: list(hosts)
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = rcvbuf


class DtlsFailed(Exception):
    pass


class Peer:
    """One aiortc ICE + DTLS endpoint. `on_event` receives the JSON-able event dicts."""

    def __init__(self, ice_role, dtls_role="auto", echo_rtp=False, on_event=emit, print_keys=False,
                 fingerprint_algs=None, corrupt_fingerprint=False, srtp_profiles=None, timeout=30.0):
        self.ice_role = ice_role
        self.dtls_role = dtls_role
        self.echo_rtp = echo_rtp
        self.on_event = on_event
        self.print_keys = print_keys
        self.fingerprint_algs = fingerprint_algs
        self.corrupt_fingerprint = corrupt_fingerprint
        self.timeout = timeout
        self.rtp_received = 0
        self.rtp_echoed = 0
        self.next_seq = 1
        self.dtls_log = []
        self.closed = asyncio.Event()
        self.closed_by_remote = False

        self.certificate = RTCCertificate.generateCertificate()  # ECDSA P-256, what aiortc always uses
        self.gatherer = RTCIceGatherer(iceServers=[])  # [] : never the default public STUN server
        self.ice = RTCIceTransport(self.gatherer)
        # RTCIceGatherer always builds a controlled Connection; RTCPeerConnection flips it the same way.
        self.gatherer._connection.ice_controlling = ice_role == "controlling"
        self.dtls = RTCDtlsTransport(self.ice, [self.certificate])
        if srtp_profiles:  # offered (client) / accepted (server) use_srtp profiles, in preference order
            by_name = {p.openssl_profile.decode(): p for p in SRTP_PROFILES}
            self.dtls._srtp_profiles = [by_name[n] for n in srtp_profiles]
        # Private hooks (aiortc 1.16.0): per-instance debug log (failure reasons), decrypted RTP/RTCP.
        orig_log = self.dtls._RTCDtlsTransport__log_debug

        def log_debug(msg, *a):
            text = msg % a
            self.dtls_log.append(text)
            if "SRTP unprotect failed" in text:
                self.on_event({"event": "srtp-error", "message": text.split(": ", 1)[-1]})
            orig_log(msg, *a)

        self.dtls._RTCDtlsTransport__log_debug = log_debug
        self.dtls._handle_rtp_data = self._handle_rtp
        self.dtls._handle_rtcp_data = self._handle_rtcp
        self.dtls._register_data_receiver(self)

    async def gather(self):
        await asyncio.wait_for(self.gatherer.gather(), self.timeout)
        params = self.gatherer.getLocalParameters()
        cands = ["candidate:" + c.to_sdp() for c in self.gatherer._connection.local_candidates]
        if not cands:
            raise RuntimeError("no local candidates gathered")
        fps = []
        for fp in self.dtls.getLocalParameters().fingerprints:
            if self.fingerprint_algs and fp.algorithm not in self.fingerprint_algs:
                continue
            value = fp.value
            if self.corrupt_fingerprint:
                value = ("00" if value[:2] != "00" else "11") + value[2:]
            fps.append({"algorithm": fp.algorithm, "value": value})
        return {"ice": {"ufrag": params.usernameFragment, "pwd": params.password, "candidates": cands},
                "dtls": {"fingerprints": fps, "role": self.dtls_role}}

    def _choose_role(self, remote_role):
        if self.dtls_role != "auto":
            if remote_role == self.dtls_role:
                raise DtlsFailed(f"DTLS role conflict: both sides want {remote_role}")
            return self.dtls_role
        if remote_role in ("client", "server"):
            return "server" if remote_role == "client" else "client"
        return "auto"  # aiortc decides from the ICE role in RTCDtlsTransport.start()

    async def exchange(self, stdin, timeout):
        """Prints our description, reads the remote one and connects (ICE then DTLS)."""
        emit(await self.gather())
        remote = await asyncio.wait_for(stdin.next_json(), timeout)
        if remote is None:
            raise RuntimeError("stdin closed before the remote description")
        await self.connect(remote)

    async def connect(self, remote):
        ice, dtls = remote["ice"], remote["dtls"]
        role = self._choose_role(dtls.get("role", "auto"))
        if role != "auto":
            self.dtls._set_role(role)
        for line in ice.get("candidates", []):
            await self.ice.addRemoteCandidate(candidate_from_line(line))
        await self.ice.addRemoteCandidate(None)

        t0 = time.monotonic()
        await asyncio.wait_for(self.ice.start(RTCIceParameters(usernameFragment=ice["ufrag"],
                                                                password=ice["pwd"])), self.timeout)
        if self.ice.state != "completed":
            raise RuntimeError(f"ICE {self.ice.state}")
        ice_ms = (time.monotonic() - t0) * 1000
        self.on_event({"event": "ice-connected", "ms": round(ice_ms, 1)})

        params = RTCDtlsParameters(
            fingerprints=[RTCDtlsFingerprint(algorithm=f["algorithm"], value=f["value"])
                          for f in dtls["fingerprints"]],
            role=dtls.get("role", "auto"))
        t1 = time.monotonic()
        try:
            await asyncio.wait_for(self.dtls.start(params), self.timeout)
        except asyncio.TimeoutError:
            raise DtlsFailed(f"DTLS handshake timed out after {self.timeout:g} s "
                             f"(as {self.dtls._role})") from None
        ms = (time.monotonic() - t1) * 1000
        if self.dtls._state != State.CONNECTED:
            reasons = [m for m in self.dtls_log if m.startswith("x DTLS")]
            raise DtlsFailed(reasons[-1][2:] if reasons else f"DTLS state {self.dtls.state}")
        self.dtls.on("statechange", self._on_dtls_state)

        ssl = self.dtls._ssl
        info = {"event": "dtls-connected", "dtls_role": self.dtls._role,
                "version": ssl.get_protocol_version_name(), "cipher": ssl.get_cipher_name(),
                "srtp_profile": (ssl.get_selected_srtp_profile() or b"").decode(),
                "ms": round(ms, 1), "ice_ms": round(ice_ms, 1)}
        if self.print_keys:
            info["srtp_keys"] = self._srtp_keys()
        self.on_event(info)
        return info

    def _srtp_keys(self):
        name = self.dtls._ssl.get_selected_srtp_profile()
        prof = next(p for p in SRTP_PROFILES if p.openssl_profile == name)
        km = self.dtls._ssl.export_keying_material(b"EXTRACTOR-dtls_srtp",
                                                  2 * (prof.key_length + prof.salt_length))
        k, s = prof.key_length, prof.salt_length
        client = (km[:k], km[2 * k:2 * k + s])
        server = (km[k:2 * k], km[2 * k + s:2 * k + 2 * s])
        tx, rx = (client, server) if self.dtls._role == "client" else (server, client)
        return {"tx_key_hex": tx[0].hex(), "tx_salt_hex": tx[1].hex(),
                "rx_key_hex": rx[0].hex(), "rx_salt_hex": rx[1].hex()}

    def _on_dtls_state(self):
        if self.dtls._state in (State.CLOSED, State.FAILED) and not self.closed.is_set():
            self.closed_by_remote = True
            self.closed.set()

    # RTCDtlsTransport calls these with decrypted data.
    async def _handle_rtp(self, data, arrival_time_ms):
        self.rtp_received += 1
        try:
            p = RtpPacket.parse(data)
            self.on_event({"event": "rtp", "ssrc": p.ssrc, "seq": p.sequence_number, "pt": p.payload_type,
                           "ts": p.timestamp, "marker": p.marker, "payload_hex": p.payload.hex()})
        except ValueError as exc:
            self.on_event({"event": "rtp", "parse_error": str(exc), "hex": data.hex()})
        if self.echo_rtp:
            await self.dtls._send_rtp(data)
            self.rtp_echoed += 1

    async def _handle_rtcp(self, data):
        self.on_event({"event": "rtcp", "hex": data.hex()})
        if self.echo_rtp:
            await self.dtls._send_rtp(data)

    async def _handle_data(self, data):  # DTLS application data (WebRTC uses it for SCTP only)
        self.on_event({"event": "dtls-data", "data_hex": data.hex()})

    async def send_rtp(self, count, payload_len=32, interval=0.0):
        for _ in range(count):
            await self.dtls._send_rtp(rtp_packet(self.next_seq, payload_len))
            self.next_seq += 1
            await asyncio.sleep(interval)
        self.on_event({"event": "rtp-sent", "count": count})

    async def close(self):
        await self.dtls.stop()  # close_notify when connecting/connected
        await self.ice.stop()
        self.closed.set()


async def run_peer(args):
    loop = asyncio.get_running_loop()
    stdin = StdinLines(loop)
    peer = Peer(args.role, args.dtls_role, echo_rtp=args.echo_rtp, print_keys=args.print_keys,
                fingerprint_algs=args.fingerprint_alg, corrupt_fingerprint=args.corrupt_fingerprint,
                srtp_profiles=args.srtp_profile, timeout=args.timeout)
    try:
        await peer.exchange(stdin, args.timeout)
        if args.rtp:
            await peer.send_rtp(args.rtp, args.payload_len, args.interval_ms / 1000)
        while True:
            cmd_task = asyncio.create_task(stdin.next_json())
            closed_task = asyncio.create_task(peer.closed.wait())
            done, _ = await asyncio.wait({cmd_task, closed_task}, return_when=asyncio.FIRST_COMPLETED)
            if closed_task in done:
                cmd_task.cancel()
                emit({"event": "closed", "by": "remote", "rtp_received": peer.rtp_received,
                      "rtp_echoed": peer.rtp_echoed})
                await peer.ice.stop()
                return 0
            closed_task.cancel()
            cmd = cmd_task.result()
            if cmd is None or cmd.get("cmd") == "close":
                await peer.close()
                emit({"event": "closed", "rtp_received": peer.rtp_received, "rtp_echoed": peer.rtp_echoed})
                return 0
            if cmd.get("cmd") == "rtp":
                await peer.send_rtp(int(cmd.get("count", 1)), args.payload_len, args.interval_ms / 1000)
    finally:
        if not peer.closed.is_set():
            await peer.ice.stop()


async def self_test_once(n_rtp, quiet=True, mismatch=False, dtls_roles=("auto", "auto"), profiles=(None, None)):
    events = {"A": [], "B": []}

    def sink(name):
        def on_event(ev):
            events[name].append(ev)
            if not quiet:
                emit({"peer": name, **ev})
        return on_event

    a = Peer("controlling", dtls_roles[0], echo_rtp=True, on_event=sink("A"), srtp_profiles=profiles[0], timeout=10)
    b = Peer("controlled", dtls_roles[1], on_event=sink("B"), corrupt_fingerprint=mismatch,
             srtp_profiles=profiles[1], timeout=10)
    try:
        t0 = time.monotonic()
        da, db = await asyncio.gather(a.gather(), b.gather())
        res = await asyncio.gather(a.connect(db), b.connect(da), return_exceptions=True)
        total_ms = (time.monotonic() - t0) * 1000
        errors = [f"{type(r).__name__}: {r}" for r in res if isinstance(r, BaseException)]
        if errors:
            return {"ok": False, "errors": errors, "a_state": a.dtls.state, "b_state": b.dtls.state}
        ia, ib = res
        await b.send_rtp(n_rtp)
        deadline = time.monotonic() + 5
        while b.rtp_received < n_rtp and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        echoed = [e for e in events["B"] if e["event"] == "rtp"]
        good = [e for e in echoed if e["ssrc"] == SSRC and e["pt"] == PT
                and bytes.fromhex(e["payload_hex"]).rstrip(b"\0") == f"rtp-{e['seq']}".encode()]
        await b.close()
        await asyncio.wait_for(a.closed.wait(), 5)  # A sees B's close_notify
        return {"ok": len(good) == n_rtp and a.closed_by_remote, "handshake_ms": max(ia["ms"], ib["ms"]),
                "total_ms": round(total_ms, 1), "a": {k: ia[k] for k in ("dtls_role", "version", "cipher",
                                                                        "srtp_profile", "ms")},
                "b": {k: ib[k] for k in ("dtls_role", "version", "cipher", "srtp_profile", "ms")},
                "rtp_sent": n_rtp, "rtp_echo_ok": len(good), "a_saw_close_notify": a.closed_by_remote}
    finally:
        for p in (a, b):
            await p.dtls.stop()
            await p.ice.stop()


async def run_self_test(args):
    results = []
    for i in range(args.runs):
        r = await self_test_once(args.rtp or 5, quiet=not args.verbose_events)
        emit({"self_test_run": i + 1, **r})
        if not r["ok"]:
            return 1
        results.append(r["handshake_ms"])
    # Forced roles (what RTCPeerConnection does from a=setup): A (ICE controlling) as DTLS client.
    r = await self_test_once(3, dtls_roles=("client", "auto"))
    emit({"self_test": "forced-roles", **r})
    forced_ok = r["ok"] and r["a"]["dtls_role"] == "client" and r["b"]["dtls_role"] == "server"
    # Each SRTP profile end to end (the client offers only that one).
    profiles_ok = True
    for prof in ("SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80"):
        r = await self_test_once(3, profiles=(None, [prof]))
        emit({"self_test": "profile " + prof, **r})
        profiles_ok = profiles_ok and r["ok"] and r["a"]["srtp_profile"] == prof
    # Negative: B publishes a wrong fingerprint, A (the verifier) must fail.
    r = await self_test_once(1, mismatch=True)
    emit({"self_test": "fingerprint-mismatch", **r})
    mismatch_ok = not r["ok"] and any("fingerprint mismatch" in e for e in r.get("errors", []))
    emit({"self_test": "summary", "runs": len(results),
          "handshake_ms_median": round(statistics.median(results), 1),
          "handshake_ms_min": min(results), "handshake_ms_max": max(results),
          "forced_roles_ok": forced_ok, "profiles_ok": profiles_ok, "mismatch_detected": mismatch_ok})
    return 0 if forced_ok and profiles_ok and mismatch_ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role", choices=["controlling", "controlled"], help="ICE role")
    p.add_argument("--dtls-role", choices=["auto", "client", "server"], default="auto")
    p.add_argument("--rtp", type=int, metavar="N", default=0, help="send N SRTP packets once connected")
    p.add_argument("--echo-rtp", action="store_true", help="re-send every SRTP/SRTCP packet received")
    p.add_argument("--payload-len", type=int, default=32)
    p.add_argument("--interval-ms", type=float, default=0.0, help="pause between --rtp packets")
    p.add_argument("--print-keys", action="store_true", help="add the SRTP master keys/salts to dtls-connected")
    p.add_argument("--fingerprint-alg", action="append", choices=["sha-256", "sha-384", "sha-512"],
                   help="publish only these fingerprints (repeatable; default all three, as aiortc does)")
    p.add_argument("--srtp-profile", action="append",
                   choices=["SRTP_AEAD_AES_256_GCM", "SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80"],
                   help="restrict use_srtp to these (repeatable, preference order; default all three, "
                        "256-GCM first, as aiortc does)")
    p.add_argument("--corrupt-fingerprint", action="store_true",
                   help="publish wrong fingerprints (the remote must reject us)")
    p.add_argument("--host", action="append", default=None, help="host address to gather on (default 127.0.0.1)")
    p.add_argument("--timeout", type=float, default=30.0, help="gather/signal/ICE/DTLS timeout (s)")
    p.add_argument("--self-test", action="store_true", help="aiortc <-> aiortc in one process")
    p.add_argument("--runs", type=int, default=10, help="--self-test iterations")
    p.add_argument("--verbose-events", action="store_true", help="--self-test: print every peer event")
    p.add_argument("--verbose", action="store_true", help="aiortc/aioice debug logs on stderr")
    args = p.parse_args()
    if not args.self_test and not args.role:
        p.error("--role is required (or --self-test)")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)

    patch_aioice(args.host)

    run_and_exit(run_self_test(args) if args.self_test else run_peer(args))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""aiortc SCTP / data-channel peer for interop tests, driven by JSON lines on stdin/stdout.

The ICE + DTLS part is aiortc_dtls_peer.Peer (same first exchange, same --role/--dtls-role rules); on top
of it runs aiortc's own RTCSctpTransport + RTCDataChannel (no RTCPeerConnection, no SDP). Run it inside a
loopback-only namespace with the venv made by scripts/install-interop:

    unshare --net bash -c 'ip link set lo up; \\
        .venv-interop/bin/python Tests/Interop/aiortc_sctp_peer.py --role controlled --echo --open chat'
    .venv-interop/bin/python Tests/Interop/aiortc_sctp_peer.py --self-test        # aiortc <-> aiortc
    Tests/Interop/aiortc_sctp_bench.py                                            # throughput

Protocol (one JSON object per line, stdout always flushed):
  out: {"ice":{..},"dtls":{..},"sctp":{"port":5000,"max_message_size":262144}}   (see aiortc_dtls_peer.py)
  in:  the remote side in the same shape. "sctp" may be omitted (port 5000, max message size 65536 as
       RFC 8841 says); "max_message_size":0 means "any size".
  out: {"event":"ice-connected",..}, {"event":"dtls-connected",..}   (as aiortc_dtls_peer.py)
  out: {"event":"sctp-connected","ms":<DTLS connected -> association ESTABLISHED>,"dtls_role":..,
        "stream_id_parity":"even"|"odd","remote_max_message_size":..}
  out: {"event":"channel-open","label","id","ordered","maxRetransmits","maxPacketLifeTime","protocol",
        "negotiated","by":"local"|"remote"}   for every channel once open, whoever opened it
  out: {"event":"message","label","id","kind":"string"|"binary","length":<bytes; UTF-8 for strings>,
        "sha256":<hex of those bytes>,["text":<first 200 chars>]}
  out: {"event":"channel-closed","label","id"}   (closed by either side, or the association went away)
  out: {"event":"sctp-closed"}                    (association closed: ABORT/SHUTDOWN from the remote,
                                                   T1/T3/RECONFIG give-up, or our own close)
  in (read once sctp-connected):
       {"cmd":"send","label":L,"text":S}  |  {"cmd":"send","label":L,"binary_len":N}   (bytes i % 251)
       {"cmd":"send","label":L,"binary_hex":H}
       {"cmd":"send_many","label":L,"count":N,"prefix":"m"}    (strings m0..m{N-1}, in order)
       {"cmd":"open","label":L,["ordered":b,"maxRetransmits":n,"maxPacketLifeTime":ms,"protocol":s,
                                "negotiated":b,"id":n]}
       {"cmd":"close_channel","label":L}     (stream reset, RFC 8831 6.7)
       {"cmd":"close"}                        (SCTP ABORT, DTLS close_notify: what RTCPeerConnection.close
                                               does) -> {"event":"closed",...}; EOF on stdin does the same
     each send/send_many -> {"event":"sent","label","count","bytes"}; a command that fails (unknown
     label, message over the remote's max size, channel not open) -> {"event":"cmd-error","cmd","message"}
  The remote's DTLS close_notify -> {"event":"closed","by":"remote",...}
  Bench: --bench-bytes N: the "bench" channel opened by the remote is counted, not reported per message;
         when N bytes arrived -> {"event":"bench-done","bytes","messages","seconds","mb_per_s"} (first
         message -> last byte, MB = 10^6 bytes).
         --bench-send N: opens "bench" (reliable, ordered) once connected and sends N bytes in
         --bench-chunk-byte binary messages, flow-controlled by bufferedAmount/'bufferedamountlow';
         -> {"event":"bench-sent","bytes","messages","seconds","mb_per_s"} once all is SACKed.
  out: {"event":"error","message":...} and exit 1 on failure (as aiortc_dtls_peer.py, plus an association
       that is not up within --timeout).

aiortc 1.16 facts this relies on: RTCSctpTransport emits no state event (we wrap its _set_state;
ESTABLISHED is "connected"); start() registers it as the DTLS transport's only data receiver (so the DTLS
peer's own "dtls-data" receiver is removed); both sides send INIT (RFC 8841 9.3); stream ids are even for
the DTLS client, odd for the DTLS server.
"""

import argparse
import asyncio
import hashlib
import logging
import os
import sys
import time

from aiortc import RTCDataChannel, RTCDataChannelParameters, RTCSctpTransport
from aiortc.exceptions import InvalidStateError
from aiortc.rtcsctptransport import LOCAL_MAX_MESSAGE_SIZE, RTCSctpCapabilities

from aiortc_dtls_peer import Peer, patch_aioice
from jsonlines import StdinLines, emit, run_and_exit

_PATTERN = bytes(range(251))


def pattern_bytes(n):
    """n deterministic bytes: i % 251."""
    return (_PATTERN * (n // 251 + 1))[:n]


def channel_info(ch):
    return {"label": ch.label, "id": ch.id, "ordered": ch.ordered, "maxRetransmits": ch.maxRetransmits,
            "maxPacketLifeTime": ch.maxPacketLifeTime, "protocol": ch.protocol, "negotiated": ch.negotiated}


class SctpPeer(Peer):
    """aiortc ICE + DTLS (aiortc_dtls_peer.Peer) + SCTP association + data channels."""

    def __init__(self, ice_role, dtls_role="auto", *, on_event=emit, echo=False, sctp_port=5000,
                 max_message_size=LOCAL_MAX_MESSAGE_SIZE, channels=(), bench_bytes=0, timeout=30.0, **kw):
        super().__init__(ice_role, dtls_role, on_event=on_event, timeout=timeout, **kw)
        # RTCDtlsTransport has a single data receiver: it must be free for RTCSctpTransport.start().
        self.dtls._unregister_data_receiver(self)
        self.echo = echo
        self.sctp_port = sctp_port
        self.max_message_size = max_message_size
        self.initial_channels = list(channels)  # RTCDataChannelParameters, created before start()
        self.bench_bytes = bench_bytes
        self.sctp = None
        self.channels = {}  # label -> latest channel with that label (local or remote)
        self.sctp_connected = asyncio.Event()
        self.sctp_closed = asyncio.Event()
        self.stats = {"messages_received": 0, "bytes_received": 0, "messages_sent": 0, "bytes_sent": 0}
        self._bench_rx = {"bytes": 0, "messages": 0, "t0": None, "done": False}
        self._t_dtls = None

    async def gather(self):
        desc = await super().gather()
        desc["sctp"] = {"port": self.sctp_port, "max_message_size": self.max_message_size}
        return desc

    async def connect(self, remote):
        info = await super().connect(remote)
        sctp_remote = remote.get("sctp") or {}
        mms = sctp_remote.get("max_message_size")
        caps = RTCSctpCapabilities(maxMessageSize=int(mms)) if mms is not None else None
        self.sctp = RTCSctpTransport(self.dtls, port=self.sctp_port)
        orig_set_state = self.sctp._set_state

        def set_state(state):
            # ESTABLISHED opens negotiated channels inside _set_state: report the association first.
            if state == RTCSctpTransport.State.ESTABLISHED and not self.sctp_connected.is_set():
                self.sctp_connected.set()
                self.on_event({"event": "sctp-connected",
                               "ms": round((time.monotonic() - self._t_dtls) * 1000, 1),
                               "dtls_role": self.dtls._role,
                               "stream_id_parity": "odd" if self.dtls._role == "server" else "even",
                               "remote_max_message_size": self.sctp._remote_max_message_size})
            orig_set_state(state)
            if state == RTCSctpTransport.State.CLOSED and not self.sctp_closed.is_set():
                self.sctp_closed.set()
                self.on_event({"event": "sctp-closed"})

        self.sctp._set_state = set_state
        self.sctp.on("datachannel", lambda ch: self._guard(self._on_remote_channel, ch))
        for params in self.initial_channels:  # queued until ESTABLISHED, like createDataChannel()
            self.open_channel(params)
        self._t_dtls = time.monotonic()
        await self.sctp.start(caps, int(sctp_remote.get("port", 5000)))
        return info

    # -- channels -----------------------------------------------------------------------------

    def _guard(self, fn, *args):
        # An exception escaping a handler would reach aiortc's DTLS receive loop and close the transport.
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported, the peer goes on
            self.on_event({"event": "handler-error", "message": f"{type(exc).__name__}: {exc}"})

    def open_channel(self, params):
        ch = RTCDataChannel(self.sctp, params)
        self._wire(ch, "local")
        return ch

    def _wire(self, ch, by):
        self.channels[ch.label] = ch
        reported = []

        def on_open():
            if not reported:
                reported.append(True)
                self.on_event({"event": "channel-open", **channel_info(ch), "by": by})

        ch.on("open", lambda: self._guard(on_open))
        ch.on("message", lambda data: self._guard(self._on_message, ch, data))
        ch.on("close", lambda: self._guard(self._on_close, ch))
        if ch.readyState == "open":  # remote channels and negotiated ones on an open association
            on_open()

    def _on_remote_channel(self, ch):
        self._wire(ch, "remote")

    def _on_close(self, ch):
        if self.channels.get(ch.label) is ch:
            del self.channels[ch.label]
        self.on_event({"event": "channel-closed", "label": ch.label, "id": ch.id})

    def _on_message(self, ch, data):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.stats["messages_received"] += 1
        self.stats["bytes_received"] += len(raw)
        if self.bench_bytes and ch.label == "bench":
            b = self._bench_rx
            if b["t0"] is None:
                b["t0"] = time.monotonic()
            b["bytes"] += len(raw)
            b["messages"] += 1
            if b["bytes"] >= self.bench_bytes and not b["done"]:
                b["done"] = True
                secs = time.monotonic() - b["t0"]
                self.on_event({"event": "bench-done", "bytes": b["bytes"], "messages": b["messages"],
                               "seconds": round(secs, 3), "mb_per_s": round(b["bytes"] / secs / 1e6, 3)})
            return
        ev = {"event": "message", "label": ch.label, "id": ch.id,
              "kind": "string" if isinstance(data, str) else "binary", "length": len(raw),
              "sha256": hashlib.sha256(raw).hexdigest()}
        if isinstance(data, str):
            ev["text"] = data[:200]
        self.on_event(ev)
        if self.echo:
            try:
                self._send(ch, data)
            except (InvalidStateError, ValueError) as exc:
                self.on_event({"event": "echo-error", "label": ch.label,
                               "message": f"{type(exc).__name__}: {exc}"})

    def _send(self, ch, data):
        ch.send(data)  # InvalidStateError unless open; ValueError over the remote's max message size
        self.stats["messages_sent"] += 1
        self.stats["bytes_sent"] += len(data.encode("utf-8") if isinstance(data, str) else data)

    # -- commands -----------------------------------------------------------------------------

    def command(self, cmd):
        """Run one stdin command (a dict). Returns False for "close" (the caller closes)."""
        name = cmd.get("cmd")
        if name == "close":
            return False
        try:
            if name == "send":
                ch = self._channel(cmd)
                if "text" in cmd:
                    data = cmd["text"]
                elif "binary_hex" in cmd:
                    data = bytes.fromhex(cmd["binary_hex"])
                else:
                    data = pattern_bytes(int(cmd["binary_len"]))
                self._send(ch, data)
                raw = data.encode("utf-8") if isinstance(data, str) else data
                self.on_event({"event": "sent", "label": ch.label, "count": 1, "bytes": len(raw)})
            elif name == "send_many":
                ch = self._channel(cmd)
                prefix, total = cmd.get("prefix", "m"), 0
                for i in range(int(cmd["count"])):
                    text = f"{prefix}{i}"
                    self._send(ch, text)
                    total += len(text.encode("utf-8"))
                self.on_event({"event": "sent", "label": ch.label, "count": int(cmd["count"]), "bytes": total})
            elif name == "open":
                self.open_channel(params_from(cmd))
            elif name == "close_channel":
                self._channel(cmd).close()
            else:
                raise ValueError(f"unknown command {name!r}")
        except (KeyError, ValueError, TypeError, InvalidStateError) as exc:
            self.on_event({"event": "cmd-error", "cmd": name,
                           "message": f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__})
        return True

    def _channel(self, cmd):
        label = cmd.get("label")
        if label not in self.channels:
            raise KeyError(f"no open channel labelled {label!r}")
        return self.channels[label]

    # -- bench --------------------------------------------------------------------------------

    async def bench_send(self, total, chunk=16384, high=1 << 20, low=256 << 10):
        ch = self.open_channel(RTCDataChannelParameters(label="bench", ordered=True))
        opened = asyncio.Event()
        ch.on("open", opened.set)
        await asyncio.wait_for(opened.wait(), self.timeout)
        ch.bufferedAmountLowThreshold = low
        drained = asyncio.Event()
        ch.on("bufferedamountlow", drained.set)
        payload = pattern_bytes(chunk)
        t0 = time.monotonic()
        sent = messages = 0
        while sent < total:
            if ch.bufferedAmount > high:
                drained.clear()
                await drained.wait()  # fires when bufferedAmount falls to `low`
            n = min(chunk, total - sent)
            ch.send(payload if n == chunk else payload[:n])
            sent += n
            messages += 1
        # Done when every byte left the channel queue and the remote SACKed it.
        sctp = self.sctp
        while ch.bufferedAmount or sctp._data_channel_queue or sctp._outbound_queue or sctp._sent_queue:
            await asyncio.sleep(0.002)
        secs = time.monotonic() - t0
        self.stats["messages_sent"] += messages
        self.stats["bytes_sent"] += sent
        ev = {"event": "bench-sent", "bytes": sent, "messages": messages, "chunk": chunk,
              "seconds": round(secs, 3), "mb_per_s": round(sent / secs / 1e6, 3)}
        self.on_event(ev)
        return ev

    async def close(self):
        if self.sctp is not None:
            await self.sctp.stop()  # ABORT (aiortc never sends SHUTDOWN)
        await super().close()


def params_from(spec):
    """RTCDataChannelParameters from a dict with the W3C names (label, ordered, maxRetransmits, ...)."""
    return RTCDataChannelParameters(
        label=spec["label"], ordered=bool(spec.get("ordered", True)),
        maxRetransmits=spec.get("maxRetransmits"), maxPacketLifeTime=spec.get("maxPacketLifeTime"),
        protocol=spec.get("protocol", ""), negotiated=bool(spec.get("negotiated", False)), id=spec.get("id"))


def channels_from_args(args):
    specs = []
    for label in args.open or []:
        specs.append(params_from({"label": label, "ordered": not args.unordered,
                                  "maxRetransmits": args.max_retransmits,
                                  "maxPacketLifeTime": args.max_packet_life_time, "protocol": args.protocol}))
    for item in args.negotiated or []:
        sid, _, label = item.partition(":")
        specs.append(params_from({"label": label, "id": int(sid), "negotiated": True,
                                  "ordered": not args.unordered, "maxRetransmits": args.max_retransmits,
                                  "maxPacketLifeTime": args.max_packet_life_time, "protocol": args.protocol}))
    return specs


async def run_peer(args):
    loop = asyncio.get_running_loop()
    stdin = StdinLines(loop)
    peer = SctpPeer(args.role, args.dtls_role, echo=args.echo, sctp_port=args.sctp_port,
                    max_message_size=args.max_message_size, channels=channels_from_args(args),
                    bench_bytes=args.bench_bytes, timeout=args.timeout)
    bench = None
    try:
        await peer.exchange(stdin, args.timeout)
        try:
            await asyncio.wait_for(peer.sctp_connected.wait(), args.timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f"SCTP association not established within {args.timeout:g} s "
                               f"(state {peer.sctp._association_state.name})") from None
        if args.bench_send:
            bench = asyncio.create_task(peer.bench_send(args.bench_send, args.bench_chunk))
        while True:
            cmd_task = asyncio.create_task(stdin.next_json())
            closed_task = asyncio.create_task(peer.closed.wait())
            done, _ = await asyncio.wait({cmd_task, closed_task}, return_when=asyncio.FIRST_COMPLETED)
            if closed_task in done:
                cmd_task.cancel()
                emit({"event": "closed", "by": "remote", **peer.stats})
                return 0
            closed_task.cancel()
            cmd = cmd_task.result()
            if cmd is None or not peer.command(cmd):
                await peer.close()
                emit({"event": "closed", **peer.stats})
                return 0
    finally:
        if bench is not None and not bench.done():
            bench.cancel()
        if peer.sctp is not None:
            await peer.sctp.stop()
        await peer.dtls.stop()
        await peer.ice.stop()


# -- self-test: aiortc <-> aiortc in one process -------------------------------------------------

class Recorder:
    """Events of one in-process peer, with waiting on a predicate."""

    def __init__(self, name, verbose):
        self.name, self.verbose, self.events = name, verbose, []

    def __call__(self, ev):
        self.events.append(ev)
        if self.verbose:
            emit({"peer": self.name, **ev})

    def find(self, pred):
        return [e for e in self.events if pred(e)]

    async def wait(self, pred, count=1, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            hits = self.find(pred)
            if len(hits) >= count or time.monotonic() > deadline:
                return hits
            await asyncio.sleep(0.005)


def ev_is(name, **fields):
    return lambda e: e.get("event") == name and all(e.get(k) == v for k, v in fields.items())


async def self_test(args):
    results = []

    def check(name, ok, **detail):
        results.append(bool(ok))
        if not ok or not args.quiet:
            emit({"check": name, "result": "pass" if ok else "FAIL", **detail})

    ra, rb = Recorder("A", args.verbose_events), Recorder("B", args.verbose_events)
    a = SctpPeer("controlling", on_event=ra, timeout=10,
                 channels=[params_from({"label": "a-chan"}),
                           params_from({"label": "neg", "negotiated": True, "id": 100})])
    b = SctpPeer("controlled", on_event=rb, echo=True, timeout=10,
                 channels=[params_from({"label": "b-chan"}),
                           params_from({"label": "neg", "negotiated": True, "id": 100})])
    try:
        t0 = time.monotonic()
        da, db = await asyncio.gather(a.gather(), b.gather())
        await asyncio.gather(a.connect(db), b.connect(da))
        await asyncio.wait_for(asyncio.gather(a.sctp_connected.wait(), b.sctp_connected.wait()), 10)
        ca, cb = ra.find(ev_is("sctp-connected"))[0], rb.find(ev_is("sctp-connected"))[0]
        check("sctp-connected", True, setup_ms=round((time.monotonic() - t0) * 1000, 1),
              a_role=ca["dtls_role"], b_role=cb["dtls_role"], a_ms=ca["ms"], b_ms=cb["ms"])
        par = {"server": 1, "client": 0}

        # in-band opens, each side; id parity by DTLS role; both ends report the channel
        for opener, rec_o, rec_r, label, role in (("A", ra, rb, "a-chan", ca["dtls_role"]),
                                                  ("B", rb, ra, "b-chan", cb["dtls_role"])):
            remote_open = await rec_r.wait(ev_is("channel-open", label=label, by="remote"))
            local_open = await rec_o.wait(ev_is("channel-open", label=label, by="local"))
            ok = (remote_open and local_open and remote_open[0]["id"] == local_open[0]["id"]
                  and remote_open[0]["id"] % 2 == par[role] and remote_open[0]["ordered"] is True
                  and remote_open[0]["maxRetransmits"] is None and remote_open[0]["protocol"] == "")
            check(f"in-band open from {opener}", ok, remote=remote_open[:1], local_id=local_open and local_open[0]["id"])

        # negotiated channel (id 100 on both sides), A -> B -> echo
        neg_ok = all(r.find(ev_is("channel-open", label="neg", id=100, negotiated=True)) for r in (ra, rb))
        a.command({"cmd": "send", "label": "neg", "text": "over negotiated"})
        echo = await ra.wait(ev_is("message", label="neg", text="over negotiated"))
        check("negotiated channel id 100", neg_ok and echo, echo=echo[:1])

        # string / binary / empty string / empty binary, echoed with their kind
        cases = [({"text": "héllo ✓"}, "string", "héllo ✓".encode()), ({"binary_len": 1000}, "binary",
                 pattern_bytes(1000)), ({"text": ""}, "string", b""), ({"binary_len": 0}, "binary", b"")]
        n0 = len(ra.find(ev_is("message", label="a-chan")))
        for spec, _, _ in cases:
            a.command({"cmd": "send", "label": "a-chan", **spec})
        got = (await ra.wait(ev_is("message", label="a-chan"), n0 + len(cases)))[n0:]
        for (spec, kind, raw), ev in zip(cases, got + [None] * len(cases)):
            ok = ev is not None and ev["kind"] == kind and ev["length"] == len(raw) \
                and ev["sha256"] == hashlib.sha256(raw).hexdigest()
            check(f"echo {kind} len {len(raw)}", ok, got=ev and {k: ev[k] for k in ("kind", "length")})
        b_seen = [(e["kind"], e["length"]) for e in rb.find(ev_is("message", label="a-chan"))[:4]]
        check("B received kinds", b_seen == [(k, len(r)) for _, k, r in cases], b_seen=b_seen)

        # 200 KiB binary message (fragmented into ~177 DATA chunks), echoed intact
        big = 200 * 1024
        t1 = time.monotonic()
        a.command({"cmd": "send", "label": "a-chan", "binary_len": big})
        ev = await ra.wait(ev_is("message", label="a-chan", length=big))
        check("200 KiB message echoed", ev and ev[0]["sha256"] == hashlib.sha256(pattern_bytes(big)).hexdigest(),
              ms=round((time.monotonic() - t1) * 1000, 1))

        # message over the remote's max-message-size (262144) is refused by aiortc's send()
        a.command({"cmd": "send", "label": "a-chan", "binary_len": 262145})
        err = ra.find(ev_is("cmd-error", cmd="send"))
        check("over max-message-size refused", err and "262144" in err[-1]["message"], error=err[-1:])

        # 1000 small ordered messages, echoed in order
        t1 = time.monotonic()
        a.command({"cmd": "send_many", "label": "b-chan", "count": 1000, "prefix": "m"})
        msgs = await ra.wait(ev_is("message", label="b-chan"), 1000, timeout=30)
        texts = [e["text"] for e in msgs]
        check("1000 ordered messages echoed in order", texts == [f"m{i}" for i in range(1000)],
              received=len(texts), ms=round((time.monotonic() - t1) * 1000, 1))

        # DCEP parameters: unordered + partial reliability + protocol travel in DATA_CHANNEL_OPEN
        a.command({"cmd": "open", "label": "pr-rexmit", "ordered": False, "maxRetransmits": 0, "protocol": "p1"})
        a.command({"cmd": "open", "label": "pr-timed", "ordered": True, "maxPacketLifeTime": 500})
        r1 = await rb.wait(ev_is("channel-open", label="pr-rexmit"))
        r2 = await rb.wait(ev_is("channel-open", label="pr-timed"))
        await ra.wait(ev_is("channel-open", label="pr-timed", by="local"))
        ok = (r1 and r1[0]["ordered"] is False and r1[0]["maxRetransmits"] == 0 and r1[0]["protocol"] == "p1"
              and r1[0]["maxPacketLifeTime"] is None and r2 and r2[0]["ordered"] is True
              and r2[0]["maxPacketLifeTime"] == 500 and r2[0]["maxRetransmits"] is None)
        a.command({"cmd": "send", "label": "pr-rexmit", "text": "unordered hello"})
        echo = await ra.wait(ev_is("message", label="pr-rexmit", text="unordered hello"))
        check("unordered / partial-reliability channels", ok and echo, rexmit=r1[:1], timed=r2[:1])

        # close from each side (stream reset both ways); both ends report channel-closed
        a.command({"cmd": "close_channel", "label": "a-chan"})
        b.command({"cmd": "close_channel", "label": "b-chan"})
        for label in ("a-chan", "b-chan"):
            ca_ = await ra.wait(ev_is("channel-closed", label=label))
            cb_ = await rb.wait(ev_is("channel-closed", label=label))
            check(f"close {label}", ca_ and cb_)
        # the id of a closed channel is released: a new channel from A reuses the lowest free id
        a.command({"cmd": "open", "label": "reopen"})
        ro = await rb.wait(ev_is("channel-open", label="reopen"))
        a_ids = [e["id"] for e in ra.find(ev_is("channel-open", by="local")) if e["label"] == "a-chan"]
        check("closed id reused", ro and a_ids and ro[0]["id"] == a_ids[0], id=ro and ro[0]["id"])

        # close everything from A: ABORT + close_notify; B sees the association and its channels go
        await a.close()
        closed = await rb.wait(ev_is("sctp-closed"))
        await asyncio.wait_for(b.closed.wait(), 5)
        left = [e["label"] for e in rb.find(ev_is("channel-closed"))]
        check("close (ABORT + close_notify)", closed and b.closed_by_remote
              and {"neg", "pr-rexmit", "pr-timed", "reopen"} <= set(left), b_closed_channels=left)
    except Exception as exc:  # noqa: BLE001
        check("no exception", False, error=f"{type(exc).__name__}: {exc}")
    finally:
        for p in (a, b):
            if p.sctp is not None:
                await p.sctp.stop()
            await p.dtls.stop()
            await p.ice.stop()
    emit({"self_test": "summary", "passed": sum(results), "failed": len(results) - sum(results)})
    return 0 if all(results) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role", choices=["controlling", "controlled"], help="ICE role")
    p.add_argument("--dtls-role", choices=["auto", "client", "server"], default="auto")
    p.add_argument("--sctp-port", type=int, default=5000)
    p.add_argument("--max-message-size", type=int, default=LOCAL_MAX_MESSAGE_SIZE,
                   help="what we advertise (aiortc itself does not enforce it on receive)")
    p.add_argument("--open", action="append", metavar="LABEL", help="open an in-band channel (repeatable)")
    p.add_argument("--negotiated", action="append", metavar="ID:LABEL", help="pre-negotiated channel")
    p.add_argument("--unordered", action="store_true", help="--open/--negotiated channels are unordered")
    p.add_argument("--max-retransmits", type=int, default=None)
    p.add_argument("--max-packet-life-time", type=int, default=None, metavar="MS")
    p.add_argument("--protocol", default="", help="sub-protocol of --open/--negotiated channels")
    p.add_argument("--echo", action="store_true", help="echo every message on its channel")
    p.add_argument("--bench-bytes", type=int, default=0, metavar="N", help="count N bytes on 'bench'")
    p.add_argument("--bench-send", type=int, default=0, metavar="N", help="open 'bench' and send N bytes")
    p.add_argument("--bench-chunk", type=int, default=16384, help="--bench-send message size")
    p.add_argument("--host", action="append", default=None, help="host address to gather on (default 127.0.0.1)")
    p.add_argument("--rcvbuf", type=int, default=4 << 20, help="aioice UDP receive buffer (bytes)")
    p.add_argument("--timeout", type=float, default=30.0, help="gather/signal/ICE/DTLS/SCTP timeout (s)")
    p.add_argument("--self-test", action="store_true", help="aiortc <-> aiortc checks in one process")
    p.add_argument("--verbose-events", action="store_true", help="--self-test: print every peer event")
    p.add_argument("--quiet", action="store_true", help="--self-test: print only failed checks and the summary")
    p.add_argument("--verbose", action="store_true", help="aiortc/aioice debug logs on stderr")
    args = p.parse_args()
    if not args.self_test and not args.role:
        p.error("--role is required (or --self-test)")
    for item in args.negotiated or []:
        if not item.partition(":")[0].isdigit():
            p.error(f"--negotiated wants ID:LABEL, got {item!r}")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr)
    patch_aioice(args.host, args.rcvbuf)

    run_and_exit(self_test(args) if args.self_test else run_peer(args))


if __name__ == "__main__":
    main()

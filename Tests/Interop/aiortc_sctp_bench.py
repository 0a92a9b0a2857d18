#!/usr/bin/env python3
"""aiortc <-> aiortc data-channel throughput: reliable ordered, 50 MB in 16 KiB messages, median of 3.

    Tests/Interop/aiortc_sctp_bench.py [--bytes 50000000] [--chunk 16384] [--runs 3] [--inproc]

Re-executes itself inside a fresh loopback-only network namespace (`unshare --net`, needs root) unless
already in one (INTEROP_IN_NETNS=1). Default: two aiortc_sctp_peer.py processes (A: --bench-send,
B: --bench-bytes) wired by cross-feeding their first JSON lines, so each SCTP stack has its own
interpreter, as against a Swift peer. --inproc runs both SctpPeers on one event loop instead.
Throughput is B's count: first message -> last byte (MB = 10^6 bytes). Also reports the namespace's
UDP receive-buffer drops (/proc/net/snmp Udp RcvbufErrors), which stall aiortc's SCTP when non-zero.
Prints one JSON line; exit 1 if a run failed.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "aiortc_sctp_peer.py")


def udp_rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(dict(zip(rows[0][1:], rows[1][1:]))["RcvbufErrors"])


def run_procs(total, chunk, timeout, rcvbuf):
    """One run with two peer processes; returns B's bench-done and A's bench-sent events."""
    common = ["--rcvbuf", str(rcvbuf)]
    procs = {
        "A": [PEER, "--role", "controlling", "--bench-send", str(total), "--bench-chunk", str(chunk), *common],
        "B": [PEER, "--role", "controlled", "--bench-bytes", str(total), *common],
    }
    procs = {n: subprocess.Popen([sys.executable, *a], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for n, a in procs.items()}
    killer = threading.Timer(timeout, lambda: [p.kill() for p in procs.values()])
    killer.start()
    events = {"A": [], "B": []}
    try:
        first = {n: json.loads(p.stdout.readline() or "{}") for n, p in procs.items()}
        if any("ice" not in f for f in first.values()):
            raise RuntimeError(f"a peer failed to gather: {first}")
        for n, other in (("A", "B"), ("B", "A")):
            procs[n].stdin.write(json.dumps(first[other]) + "\n")
            procs[n].stdin.flush()
        wanted = {"A": "bench-sent", "B": "bench-done"}

        def collect(n):
            for line in procs[n].stdout:
                ev = json.loads(line)
                events[n].append(ev)
                if ev.get("event") in (wanted[n], "error"):
                    return

        threads = [threading.Thread(target=collect, args=(n,)) for n in procs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in procs.values():  # EOF = {"cmd":"close"}
            p.stdin.close()
        for p in procs.values():
            p.wait(10)
    finally:
        killer.cancel()
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()

    def find(n, name):
        return next((e for e in events[n] if e.get("event") == name), None)

    done, sent = find("B", "bench-done"), find("A", "bench-sent")
    if not done or not sent:
        raise RuntimeError(f"run failed: A={events['A'][-3:]} B={events['B'][-3:]}")
    return done, sent


def run_inproc(total, chunk, timeout, rcvbuf):
    from aiortc_dtls_peer import patch_aioice
    from aiortc_sctp_peer import SctpPeer

    patch_aioice(rcvbuf=rcvbuf)

    async def once():
        got = {}
        a = SctpPeer("controlling", on_event=lambda e: got.setdefault(e["event"] + "@A", e))
        b = SctpPeer("controlled", on_event=lambda e: got.setdefault(e["event"] + "@B", e), bench_bytes=total)
        try:
            da, db = await asyncio.gather(a.gather(), b.gather())
            await asyncio.gather(a.connect(db), b.connect(da))
            await asyncio.wait_for(asyncio.gather(a.sctp_connected.wait(), b.sctp_connected.wait()), 10)
            sent = await asyncio.wait_for(a.bench_send(total, chunk), timeout)
            while "bench-done@B" not in got:
                await asyncio.sleep(0.01)
            return got["bench-done@B"], sent
        finally:
            for p in (a, b):
                await p.close()

    return asyncio.run(once())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bytes", type=int, default=50_000_000)
    p.add_argument("--chunk", type=int, default=16384)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--inproc", action="store_true", help="both peers on one event loop in this process")
    p.add_argument("--rcvbuf", type=int, default=4 << 20,
                   help="aioice UDP receive buffer (aioice's own default: 262144)")
    p.add_argument("--timeout", type=float, default=300.0, help="per run (s)")
    args = p.parse_args()

    if not os.environ.get("INTEROP_IN_NETNS"):
        os.execvpe("unshare", ["unshare", "--net", "bash", "-c", 'ip link set lo up && exec "$0" "$@"',
                               sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
                   {**os.environ, "INTEROP_IN_NETNS": "1"})

    runs, drops = [], []
    ok = True
    for _ in range(args.runs):
        before = udp_rcvbuf_errors()
        t0 = time.monotonic()
        try:
            done, sent = (run_inproc if args.inproc else run_procs)(args.bytes, args.chunk, args.timeout,
                                                                   args.rcvbuf)
        except Exception as exc:  # noqa: BLE001
            print(json.dumps({"run_error": f"{type(exc).__name__}: {exc}"}), file=sys.stderr)
            ok = False
            break
        drops.append(udp_rcvbuf_errors() - before)
        runs.append({"mb_per_s": done["mb_per_s"], "seconds": done["seconds"],
                     "sender_mb_per_s": sent["mb_per_s"], "wall_s": round(time.monotonic() - t0, 2)})
        print(json.dumps({"run": len(runs), **runs[-1], "udp_rcvbuf_errors": drops[-1]}), file=sys.stderr)
    rates = [r["mb_per_s"] for r in runs]
    print(json.dumps({
        "bench": "aiortc-sctp-throughput", "mode": "inproc" if args.inproc else "two-processes", "ok": ok,
        "bytes": args.bytes, "chunk": args.chunk, "rcvbuf": args.rcvbuf, "ordered": True, "reliable": True,
        "mb_per_s_median": round(statistics.median(rates), 3) if rates else None,
        "mb_per_s_runs": rates, "seconds_runs": [r["seconds"] for r in runs],
        "udp_rcvbuf_errors": drops, "loadavg_1m": round(os.getloadavg()[0], 2)}))
    sys.exit(0 if ok and len(runs) == args.runs else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Run two aioice_peer.py processes against each other by cross-feeding their first JSON lines.

    pair_glue.py --a "--role controlling --echo" --b "--role controlled --send 5"

Peer A is kept running until B exits, then A's stdin is closed and it must print
{"event":"closed"}. Every line of both peers is echoed to stderr prefixed with A:/B:, and
one JSON summary line goes to stdout. Exit 0 only if both peers connected and exited 0.
Run inside a loopback-only namespace.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--a", required=True, help="arguments of peer A (kept running until B exits)")
    p.add_argument("--b", required=True, help="arguments of peer B")
    p.add_argument("--timeout", type=float, default=60.0)
    args = p.parse_args()

    peer = os.path.join(HERE, "aioice_peer.py")
    procs = {}
    for name, a in (("A", args.a), ("B", args.b)):
        procs[name] = subprocess.Popen([sys.executable, peer, *shlex.split(a)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    events = {"A": [], "B": []}
    killer = threading.Timer(args.timeout, lambda: [pr.kill() for pr in procs.values()])
    killer.start()
    try:
        first = {}
        for name, pr in procs.items():
            line = pr.stdout.readline()
            print(f"{name}: {line.rstrip()}", file=sys.stderr)
            first[name] = json.loads(line) if line.strip() else {"event": "error", "message": "no output"}
        if any("ufrag" not in f for f in first.values()):
            raise RuntimeError(f"a peer failed to gather: {first}")
        for name, other in (("A", "B"), ("B", "A")):
            procs[name].stdin.write(json.dumps(first[other]) + "\n")
            procs[name].stdin.flush()

        def collect(name):
            for line in procs[name].stdout:
                print(f"{name}: {line.rstrip()}", file=sys.stderr)
                try:
                    events[name].append(json.loads(line))
                except ValueError:
                    pass

        ta = threading.Thread(target=collect, args=("A",))
        ta.start()
        collect("B")
        rc_b = procs["B"].wait()
        procs["A"].stdin.close()  # tells an --echo peer to close
        ta.join()
        rc_a = procs["A"].wait()
    finally:
        killer.cancel()
        for pr in procs.values():
            if pr.poll() is None:
                pr.kill()

    def find(name, ev):
        return next((e for e in events[name] if e.get("event") == ev), None)

    ca, cb = find("A", "connected"), find("B", "connected")
    done = find("B", "done")
    summary = {
        "ok": rc_a == 0 and rc_b == 0 and ca is not None and cb is not None,
        "rc": [rc_a, rc_b],
        "connect_ms": [ca and ca["ms"], cb and cb["ms"]],
        "types": [ca and ca["types"], cb and cb["types"]],
        "selected_A": ca and ca["selected"],
        "sent": done and done["sent"], "received": done and done["received"],
        "rtt_ms": [e["rtt_ms"] for e in events["B"] if e.get("event") == "recv"],
        "A_closed": find("A", "closed"),
    }
    print(json.dumps(summary))
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()

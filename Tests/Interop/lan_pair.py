#!/usr/bin/env python3
"""Two hosts on one LAN, for what happens only on a shared link (multicast DNS for mDNS ICE
candidates): two fresh network namespaces joined by a veth pair, 10.88.0.1/24 and 10.88.0.2/24,
each with a default route on the link (browsers gather nothing without one) and multicast on.
Namespaces are held by children of this process, as in nat_lab.py (whose helpers this uses), so
nothing is added to the namespace it runs in, and everything goes when it exits.

    lan_pair.py       prints {"event":"ready","one":"/proc/P/ns/net","two":...,"one_address":
                      "10.88.0.1","two_address":"10.88.0.2"}; end of input (or {"cmd":"close"})
                      tears it down and prints {"event":"closed"}.
Needs root and iproute2."""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nat_lab import emit, holder_child  # noqa: E402  (one way to hold a namespace)

ADDRESSES = {"one": "10.88.0.1", "two": "10.88.0.2"}


def main():
    holders = {name: subprocess.Popen(["sleep", "infinity"], preexec_fn=holder_child) for name in ADDRESSES}
    ns = {name: f"/proc/{p.pid}/ns/net" for name, p in holders.items()}

    def ip(name, *args):
        subprocess.run(["nsenter", f"--net={ns[name]}", "--", "ip"] + list(args), check=True, capture_output=True)

    def close(*_):
        for p in holders.values():
            p.kill()
            p.wait()
        emit({"event": "closed"})
        sys.exit(0)

    signal.signal(signal.SIGTERM, close)
    try:
        ip("one", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", str(holders["two"].pid))
        for name, address in ADDRESSES.items():
            ip(name, "link", "set", "lo", "up")
            ip(name, "addr", "add", address + "/24", "dev", "eth0")
            ip(name, "link", "set", "eth0", "up", "multicast", "on")
            ip(name, "route", "add", "default", "dev", "eth0")
    except subprocess.CalledProcessError as e:
        emit({"event": "error", "message": (e.stderr or b"").decode().strip() or str(e)})
        close()
    emit({"event": "ready", **ns, **{k + "_address": v for k, v in ADDRESSES.items()}})
    for line in sys.stdin:
        if line.strip() and json.loads(line).get("cmd") == "close":
            break
    close()


if __name__ == "__main__":
    main()

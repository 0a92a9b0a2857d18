#!/usr/bin/env python3
"""In-process aioice <-> aioice ICE setup benchmark (loopback; run inside `unshare --net`).

    aioice_pair_bench.py [--runs 20]                                   host candidates
    aioice_pair_bench.py --turn 127.0.0.1:3478 --user alice --password s3cret
    aioice_pair_bench.py --turn 127.0.0.1:3478 --rest-secret termcall-secret
                                                  (REST credentials made per run)

Each run: two Connections (one controlling), gather both, exchange candidates in memory
(plus end-of-candidates), connect both. Time = start of gathering -> both connect() done.
With --turn both sides use aioice's TransportPolicy.RELAY (relay candidates only) unless
--policy all. Prints one JSON line.
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import sys
import time

import aioice
import aioice.ice


def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def rest_credentials(secret, name="bench", ttl=3600):
    username = f"{int(time.time()) + ttl}:{name}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return username, password


async def one_run(args):
    kwargs = {"use_ipv6": False}
    if args.turn:
        user, password = args.user, args.password
        if args.rest_secret:
            user, password = rest_credentials(args.rest_secret)
        kwargs.update(turn_server=args.turn, turn_username=user, turn_password=password)
        kwargs["transport_policy"] = (aioice.TransportPolicy.RELAY if args.policy != "all"
                                      else aioice.TransportPolicy.ALL)
    a = aioice.Connection(ice_controlling=True, **kwargs)
    b = aioice.Connection(ice_controlling=False, **kwargs)
    try:
        t0 = time.monotonic()
        await asyncio.gather(a.gather_candidates(), b.gather_candidates())
        t_gathered = time.monotonic()
        if not a.local_candidates or not b.local_candidates:
            raise RuntimeError("a side gathered no candidates")
        for local, remote in ((a, b), (b, a)):
            local.remote_username = remote.local_username
            local.remote_password = remote.local_password
            for c in remote.local_candidates:
                # round-trip through SDP text, as a signalling channel would
                await local.add_remote_candidate(aioice.Candidate.from_sdp(c.to_sdp()))
            await local.add_remote_candidate(None)
        await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), args.timeout)
        t_done = time.monotonic()
        pair = a._nominated.get(1)  # private in aioice 0.13.0
        types = [pair.local_candidate.type, pair.remote_candidate.type] if pair else None
        return (t_done - t0) * 1000, (t_gathered - t0) * 1000, types
    finally:
        await asyncio.gather(a.close(), b.close())


async def main_async(args):
    aioice.ice.get_host_addresses = lambda *a, **k: ["127.0.0.1"]
    totals, gathers, types_seen = [], [], {}
    for _ in range(args.runs):
        total, gather, types = await one_run(args)
        totals.append(total)
        gathers.append(gather)
        types_seen[str(types)] = types_seen.get(str(types), 0) + 1
    mode = "host"
    if args.turn:
        mode = ("relay" if args.policy != "all" else "turn+host") + ("-rest" if args.rest_secret else "-lt")
    return {
        "mode": mode, "aioice": aioice.__version__, "runs": args.runs,
        "median_ms": round(statistics.median(totals), 1), "p90_ms": round(pct(totals, 90), 1),
        "min_ms": round(min(totals), 1), "max_ms": round(max(totals), 1),
        "gather_median_ms": round(statistics.median(gathers), 1),
        "selected_types": types_seen,
        "all_ms": [round(t, 1) for t in totals] if args.all else None,
    }


def parse_hostport(value):
    host, _, port = value.rpartition(":")
    return host, int(port)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--turn", type=parse_hostport, metavar="HOST:PORT")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--rest-secret", help="make REST-style (use-auth-secret) credentials per run")
    p.add_argument("--policy", choices=["relay", "all"], default="relay",
                   help="with --turn: relay = TransportPolicy.RELAY (default), all = host + relay")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--all", action="store_true", help="include every run's time")
    args = p.parse_args()
    if args.turn and not args.rest_secret and not (args.user and args.password):
        p.error("--turn needs --user/--password or --rest-secret")
    try:
        result = asyncio.run(main_async(args))
    except Exception as exc:  # noqa: BLE001
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        sys.exit(1)
    if result["all_ms"] is None:
        del result["all_ms"]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

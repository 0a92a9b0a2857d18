#!/usr/bin/env python3
"""A network path with loss, delay, jitter, reordering, a bandwidth cap and outages, for tests and
benchmarks: two fresh network namespaces, A (10.77.0.1) and B (10.77.0.2), whose only link to
each other is a TUN device in each, with this process in between. Every IP packet from one side
is read here and written into the other side after the impairment decides its fate, so real peers
(termcall, aiortc, Chromium) run unchanged: start them with `nsenter --net=<path> ...`.

Deterministic by seed: each direction draws loss, burst and delay decisions from its own
random.Random(seed, direction), so the same traffic meets the same fate.

    impaired_link.py [--seed N] [--loss PCT] [--burst MEAN_PACKETS] [--delay MS] [--jitter MS]
                     [--reorder PCT] [--rate KBITS] [--queue MS]

  --loss     random loss, percent of packets (each direction)
  --burst    mean length of a loss burst (Gilbert-Elliott); 1 = independent losses
  --delay    one-way propagation delay
  --jitter   each packet's extra delay is uniform in [0, jitter]; order is kept (a queue's
             jitter) unless --reorder lets that share of packets overtake
  --rate     bottleneck rate (each direction); packets wait in a drop-tail queue of --queue ms

Prints {"event":"ready","a":"/proc/P/ns/net","b":...,"a_address":"10.77.0.1","b_address":"10.77.0.2"}.
Reads JSON lines: {"cmd":"set", <any option above without dashes>} changes the profile;
{"cmd":"outage","ms":N} drops everything both ways for N ms; {"cmd":"renumber"} moves A to
10.77.0.3 (its old address disappears, as on a network change); {"cmd":"stats"} prints
{"event":"stats","ab":{...},"ba":{...}} (packets in, delivered, lost, outage, queue drops, bytes;
with --rate also the bottleneck queue's wait, p50/p95/max ms); {"cmd":"close"} or end of input removes the namespaces and exits.
Needs root (it makes namespaces and TUN devices)."""
import ctypes
import fcntl
import heapq
import json
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def tun_in(namespace, name):
    """A TUN device made inside `namespace`; its fd is ours wherever we are."""
    home = "/proc/self/ns/net"
    home_fd = os.open(home, os.O_RDONLY)
    try:
        setns(namespace)
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    finally:
        libc.setns(home_fd, CLONE_NEWNET)
        os.close(home_fd)
    return fd


class Direction:
    """One way through the link: the loss model, the bottleneck queue, the delay line."""

    def __init__(self, seed, label):
        self.random = random.Random(f"{seed}/{label}")
        self.bad = False  # Gilbert-Elliott state
        self.departure = 0.0  # when the bottleneck is free again
        self.last_arrival = 0.0  # keeps order unless reordering is asked for
        self.stats = {"in": 0, "delivered": 0, "lost": 0, "outage": 0, "queue_drops": 0, "bytes": 0, "reordered": 0}
        self.queued_ms = []  # each delivered packet's wait in the bottleneck queue (with --rate)

    def report(self):
        """The counters, plus the bottleneck queue's waits (p50/p95/max, ms) when there is one."""
        out = dict(self.stats)
        if self.queued_ms:
            waits = sorted(self.queued_ms)
            out["queue_p50_ms"] = round(waits[len(waits) // 2], 1)
            out["queue_p95_ms"] = round(waits[min(len(waits) - 1, int(len(waits) * 0.95))], 1)
            out["queue_max_ms"] = round(waits[-1], 1)
        return out

    def fate(self, size, now, p):
        """Arrival time at the far side, or None when the packet is dropped."""
        self.stats["in"] += 1
        if now < p["outage_until"]:
            self.stats["outage"] += 1
            return None
        loss = p["loss"] / 100
        if loss > 0:
            burst = max(1.0, p["burst"])
            if burst <= 1:
                lost = self.random.random() < loss
            else:
                # Mean burst `burst` packets, long-run loss `loss`: r = 1/burst, p = loss*r/(1-loss).
                r = 1 / burst
                enter = min(1.0, loss * r / max(1e-9, 1 - loss))
                self.bad = (self.random.random() >= r) if self.bad else (self.random.random() < enter)
                lost = self.bad
            if lost:
                self.stats["lost"] += 1
                return None
        start = now
        if p["rate"] > 0:
            start = max(now, self.departure)
            if start - now > p["queue"] / 1000:
                self.stats["queue_drops"] += 1
                return None
            self.queued_ms.append((start - now) * 1000)
            self.departure = start + size * 8 / (p["rate"] * 1000)
            start = self.departure
        arrival = start + p["delay"] / 1000 + self.random.uniform(0, p["jitter"] / 1000)
        if p["reorder"] > 0 and self.random.random() < p["reorder"] / 100:
            self.stats["reordered"] += 1  # may overtake: no ordering clamp
        else:
            arrival = max(arrival, self.last_arrival)
            self.last_arrival = arrival
        self.stats["delivered"] += 1
        self.stats["bytes"] += size
        return arrival


def run_in(namespace, argv):
    subprocess.run(["nsenter", f"--net={namespace}"] + argv, check=True)


def main():
    # Killed rather than closed: still take the namespaces' holders down (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    args = sys.argv[1:]
    profile = {"loss": 0.0, "burst": 1.0, "delay": 0.0, "jitter": 0.0, "reorder": 0.0, "rate": 0.0, "queue": 200.0, "outage_until": 0.0}
    seed = 1
    i = 0
    while i < len(args):
        key = args[i].lstrip("-")
        if key == "seed":
            seed = int(args[i + 1])
        elif key in profile:
            profile[key] = float(args[i + 1])
        else:
            emit({"event": "error", "message": f"unknown option {args[i]}"})
            sys.exit(2)
        i += 2
    # Two namespaces, each held open by a process that does nothing.
    holders = [subprocess.Popen(["unshare", "--net", "sleep", "infinity"]) for _ in range(2)]
    paths = []
    for h in holders:
        path = f"/proc/{h.pid}/ns/net"
        for _ in range(200):  # until unshare has switched
            if os.readlink(path) != os.readlink("/proc/self/ns/net"):
                break
            time.sleep(0.005)
        paths.append(path)
    addresses = ["10.77.0.1", "10.77.0.2"]
    fds = []
    for n, (path, address) in enumerate(zip(paths, addresses)):
        fds.append(tun_in(path, "link0"))
        peer = addresses[1 - n]
        for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", address, "peer", peer, "dev", "link0"],
                    ["ip", "link", "set", "link0", "up"]):
            subprocess.run(["nsenter", f"--net={path}"] + cmd, check=True)
    directions = [Direction(seed, "ab"), Direction(seed, "ba")]
    emit({"event": "ready", "a": paths[0], "b": paths[1], "a_address": addresses[0], "b_address": addresses[1]})

    os.set_blocking(0, False)
    pending = []  # (arrival, order, fd, packet)
    order = 0
    stdin_buffer = b""
    try:
        while True:
            now = time.monotonic()
            timeout = max(0.0, pending[0][0] - now) if pending else 1.0
            ready, _, _ = select.select([fds[0], fds[1], 0], [], [], timeout)
            now = time.monotonic()
            for fd in ready:
                if fd == 0:
                    chunk = os.read(0, 65536)
                    if not chunk:
                        return
                    stdin_buffer += chunk
                    while b"\n" in stdin_buffer:
                        line, stdin_buffer = stdin_buffer.split(b"\n", 1)
                        if not line.strip():
                            continue
                        command = json.loads(line)
                        cmd = command.get("cmd")
                        if cmd == "close":
                            return
                        if cmd == "set":
                            for key, value in command.items():
                                if key in profile and key != "outage_until":
                                    profile[key] = float(value)
                        elif cmd == "outage":
                            profile["outage_until"] = now + float(command.get("ms", 1000)) / 1000
                        elif cmd == "renumber":
                            # Side A moves to a new address (a new network): the old one is gone.
                            new = command.get("address", "10.77.0.3")
                            run_in(paths[0], ["ip", "addr", "del", addresses[0], "peer", addresses[1], "dev", "link0"])
                            run_in(paths[0], ["ip", "addr", "add", new, "peer", addresses[1], "dev", "link0"])
                            run_in(paths[1], ["ip", "route", "add", new, "dev", "link0"])
                            emit({"event": "renumbered", "a_address": new})
                        elif cmd == "stats":
                            emit({"event": "stats", "ab": directions[0].report(), "ba": directions[1].report()})
                    continue
                side = fds.index(fd)
                while True:
                    try:
                        packet = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    arrival = directions[side].fate(len(packet), now, profile)
                    if arrival is not None:
                        order += 1
                        heapq.heappush(pending, (arrival, order, fds[1 - side], packet))
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                _, _, fd, packet = heapq.heappop(pending)
                try:
                    os.write(fd, packet)
                except OSError:
                    pass
    finally:
        for h in holders:
            h.kill()
        emit({"event": "closed"})


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Join -> first remote frame through `termcall serve`, median of 10, in a loopback-only namespace:
  terminal<->terminal: alice waits in a room; the clock starts when bob's process is launched and stops
    when bob prints {"event":"first-frame"} (alice's test pattern decoded);
  terminal<->browser: headless Chromium waits on the served page (its start-up is not timed); the clock
    starts when the terminal is launched and stops at its first decoded frame of the browser's camera.
Both include termcall's process start-up (measured alone too). Usage: join_to_first_frame.py TERMCALL PYTHON"""
import json, os, re, select, statistics, subprocess, sys, time

TERMCALL, PYTHON = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lines_until(proc, match, timeout):
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([proc.stdout], [], [], max(0, end - time.time()))
        if not ready:
            break
        raw = proc.stdout.readline()
        if not raw:
            break
        try:
            obj = json.loads(raw)
        except ValueError:
            continue
        if match(obj):
            return obj
    return None


def terminal(port, room):
    return subprocess.Popen([TERMCALL, "call", room, "--server", "ws://127.0.0.1:%d" % port, "--loopback"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def stop(*procs):
    for p in procs:
        try:
            p.stdin.write(b'{"cmd":"hangup"}\n')
            p.stdin.flush()
        except (BrokenPipeError, AttributeError, ValueError):
            pass
    for p in procs:
        try:
            p.wait(3)
        except subprocess.TimeoutExpired:
            p.kill()


server = subprocess.Popen([TERMCALL, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
port = int(re.search(r":(\d+)/", server.stdout.readline().decode()).group(1))

startup = []
for _ in range(10):
    t0 = time.perf_counter()
    subprocess.run([TERMCALL, "--version"], stdout=subprocess.DEVNULL)
    startup.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"what": "termcall --version (process start-up)", "median_ms": round(statistics.median(startup), 1)}))

times = []
for i in range(10):
    room = "tt-%d" % i
    alice = terminal(port, room)
    lines_until(alice, lambda o: o.get("event") == "joined", 10)
    t0 = time.perf_counter()
    bob = terminal(port, room)
    got = lines_until(bob, lambda o: o.get("event") == "first-frame", 15)
    if got:
        times.append((time.perf_counter() - t0) * 1000)
    stop(alice, bob)
times.sort()
print(json.dumps({"what": "terminal<->terminal via termcall serve: join -> first remote frame", "median_ms": round(statistics.median(times), 1),
                  "p90_ms": round(times[int(len(times) * 0.9) - 1], 1), "runs": len(times)}))

times = []
for i in range(10):
    room = "tb-%d" % i
    page = subprocess.Popen([PYTHON, os.path.join(ROOT, "Tests/Interop/chromium_page.py"), "http://127.0.0.1:%d/%s" % (port, room)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines_until(page, lambda o: o.get("event") == "ready", 30)
    # Wait until the page has joined its room.
    for _ in range(200):
        page.stdin.write(b'{"cmd":"eval","expr":"window.termcall && termcall.id"}\n')
        page.stdin.flush()
        reply = lines_until(page, lambda o: "result" in o or "error" in o, 5)
        if reply and isinstance(reply.get("result"), str):
            break
    t0 = time.perf_counter()
    term = terminal(port, room)
    got = lines_until(term, lambda o: o.get("event") == "first-frame", 15)
    if got:
        times.append((time.perf_counter() - t0) * 1000)
    stop(term)
    page.stdin.write(b'{"cmd":"close"}\n')
    page.stdin.flush()
    try:
        page.wait(10)
    except subprocess.TimeoutExpired:
        page.kill()
times.sort()
print(json.dumps({"what": "terminal<->browser (Chromium 156) via termcall serve: join -> first remote frame", "median_ms": round(statistics.median(times), 1),
                  "p90_ms": round(times[int(len(times) * 0.9) - 1], 1), "runs": len(times)}))
server.kill()

#!/usr/bin/env python3
"""Join -> first decoded remote frame across the NAT lab (Tests/Interop/nat_lab.py), per scenario:

    cone-cone             both routers cone: a direct path (srflx/host, no relay)
    symmetric-symmetric   both symmetric: only the relay, over UDP
    udp-blocked-cone      A's firewall drops all UDP: A reaches coturn over TCP 3478
    tls-only-cone         A lets only TCP 443 out: TURN over TLS (coturn, 198.51.100.1:443), and the
                          signalling too: `termcall serve --tls-cert/--tls-key` on the lab's second
                          public address 198.51.100.3:443 (wss://signal.termcall.test, https:// page)

Each scenario gets a fresh lab and `termcall serve` in pub (TURN REST secret, TURN URLs for UDP and
TCP 3478 and turns:turn.termcall.test:443), then
  termcall<->termcall   alice (lanA) waits in a room; the clock starts when bob's process (lanB) is
                        launched through the lab's run prefix and stops when bob prints
                        {"event":"first-frame"}: process start-up, signalling, ICE, DTLS, first
                        decoded frame (bob offers). RUNS times, median and p90.
  Chromium<->Chromium   headless Chromium on the served page in lanA waits in a room (joined); a
                        second one in lanB is started on about:blank, Benchmarks/nat/first_frame.js is
                        installed, and it navigates to the room. Timed in the page, with
                        performance.now() from that navigation: to the first remote video frame its
                        <video> presents (requestVideoFrameCallback), and from its "join" message to
                        that frame. Browser start-up is not timed (the page offers, as the newcomer).
Every run records the path: the candidate types of the pair in use (the joiner's view), the relay
protocol (each side's), and whether it connected. Prints JSON lines (one per run with --verbose,
one per scenario and measurement, and process start-up as join_to_first_frame.py does), then a table.

Usage (root, inside `unshare --net`): run.py TERMCALL [--runs N] [--scenarios a,b] [--no-browser]
                                       [--verbose]
Needs what nat_lab.py needs, and Chromium (scripts/install-interop). python3 stdlib only."""
import argparse
import base64
import hashlib
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(ROOT, "Tests/Interop/nat_lab.py")
PAGE = os.path.join(ROOT, "Tests/Interop/chromium_page.py")
INIT_SCRIPT = os.path.join(ROOT, "Benchmarks/nat/first_frame.js")
SCENARIOS = {  # name -> (router A, router B, the path a person would want)
    "cone-cone": ("cone", "cone", "direct"),
    "symmetric-symmetric": ("symmetric", "symmetric", "relay/udp"),
    "udp-blocked-cone": ("udp-blocked", "cone", "relay/tcp"),
    "tls-only-cone": ("tls-only", "cone", "relay/tls"),
}
# Bounds (seconds).
LAB_START, SERVE_START, JOIN, FIRST_FRAME, PAGE_READY, STATS, EXIT = 60, 15, 15, 30, 40, 5, 8
SETTLE = 2.0  # the path is read at the first frame and again this much later

# The selected candidate pair as the page's RTCPeerConnection reports it (its first peer).
PAIR_JS = """(async () => { for (const [id, p] of peers) { const r = await p.pc.getStats(); let t = null;
  r.forEach((x) => { if (x.type === 'transport') t = x; });
  const pair = t && r.get(t.selectedCandidatePairId);
  const l = pair && r.get(pair.localCandidateId), m = pair && r.get(pair.remoteCandidateId);
  return { state: p.pc.connectionState, nominated: pair ? pair.nominated : null,
    local: l ? { type: l.candidateType, protocol: l.protocol, relayProtocol: l.relayProtocol || null, address: l.address, port: l.port } : null,
    remote: m ? { type: m.candidateType, protocol: m.protocol, address: m.address, port: m.port } : null }; }
  return null; })()"""
# Resolves when the joining page has presented its first remote frame (and getStats saw it), or
# after `limit` ms from its navigation.
WAIT_JS = """new Promise((resolve) => { const check = () => { const b = window.__bench;
  const m = b ? b.marks : {};
  if (('first_frame_presented' in m && 'first_frame_stats' in m) || performance.now() > %d)
    resolve(JSON.stringify({ marks: m, frame: b ? b.frame : null, now: performance.now(), installed: !!b }));
  else setTimeout(check, 20); }; check(); })"""


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Child:
    """A child speaking JSON lines on stdout, read without stdio buffering (select stays honest)."""

    def __init__(self, argv, stderr_path, env=None):
        self.stderr_path = stderr_path
        self.err = open(stderr_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env)
        self.buffer = b""
        self.lines = []  # (perf_counter, parsed) of every JSON line read so far

    def send(self, obj):
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, ValueError, OSError):
            return False

    def wait_for(self, match, timeout):
        """The first line (after those already read) matching, as (perf_counter at reading, obj)."""
        end = time.perf_counter() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            while b"\n" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\n", 1)
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                at = time.perf_counter()
                self.lines.append((at, obj))
                if match(obj):
                    return at, obj
            left = end - time.perf_counter()
            if left <= 0:
                return None, None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None, None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None, None
            self.buffer += chunk

    def stop(self, goodbye=None, grace=EXIT):
        if self.proc.poll() is None and goodbye is not None:
            self.send(goodbye)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()

    def stderr_tail(self, n=6):
        try:
            with open(self.stderr_path, errors="replace") as f:
                lines = [ln.rstrip() for ln in f if ln.strip() and not ln.startswith("ALSA lib")]
            return lines[-n:]
        except OSError:
            return []


class Lab:
    def __init__(self, a, b, work):
        self.child = Child([sys.executable, LAB, "--a", a, "--b", b], os.path.join(work, "lab.err"))
        _, self.info = self.child.wait_for(lambda o: True, LAB_START)
        if not self.info or self.info.get("event") != "ready":
            err = self.child.stderr_tail()
            self.child.stop()
            raise RuntimeError(f"lab {a}/{b} did not start: {self.info} {err}")
        self.run = self.info["run"]

    def close(self):
        self.child.send({"cmd": "close"})
        _, last = self.child.wait_for(lambda o: o.get("event") == "closed", 30)
        self.child.stop()
        return last


def spki_hash(cert_file):
    """base64(SHA-256(SubjectPublicKeyInfo)), for Chromium's --ignore-certificate-errors-spki-list."""
    pem = subprocess.run(["openssl", "x509", "-in", cert_file, "-noout", "-pubkey"], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pem, capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Scenario:
    def __init__(self, name, termcall, work):
        self.name, self.termcall, self.work = name, termcall, work
        a, b, self.want = SCENARIOS[name]
        self.tls = a == "tls-only" or b == "tls-only"
        self.lab = Lab(a, b, work)
        info = self.lab.info
        srv = info["server_address"]
        argv = [termcall, "serve", "--turn-secret", info["turn_secret"], "--turn-url", f"turn:{srv}:3478",
                "--turn-url", f"turn:{srv}:3478?transport=tcp", "--turn-url", "turns:turn.termcall.test:443"]
        if self.tls:
            argv += ["--host", info["signal_address"], "--port", "443", "--tls-cert", info["cert_file"],
                     "--tls-key", info["key_file"]]
            self.ws, self.http = "wss://signal.termcall.test", "https://signal.termcall.test"
        else:
            argv += ["--host", "0.0.0.0", "--port", "8080"]
            self.ws, self.http = f"ws://{srv}:8080", f"http://{srv}:8080"
        self.server = Child(self.lab.run["pub"] + argv, os.path.join(work, "serve.err"))
        if not self.wait_listening():
            err = self.server.stderr_tail()
            self.close()
            raise RuntimeError(f"{name}: termcall serve did not start: {err}")
        # Chromium: the http:// page is no secure context (no getUserMedia) unless told; the lab's
        # certificate (page over https, TURN over TLS) is trusted by its key, as termcall trusts the
        # lab's CA with --ca-file.
        self.chromium_flags = (f"--unsafely-treat-insecure-origin-as-secure=http://{srv}:8080 "
                               f"--ignore-certificate-errors-spki-list={spki_hash(info['cert_file'])}")

    def wait_listening(self):
        """serve prints one plain-text line when it listens."""
        fd = self.server.proc.stdout.fileno()
        end = time.time() + SERVE_START
        data = b""
        while time.time() < end and b"\n" not in data:
            ready, _, _ = select.select([fd], [], [], max(0, end - time.time()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
        return b"listening" in data

    # --- termcall <-> termcall ------------------------------------------------------------------
    def terminal(self, host, room, tag):
        return Child(self.lab.run[host] + [self.termcall, "call", room, "--server", self.ws, "--ca-file", self.lab.info["ca_file"]],
                     os.path.join(self.work, f"{tag}.err"))

    @staticmethod
    def stats(call):
        if not call.send({"cmd": "stats"}):
            return {}
        _, line = call.wait_for(lambda o: o.get("event") == "stats", STATS)
        return line or {}

    def termcall_run(self, i):
        room = f"tt-{self.name}-{i}"
        result = {"what": "run", "scenario": self.name, "pair": "termcall<->termcall", "run": i, "connected": False}
        alice = self.terminal("a", room, f"tt{i}-alice")
        bob = None
        try:
            joined, _ = alice.wait_for(lambda o: o.get("event") == "joined", JOIN)
            if joined is None:
                result["error"] = "alice did not join"
                result["alice_stderr"] = alice.stderr_tail()
                return result
            t0 = time.perf_counter()
            bob = self.terminal("b", room, f"tt{i}-bob")
            at, _ = bob.wait_for(lambda o: o.get("event") == "first-frame", FIRST_FRAME)
            events = {}
            for when, obj in bob.lines:
                if "event" in obj and obj["event"] not in events:
                    events[obj["event"]] = round((when - t0) * 1000, 1)
            result["bob_events_ms"] = events
            if at is None:
                result["error"] = f"no first-frame within {FIRST_FRAME} s"
                result["bob_stderr"], result["alice_stderr"] = bob.stderr_tail(), alice.stderr_tail()
                result["bob_stats"] = {k: v for k, v in self.stats(bob).items() if k in PATH_KEYS + ("ice", "ice_checks_sent", "ice_checks_received")}
                return result
            result["connected"] = True
            result["launch_to_first_frame_ms"] = round((at - t0) * 1000, 1)
            if "joined" in events:
                result["joined_to_first_frame_ms"] = round(result["launch_to_first_frame_ms"] - events["joined"], 1)
            b, a = self.stats(bob), self.stats(alice)
            result["bob"] = {k: b.get(k) for k in PATH_KEYS}
            result["alice"] = {k: a.get(k) for k in PATH_KEYS}
            result["path"] = termcall_path(b, a)
            # ICE may move to a better pair after the first frame: the path SETTLE seconds on.
            time.sleep(SETTLE)
            b, a = self.stats(bob), self.stats(alice)
            result["path_later"] = termcall_path(b, a)
            if result["path_later"] != result["path"]:
                result["bob_later"] = {k: b.get(k) for k in PATH_KEYS}
                result["alice_later"] = {k: a.get(k) for k in PATH_KEYS}
            result["ok_path"] = path_matches(result["path"], self.want)
            return result
        finally:
            for call in (bob, alice):
                if call is not None:
                    call.stop({"cmd": "hangup"})

    # --- Chromium <-> Chromium ------------------------------------------------------------------
    def page(self, host, room, tag, init):
        env = dict(os.environ, CHROMIUM_FLAGS=self.chromium_flags)
        if init:
            env["CHROMIUM_INIT_SCRIPT"] = INIT_SCRIPT
        return Child(self.lab.run[host] + [sys.executable, PAGE, f"{self.http}/{room}"], os.path.join(self.work, f"{tag}.err"), env=env)

    @staticmethod
    def evaluate(page, expr, timeout=10):
        if not page.send({"cmd": "eval", "expr": expr}):
            return None, "page gone"
        _, reply = page.wait_for(lambda o: "result" in o or "error" in o, timeout)
        if reply is None:
            return None, "no reply"
        return reply.get("result"), reply.get("error")

    def browser_run(self, i):
        room = f"cc-{self.name}-{i}"
        result = {"what": "run", "scenario": self.name, "pair": "Chromium<->Chromium", "run": i, "connected": False}
        first = self.page("a", room, f"cc{i}-a", init=False)
        second = None
        try:
            ready, _ = first.wait_for(lambda o: o.get("event") == "ready", PAGE_READY)
            joined = False
            end = time.time() + JOIN
            while ready and time.time() < end:
                value, _ = self.evaluate(first, "window.termcall && termcall.id")
                if isinstance(value, str):
                    joined = True
                    break
                time.sleep(0.05)
            if not joined:
                result["error"] = "the first page did not join"
                result["a_stderr"] = first.stderr_tail()
                return result
            value, _ = self.evaluate(first, "!!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)")
            result["a_has_camera"] = value
            second = self.page("b", room, f"cc{i}-b", init=True)
            ready, _ = second.wait_for(lambda o: o.get("event") == "ready", PAGE_READY)
            if ready is None:
                result["error"] = "the second page did not start"
                result["b_stderr"] = second.stderr_tail()
                return result
            timing = None
            end = time.time() + FIRST_FRAME + 5
            while time.time() < end:  # (an evaluation can meet the navigation's commit: retry)
                value, error = self.evaluate(second, WAIT_JS % (FIRST_FRAME * 1000), timeout=FIRST_FRAME + 5)
                if isinstance(value, str):
                    timing = json.loads(value)
                    if timing.get("installed"):
                        break
                time.sleep(0.1)
            if not timing:
                result["error"] = f"no timing from the second page: {error}"
                return result
            marks = timing["marks"]
            result["marks_ms"] = {k: round(v, 1) for k, v in sorted(marks.items(), key=lambda kv: kv[1])}
            result["frame"] = timing.get("frame")
            frame = marks.get("first_frame_presented", marks.get("first_frame_stats"))
            if frame is None:
                result["error"] = f"no remote frame within {FIRST_FRAME} s of the navigation"
                result["b_stderr"] = second.stderr_tail()
            else:
                result["connected"] = True
                result["navigation_to_first_frame_ms"] = round(frame, 1)
                if "sent_join" in marks:
                    result["join_to_first_frame_ms"] = round(frame - marks["sent_join"], 1)
                if "first_frame_stats" in marks:
                    result["navigation_to_first_frame_stats_ms"] = round(marks["first_frame_stats"], 1)
            b_pair, _ = self.evaluate(second, PAIR_JS)
            a_pair, _ = self.evaluate(first, PAIR_JS)
            result["b_pair"], result["a_pair"] = b_pair, a_pair
            result["path"] = browser_path(b_pair, a_pair)
            time.sleep(SETTLE)
            b_pair, _ = self.evaluate(second, PAIR_JS)
            a_pair, _ = self.evaluate(first, PAIR_JS)
            result["path_later"] = browser_path(b_pair, a_pair)
            result["ok_path"] = path_matches(result["path"], self.want)
            return result
        finally:
            for page in (second, first):
                if page is not None:
                    # Hanging up closes the peer connections (TURN allocations released), then the browser goes.
                    self.evaluate(page, "window.termcall && termcall.hangUp()", timeout=3)
                    page.stop({"cmd": "close"}, grace=10)

    def close(self):
        self.server.stop()
        return self.lab.close()


PATH_KEYS = ("local_candidate_type", "remote_candidate_type", "relay_protocol", "selected_pair")


def termcall_path(b, a):
    """"LOCAL→REMOTE" as the joiner (bob) sees it, plus each side's TURN transport if it relays."""
    path = f"{b.get('local_candidate_type') or '?'}→{b.get('remote_candidate_type') or '?'}"
    relays = [f"{who}:{s.get('relay_protocol')}" for who, s in (("b", b), ("a", a)) if s.get("relay_protocol")]
    return path + (" (relay " + ", ".join(relays) + ")" if relays else "")


def browser_path(b, a):
    if not b or not b.get("local") or not b.get("remote"):
        return "none"
    path = f"{b['local']['type']}→{b['remote']['type']}"
    relays = [f"{who}:{p['local']['relayProtocol']}" for who, p in (("b", b), ("a", a))
              if p and p.get("local") and p["local"].get("type") == "relay" and p["local"].get("relayProtocol")]
    return path + (" (relay " + ", ".join(relays) + ")" if relays else "")


def path_matches(path, want):
    if want == "direct":
        return "relay" not in path
    return f"a:{want.split('/')[1]}" in path if want.startswith("relay/") else False


def summary(name, pair, runs, key, extra_keys=()):
    times = sorted(r[key] for r in runs if r.get("connected") and key in r)
    paths = {}
    for r in runs:
        p = r.get("path", "not connected" if not r.get("connected") else "?")
        paths[p] = paths.get(p, 0) + 1
    later = {}
    for r in runs:
        if "path_later" in r:
            later[r["path_later"]] = later.get(r["path_later"], 0) + 1
    out = {"what": "summary", "scenario": name, "pair": pair, "measure": key, "connected": sum(bool(r.get("connected")) for r in runs),
           "runs": len(runs), "paths": paths, "paths_%gs_later" % SETTLE: later}
    if times:
        out["median_ms"] = round(statistics.median(times), 1)
        out["p90_ms"] = round(times[max(0, -(-len(times) * 9 // 10) - 1)], 1)  # nearest rank
        out["min_ms"], out["max_ms"] = round(times[0], 1), round(times[-1], 1)
    for k in extra_keys:
        values = sorted(r[k] for r in runs if r.get("connected") and k in r)
        if values:
            out[k + "_median"] = round(statistics.median(values), 1)
    return out


def startup(termcall, prefix=None, n=10):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run((prefix or []) + [termcall, "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("termcall")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="a JSON line per run")
    args = parser.parse_args()
    termcall = os.path.abspath(args.termcall)
    names = [n for n in args.scenarios.split(",") if n]
    for n in names:
        if n not in SCENARIOS:
            sys.exit(f"unknown scenario {n} (known: {', '.join(SCENARIOS)})")
    emit({"what": "termcall --version (process start-up)", "median_ms": startup(termcall), "binary": termcall})
    rows = []
    prefix_measured = False
    for name in names:
        work = tempfile.mkdtemp(prefix=f"bench-nat-{name}-")
        scenario = None
        try:
            scenario = Scenario(name, termcall, work)
            if not prefix_measured:
                emit({"what": "termcall --version through the lab's run prefix (nsenter, unshare --mount, bind mount)",
                      "median_ms": startup(termcall, scenario.lab.run["b"])})
                prefix_measured = True
            tt = []
            for i in range(args.runs):
                r = scenario.termcall_run(i)
                tt.append(r)
                if args.verbose or not r.get("connected"):
                    emit(r)
            s_tt = summary(name, "termcall<->termcall", tt, "launch_to_first_frame_ms", ("joined_to_first_frame_ms",))
            emit(s_tt)
            s_cc = None
            if not args.no_browser:
                cc = []
                for i in range(args.runs):
                    r = scenario.browser_run(i)
                    cc.append(r)
                    if args.verbose or not r.get("connected"):
                        emit(r)
                s_cc = summary(name, "Chromium<->Chromium", cc, "navigation_to_first_frame_ms",
                               ("join_to_first_frame_ms", "navigation_to_first_frame_stats_ms"))
                emit(s_cc)
            rows.append((name, SCENARIOS[name][2], s_tt, s_cc))
        except Exception as error:  # noqa: BLE001 - reported, next scenario
            emit({"what": "error", "scenario": name, "message": f"{type(error).__name__}: {error}"})
            rows.append((name, SCENARIOS[name][2], None, None))
        finally:
            if scenario is not None:
                last = scenario.close()
                if not last or last.get("event") != "closed":
                    emit({"what": "error", "scenario": name, "message": f"lab teardown: {last}"})
            shutil.rmtree(work, ignore_errors=True)
    table(rows)


def table(rows):
    def cell(s, key="median_ms"):
        if not s or key not in s:
            return "-"
        return f"{s[key]:.0f}"

    def paths(s):
        if not s:
            return "-"
        return "; ".join(f"{p} ×{n}" for p, n in sorted(s["paths"].items(), key=lambda kv: -kv[1]))

    print()
    print(f"{'scenario':<20} {'want':<10} | {'termcall↔termcall launch→frame':<30} {'ok':>5} | {'Chromium↔Chromium nav→frame':<28} {'join→frame':>10} {'ok':>5}")
    print(f"{'':<20} {'':<10} | {'median / p90 ms':<30} {'':>5} | {'median / p90 ms':<28} {'median':>10} {'':>5}")
    for name, want, tt, cc in rows:
        t = f"{cell(tt)} / {cell(tt, 'p90_ms')}"
        c = f"{cell(cc)} / {cell(cc, 'p90_ms')}"
        j = cell(cc, "join_to_first_frame_ms_median")
        print(f"{name:<20} {want:<10} | {t:<30} {(str(tt['connected']) + '/' + str(tt['runs'])) if tt else '-':>5} | {c:<28} {j:>10} "
              f"{(str(cc['connected']) + '/' + str(cc['runs'])) if cc else '-':>5}")
    print()
    for name, want, tt, cc in rows:
        print(f"{name}: termcall paths: {paths(tt)}")
        print(f"{name}: Chromium paths: {paths(cc)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The network benchmark (scripts/bench-network): one call per impairment profile through
Tests/Interop/impaired_link.py, A sending speech and a moving 640x480 picture at 30 fps to B for
`seconds`, for each pair of peers: termcall → termcall, termcall → Chromium, Chromium → termcall,
Chromium → Chromium (headless, Tests/Interop/chromium_peer.py) and aiortc → aiortc. Each call is
repeated NETWORK_RUNS times (default 3; the runs interleave the pairs); a Markdown table per pair
gives the median and range of: freezes (W3C rule, B's own count) and the longest gap between
decoded (termcall, aiortc) or presented (Chromium) frames, mean frame rate, the A→B bitrate on the
wire, the bottleneck queue's p95 wait and drops, and PESQ-WB of the speech B played out (against
what A sent, aligned by cross-correlation).
NETWORK_PAIRS (comma-separated, default "termcall,termcall-chromium,chromium") and NETWORK_PROFILES
(comma-separated name prefixes, e.g. "300 kbit/s") narrow a run. TERMCALL_EXTRA adds flags to
termcall's sending side (scripts/bench-network passes --no-voice-processing: the browsers' capture
of a file and aiortc apply no echo canceller or noise suppressor, so PESQ measures the codec, the
jitter buffer and the repair alone, as the #3 jitter-buffer benchmark does).

usage: run.py TERMCALL SPEECH.wav WORKDIR [SECONDS]   (root, inside a loopback-only namespace)"""
import json
import os
import pathlib
import queue
import subprocess
import sys
import threading
import time

import numpy as np
from pesq import pesq
from scipy.io import wavfile
from scipy.signal import resample_poly

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXTRA = os.environ.get("TERMCALL_EXTRA", "").split()
VENV = str(ROOT / ".venv-interop/bin/python")
PROFILES = [
    ("clean (10 ms each way)", {"delay": 10}, None),
    ("5 % loss, 20 ms + 0–50 ms jitter", {"loss": 5, "delay": 20, "jitter": 50}, None),
    ("10 % bursty loss (bursts of 3), 30 ms jitter", {"loss": 10, "burst": 3, "delay": 20, "jitter": 30}, None),
    ("300 kbit/s cap, 200 ms queue", {"rate": 300, "queue": 200, "delay": 15}, None),
    ("3 s outage at 10 s", {"delay": 10}, 10),
]


class Proc:
    def __init__(self, argv, env=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                pass
        self.lines.put(None)

    def send(self, obj):
        try:
            self.p.stdin.write(json.dumps(obj) + "\n")
            self.p.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def wait_for(self, match, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                return None
            if match(line):
                return line
        return None

    def stop(self, seconds=10):
        try:
            self.p.wait(seconds)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def load16k(path):
    rate, x = wavfile.read(path)
    x = x.astype(np.float64) / 32768.0
    if x.ndim > 1:
        x = x.mean(axis=1)
    return resample_poly(x, 16000, rate)


def score(reference, degraded):
    ref, deg = load16k(reference), load16k(degraded)
    if len(deg) < 16000:
        return None
    n = 1 << int(np.ceil(np.log2(len(ref) + len(deg))))
    corr = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
    # Lags from -len(ref) (the recording starts part-way into the reference: a sender whose
    # microphone ran before the call connected) to len(deg); negative ones sit at the end.
    lag = int(np.argmax(corr))
    if lag >= n - len(ref):
        lag -= n
    out = deg[lag: lag + len(ref)] if lag >= 0 else np.concatenate([np.zeros(-lag), deg[: len(ref) + lag]])
    out = np.pad(out, (0, len(ref) - len(out)))
    try:
        return pesq(16000, ref, out, "wb")
    except Exception:  # noqa: BLE001 - no utterances found (all silence)
        return None


class Termcall:
    """termcall on the stdio signalling channel; as the sender it sends speech and a 640x480
    pattern at 30 fps, as the receiver it plays what it gets into a file."""
    def __init__(self, termcall, namespace, work, sending, speech_raw):
        conf = work / "asound.conf"
        conf.write_text(f'pcm.speechmic {{ type file; slave.pcm {{ type null }}; file "/dev/null"; infile "{speech_raw}"; format raw }}\n'
                        f'pcm.speechout {{ type file; slave.pcm {{ type null }}; file "{work}/played.raw"; format raw }}\n')
        env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
        role = ["--offer", "--video-size", "640x480@30", "--mic", "speechmic"] + EXTRA if sending else ["--camera", "none", "--mic", "none", "--speaker", "speechout"]
        self.work = work
        self.p = Proc(["nsenter", f"--net={namespace}", termcall, "call", "--signal", "stdio"] + role, env)

    def offer(self):
        return self.p.wait_for(lambda l: l.get("type") == "offer", 15)["sdp"]

    def answer(self, sdp):
        self.p.send({"type": "offer", "sdp": sdp})
        return self.p.wait_for(lambda l: l.get("type") == "answer", 15)["sdp"]

    def accept(self, sdp):
        self.p.send({"type": "answer", "sdp": sdp})

    def connected(self):
        return self.p.wait_for(lambda l: l.get("event") == "chat-open", 20) is not None

    def stats(self):
        self.p.send({"cmd": "stats"})
        st = self.p.wait_for(lambda l: l.get("event") == "stats", 5) or {}
        (self.work / "stats.json").write_text(json.dumps(st, indent=1))  # every figure, for a closer look
        return {"frames": st.get("video_frames_decoded", 0), "freezes": st.get("freeze_count", 0), "longest": st.get("longest_frame_gap_ms", 0),
                "repair": f"NACKed {st.get('nack_sent', 0)}, RTX {st.get('rtx_received', 0)}, PLI {st.get('pli_sent', 0)}",
                "audio": f"concealed {100 * st.get('audio_concealed', 0) / max(1, st.get('audio_played', 0) + st.get('audio_concealed', 0)):.1f} %, "
                         f"stretched {st.get('audio_stretched', 0)}, shortened {st.get('audio_accelerated', 0)} packets, "
                         f"target {st.get('audio_target_ms', 0)} ms, RED rebuilt {st.get('audio_recovered_red', 0)}"}

    def close(self):
        self.p.send({"cmd": "hangup"})
        self.p.p.stdin.close()

    def finish(self):
        self.p.stop()
        raw = np.fromfile(self.work / "played.raw", dtype="<i2") if (self.work / "played.raw").exists() else np.zeros(0, "<i2")
        wavfile.write(self.work / "played.wav", 48000, raw)
        return self.work / "played.wav"


class Chromium:
    """Headless Chromium (Tests/Interop/chromium_peer.py): as the sender its fake microphone plays
    the speech file once and its fake camera runs at 30 fps; as the receiver the page records what
    it plays out and times the frames it presents."""
    def __init__(self, namespace, work, sending, speech_wav):
        peer = str(ROOT / "Tests/Interop/chromium_peer.py")
        role = ["--offer", "--audio", "--video", "--fps", "30", "--audio-file", str(speech_wav)] if sending else ["--answer", "--record", str(work / "played.wav")]
        self.work = work
        self.p = Proc(["nsenter", f"--net={namespace}", "python3", peer] + role)

    def offer(self):
        return self.p.wait_for(lambda l: "sdp" in l, 30)["sdp"]

    def answer(self, sdp):
        self.p.send({"type": "offer", "sdp": sdp})
        return self.p.wait_for(lambda l: "sdp" in l, 30)["sdp"]

    def accept(self, sdp):
        self.p.send({"type": "answer", "sdp": sdp})

    def connected(self):
        return self.p.wait_for(lambda l: l.get("event") == "datachannel", 20) is not None

    def stats(self):
        self.p.send({"cmd": "stats"})
        st = self.p.wait_for(lambda l: l.get("event") == "stats", 5) or {}
        (self.work / "stats.json").write_text(json.dumps(st, indent=1))  # every figure, for a closer look
        return {"frames": st.get("video_frames_received", 0), "freezes": st.get("video_freeze_count", 0), "longest": st.get("video_longest_gap_ms", 0),
                "repair": f"NACKed {st.get('video_nack_sent', 0)}, RTX {st.get('video_retransmitted_received', 0)}, PLI {st.get('video_pli_sent', 0)}",
                "audio": f"concealed {100 * st.get('audio_concealed_samples', 0) / max(1, st.get('audio_samples_received', 1)):.1f} %, "
                         f"stretched {st.get('audio_decelerated_samples', 0) / 48:.0f} ms, shortened {st.get('audio_accelerated_samples', 0) / 48:.0f} ms, "
                         f"buffer {st.get('audio_buffer_delay_ms', 0)} ms, jitter {1000 * (st.get('audio_jitter') or 0):.0f} ms"}

    def close(self):
        self.p.send({"cmd": "close"})

    def finish(self):
        self.p.wait_for(lambda l: l.get("event") == "closed", 15)
        self.p.stop()
        return self.work / "played.wav"


def endpoint(kind, termcall, namespace, work, sending, speech_wav, speech_raw):
    return Termcall(termcall, namespace, work, sending, speech_raw) if kind == "termcall" else Chromium(namespace, work, sending, speech_wav)


def browser_or_terminal_pair(sender, receiver, link, seconds, outage_at):
    """A (sender) offers, B answers; the call runs `seconds`; B's figures."""
    receiver_answer = receiver.answer(sender.offer())
    sender.accept(receiver_answer)
    sender.connected()
    run(link, seconds, outage_at)
    st = receiver.stats()
    if isinstance(sender, Termcall):
        sender.stats()  # its own figures (RED depth, rate) go to a/stats.json
    for p in (sender, receiver):
        p.close()
    sender.finish()
    st["wav"] = receiver.finish()
    return st


def aiortc_pair(link, speech_wav, work, seconds, outage_at):
    peer = str(ROOT / "Benchmarks/network/aiortc_media_peer.py")
    a = Proc(["nsenter", f"--net={link['a']}", VENV, peer, "--offer", "--host", link["a_address"], "--play", str(speech_wav), "--pattern"])
    b = Proc(["nsenter", f"--net={link['b']}", VENV, peer, "--answer", "--host", link["b_address"], "--record", str(work / "played.wav")])
    offer = a.wait_for(lambda l: "sdp" in l, 30)
    b.send({"sdp": offer["sdp"]})
    answer = b.wait_for(lambda l: "sdp" in l, 30)
    a.send({"sdp": answer["sdp"]})
    b.wait_for(lambda l: False, 1)
    run(link, seconds, outage_at)
    b.send({"cmd": "stats"})
    st = b.wait_for(lambda l: l.get("event") == "stats", 5) or {}
    for p in (a, b):
        p.send({"cmd": "close"})
    b.wait_for(lambda l: l.get("event") == "closed", 15)
    for p in (a, b):
        p.stop()
    return {"frames": st.get("video_frames", 0), "freezes": st.get("freeze_count", 0), "longest": st.get("longest_gap_ms", 0),
            "wav": work / "played.wav", "repair": f"lost {st.get('video_packets_lost', 0)}", "audio": ""}


def run(link, seconds, outage_at):
    start = time.monotonic()
    if outage_at is not None:
        time.sleep(outage_at)
        link["proc"].send({"cmd": "outage", "ms": 3000})
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))


PAIRS = {  # name: (sender A, receiver B)
    "termcall": ("termcall", "termcall"),
    "termcall-chromium": ("termcall", "chromium"),
    "chromium-termcall": ("chromium", "termcall"),
    "chromium": ("chromium", "chromium"),
    "aiortc": ("aiortc", "aiortc"),
}


def one_call(pair, termcall, options, outage_at, speech, speech_raw, directory, seconds):
    argv = ["python3", str(ROOT / "Tests/Interop/impaired_link.py"), "--seed", "42"]
    for k, v in options.items():
        argv += [f"--{k}", str(v)]
    relay = Proc(argv)
    link = dict(relay.wait_for(lambda l: l.get("event") == "ready", 10), proc=relay)
    directory.mkdir()
    a_kind, b_kind = PAIRS[pair]
    if a_kind == "aiortc":
        r = aiortc_pair(link, speech, directory, seconds, outage_at)
    else:
        (directory / "a").mkdir()
        (directory / "b").mkdir()
        sender = endpoint(a_kind, termcall, link["a"], directory / "a", True, speech, speech_raw)
        receiver = endpoint(b_kind, termcall, link["b"], directory / "b", False, speech, speech_raw)
        r = browser_or_terminal_pair(sender, receiver, link, seconds, outage_at)
    relay.send({"cmd": "stats"})
    wire = (relay.wait_for(lambda l: l.get("event") == "stats", 5) or {}).get("ab", {})
    relay.send({"cmd": "close"})
    relay.stop()
    r["kbps"] = wire.get("bytes", 0) * 8 / seconds / 1000
    r["drops"] = wire.get("queue_drops", 0)
    r["queue_p95"] = wire.get("queue_p95_ms")
    r["fps"] = r["frames"] / seconds
    r["pesq"] = score(speech, r["wav"]) if r["wav"].exists() else None
    return r


def figure(values, fmt):
    """Median of the runs, and their range when there is more than one."""
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    median = float(np.median(values))
    if len(values) == 1 or min(values) == max(values):
        return fmt(median)
    return f"{fmt(median)} ({fmt(min(values))}–{fmt(max(values))})"


def main():
    termcall, speech, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    runs = int(os.environ.get("NETWORK_RUNS", "3"))
    speech_raw = work / "speech.raw"
    subprocess.run(["sox", "-q", "-D", str(speech), "-t", "raw", "-r", "48000", "-c", "1", "-b", "16", "-e", "signed", str(speech_raw)], check=True)
    results = {}
    chosen = os.environ.get("NETWORK_PAIRS", "termcall,termcall-chromium,chromium").split(",")
    pairs = [p for p in PAIRS if p in chosen]
    wanted = [w.strip() for w in os.environ.get("NETWORK_PROFILES", "").split(",") if w.strip()]
    profiles = [p for p in PROFILES if not wanted or any(p[0].startswith(w) for w in wanted)]
    # Runs interleave the pairs (run 1 of every pair, then run 2...), so a machine that slows down
    # during the benchmark weighs on every pair alike.
    for n in range(runs):
        for pair in pairs:
            for name, options, outage_at in profiles:
                calls = sum(len(v) for v in results.values())
                r = one_call(pair, termcall, options, outage_at, speech, speech_raw, work / f"{pair}-{n}-{calls}", seconds)
                results.setdefault((pair, name), []).append(r)
                print(f"  run {n + 1} {pair:17} {name}: " + ", ".join(f"{k} {v}" for k, v in r.items() if k != "wav"), file=sys.stderr)
    for pair in pairs:
        a, b = PAIRS[pair]
        print(f"\n**{a} → {b}** ({seconds} s per profile, B's figures; median of {runs} runs (range))\n")
        print("| profile | freezes | longest gap ms | mean fps | A→B kbit/s on the wire | queue p95 ms, drops | PESQ-WB | video repair, audio playout (last run) |")
        print("|---|---|---|---|---|---|---|---|")
        for name, options, _ in profiles:
            rs = results[(pair, name)]
            queue = "–"
            if "rate" in options:
                queue = figure([r["queue_p95"] for r in rs], lambda v: f"{v:.0f}") + ", " + figure([r["drops"] for r in rs], lambda v: f"{v:.0f}")
            print(f"| {name} | {figure([r['freezes'] for r in rs], lambda v: f'{v:.0f}')} | {figure([r['longest'] for r in rs], lambda v: f'{v:.0f}')} | "
                  f"{figure([r['fps'] for r in rs], lambda v: f'{v:.1f}')} | {figure([r['kbps'] for r in rs], lambda v: f'{v:.0f}')} | {queue} | "
                  f"{figure([r['pesq'] for r in rs], lambda v: f'{v:.2f}')} | {rs[-1]['repair']}; {rs[-1]['audio']} |")


if __name__ == "__main__":
    main()

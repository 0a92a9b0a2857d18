#!/usr/bin/env python3
"""The network benchmark (scripts/bench-network): one call per impairment profile through
Tests/Interop/impaired_link.py, termcall↔termcall and aiortc↔aiortc in the same run, A sending
speech and a moving 640x480 picture to B for `seconds`. Prints a Markdown table per pair: freezes
(W3C rule) and the longest gap between decoded frames, mean frame rate, the A→B bitrate on the wire,
and PESQ-WB of the speech B played (against what A sent, aligned by cross-correlation).
NETWORK_PAIRS (e.g. "termcall") and NETWORK_PROFILES (comma-separated name prefixes, e.g. "300 kbit/s")
narrow a run to some pairs and profiles. TERMCALL_EXTRA adds flags to termcall's sending side (scripts/bench-network passes
--no-voice-processing: aiortc has no echo canceller or noise suppressor, and PESQ then measures
the codec, the jitter buffer and the repair alone, as the #3 jitter-buffer benchmark does).

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
    lag = int(np.argmax(corr[: len(deg)]))
    out = deg[lag: lag + len(ref)]
    out = np.pad(out, (0, len(ref) - len(out)))
    try:
        return pesq(16000, ref, out, "wb")
    except Exception:  # noqa: BLE001 - no utterances found (all silence)
        return None


def termcall_pair(termcall, link, speech_raw, work, seconds, outage_at):
    conf = work / "asound.conf"
    conf.write_text(f'pcm.speechmic {{ type file; slave.pcm {{ type null }}; file "/dev/null"; infile "{speech_raw}"; format raw }}\n'
                    f'pcm.speechout {{ type file; slave.pcm {{ type null }}; file "{work}/played.raw"; format raw }}\n')
    env = dict(os.environ, ALSA_CONFIG_PATH=str(conf))
    a = Proc(["nsenter", f"--net={link['a']}", termcall, "call", "--signal", "stdio", "--offer", "--video-size", "640x480@30", "--mic", "speechmic"] + EXTRA, env)
    b = Proc(["nsenter", f"--net={link['b']}", termcall, "call", "--signal", "stdio", "--camera", "none", "--mic", "none", "--speaker", "speechout"], env)
    offer = a.wait_for(lambda l: l.get("type") == "offer", 15)
    b.send({"type": "offer", "sdp": offer["sdp"]})
    answer = b.wait_for(lambda l: l.get("type") == "answer", 15)
    a.send({"type": "answer", "sdp": answer["sdp"]})
    a.wait_for(lambda l: l.get("event") == "chat-open", 20)
    run(link, seconds, outage_at)
    b.send({"cmd": "stats"})
    st = b.wait_for(lambda l: l.get("event") == "stats", 5) or {}
    for p in (a, b):
        p.send({"cmd": "hangup"})
        p.p.stdin.close()
    for p in (a, b):
        p.stop()
    raw = np.fromfile(work / "played.raw", dtype="<i2")
    wavfile.write(work / "played.wav", 48000, raw)
    return {"frames": st.get("video_frames_decoded", 0), "freezes": st.get("freeze_count", 0), "longest": st.get("longest_frame_gap_ms", 0),
            "wav": work / "played.wav",
            "extra": f"NACKed {st.get('nack_sent', 0)}, RTX {st.get('rtx_received', 0)}, PLI {st.get('pli_sent', 0)}"}


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
            "wav": work / "played.wav", "extra": f"lost {st.get('video_packets_lost', 0)}"}


def run(link, seconds, outage_at):
    start = time.monotonic()
    if outage_at is not None:
        time.sleep(outage_at)
        link["proc"].send({"cmd": "outage", "ms": 3000})
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))


def main():
    termcall, speech, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    speech_raw = work / "speech.raw"
    subprocess.run(["sox", "-q", "-D", str(speech), "-t", "raw", "-r", "48000", "-c", "1", "-b", "16", "-e", "signed", str(speech_raw)], check=True)
    results = {}
    pairs = [p for p in ("termcall", "aiortc") if p in os.environ.get("NETWORK_PAIRS", "termcall,aiortc").split(",")]
    wanted = [w.strip() for w in os.environ.get("NETWORK_PROFILES", "").split(",") if w.strip()]
    profiles = [p for p in PROFILES if not wanted or any(p[0].startswith(w) for w in wanted)]
    for pair in pairs:
        for name, options, outage_at in profiles:
            argv = ["python3", str(ROOT / "Tests/Interop/impaired_link.py"), "--seed", "42"]
            for k, v in options.items():
                argv += [f"--{k}", str(v)]
            relay = Proc(argv)
            ready = relay.wait_for(lambda l: l.get("event") == "ready", 10)
            link = dict(ready, proc=relay)
            directory = work / f"{pair}-{len(results)}"
            directory.mkdir()
            if pair == "termcall":
                r = termcall_pair(termcall, link, speech_raw, directory, seconds, outage_at)
            else:
                r = aiortc_pair(link, speech, directory, seconds, outage_at)
            relay.send({"cmd": "stats"})
            wire = relay.wait_for(lambda l: l.get("event") == "stats", 5) or {}
            r["wire_bytes"] = wire.get("ab", {}).get("bytes", 0)
            r["extra"] += f", queue drops {wire.get('ab', {}).get('queue_drops', 0)}"
            relay.send({"cmd": "close"})
            relay.stop()
            r["pesq"] = score(speech, r["wav"])
            results[(pair, name)] = r
            print(f"  {pair:8} {name}: {r}", file=sys.stderr)
    for pair in pairs:
        print(f"\n**{pair} ↔ {pair}** ({seconds} s per profile, A → B)\n")
        print("| profile | freezes (longest gap) | mean fps | A→B kbit/s on the wire | PESQ-WB | repair |")
        print("|---|---|---|---|---|---|")
        for name, _, _ in profiles:
            r = results[(pair, name)]
            p = f"{r['pesq']:.2f}" if r["pesq"] else "–"
            print(f"| {name} | {r['freezes']} ({r['longest']} ms) | {r['frames'] / seconds:.1f} | {r['wire_bytes'] * 8 / seconds / 1000:.0f} | {p} | {r['extra']} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Headless Chromium as an interop peer, with the JSON-lines protocol of aiortc_pc_peer.py:
  --answer: in {"sdp": offer} -> out {"sdp": answer};  --offer: out {"sdp": offer} -> in {"sdp": answer}
  --audio / --video: the fake microphone (a beep) and camera (a moving pattern, 640x480) are sent.
  {"cmd":"stats"} -> {"event":"stats","audio_frames_received":packets,"video_frames_received":framesDecoded,
  plus ciphers, codecs and RTT from getStats}; {"cmd":"close"} -> {"event":"closed"}.
Events: {"event":"datachannel"}, {"event":"message"} (echoed back), {"event":"state"},
{"event":"datachannel-closed"}, {"event":"track-muted"|"track-unmuted","kind":...}, {"event":"error"}.
Renegotiation: {"cmd":"stop-video"} / {"cmd":"start-video"} remove and re-add the camera track, which
prints {"type":"offer","sdp":...}; {"type":"offer"|"answer","sdp":...} in is applied (an offer is answered).
A stdlib HTTP server on 127.0.0.1 serves chromium/peer.{html,js} and relays: commands from stdin
wait in a queue the page long-polls (GET /next); the page's events (POST /emit) go to stdout.
Run inside a loopback-only namespace (the browser gets --allow-loopback-in-peer-connection).
For the network benchmark: --audio-file WAV sends that file (once, without echo cancellation,
noise suppression or gain control) as the microphone, --fps N sets
the fake camera's rate, --record WAV writes the audio the page played out (48 kHz mono s16, tapped
with WebAudio after Chromium's jitter buffer and concealment), and the stats then carry
video_longest_gap_ms (between frames the page presented)."""
import ctypes
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import wave
from array import array
from jsonlines import emit

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chromium")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium")
commands = queue.Queue()
finished = threading.Event()
recorded = array("f")  # float samples the page posted (POST /audio), in order
recorded_lock = threading.Lock()


def option(name):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def write_recording(path):
    """The page's float samples as 16-bit PCM (clipped)."""
    with recorded_lock:
        pcm = array("h", (max(-32768, min(32767, int(x * 32768))) for x in recorded))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(pcm.tobytes())



class Bridge(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", kind="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/next":
            try:
                command = commands.get(timeout=20)
            except queue.Empty:
                command = {"cmd": "none"}
            return self.reply(200, json.dumps(command).encode())
        files = {"/": ("peer.html", "text/html"), "/peer.js": ("peer.js", "text/javascript")}
        if path not in files:
            return self.reply(404)
        name, kind = files[path]
        with open(os.path.join(HERE, name), "rb") as f:
            self.reply(200, f.read(), kind)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path.split("?")[0] == "/audio":
            with recorded_lock:
                recorded.frombytes(body[: len(body) - len(body) % 4])
            return self.reply(200, b"{}")
        event = json.loads(body or b"{}")
        self.reply(200, b"{}")
        emit(event)
        if event.get("event") == "closed":
            finished.set()


def read_stdin():
    for raw in sys.stdin.buffer:
        if raw.strip():
            commands.put(json.loads(raw))
    commands.put({"cmd": "eof"})


def die_with_parent():
    """In the browser's child: SIGKILL when the bridge dies, however it dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    os.setpgrp()


def main():
    # A terminated bridge still takes the browser down (the finally below runs on SIGTERM).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Bridge)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mode = "offer" if "--offer" in sys.argv else "answer"
    url = "http://127.0.0.1:%d/?mode=%s&audio=%d&video=%d&record=%d&fps=%s" % (
        server.server_address[1], mode, "--audio" in sys.argv, "--video" in sys.argv,
        "--record" in sys.argv, option("--fps") or "")
    if option("--audio-file"):
        url += "&processing=0"
    fake_devices = "--use-fake-device-for-media-stream"
    if option("--fps"):
        fake_devices += "=fps=" + option("--fps")
    extra = ["--use-file-for-fake-audio-capture=%s%%noloop" % option("--audio-file")] if option("--audio-file") else []
    profile = tempfile.mkdtemp(prefix="termcall-chromium-")
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--user-data-dir=" + profile,
         fake_devices, "--use-fake-ui-for-media-stream"] + extra + [
         "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-gpu", "--remote-debugging-port=0", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sys.stderr, preexec_fn=die_with_parent)
    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        while not finished.wait(0.2):
            if browser.poll() is not None:
                emit({"event": "error", "message": "chromium exited with %d" % browser.returncode})
                return 1
        return 0
    finally:
        if option("--record"):
            write_recording(option("--record"))
        # The whole process group: the browser and its zygote, renderer and utility processes.
        try:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(browser.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(profile, ignore_errors=True)


sys.exit(main())

#!/usr/bin/env python3
"""Headless Firefox ESR as an interop peer, with the JSON-lines protocol of chromium_peer.py and
aiortc_pc_peer.py:
  --answer: in {"sdp": offer} -> out {"sdp": answer};  --offer: out {"sdp": offer} -> in {"sdp": answer}
  (the description printed is the one after ICE gathering completed: all candidates in it, no trickle).
  --audio / --video: the fake microphone (a tone) and camera (a moving pattern, 640x480) are sent.
  --bundle-policy balanced|max-bundle|max-compat: the RTCPeerConnection's bundlePolicy (default balanced;
  max-bundle offers carry a=bundle-only sections with port 0).
  --video-codec VP8|VP9: restrict video to that codec alone (transceiver.setCodecPreferences, no RTX,
  RED or ULPFEC), so "--offer --video --video-codec VP9" makes a VP9-only video offer; an answerer
  restricts its answer the same way.
  {"cmd":"stats"} -> {"event":"stats","audio_frames_received":packets,"video_frames_received":framesDecoded,
  plus codecs, jitter, RTT, NACKs, resolution, dtls_cipher/srtp_cipher, the selected candidate pair ...
  from getStats; of several inbound streams of a kind, the one that received last; inbound_streams counts
  them}. {"cmd":"raw-stats"} -> {"event":"raw-stats","report":[every stats object]}.
  {"cmd":"close"} (or end of input) -> {"event":"closed"}, then exit. A negotiation that fails (say
  setRemoteDescription rejects the answer) prints {"event":"error"}; stats and close still work.
Events: {"event":"datachannel"}, {"event":"message"} (echoed back), {"event":"state"},
{"event":"datachannel-closed"}, {"event":"track","kind":...,"mid":...} (a remote track arrived),
{"event":"track-muted"|"track-unmuted","kind":...}, {"event":"error","message":...}.
{"cmd":"send","text":...[,"label":...]} sends a text message on the (first open) data channel; with
--no-echo received messages are reported but not echoed (so two of these peers can talk without a loop).
Renegotiation: {"cmd":"stop-video"} / {"cmd":"start-video"} remove and re-add the camera track, which
prints {"type":"offer","sdp":...}; {"type":"offer"|"answer","sdp":...} in is applied (an offer is answered
with {"type":"answer","sdp":...}).
How: firefox_bidi.py starts Firefox with a throw-away profile and drives it over WebDriver BiDi. A stdlib
HTTP server on 127.0.0.1 serves firefox/peer.{html,js} (http://127.0.0.1 is a secure context, so
getUserMedia works); the page gets each stdin line through script.callFunction and reports over a BiDi
channel (script.message events), which go to stdout. The page's console goes to stderr.
Run inside a loopback-only namespace with a default route on lo (Firefox gathers nothing without one):
  unshare --net bash -c 'ip link set lo up; ip route add default dev lo src 127.0.0.1; python3 firefox_peer.py --offer --audio --video'"""
import argparse
import functools
import http.server
import json
import os
import queue
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from firefox_bidi import BiDiError, Firefox, unblock_signals  # noqa: E402
from jsonlines import emit  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "firefox")
CHANNEL = "termcall-peer"
finished = threading.Event()



class Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def on_event(method, params):
    if method == "script.message" and params.get("channel") == CHANNEL:
        data = params.get("data", {})
        event = json.loads(data.get("value", "{}")) if data.get("type") == "string" else {}
        emit(event)
        if event.get("event") == "closed":
            finished.set()
    elif method == "log.entryAdded":
        print("firefox %s %s: %s" % (params.get("type"), params.get("level"), params.get("text")), file=sys.stderr, flush=True)


def read_stdin(lines):
    buf = b""
    while True:
        try:
            chunk = os.read(0, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            if raw.strip():
                lines.put(raw.decode("utf-8", "replace"))
    if buf.strip():
        lines.put(buf.decode("utf-8", "replace"))
    lines.put(json.dumps({"cmd": "eof"}))


def forward(bidi, lines, closing):
    """Hands each stdin line to the page, in order (each call returns once the page queued it)."""
    while True:
        line = lines.get()
        try:
            command = json.loads(line)
        except ValueError as error:
            emit({"event": "error", "message": "bad JSON on stdin: %s" % error})
            continue
        if command.get("cmd") in ("close", "eof"):
            closing.set()
        try:
            bidi.call_function("(json) => window.termcallCommand(json)", {"type": "string", "value": json.dumps(command)},
                               await_promise=False, timeout=10)
        except BiDiError as error:
            if not finished.is_set():  # (the page may say "closed" before the call returns, and the browser go)
                emit({"event": "error", "message": "firefox: %s" % error})
            closing.set()
            return
        if closing.is_set():
            return


def main():
    unblock_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    role = parser.add_mutually_exclusive_group()
    role.add_argument("--offer", action="store_true")
    role.add_argument("--answer", action="store_true")
    parser.add_argument("--audio", action="store_true")
    parser.add_argument("--video", action="store_true")
    parser.add_argument("--bundle-policy", choices=["balanced", "max-bundle", "max-compat"], default="balanced")
    parser.add_argument("--video-codec", type=str.upper, choices=["VP8", "VP9"])
    parser.add_argument("--no-echo", action="store_true")
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Files, directory=HERE))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = queue.Queue()
    threading.Thread(target=read_stdin, args=(lines,), daemon=True).start()
    closing = threading.Event()
    firefox = None
    try:
        firefox = Firefox()
        bidi = firefox.bidi
        bidi.on_event = on_event
        bidi.subscribe("script.message", "log.entryAdded")
        bidi.navigate("http://127.0.0.1:%d/peer.html" % server.server_address[1])
        options = {"mode": "offer" if args.offer else "answer", "audio": args.audio, "video": args.video,
                   "bundlePolicy": args.bundle_policy, "videoCodec": args.video_codec, "echo": not args.no_echo}
        # Not awaited: startPeer runs for the whole call.
        bidi.call_function("(channel, options) => { window.startPeer(channel, options); }",
                           {"type": "channel", "value": {"channel": CHANNEL, "ownership": "none"}},
                           {"type": "string", "value": json.dumps(options)}, await_promise=False, timeout=30)
        threading.Thread(target=forward, args=(bidi, lines, closing), daemon=True).start()
        while not finished.wait(0.2):
            if not firefox.alive():
                emit({"event": "error", "message": "firefox exited with %s" % firefox.browser.returncode})
                return 1
            if bidi.dead:
                emit({"event": "error", "message": "firefox: BiDi connection lost: %s" % bidi.dead})
                return 1
            if closing.is_set():
                # The page has 3 s to close its connection and say so; then it is closed for it.
                if not finished.wait(3):
                    emit({"event": "closed"})
                break
        return 0
    except (BiDiError, RuntimeError, OSError) as error:
        emit({"event": "error", "message": "firefox: %s" % error})
        return 1
    finally:
        finished.set()
        if firefox:
            firefox.close()
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())

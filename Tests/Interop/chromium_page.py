#!/usr/bin/env python3
"""Headless Chromium on a page it is given (termcall serve's room page), driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: commands on fd 3, replies on fd 4, NUL-separated JSON),
so no WebSocket library is needed. JSON lines on stdin/stdout:
  {"cmd":"eval","expr":"<JS expression, may be a promise>"} -> {"result": value} | {"error": text}
  {"cmd":"close"} -> {"event":"closed"}, and the browser exits.
Usage: chromium_page.py URL. Fake camera and microphone; loopback candidates allowed.
Run inside a loopback-only namespace (or one of the NAT lab's, through its "run" prefix).
Optional, from the environment (unset: none of this happens):
  CHROMIUM_FLAGS        more command-line flags, split as a shell would (shlex), put before the URL,
                        e.g. "--unsafely-treat-insecure-origin-as-secure=http://198.51.100.1:8080"
                        (an http:// page that is not on localhost is not a secure context, so it has
                        no navigator.mediaDevices without it).
  CHROMIUM_INIT_SCRIPT  a JavaScript file run in the page before any of its own scripts (DevTools
                        Page.addScriptToEvaluateOnNewDocument): Chromium then starts on about:blank
                        and goes to URL only once it is attached and the script is installed (then
                        "ready"), so performance.now() in the page counts from that navigation, not
                        from the browser's start-up."""
import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from jsonlines import emit

CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium")



class DevTools:
    def __init__(self, url):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def child():
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # die with this bridge
            os.setpgrp()
            # Through spare numbers first (a pipe end may already be 3 or 4), then onto 3 and 4,
            # inheritable (os.pipe's ends are close-on-exec, and dup2 onto itself keeps that flag).
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.profile = tempfile.mkdtemp(prefix="termcall-chromium-")
        self.browser = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--user-data-dir=" + self.profile,
             "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
             "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-gpu", "--remote-debugging-pipe"] + shlex.split(os.environ.get("CHROMIUM_FLAGS", "")) + [url],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sys.stderr,
            preexec_fn=child, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(reply["error"].get("message", str(reply["error"])))
                return reply.get("result", {})

    def attach(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            pages = [t for t in self.call("Target.getTargets", session=False)["targetInfos"] if t["type"] == "page"]
            if pages:
                self.session = self.call("Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}, session=False)["sessionId"]
                return
            time.sleep(0.1)
        raise RuntimeError("chromium opened no page")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description") or details.get("text", "exception"))
        return result.get("result", {}).get("value")

    def close(self):
        try:
            os.killpg(self.browser.pid, signal.SIGTERM)
            self.browser.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.browser.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    init_script = os.environ.get("CHROMIUM_INIT_SCRIPT")
    tools = DevTools("about:blank" if init_script else sys.argv[1])
    try:
        tools.attach()
        if init_script:
            with open(init_script) as f:
                tools.call("Page.enable")  # (the script is not run without it)
                tools.call("Page.addScriptToEvaluateOnNewDocument", {"source": f.read()})
            tools.call("Page.navigate", {"url": sys.argv[1]})
        emit({"event": "ready"})
        for raw in sys.stdin:
            if not raw.strip():
                continue
            command = json.loads(raw)
            if command.get("cmd") == "close":
                break
            if command.get("cmd") == "eval":
                try:
                    emit({"result": tools.evaluate(command["expr"])})
                except Exception as error:  # noqa: BLE001 - reported to the driver
                    emit({"error": str(error)})
        emit({"event": "closed"})
        return 0
    finally:
        tools.close()


sys.exit(main())

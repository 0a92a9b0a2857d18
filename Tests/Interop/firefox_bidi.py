"""Headless Firefox (ESR) for the interop drivers firefox_peer.py and firefox_page.py: launches it with
a throw-away profile and talks WebDriver BiDi to it over its built-in remote agent — no geckodriver,
no WebSocket library (a minimal RFC 6455 client is below), only the Python standard library.

  with Firefox() as firefox:            # profile + user.js, firefox-esr --headless --remote-debugging-port 0
      bidi = firefox.bidi               # session.new done; bidi.context is the top-level browsing context
      bidi.navigate(url)
      bidi.evaluate("1 + 1")            # -> 2 (a RemoteValue turned into JSON-like Python)
      bidi.on_event = lambda method, params: ...   # script.message, log.entryAdded, ... (reader thread)

Firefox starts a fork server, which forks the content, socket, RDD and utility processes (re-parented
to init); all of them stay in the process group the browser is started in (its own), and closing kills
that group with SIGKILL until no live member is left (the profile is disposable, so no graceful
shutdown is needed) and deletes the profile. If the driver is killed without closing (SIGKILL), a
watchdog process (reap below, in its own session) does the same once the pipe from the driver closes;
PR_SET_PDEATHSIG on the browser is a second line (its children exit when their IPC channels close).
Environment: FIREFOX (the binary, default firefox-esr), FIREFOX_PREFS (more user.js text, e.g.
'user_pref("dom.securecontext.allowlist", "198.51.100.1");' for an http:// page off localhost)."""
import base64
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FIREFOX = os.environ.get("FIREFOX", "firefox-esr")

PREFS = {
    # WebRTC on a loopback-only network, with fake devices and no prompts.
    "media.navigator.streams.fake": True,            # fake camera (a moving pattern) + microphone (a tone)
    "media.navigator.permission.disabled": True,
    "media.peerconnection.ice.loopback": True,       # gather 127.0.0.1
    "media.peerconnection.ice.obfuscate_host_addresses": False,  # no mDNS names
    "media.autoplay.default": 0,
    "media.autoplay.block-webaudio": False,
    # No downloads of the OpenH264 plugin or other GMPs.
    "media.gmp-manager.updateEnabled": False,
    "media.gmp-manager.url": "",
    "media.gmp-gmpopenh264.autoupdate": False,
    "media.gmp-gmpopenh264.enabled": False,
    # Telemetry, health report, crash reports, studies.
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.server": "",
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.usage.uploadEnabled": False,
    "browser.crashReports.unsubmittedCheck.enabled": False,
    "browser.tabs.crashReporting.sendReport": False,
    "app.shield.optoutstudies.enabled": False,
    "app.normandy.enabled": False,
    "browser.ping-centre.telemetry": False,
    # Updates (application, add-ons, remote settings, blocklists).
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.update.disabledForTesting": True,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "services.settings.server": "",
    # Safe browsing.
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.google.updateURL": "",
    # Other background traffic and first-run noise.
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.newtabpage.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "browser.sessionstore.resume_from_crash": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "geo.provider.network.url": "",
}


def user_js(extra=""):
    lines = ['user_pref(%s, %s);' % (json.dumps(name), json.dumps(value)) for name, value in PREFS.items()]
    return "\n".join(lines) + "\n" + extra + "\n"


def deserialize(value):
    """A BiDi RemoteValue as JSON-like Python (roughly what CDP's returnByValue gives)."""
    if not isinstance(value, dict):
        return value
    kind, inner = value.get("type"), value.get("value")
    if kind in ("undefined", "null"):
        return None
    if kind == "number":  # NaN, Infinity, -Infinity as null (not JSON; CDP's returnByValue drops them too)
        return (0 if inner == "-0" else None) if isinstance(inner, str) else inner
    if kind == "bigint":
        return int(inner)
    if kind in ("string", "boolean", "date"):
        return inner
    if kind == "regexp":
        return "/%s/%s" % (inner.get("pattern", ""), inner.get("flags", ""))
    if kind in ("array", "set", "nodelist", "htmlcollection"):
        return [deserialize(v) for v in inner or []]
    if kind in ("object", "map"):
        out = {}
        for key, item in inner or []:
            out[key if isinstance(key, str) else str(deserialize(key))] = deserialize(item)
        return out
    return {}  # function, promise, node, window, error, ...: no value


class BiDiError(RuntimeError):
    pass


class WebSocket:
    """A client end of RFC 6455, text messages only (what WebDriver BiDi uses)."""

    def __init__(self, host, port, path, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("WebSocket handshake: connection closed")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError("WebSocket handshake: " + lines[0])
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        if headers.get("sec-websocket-accept") != accept:
            raise ConnectionError("WebSocket handshake: bad Sec-WebSocket-Accept")
        self.sock.settimeout(None)
        self.send_lock = threading.Lock()
        self.closed = False

    def _frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big") if n else b""
        with self.send_lock:
            self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._frame(0x1, text.encode())

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive_text(self):
        """The next whole text message; answers pings; raises ConnectionError once closed."""
        message, opcode = b"", None
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
            op = b0 & 0x0F
            if op == 0x9:
                self._frame(0xA, payload)
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                self.closed = True
                try:
                    self._frame(0x8, payload[:2])
                except OSError:
                    pass
                raise ConnectionError("WebSocket closed by the browser")
            if op != 0x0:
                opcode = op
            message += payload
            if b0 & 0x80:
                if opcode == 0x1:
                    return message.decode("utf-8")
                message, opcode = b"", None  # binary: not used by BiDi

    def close(self):
        try:
            if not self.closed:
                self._frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class BiDi:
    """One WebDriver BiDi session on one top-level browsing context. Commands may be sent from any
    thread; a reader thread matches replies to them and hands events to on_event(method, params)."""

    def __init__(self, port):
        self.ws = WebSocket("127.0.0.1", port, "/session")
        self.next_id = 0
        self.lock = threading.Lock()
        self.pending = {}
        self.on_event = None
        self.dead = None
        threading.Thread(target=self._reader, daemon=True).start()
        self.call("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}})
        self.context = self.call("browsingContext.getTree", {"maxDepth": 0})["contexts"][0]["context"]

    def _reader(self):
        try:
            while True:
                message = json.loads(self.ws.receive_text())
                if message.get("type") == "event":
                    if self.on_event:
                        try:
                            self.on_event(message["method"], message.get("params", {}))
                        except Exception as error:  # noqa: BLE001 - a handler's bug must not stop the reader
                            print("firefox_bidi: event handler: %r" % error, file=sys.stderr)
                    continue
                with self.lock:
                    waiter = self.pending.pop(message.get("id"), None)
                if waiter:
                    waiter[1] = message
                    waiter[0].set()
        except (ConnectionError, OSError, ValueError) as error:
            self.dead = str(error)
            with self.lock:
                waiters, self.pending = list(self.pending.values()), {}
            for waiter in waiters:
                waiter[0].set()

    def call(self, method, params=None, timeout=30):
        """Sends a command, waits for its reply (timeout None: however long it takes); returns its
        result or raises BiDiError."""
        with self.lock:
            if self.dead:
                raise BiDiError("BiDi connection lost: " + self.dead)
            self.next_id += 1
            command_id = self.next_id
            waiter = self.pending[command_id] = [threading.Event(), None]
        self.ws.send_text(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        if not waiter[0].wait(timeout):
            with self.lock:
                self.pending.pop(command_id, None)
            raise BiDiError("%s: no reply in %s s" % (method, timeout))
        reply = waiter[1]
        if reply is None:
            raise BiDiError("BiDi connection lost: %s" % self.dead)
        if reply.get("type") == "error" or "error" in reply and "result" not in reply:
            raise BiDiError("%s: %s: %s" % (method, reply.get("error"), reply.get("message", "")))
        return reply.get("result", {})

    def subscribe(self, *events):
        return self.call("session.subscribe", {"events": list(events)})

    def navigate(self, url, wait="complete"):
        return self.call("browsingContext.navigate", {"context": self.context, "url": url, "wait": wait}, timeout=60)

    def add_preload_script(self, source):
        """Runs `source` as a classic script (its top-level declarations global, through an indirect
        eval) in every new document of the context, before the page's own scripts."""
        return self.call("script.addPreloadScript", {
            "functionDeclaration": "() => { (0, eval)(%s); }" % json.dumps(source), "contexts": [self.context]})

    @staticmethod
    def _value(result):
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            text = details.get("text") or "exception"
            raise BiDiError(text)
        return deserialize(result.get("result"))

    def evaluate(self, expression, timeout=None):
        """Evaluates a script in the page (promises awaited) and returns its value as JSON-like Python;
        a thrown exception raises BiDiError with its text."""
        return self._value(self.call("script.evaluate", {
            "expression": expression, "target": {"context": self.context}, "awaitPromise": True,
            "resultOwnership": "none", "userActivation": True}, timeout=timeout))

    def call_function(self, declaration, *arguments, await_promise=True, timeout=None):
        """Calls a function in the page; arguments are BiDi LocalValues
        (e.g. {"type": "string", "value": ...} or {"type": "channel", "value": {"channel": name}})."""
        return self._value(self.call("script.callFunction", {
            "functionDeclaration": declaration, "arguments": list(arguments), "target": {"context": self.context},
            "awaitPromise": await_promise, "resultOwnership": "none", "userActivation": True}, timeout=timeout))

    def close(self):
        self.ws.close()


def _child_setup():
    """In the browser's child: its own process group, SIGKILL when the driver dies, and no signals
    blocked (the interop tests start their peers with SIGTERM blocked, and exec keeps the mask)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setpgrp()
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def unblock_signals():
    """For the drivers themselves: SIGTERM, SIGINT and SIGHUP end them (the finally clauses run)."""
    signals = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
    for sig in signals:
        signal.signal(sig, lambda number, _frame: sys.exit(128 + number))


def group_alive(pgid):
    """Pids of the live (not zombie) processes in process group `pgid`."""
    alive = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(name))
    return alive


def kill_group(pgid, timeout=2):
    """SIGKILLs process group `pgid` until no live member is left (or `timeout` s passed)."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            break
        time.sleep(0.05)


def reap(pgid, profile):
    """The watchdog (firefox_bidi.py --reap PGID PROFILE, in its own session, SIGTERM and SIGINT
    ignored): waits for end of input on a pipe only the driver holds — the driver closing it, or
    dying however it dies — then kills the browser's process group and deletes the profile."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while os.read(0, 1 << 16):
        pass
    kill_group(pgid)
    shutil.rmtree(profile, ignore_errors=True)


class Firefox:
    """A headless Firefox with a throw-away profile, its BiDi session in .bidi."""

    def __init__(self, start_timeout=30):
        self.profile = tempfile.mkdtemp(prefix="termcall-firefox-")
        self.browser = None
        self.reaper = None
        self.bidi = None
        try:
            with open(os.path.join(self.profile, "user.js"), "w") as f:
                f.write(user_js(os.environ.get("FIREFOX_PREFS", "")))
            env = dict(os.environ, MOZ_HEADLESS="1", MOZ_CRASHREPORTER_DISABLE="1")
            # Port 0: Firefox picks a free one and writes it to WebDriverBiDiServer.json in the profile.
            self.browser = subprocess.Popen(
                [FIREFOX, "--headless", "--no-remote", "--profile", self.profile,
                 "--remote-debugging-port", "0", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sys.stderr, env=env,
                preexec_fn=_child_setup)
            # A watchdog for a driver that is SIGKILLed (see reap below).
            self.reaper = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--reap", str(self.browser.pid), self.profile],
                                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
            self.bidi = BiDi(self._wait_for_port(start_timeout))
        except BaseException:
            self.close()
            raise

    def _wait_for_port(self, timeout):
        path = os.path.join(self.profile, "WebDriverBiDiServer.json")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.browser.poll() is not None:
                raise RuntimeError("firefox exited with %d while starting" % self.browser.returncode)
            try:
                with open(path) as f:
                    port = json.load(f)["ws_port"]
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise RuntimeError("firefox opened no WebDriver BiDi port in %d s" % timeout)

    def alive(self):
        return self.browser is not None and self.browser.poll() is None

    def close(self):
        """Kills the browser's whole process group (main process, fork server, content processes)
        and deletes the profile. Safe to call twice."""
        if self.bidi:
            self.bidi.close()
            self.bidi = None
        if self.browser is not None:
            try:
                os.killpg(self.browser.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.browser.wait(5)
            except subprocess.TimeoutExpired:
                pass
            # The fork server double-forks the content processes (their parent is init, not the browser),
            # but they keep its process group: SIGKILL it until no live member is left (init may leave
            # the dead ones as zombies for a while; those count as gone).
            kill_group(self.browser.pid)
            self.browser = None
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None
        if self.reaper is not None:
            self.reaper.stdin.close()  # (it finds nothing left to do and exits)
            try:
                self.reaper.wait(2)
            except subprocess.TimeoutExpired:
                pass
            self.reaper = None

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


if __name__ == "__main__" and sys.argv[1:2] == ["--reap"]:
    reap(int(sys.argv[2]), sys.argv[3])

#!/usr/bin/env python3
"""Headless Firefox ESR on a page it is given (termcall serve's room page), driven over WebDriver BiDi
(firefox_bidi.py: no geckodriver, no WebSocket library) — the Firefox twin of chromium_page.py.
JSON lines on stdin/stdout:
  {"event":"ready"} once the page has loaded (browsingContext.navigate, wait "complete");
  {"cmd":"eval","expr":"<JS expression, may be a promise>"} -> {"result": value} | {"error": text}
  (script.evaluate with awaitPromise; the value comes back as JSON: objects, arrays, Maps as objects,
  Sets as arrays, undefined as null, functions and DOM nodes as {});
  {"cmd":"close"} (or end of input) -> {"event":"closed"}, and the browser exits.
Usage: firefox_page.py URL. Fake camera and microphone, no permission prompts; loopback candidates
allowed, no mDNS obfuscation of host candidates.
Run inside a loopback-only namespace with a default route on lo (Firefox gathers nothing without one):
  unshare --net bash -c 'ip link set lo up; ip route add default dev lo src 127.0.0.1; python3 firefox_page.py URL'
Optional, from the environment (unset: none of this happens):
  FIREFOX_PREFS        more user.js lines, e.g. 'user_pref("dom.securecontext.allowlist", "198.51.100.1");'
                       (an http:// page that is not on localhost is not a secure context, so it has no
                       navigator.mediaDevices without it).
  FIREFOX_INIT_SCRIPT  a JavaScript file run in the page before any of its own scripts (BiDi
                       script.addPreloadScript): Firefox starts on about:blank either way and goes to
                       URL once the script is installed, so performance.now() in the page counts from
                       that navigation, not from the browser's start-up.
  FIREFOX              the binary (default firefox-esr)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from firefox_bidi import BiDiError, Firefox, unblock_signals  # noqa: E402
from jsonlines import emit  # noqa: E402



def on_event(method, params):
    if method == "log.entryAdded":
        print("firefox %s %s: %s" % (params.get("type"), params.get("level"), params.get("text")), file=sys.stderr, flush=True)


def main():
    unblock_signals()
    if len(sys.argv) != 2:
        print("usage: firefox_page.py URL", file=sys.stderr)
        return 2
    firefox = None
    try:
        firefox = Firefox()
        bidi = firefox.bidi
        bidi.on_event = on_event
        bidi.subscribe("log.entryAdded")
        init_script = os.environ.get("FIREFOX_INIT_SCRIPT")
        if init_script:
            with open(init_script) as f:
                bidi.add_preload_script(f.read())
        bidi.navigate(sys.argv[1])
        emit({"event": "ready"})
        for raw in sys.stdin:
            if not raw.strip():
                continue
            command = json.loads(raw)
            if command.get("cmd") == "close":
                break
            if command.get("cmd") == "eval":
                try:
                    emit({"result": bidi.evaluate(command["expr"])})
                except BiDiError as error:
                    emit({"error": str(error)})
                    if bidi.dead or not firefox.alive():
                        return 1
        emit({"event": "closed"})
        return 0
    except (BiDiError, RuntimeError, OSError) as error:
        emit({"event": "error", "message": "firefox: %s" % error})
        return 1
    finally:
        if firefox:
            firefox.close()


if __name__ == "__main__":
    sys.exit(main())

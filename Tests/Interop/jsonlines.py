"""Shared plumbing of the interop peers: one JSON object per line on stdout (always flushed, one
writer at a time), stdin read line by line on a thread (each_line), or delivered to asyncio."""

import asyncio
import json
import os
import sys
import threading


_out = threading.Lock()


def emit(obj):
    with _out:
        try:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the driver went away
            os._exit(1)


def each_line(handle):
    """Calls handle(line) for every line of stdin, then handle(None) at its end. Reads fd 0 with
    os.read, not sys.stdin: a daemon thread blocked inside the buffered reader aborts the
    interpreter at shutdown ("could not acquire lock ... <stdin>")."""
    buf = b""
    try:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                handle(raw.decode("utf-8", "replace"))
        if buf:
            handle(buf.decode("utf-8", "replace"))
    except OSError:
        pass
    finally:
        handle(None)


class StdinLines:
    """Lines of stdin as an asyncio queue (a thread works for pipes, files and ttys alike)."""

    def __init__(self, loop):
        self.queue = asyncio.Queue()
        self.loop = loop
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        each_line(self._put)

    def _put(self, item):
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # loop already closed: we are exiting
            pass

    async def next_json(self):
        """Next non-empty line parsed as JSON, or None at EOF."""
        while True:
            line = await self.queue.get()
            if line is None:
                return None
            if line.strip():
                return json.loads(line)


def run_and_exit(coroutine):
    """Runs the peer's main coroutine; any exception becomes one {"event":"error"} line and exit 1.
    Exits with os._exit so the stdin reader thread cannot hold the interpreter open."""
    try:
        rc = asyncio.run(coroutine)
    except Exception as exc:  # noqa: BLE001 - reported to the driver as JSON
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc or 0)


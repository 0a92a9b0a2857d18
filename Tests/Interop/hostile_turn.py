#!/usr/bin/env python3
"""A TCP "TURN server" that misbehaves, for the tests of termcall's TURN-over-TCP client: it
listens on 127.0.0.1 (any free port), prints {"port": N}, and answers every connection the way
MODE says, until its stdin closes.

    hostile_turn.py MODE
      close      read the first request, then close the connection (a server that dies mid-allocation)
      garbage    answer the first request with bytes that are neither STUN nor ChannelData
      badlength  answer with a STUN header (magic cookie and all) whose length is not a multiple of 4
      huge       answer with a ChannelData header announcing 65535 bytes, then close after 100 of them
"""
import json
import select
import socket
import sys

ANSWERS = {
    "garbage": b"\xff\xfe\xfd\xfc" * 16,
    "badlength": bytes([0x01, 0x13, 0x00, 0x07, 0x21, 0x12, 0xA4, 0x42]) + b"\x00" * 12 + b"\x00" * 7,
    "huge": bytes([0x40, 0x00, 0xFF, 0xFF]) + b"\x00" * 100,
}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("close", "garbage", "badlength", "huge"):
        sys.stderr.write(__doc__)
        return 2
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    clients = []
    while True:
        readable, _, _ = select.select([listener, sys.stdin] + clients, [], [], 30)
        if not readable:
            return 0  # nobody came for 30 s: the test is gone
        for r in readable:
            if r is sys.stdin:
                if not sys.stdin.readline():
                    return 0
            elif r is listener:
                conn, _ = listener.accept()
                clients.append(conn)
            else:
                data = r.recv(4096)
                if data and mode in ANSWERS:
                    r.sendall(ANSWERS[mode])
                if not data or mode in ("close", "huge"):
                    clients.remove(r)
                    r.close()


if __name__ == "__main__":
    sys.exit(main())

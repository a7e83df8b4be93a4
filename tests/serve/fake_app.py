"""A stand-in for one tab's app, speaking textual-serve's protocol: it says it is ready,
writes its environment's callscript variables to ``$FAKE_APP_OUT``, echoes every key it is
sent as screen data, and exits when asked to quit. Lets the server tests count sessions
without starting Textual."""

from __future__ import annotations

import json
import os
import sys


def packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def main() -> None:
    out = os.environ.get("FAKE_APP_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            names = ("CALLSCRIPT_REMOTE_ADDR", "CALLSCRIPT_WEB", "CALLSCRIPT_IDLE_LOCK_MINUTES", "TEXTUAL_DRIVER")
            fh.write(json.dumps({name: os.environ.get(name) for name in names}) + "\n")
    stdout = sys.stdout.buffer
    stdout.write(b"__GANGLION__\n")
    stdout.write(packet(b"D", b"\x1b[2Jready"))
    stdout.flush()
    stdin = sys.stdin.buffer
    while True:
        head = stdin.read(5)
        if len(head) < 5:
            return
        payload = stdin.read(int.from_bytes(head[1:5], "big"))
        if head[:1] == b"M" and json.loads(payload).get("type") == "quit":
            return
        if head[:1] == b"D":
            stdout.write(packet(b"D", b"key:" + payload))
            stdout.flush()


if __name__ == "__main__":
    main()

"""A fake mpv for the player's and the app's tests: a thread serving mpv's
JSON IPC protocol on a unix socket (replies carry the request_id; observed
properties are sent as property-change events; end-file / shutdown / EOF
simulate mpv going away), and a recorder of the client's callbacks."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

from hark.tui.player import PlayerState


def wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


_KEEP = object()


class FakeMpv:
    """Speaks enough of mpv's JSON IPC to stand in for it."""

    def __init__(self, path: Path, **props) -> None:
        self.path = str(path)
        self.props = {"time-pos": 0.0, "pause": False, "speed": 1.0, "eof-reached": False, "duration": 10.0}
        self.props.update({k.replace("_", "-"): v for k, v in props.items()})
        self.commands: list[list] = []
        self.request_ids: list[int] = []
        self.observed: dict[str, int] = {}
        self.silent: set[str] = set()  # commands it never answers
        self.conn: socket.socket | None = None
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(4)
        self.srv.settimeout(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.srv.accept()
        except OSError:
            return
        self.conn = conn
        buf = b""
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line.strip():
                    self._handle(json.loads(line))

    def send(self, obj: dict) -> None:
        with self.lock:
            if self.conn is not None:
                try:
                    self.conn.sendall((json.dumps(obj) + "\n").encode())
                except OSError:
                    pass

    def change(self, name: str, value=_KEEP) -> None:
        if value is not _KEEP:
            self.props[name] = value
        oid = self.observed.get(name)
        if oid is None:
            return
        msg = {"event": "property-change", "id": oid, "name": name}
        if self.props.get(name) is not None:
            msg["data"] = self.props[name]
        self.send(msg)

    def reply(self, rid: int, data=None, error: str = "success") -> None:
        msg = {"request_id": rid, "error": error}
        if data is not None:
            msg["data"] = data
        self.send(msg)

    def _handle(self, msg: dict) -> None:
        cmd = msg["command"]
        rid = msg.get("request_id", 0)
        self.commands.append(cmd)
        self.request_ids.append(rid)
        name = cmd[0]
        if name in self.silent:
            return
        if name == "observe_property":
            self.observed[cmd[2]] = cmd[1]
            self.reply(rid)
            self.change(cmd[2])
        elif name == "get_property":
            value = self.props.get(cmd[1])
            if value is None:
                self.reply(rid, error="property unavailable")
            else:
                self.reply(rid, value)
        elif name == "set_property":
            self.reply(rid)
            self.change(cmd[1], cmd[2])
        elif name == "seek":
            self.reply(rid)
            self.send({"event": "seek"})
            self.change("time-pos", float(cmd[1]))
            self.change("eof-reached", False)
            self.send({"event": "playback-restart"})
        elif name == "quit":
            self.reply(rid)
            self.end_file("quit")
            self.hang_up()
        else:
            self.reply(rid, error="invalid parameter")

    def end_file(self, reason: str, **extra) -> None:
        self.send({"event": "end-file", "reason": reason, "playlist_entry_id": 1, **extra})

    def hang_up(self) -> None:
        with self.lock:
            if self.conn is not None:
                try:
                    self.conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.conn.close()
                self.conn = None

    def close(self) -> None:
        self.hang_up()
        self.srv.close()
        self.thread.join(2)


class Recorder:
    def __init__(self) -> None:
        self.updates: list[tuple[float, PlayerState]] = []
        self.lost: list[tuple[str, float | None]] = []

    def on_update(self, state: PlayerState) -> None:
        self.updates.append((time.monotonic(), state))

    def on_lost(self, reason: str, position: float | None) -> None:
        self.lost.append((reason, position))

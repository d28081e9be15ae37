"""mpv's JSON IPC: one connection to an mpv control socket.

``MpvClient`` (made by ``attach`` or ``MpvPlayer.start``): a reader thread
keeps ``time_pos``, ``paused``, ``speed``, ``eof_reached`` and ``duration``
current (observed properties; ``state`` is a ``PlayerState`` snapshot) and
calls ``on_update(PlayerState)`` at most every ``min_interval``, always
delivering the last change; when mpv goes away it calls ``on_lost(reason,
last_position)`` once. Commands block until mpv answers or ``timeout``
passes (``PlayerTimeout``). The package docstring has the whole story.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import stat
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OBSERVED = ("time-pos", "pause", "speed", "eof-reached", "duration")
DEFAULT_TIMEOUT = 2.0
UPDATE_INTERVAL = 0.1  # on_update at most ~10 times a second
SEEK_GRACE = 2.0  # longest a seek may keep mpv's older time-pos reports out
_MAX_LINE = 16 * 1024 * 1024


class PlayerError(Exception):
    """A one-line reason the player cannot do what was asked."""


class PlayerTimeout(PlayerError):
    pass


@dataclass(frozen=True)
class PlayerState:
    """A snapshot of what mpv last reported (``time_pos`` None: nothing
    loaded yet)."""

    time_pos: float | None
    paused: bool
    speed: float
    eof_reached: bool
    duration: float | None
    alive: bool


class _Pending:
    __slots__ = ("done", "reply")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: dict[str, Any] | None = None


def _lost_on_end_file(msg: Mapping[str, Any]) -> str | None:
    reason = msg.get("reason")
    if reason == "redirect":  # a playlist or yt-dlp hand-over: still playing
        return None
    if reason == "eof":
        return "mpv reached the end of the media"
    if reason == "quit":
        return "mpv was closed"
    if reason == "error":
        detail = msg.get("file_error")
        return f"mpv could not play the media ({detail})" if detail else "mpv could not play the media"
    return "mpv stopped playing the media"


class MpvClient:
    """One connection to an mpv JSON IPC socket (see the module docstring)."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        on_update: Callable[[PlayerState], None] | None = None,
        on_lost: Callable[[str, float | None], None] | None = None,
        min_interval: float = UPDATE_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        observe: Sequence[str] = OBSERVED,
    ) -> None:
        self.on_update = on_update
        self.on_lost = on_lost
        self.min_interval = min_interval
        self.timeout = timeout
        self._sock = sock
        sock.setblocking(True)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._observed: dict[int, str] = {}
        self._time_pos: float | None = None
        self._paused = False
        self._speed = 1.0
        self._eof = False
        self._duration: float | None = None
        # A seek of ours in flight: "sent", then "replied" (mpv queued it), then
        # "started" at mpv's next `seek` event (time-pos reports before that are
        # from before it; an earlier seek's events come before the reply), and
        # done at `playback-restart`; SEEK_GRACE bounds it all.
        self._seek_state: str | None = None
        self._seek_rid = 0
        self._seek_deadline = 0.0
        self._lost: str | None = None
        self._closing = False
        self._reported = False
        self._dirty = False
        self._last_notify = 0.0
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="mpv-ipc", daemon=True)
        self._thread.start()
        try:
            for name in observe:
                self.observe_property(name)
        except PlayerError:
            if self._lost is None:
                self.close()
                raise
            # mpv went away already: that is reported through on_lost / lost

    @classmethod
    def connect(cls, path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT, **kw: Any) -> MpvClient:
        """Connect to the socket at ``path``; PlayerError says why not."""
        p = Path(path).expanduser()
        shown = str(p)
        try:
            st = p.stat()
        except FileNotFoundError:
            raise PlayerError(f"no mpv socket at {shown}: start mpv with --input-ipc-server={shown}") from None
        except OSError as e:
            raise PlayerError(f"cannot reach {shown}: {e.strerror or e}") from None
        if not stat.S_ISSOCK(st.st_mode):
            raise PlayerError(f"{shown} is not a socket: start mpv with --input-ipc-server={shown}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(os.fspath(p))
        except ConnectionRefusedError:
            sock.close()
            raise PlayerError(f"nothing is listening on {shown}: is mpv still running?") from None
        except PermissionError:
            sock.close()
            raise PlayerError(f"not allowed to open {shown}") from None
        except OSError as e:
            sock.close()
            raise PlayerError(f"cannot connect to {shown}: {e.strerror or e}") from None
        return cls(sock, timeout=timeout, **kw)

    # -- state ---------------------------------------------------------------

    @property
    def time_pos(self) -> float | None:
        """The last position mpv reported (kept when mpv unloads the file)."""
        with self._lock:
            return self._time_pos

    @property
    def position(self) -> float:
        with self._lock:
            return self._time_pos or 0.0

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._paused

    @property
    def speed(self) -> float:
        with self._lock:
            return self._speed

    @property
    def eof_reached(self) -> bool:
        with self._lock:
            return self._eof

    @property
    def duration(self) -> float | None:
        with self._lock:
            return self._duration

    @property
    def lost(self) -> str | None:
        """Why the connection is gone (None while it works; close() is not a loss)."""
        with self._lock:
            return self._lost

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._lost is None and not self._closing

    @property
    def state(self) -> PlayerState:
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> PlayerState:
        return PlayerState(
            self._time_pos,
            self._paused,
            self._speed,
            self._eof,
            self._duration,
            self._lost is None and not self._closing,
        )

    def wait_for(self, predicate: Callable[[MpvClient], bool], timeout: float) -> bool:
        """Wait (bounded) until ``predicate(self)`` holds or the client is lost."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self):
                return True
            with self._changed:
                if self._lost is not None or self._closing:
                    return predicate(self)
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))

    # -- commands --------------------------------------------------------------

    def command(self, *args: Any, timeout: float | None = None) -> Any:
        """Run an mpv command and return its ``data``. From the reader thread
        (inside a callback) it is sent without waiting, and returns None."""
        return self._call(args, timeout)

    def _call(self, args: Sequence[Any], timeout: float | None, prepare: Callable[[int], None] | None = None) -> Any:
        """``prepare(request_id)`` runs under the state lock just before the
        command is sent, so no reply or event can come before it."""
        on_reader = threading.current_thread() is self._thread
        pending = _Pending()
        with self._lock:
            if self._lost is not None:
                raise PlayerError(self._lost)
            if self._closing:
                raise PlayerError("the connection to mpv is closed")
            self._next_id += 1
            rid = self._next_id
            if not on_reader:
                self._pending[rid] = pending
            if prepare is not None:
                prepare(rid)
        line = json.dumps({"command": list(args), "request_id": rid}, ensure_ascii=False) + "\n"
        try:
            with self._send_lock:
                self._sock.sendall(line.encode("utf-8", "surrogateescape"))
        except OSError as e:
            with self._lock:
                self._pending.pop(rid, None)
            raise PlayerError(self.lost or f"lost the connection to mpv ({e.strerror or e})") from None
        if on_reader:
            return None
        wait = self.timeout if timeout is None else timeout
        if not pending.done.wait(wait):
            with self._lock:
                self._pending.pop(rid, None)
            raise PlayerTimeout(f"mpv did not answer {args[0]!s} within {wait:g} s")
        reply = pending.reply
        if reply is None:
            raise PlayerError(self.lost or "the connection to mpv is closed")
        error = reply.get("error")
        if error != "success":
            raise PlayerError(f"mpv refused {args[0]!s}: {error}")
        return reply.get("data")

    def get_property(self, name: str, *, timeout: float | None = None) -> Any:
        return self.command("get_property", name, timeout=timeout)

    def observe_property(self, name: str) -> int:
        """Have mpv report every change of ``name``; returns the observer id."""
        with self._lock:
            oid = len(self._observed) + 1
            self._observed[oid] = name
        self.command("observe_property", oid, name)
        return oid

    def seek(self, seconds: float) -> None:
        """Go to an absolute position (exact, not to a keyframe). ``time_pos``
        shows the target at once and ignores mpv's reports from before the
        seek; ``seeking`` stays true until mpv has landed."""
        target = max(0.0, float(seconds))
        before: tuple[float | None, bool] = (None, False)
        rid = 0

        def prepare(request_id: int) -> None:
            # The target shows before the command goes: mpv's reply, `seek`
            # event and new time-pos may all be read before this thread wakes.
            nonlocal before, rid
            rid = request_id
            before = self._time_pos, self._eof
            self._time_pos, self._eof = target, False
            self._seek_rid = request_id
            self._seek_state = "sent"
            self._seek_deadline = time.monotonic() + SEEK_GRACE

        try:
            self._call(("seek", target, "absolute+exact"), None, prepare)
        except PlayerError:
            with self._lock:
                if self._seek_rid == rid:
                    self._seek_state = None
                    if self._time_pos == target:  # mpv reported nothing newer
                        self._time_pos, self._eof = before
            raise

    @property
    def seeking(self) -> bool:
        with self._lock:
            return self._seek_state is not None and time.monotonic() < self._seek_deadline

    def set_pause(self, paused: bool) -> None:
        self.command("set_property", "pause", bool(paused))
        with self._lock:
            self._paused = bool(paused)

    def toggle_pause(self) -> bool:
        """Flip pause; returns whether mpv is now paused."""
        paused = not self.paused
        self.set_pause(paused)
        return paused

    def set_speed(self, speed: float) -> None:
        self.command("set_property", "speed", float(speed))
        with self._lock:
            self._speed = float(speed)

    def fail(self, reason: str) -> None:
        """Give up on this mpv (it stopped answering): report the loss once
        through on_lost, and close the connection."""
        self._lose(reason)
        self._shutdown()

    def close(self) -> None:
        """Disconnect without reporting a loss; the reader thread ends."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._reported = True  # a close is not a loss
            pending = list(self._pending.values())
            self._pending.clear()
            self._changed.notify_all()
        for p in pending:
            p.done.set()
        self._shutdown()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def _shutdown(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- the reader thread -----------------------------------------------------

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        reason = "mpv closed its control socket"
        try:
            sel.register(self._sock, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            buf = b""
            while True:
                with self._lock:
                    if self._closing or self._lost is not None:
                        return
                    due = self._last_notify + self.min_interval - time.monotonic() if self._dirty else None
                ready = sel.select(None if due is None else max(0.0, due))
                if any(key.fileobj is self._wake_r for key, _ in ready):
                    return
                if ready:
                    data = self._sock.recv(65536)
                    if not data:
                        break
                    buf += data
                    *lines, buf = buf.split(b"\n")
                    if len(buf) > _MAX_LINE:
                        reason = "mpv sent a message too long to read"
                        break
                    for line in lines:
                        self._handle(line)
                self._maybe_notify()
        except OSError as e:
            reason = f"lost the connection to mpv ({e.strerror or e})"
        finally:
            sel.close()
            self._maybe_notify(force=True)
            self._lose(reason)
            for s in (self._sock, self._wake_r, self._wake_w):
                try:
                    s.close()
                except OSError:
                    pass

    def _handle(self, line: bytes) -> None:
        try:
            msg = json.loads(line.decode("utf-8", "replace"))
        except ValueError:
            return  # mpv never sends this; a stray line is not worth dying for
        if not isinstance(msg, dict):
            return
        event = msg.get("event")
        if event is None and "request_id" in msg:
            rid = msg.get("request_id")
            with self._lock:
                p = self._pending.pop(rid, None)
                if rid == self._seek_rid and self._seek_state == "sent":
                    self._seek_state = "replied" if msg.get("error") == "success" else None
            if p is not None:
                p.reply = msg
                p.done.set()
            return
        if event == "property-change":
            self._property(msg.get("name"), msg.get("data"))
        elif event in ("seek", "playback-restart"):
            with self._lock:
                if event == "seek" and self._seek_state == "replied":
                    self._seek_state = "started"
                elif event == "playback-restart" and self._seek_state == "started":
                    self._seek_state = None
                    self._changed.notify_all()
        elif event == "end-file":
            reason = _lost_on_end_file(msg)
            if reason is not None:
                self._maybe_notify(force=True)
                self._lose(reason)
        elif event == "shutdown":
            self._maybe_notify(force=True)
            self._lose("mpv was closed")

    def _property(self, name: Any, data: Any) -> None:
        number = data if isinstance(data, (int, float)) and not isinstance(data, bool) else None
        with self._lock:
            before = self._snapshot()
            if name == "time-pos" and number is not None:
                # None (unloaded) keeps the last position
                stale = self._seek_state in ("sent", "replied") and time.monotonic() < self._seek_deadline
                if not stale:
                    self._time_pos = float(number)
            elif name == "pause" and isinstance(data, bool):
                self._paused = data
            elif name == "speed" and number is not None:
                self._speed = float(number)
            elif name == "eof-reached":
                self._eof = data is True
            elif name == "duration":
                self._duration = float(number) if number is not None else None
            if self._snapshot() != before:
                self._dirty = True
                self._changed.notify_all()

    def _maybe_notify(self, force: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            if self._closing or not self._dirty or (not force and now - self._last_notify < self.min_interval):
                return
            self._dirty = False
            self._last_notify = now
            state = self._snapshot()
            callback = self.on_update
        if callback is not None:
            try:
                callback(state)
            except Exception:  # noqa: BLE001 - a failing UI hook must not kill the reader
                pass

    def _lose(self, reason: str) -> None:
        with self._lock:
            if self._lost is None and not self._closing:
                self._lost = reason
            if self._reported or self._lost is None:
                return
            self._reported = True
            pending = list(self._pending.values())
            self._pending.clear()
            position = self._time_pos
            callback = self.on_lost
            self._changed.notify_all()
        for p in pending:
            p.done.set()
        if callback is not None:
            try:
                callback(reason, position)
            except Exception:  # noqa: BLE001
                pass


def attach(
    socket_path: str | os.PathLike,
    *,
    on_update: Callable[[PlayerState], None] | None = None,
    on_lost: Callable[[str, float | None], None] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> MpvClient:
    """Connect to an mpv the user started with ``--input-ipc-server=SOCKET``."""
    return MpvClient.connect(socket_path, on_update=on_update, on_lost=on_lost, timeout=timeout)

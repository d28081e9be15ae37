"""mpv as the playhead's clock, over its JSON IPC socket.

Plain Python (threads and a selector, no Textual), so it is testable with a
fake IPC server and usable from the command line.

The pieces
----------

``find_media(source: str, metadata: Mapping | None) -> str | None``
    The media that goes with a transcript: an audio or video file beside its
    source with the same stem (``talk.vtt`` or ``talk.en.vtt`` -> ``talk.mp3``),
    else a path or URL in its metadata. See ``find_media`` for what counts.

``MpvClient`` (made by ``attach`` or ``MpvPlayer.start``)
    A connection to an mpv IPC socket. A reader thread keeps ``time_pos``,
    ``paused``, ``speed``, ``eof_reached`` and ``duration`` current (observed
    properties; ``state`` is a ``PlayerState`` snapshot of them) and calls
    ``on_update(PlayerState)`` at most every ``min_interval`` (0.1 s), always
    delivering the last change. When mpv goes away (socket EOF or error,
    ``end-file``, ``shutdown``, or ``fail(reason)`` after a timeout) it calls
    ``on_lost(reason: str, last_position: float | None)`` once; ``lost`` then
    holds the reason. ``seek(s)`` (absolute, exact), ``set_pause(b)``,
    ``toggle_pause() -> bool``, ``set_speed(x)``, ``get_property(name)`` and
    ``command(*args)`` block until mpv answers (about 0.1 ms locally) or
    ``timeout`` (2 s) passes, and raise ``PlayerError`` (``PlayerTimeout``).
    After ``seek`` the position shows the target at once; ``seeking`` is true
    until mpv has landed. ``wait_for(predicate, timeout)`` waits, bounded.
    ``close()`` disconnects without reporting a loss. Thread-safe.

``MpvPlayer(mpv="mpv", *, socket_dir=None)``
    ``start(media, *, start_at=0.0, mpv=None, socket_dir=None, extra_args=(),
    on_update=None, on_lost=None, timeout=5.0) -> MpvClient`` runs ``mpv
    --no-terminal --input-ipc-server=SOCKET --pause=no --start=S
    --keep-open=yes --idle=no [extra_args] -- MEDIA`` with the socket in a
    private folder (0700; default ``<hark data>/run``, or a fresh temp folder
    when that path is too long for a socket), socket 0600 from its first
    moment (umask 077, then chmod). ``stop()``; ``running``;
    ``MpvPlayer.available(mpv) -> bool``. Errors are one-line ``PlayerError``s,
    ``MISSING`` when mpv is not installed.

``attach(socket_path, *, on_update=None, on_lost=None, timeout=2.0) -> MpvClient``
    For an mpv the user runs with ``--input-ipc-server=SOCKET`` (config
    ``player.socket``). Detaching never stops it.

``PlayerClock(client, fallback=None, *, player=None)``, or the constructors
``PlayerClock.launch(media, *, fallback, start_at, mpv, socket_dir,
extra_args, on_update, on_lost)`` and ``PlayerClock.attach(socket_path, *,
fallback, on_update, on_lost)``
    What the app puts in place of its ``Playhead`` while mpv plays. Same
    interface: ``position``, ``playing``, ``speed``, ``duration`` (settable,
    kept on the fallback), ``finished`` (mpv's eof), ``clock``, ``play()``,
    ``pause()``, ``toggle() -> bool``, ``seek(seconds)``, ``set_speed(x)``,
    ``faster() -> float``, ``slower() -> float``. Plus ``live`` (mpv still
    drives it), ``lost_reason``, ``client``, ``fallback`` and ``close() ->
    Playhead``. It never raises: when mpv is lost (noticed on the next call,
    on the calling thread) it switches to ``fallback``, paused where mpv left
    it, at mpv's speed, stops an mpv hark started, and carries on. Until mpv
    reports a position (while it loads) ``position`` is the fallback's.

Wiring in the app (everything on the UI thread except the two callbacks)
--------------------------------------------------------------------------

- ``p``: ``clock = PlayerClock.launch(media, fallback=self.playhead,
  start_at=self.playhead.position, mpv=config.player.mpv,
  socket_dir=paths.data / "run", on_update=..., on_lost=...)`` or, with
  ``config.player.socket``, ``PlayerClock.attach(socket, fallback=...,
  on_update=..., on_lost=...)``; on ``PlayerError`` notify ``str(e)`` (one
  line). Then ``self.playhead = clock``, ``self.follow = True`` and start the
  tick timer (mpv starts playing). ``p`` again: ``self.playhead =
  self.playhead.close()`` (stops an mpv hark started; only detaches from
  the user's own).
- ``space``, ``t``/``enter``, ``[``/``]``: unchanged; the app already calls
  ``toggle``, ``seek``, ``faster``/``slower`` on ``self.playhead``.
- Callbacks run on the client's reader thread (``on_lost`` may also run on
  the UI thread, inside a command that timed out). They must only hand over:
  ``on_update=lambda s: self.post_message(PlayerUpdate(s))`` and
  ``on_lost=lambda reason, pos: self.post_message(PlayerLost(reason, pos))``
  (``post_message`` is thread-safe). Never ``call_from_thread`` there: it
  waits for the UI thread, which may itself be waiting for a command reply
  that only the reader thread can deliver. The ``PlayerUpdate`` handler calls
  ``tick()`` and starts or stops the tick timer after
  ``self.playhead.playing`` (mpv may be paused from its own window); the
  ``PlayerLost`` handler notifies ``reason`` and calls ``tick()``, whose read
  of the clock makes it switch to its fallback.
- Opening another transcript, or quitting: ``self.playhead =
  self.playhead.close()`` first. An mpv hark started is also stopped at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import selectors
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from hark.store.paths import FILE_MODE, private_dir

from .playhead import SPEEDS, Playhead

MISSING = "mpv is not installed: p needs it to play media; everything else works"

# In order of preference: audio first (no window), then video.
MEDIA_EXTENSIONS = (
    "mp3",
    "m4a",
    "aac",
    "ogg",
    "opus",
    "flac",
    "wav",
    "oga",
    "m4b",
    "mka",
    "webm",
    "mp4",
    "mkv",
    "mov",
    "m4v",
    "avi",
)

# Metadata keys that name the media itself: any existing file or http(s) URL.
MEDIA_KEYS = (
    "media",
    "media_url",
    "media_file",
    "audio",
    "audio_url",
    "audio_file",
    "video",
    "video_url",
    "video_file",
    "enclosure",
    "enclosure_url",
)
# Keys that name a page about the transcript: only a direct media link, or a
# page on a video site when yt-dlp is installed (mpv plays those through it).
PAGE_KEYS = ("url", "webpage_url", "source_url", "link")
VIDEO_SITES = (
    "youtube.com",
    "youtu.be",
    "youtube-nocookie.com",
    "vimeo.com",
    "dailymotion.com",
    "twitch.tv",
    "soundcloud.com",
    "archive.org",
    "ted.com",
    "bandcamp.com",
    "rumble.com",
    "odysee.com",
    "peertube.tv",
)

# A second extension peeled off a transcript's stem: talk.en.vtt, talk.en-US.srt,
# talk.orig.vtt. Not digits (v1.2) and not text with spaces ("Part 3. The end").
_SECOND_EXT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")

OBSERVED = ("time-pos", "pause", "speed", "eof-reached", "duration")
DEFAULT_TIMEOUT = 2.0
UPDATE_INTERVAL = 0.1  # on_update at most ~10 times a second
SEEK_GRACE = 2.0  # longest a seek may keep mpv's older time-pos reports out
_MAX_LINE = 16 * 1024 * 1024
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


class PlayerError(Exception):
    """A one-line reason the player cannot do what was asked."""


class PlayerTimeout(PlayerError):
    pass


# -- finding the media --------------------------------------------------------


def find_media(source: str, metadata: Mapping[str, Any] | None) -> str | None:
    """The audio or video for a transcript, or None.

    1. A file beside ``source`` named like it with a media extension
       (``MEDIA_EXTENSIONS``, case-insensitive; an exact-case name wins):
       ``talk.vtt`` -> ``talk.mp3``; failing that, with a second extension
       peeled off: ``talk.en.vtt`` -> ``talk.mp3``.
    2. A metadata value under a ``MEDIA_KEYS`` key (a string, a list, or a
       dict with ``url``/``href``/``path`` like an RSS enclosure): an existing
       file (relative to the source's folder) or an http(s) URL.
    3. A metadata value under a ``PAGE_KEYS`` key (``url``...): an http(s) URL
       whose path ends in a media extension, or a page on a ``VIDEO_SITES``
       host only when yt-dlp (or youtube-dl) is installed, since that is what
       mpv uses to play such pages; without it they are not playable, so None.
       A media URL on a video site (under ``MEDIA_KEYS``) needs yt-dlp too.

    Local results are absolute paths; ``file://`` URLs become paths; other
    schemes are ignored (mpv's pseudo-protocols are not for transcripts to pick).
    """
    found = _beside(source)
    if found is not None:
        return found
    if not isinstance(metadata, Mapping):
        return None
    base = _source_folder(source)
    for keys, explicit in ((MEDIA_KEYS, True), (PAGE_KEYS, False)):
        for key in keys:
            for value in _candidates(metadata.get(key)):
                media = _usable(value, base, explicit)
                if media is not None:
                    return media
    return None


def _source_folder(source: str) -> Path | None:
    if not source or _scheme(source):
        return None
    return Path(source).expanduser().absolute().parent


def _beside(source: str) -> str | None:
    folder = _source_folder(source)
    if folder is None:
        return None
    name = Path(source).name
    stems = [Path(name).stem]
    inner = Path(stems[0])
    if inner.suffix and _SECOND_EXT.fullmatch(inner.suffix[1:]):
        stems.append(inner.stem)
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it if e.name != name and _is_file(e)]
    except (OSError, ValueError):
        return None
    exact = set(names)
    folded = {}
    for n in sorted(names):
        folded.setdefault(n.casefold(), n)
    for stem in stems:
        if not stem:
            continue
        for ext in MEDIA_EXTENSIONS:
            want = f"{stem}.{ext}"
            if want in exact:
                return str(folder / want)
            hit = folded.get(want.casefold())
            if hit is not None:
                return str(folder / hit)
    return None


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _candidates(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, Mapping):
        for k in ("url", "href", "path", "src"):
            yield from _candidates(value.get(k))
    elif isinstance(value, (list, tuple)):
        for v in value[:20]:
            yield from _candidates(v)


def _scheme(value: str) -> str:
    # One letter before the colon is a Windows drive, not a scheme.
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", value)
    return m.group(1).lower() if m else ""


def _has_media_ext(path: str) -> bool:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return ext in MEDIA_EXTENSIONS


def _on_video_site(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in VIDEO_SITES)


def have_ytdl() -> bool:
    """Whether mpv can play pages of video sites (it runs yt-dlp for them)."""
    return any(shutil.which(n) for n in ("yt-dlp", "youtube-dl"))


def _usable(value: str, base: Path | None, explicit: bool) -> str | None:
    scheme = _scheme(value)
    try:
        if scheme in ("http", "https"):
            u = urlparse(value)
            if not u.hostname:
                return None
            if _has_media_ext(unquote(u.path)):
                return value
            if _on_video_site(u.hostname):
                return value if have_ytdl() else None
            return value if explicit else None
        if scheme == "file":
            value = unquote(urlparse(value).path)
        elif scheme:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute():
            if base is None:
                return None
            p = base / p
        if not p.is_file():
            return None
    except (OSError, ValueError):  # a malformed URL, a NUL in a path
        return None
    if not explicit and not _has_media_ext(p.name):
        return None
    return os.path.normpath(p.absolute())


def available(mpv: str = "mpv") -> bool:
    """Whether the mpv command can be found."""
    return shutil.which(mpv) is not None


# -- the IPC client -------------------------------------------------------------


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


# -- starting mpv -----------------------------------------------------------------

# Held strongly: a player dropped without stop() still has its mpv stopped at exit.
_running: set[MpvPlayer] = set()


@atexit.register
def _stop_all() -> None:
    # An mpv hark started must not keep playing after hark is gone.
    for player in list(_running):
        try:
            player.stop(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass


def _default_socket_dir() -> Path:
    from hark.store.paths import resolve

    return resolve().data / "run"


class MpvPlayer:
    """An mpv started by hark, controlled over a private socket."""

    def __init__(self, mpv: str = "mpv", *, socket_dir: Path | None = None) -> None:
        self.mpv = mpv
        self.socket_dir = socket_dir
        self.process: subprocess.Popen | None = None
        self.client: MpvClient | None = None
        self.socket_path: Path | None = None
        self._temp_dir: Path | None = None

    @staticmethod
    def available(mpv: str = "mpv") -> bool:
        return available(mpv)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(
        self,
        media: str,
        *,
        start_at: float = 0.0,
        mpv: str | None = None,
        socket_dir: Path | None = None,
        extra_args: Sequence[str] = (),
        on_update: Callable[[PlayerState], None] | None = None,
        on_lost: Callable[[str, float | None], None] | None = None,
        timeout: float = 5.0,
    ) -> MpvClient:
        """Start mpv playing ``media`` from ``start_at`` and return a connected
        client. mpv keeps the file open at its end (``--keep-open``) so the
        reader can seek back. Stops an mpv this player started before."""
        self.stop()
        exe = mpv or self.mpv
        path = shutil.which(exe)
        if path is None:
            raise PlayerError(MISSING if exe == "mpv" else f"{exe} is not installed: p needs mpv to play media")
        sock = self._socket_path(socket_dir or self.socket_dir or _default_socket_dir())
        if not _scheme(media) and Path(media).expanduser().exists():
            media = str(Path(media).expanduser().absolute())  # a relative name is not taken for a protocol
        args = [
            path,
            "--no-terminal",
            f"--input-ipc-server={sock}",
            "--pause=no",
            f"--start={max(0.0, float(start_at)):.3f}",
            "--keep-open=yes",
            "--idle=no",
            *extra_args,
            "--",
            media,
        ]
        try:
            # umask 077: the socket exists as 0600 (or tighter) from its first
            # moment, whatever mpv's version does about it.
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                umask=0o077,
                close_fds=True,
            )
        except OSError as e:
            self._cleanup_files()
            raise PlayerError(f"could not start {exe}: {e.strerror or e}") from None
        self.process = proc
        _running.add(self)
        deadline = time.monotonic() + timeout
        while True:
            code = proc.poll()
            if code is not None:
                self.stop()
                raise PlayerError(f"mpv stopped before it was ready (exit status {code}): can it play {media}?")
            if sock.exists():
                try:
                    os.chmod(sock, FILE_MODE)
                    self.client = MpvClient.connect(sock, on_update=on_update, on_lost=on_lost)
                    return self.client
                except (OSError, PlayerError):
                    pass  # not listening yet
            if time.monotonic() > deadline:
                self.stop()
                raise PlayerError(f"mpv did not open its control socket within {timeout:g} s")
            time.sleep(0.02)

    def _socket_path(self, folder: Path) -> Path:
        name = f"mpv-{os.getpid()}-{secrets.token_hex(4)}.sock"
        folder = Path(folder).expanduser().absolute()
        if len(os.fsencode(folder / name)) <= _MAX_SOCKET_PATH:
            private_dir(folder)
            self.socket_path = folder / name
        else:
            # Too long for a unix socket address: a fresh 0700 folder in the
            # system's temp dir (mkdtemp: unguessable, ours alone).
            self._temp_dir = Path(tempfile.mkdtemp(prefix="hark-"))
            self.socket_path = self._temp_dir / name
        return self.socket_path

    def stop(self, timeout: float = 1.0) -> None:
        """Stop the mpv this player started (SIGTERM, then SIGKILL) and tidy
        its socket. Safe to call twice."""
        client, self.client = self.client, None
        if client is not None:
            client.close()
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout)
            else:
                proc.wait()
        _running.discard(self)
        self._cleanup_files()

    def _cleanup_files(self) -> None:
        if self.socket_path is not None:
            try:
                self.socket_path.unlink()
            except OSError:
                pass
            self.socket_path = None
        if self._temp_dir is not None:
            try:
                self._temp_dir.rmdir()
            except OSError:
                pass
            self._temp_dir = None


# -- the clock the app uses ---------------------------------------------------------


class PlayerClock:
    """mpv as the playhead, with a Playhead to fall back on (see the module
    docstring). Use from one thread (the app's); the client is thread-safe."""

    def __init__(self, client: MpvClient, fallback: Playhead | None = None, *, player: MpvPlayer | None = None) -> None:
        self.client: MpvClient | None = client
        self.fallback = fallback if fallback is not None else Playhead()
        self.fallback.pause()
        self.player = player
        self.lost_reason: str | None = None

    @classmethod
    def launch(
        cls,
        media: str,
        *,
        fallback: Playhead | None = None,
        start_at: float = 0.0,
        mpv: str = "mpv",
        socket_dir: Path | None = None,
        extra_args: Sequence[str] = (),
        on_update: Callable[[PlayerState], None] | None = None,
        on_lost: Callable[[str, float | None], None] | None = None,
        timeout: float = 5.0,
    ) -> PlayerClock:
        """Start mpv on ``media`` and make it the clock. Raises PlayerError."""
        player = MpvPlayer(mpv, socket_dir=socket_dir)
        client = player.start(
            media, start_at=start_at, extra_args=extra_args, on_update=on_update, on_lost=on_lost, timeout=timeout
        )
        if fallback is not None:
            fallback.seek(start_at)
        return cls(client, fallback, player=player)

    @classmethod
    def attach(
        cls,
        socket_path: str | os.PathLike,
        *,
        fallback: Playhead | None = None,
        on_update: Callable[[PlayerState], None] | None = None,
        on_lost: Callable[[str, float | None], None] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> PlayerClock:
        """Follow an mpv the user already runs. Raises PlayerError."""
        return cls(attach(socket_path, on_update=on_update, on_lost=on_lost, timeout=timeout), fallback)

    # -- mpv or the fallback ---------------------------------------------------

    def _live(self) -> MpvClient | None:
        c = self.client
        if c is None:
            return None
        reason = c.lost
        if reason is not None:
            self._fall_back(reason)
            return None
        return c

    def _fall_back(self, reason: str) -> None:
        c, self.client = self.client, None
        if c is None:
            return
        self.lost_reason = reason
        fb = self.fallback
        fb.pause()
        fb.set_speed(c.speed)
        if c.time_pos is not None:
            fb.seek(c.time_pos)
        c.close()
        if self.player is not None:
            self.player.stop(timeout=0.5)
            self.player = None

    def _run(self, action: Callable[[MpvClient], None]) -> bool:
        """Do ``action`` on mpv; False when mpv is gone (now or during it)."""
        c = self._live()
        if c is None:
            return False
        try:
            action(c)
            return True
        except PlayerTimeout as e:
            c.fail(str(e))
        except PlayerError:
            if c.lost is None:
                return True  # mpv refused (e.g. nothing loaded yet): still alive
        self._fall_back(c.lost or "lost the connection to mpv")
        return False

    @property
    def live(self) -> bool:
        """Whether mpv still drives the playhead."""
        return self._live() is not None

    # -- the Playhead interface -------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        return self.fallback.clock

    @property
    def duration(self) -> float:
        return self.fallback.duration

    @duration.setter
    def duration(self, value: float) -> None:
        self.fallback.duration = value

    @property
    def position(self) -> float:
        c = self._live()
        if c is None:
            return self.fallback.position
        pos = c.time_pos
        return self.fallback.position if pos is None else pos

    @property
    def playing(self) -> bool:
        c = self._live()
        if c is None:
            return self.fallback.playing
        return not c.paused and not c.eof_reached

    @property
    def speed(self) -> float:
        c = self._live()
        return self.fallback.speed if c is None else c.speed

    @property
    def finished(self) -> bool:
        c = self._live()
        return self.fallback.finished if c is None else c.eof_reached

    def play(self) -> None:
        def go(c: MpvClient) -> None:
            if c.eof_reached:
                c.seek(0.0)
            c.set_pause(False)

        if not self._run(go):
            self.fallback.play()

    def pause(self) -> None:
        if not self._run(lambda c: c.set_pause(True)):
            self.fallback.pause()

    def toggle(self) -> bool:
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def seek(self, seconds: float) -> None:
        self.fallback.seek(seconds)  # kept in step: shown until mpv reports
        self._run(lambda c: c.seek(seconds))

    def set_speed(self, speed: float) -> None:
        self.fallback.set_speed(speed)
        self._run(lambda c: c.set_speed(speed))

    def faster(self) -> float:
        bigger = [s for s in SPEEDS if s > self.speed + 1e-9]
        self.set_speed(bigger[0] if bigger else SPEEDS[-1])
        return self.speed

    def slower(self) -> float:
        smaller = [s for s in SPEEDS if s < self.speed - 1e-9]
        self.set_speed(smaller[-1] if smaller else SPEEDS[0])
        return self.speed

    def close(self) -> Playhead:
        """Let go of mpv (stopping it if hark started it) and return the
        fallback Playhead, paused where mpv was."""
        c = self._live()
        if c is not None:
            self.fallback.pause()
            self.fallback.set_speed(c.speed)
            if c.time_pos is not None:
                self.fallback.seek(c.time_pos)
            self.client = None
            c.close()
        if self.player is not None:
            self.player.stop()
            self.player = None
        return self.fallback

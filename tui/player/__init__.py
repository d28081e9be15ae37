"""The playhead and mpv as its clock, over mpv's JSON IPC socket.

Plain Python (threads and a selector, no Textual: a test checks), so it is
testable with a fake IPC server and usable from the command line.

The modules: ``playhead`` (hark's own clock, ``Playhead``, and parsing a
time to jump to), ``media`` (finding a transcript's audio or video),
``ipc`` (``MpvClient``), ``launch`` (``MpvPlayer``, starting mpv) and
``clock`` (``PlayerClock``, mpv with a ``Playhead`` to fall back on).
Import from here: the names below are the package's door.

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

from .clock import PlayerClock
from .ipc import DEFAULT_TIMEOUT, MpvClient, PlayerError, PlayerState, PlayerTimeout, attach
from .launch import MISSING, MpvPlayer, available
from .media import MEDIA_EXTENSIONS, MEDIA_KEYS, PAGE_KEYS, VIDEO_SITES, find_media, have_ytdl
from .playhead import SPEEDS, JumpError, Playhead, SpeedSteps, locate, parse_jump

__all__ = [
    "DEFAULT_TIMEOUT",
    "MEDIA_EXTENSIONS",
    "MEDIA_KEYS",
    "MISSING",
    "PAGE_KEYS",
    "SPEEDS",
    "VIDEO_SITES",
    "JumpError",
    "MpvClient",
    "MpvPlayer",
    "PlayerClock",
    "PlayerError",
    "PlayerState",
    "PlayerTimeout",
    "Playhead",
    "SpeedSteps",
    "attach",
    "available",
    "find_media",
    "have_ytdl",
    "locate",
    "parse_jump",
]

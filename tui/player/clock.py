"""``PlayerClock``: mpv as the playhead, with hark's own ``Playhead`` to
fall back on when mpv goes away. Same interface as ``Playhead``."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .ipc import DEFAULT_TIMEOUT, MpvClient, PlayerError, PlayerState, PlayerTimeout, attach
from .launch import MpvPlayer
from .playhead import Playhead, SpeedSteps


class PlayerClock(SpeedSteps):
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

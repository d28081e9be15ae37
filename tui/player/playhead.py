"""The playhead: a clock that runs through a transcript in real time.

Pure Python with an injectable clock, so tests never sleep against the wall
clock. The reader asks it where it is; it never drives the UI itself.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections.abc import Callable

from hark.store.model import Segment

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


class SpeedSteps:
    """`[` and `]`: one step through SPEEDS from the current speed. Shared by
    Playhead and PlayerClock, which give it `speed` and `set_speed`."""

    speed: float

    def set_speed(self, speed: float) -> None:
        raise NotImplementedError

    def faster(self) -> float:
        bigger = [s for s in SPEEDS if s > self.speed + 1e-9]
        self.set_speed(bigger[0] if bigger else SPEEDS[-1])
        return self.speed

    def slower(self) -> float:
        smaller = [s for s in SPEEDS if s < self.speed - 1e-9]
        self.set_speed(smaller[-1] if smaller else SPEEDS[0])
        return self.speed


class Playhead(SpeedSteps):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.playing = False
        self.speed = 1.0
        self.duration = 0.0
        self._base = 0.0  # position when the clock last (re)started
        self._t0 = 0.0

    @property
    def position(self) -> float:
        if not self.playing:
            return self._base
        pos = self._base + (self.clock() - self._t0) * self.speed
        if self.duration and pos >= self.duration:
            return self.duration
        return pos

    def _rebase(self) -> None:
        self._base = self.position
        self._t0 = self.clock()

    def play(self) -> None:
        if self.duration and self._base >= self.duration:
            self._base = 0.0
        self._t0 = self.clock()
        self.playing = True

    def pause(self) -> None:
        self._rebase()
        self.playing = False

    def toggle(self) -> bool:
        if self.playing:
            self.pause()
        else:
            self.play()
        return self.playing

    def seek(self, seconds: float) -> None:
        upper = self.duration if self.duration else max(seconds, 0.0)
        self._base = min(max(0.0, seconds), upper)
        self._t0 = self.clock()

    def set_speed(self, speed: float) -> None:
        self._rebase()
        self.speed = speed

    @property
    def finished(self) -> bool:
        return bool(self.duration) and self.position >= self.duration


def locate(starts: list[float], segments: list[Segment], t: float) -> tuple[int, bool]:
    """(segment index, inside) for time t: the last segment starting at or
    before t, and whether t falls inside it (False: in the gap after it, or
    in a nonspeech segment's stretch, which the reader shows between
    segments rather than jumping ahead)."""
    if not segments:
        return 0, False
    i = bisect_right(starts, t) - 1
    if i < 0:
        return 0, False
    s = segments[i]
    end = s.end if s.end is not None else s.start
    return i, t < end or (end == s.start and t == s.start)


_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$")
_RELATIVE = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)?$")


class JumpError(ValueError):
    pass


def parse_jump(text: str, current: float, duration: float) -> float:
    """A time to go to: '1:02:03', '62:03', '3723', '+30s', '-1m', '50%'.
    Clamped to the transcript. Raises JumpError with a readable reason."""
    s = text.strip().lower().replace(" ", "")
    if not s:
        raise JumpError("type a time: 1:02:03, 62:03, 3723, +30s, -1m or 50%")
    target: float
    if s.endswith("%"):
        try:
            share = float(s[:-1])
        except ValueError:
            raise JumpError(f"not a share: {text!r}") from None
        target = duration * share / 100
    elif m := _RELATIVE.match(s):
        amount = float(m.group(2)) * {"h": 3600, "m": 60, "min": 60}.get(m.group(3) or "s", 1)
        target = current + amount if m.group(1) == "+" else current - amount
    elif m := _CLOCK.match(s):
        h = int(m.group(1) or 0)
        target = h * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    else:
        try:
            target = float(s.rstrip("s"))
        except ValueError:
            raise JumpError(f"not a time: {text!r} (try 1:02:03, 62:03, 3723, +30s, -1m, 50%)") from None
    return max(0.0, min(target, duration)) if duration else max(0.0, target)

"""The playhead's keys and mpv: play and pause, speed, follow, go to a
time, `p` for a real player, `o` for the link to this moment.

A mixin of HarkApp (tui/app.py), which owns the state it uses: `playhead`
(a `Playhead`, or a `PlayerClock` while mpv plays), `follow`, `_tick`,
`_info`, `media`, `config` and `paths`. The clock itself is plain Python in
`tui.player`; this is only what the keys do with it on screen.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from textual import work
from textual.css.query import NoMatches
from textual.message import Message

from .player import MISSING, JumpError, PlayerClock, PlayerError, Playhead, available, find_media, parse_jump
from .reader import Reader
from .screens import JumpScreen

if TYPE_CHECKING:
    from textual.timer import Timer

    from hark.store.library import TranscriptInfo
    from hark.store.paths import Paths

    from .config import Config

TICK_SECONDS = 0.2  # playhead refresh while playing


class PlayerUpdate(Message):
    """mpv reported a change (posted from the player's reader thread)."""


class PlayerLost(Message):
    def __init__(self, reason: str, position: float | None) -> None:
        super().__init__()
        self.reason = reason
        self.position = position


def local_display() -> bool:
    """A browser can be opened here: a graphical session, not over SSH."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class PlayingActions:
    """What the playhead keys do (mixed into HarkApp)."""

    playhead: Playhead | PlayerClock
    follow: bool
    media: str | None
    config: Config
    paths: Paths
    _tick: Timer | None
    _info: TranscriptInfo | None

    # -- a real player (mpv) ---------------------------------------------------

    def _close_player(self) -> None:
        if isinstance(self.playhead, PlayerClock):
            self.playhead = self.playhead.close()
            if self._tick is not None:
                self._tick.stop()
                self._tick = None

    def action_player(self) -> None:
        """p: play the transcript's media in mpv, which then is the clock;
        p again closes it (or detaches from the user's own mpv)."""
        if isinstance(self.playhead, PlayerClock):
            self._close_player()
            self.notify("Player closed; the playhead runs on its own clock.", timeout=3)
            self._update_status()
            return
        info = self._info
        if info is None:
            return
        socket = self.config.player.socket
        media = self.media or find_media(info.source, info.metadata)
        if not socket:
            if media is None:
                self.notify(
                    "No media for this transcript: put the audio beside it with the same name, "
                    "or run `hark open ID --media FILE`.",
                    severity="warning",
                    timeout=6,
                )
                return
            if not available(self.config.player.mpv):
                self.notify(MISSING, severity="warning", timeout=6)
                return
        self.notify("Starting the player…" if not socket else "Attaching to mpv…", timeout=2)
        self.start_player(media, socket, self.playhead.position)

    @work(thread=True, exclusive=True, group="player")
    def start_player(self, media: str | None, socket: str | None, start_at: float) -> None:
        fallback = self.playhead if isinstance(self.playhead, Playhead) else Playhead()
        hooks = {
            "on_update": lambda state: self.post_message(PlayerUpdate()),
            "on_lost": lambda reason, pos: self.post_message(PlayerLost(reason, pos)),
        }
        try:
            if socket:
                clock = PlayerClock.attach(socket, fallback=fallback, **hooks)
                clock.seek(start_at)
            else:
                clock = PlayerClock.launch(
                    media,
                    fallback=fallback,
                    start_at=start_at,
                    mpv=self.config.player.mpv,
                    socket_dir=self.paths.data / "run",
                    **hooks,
                )
        except PlayerError as e:
            self.call_from_thread(self.notify, str(e), severity="error", timeout=6)
            return
        self.call_from_thread(self._install_player, clock)

    def _install_player(self, clock: PlayerClock) -> None:
        clock.duration = self.query_one(Reader).duration
        self.playhead = clock
        self.follow = True
        if self._tick is None:
            self._tick = self.set_interval(TICK_SECONDS, self.tick)
        self.tick()

    def on_player_update(self, message: PlayerUpdate) -> None:
        # mpv can be paused or sped up from its own window: follow it.
        if self.playhead.playing and self._tick is None:
            self._tick = self.set_interval(TICK_SECONDS, self.tick)
        self.tick()

    def on_player_lost(self, event: PlayerLost) -> None:
        self.notify(f"The player stopped ({event.reason}); the playhead goes on from there.", timeout=5)
        self.tick()
        if isinstance(self.playhead, PlayerClock) and not self.playhead.live:
            self.playhead = self.playhead.close()
        self._update_status()

    def action_open_link(self) -> None:
        """o: the transcript's URL at the cursor's time, copied (OSC 52);
        opened in a browser only when this session has a local display."""
        reader = self.query_one(Reader)
        seg = reader.current
        if seg is None or not reader.url:
            self.notify("This transcript has no web address.", timeout=3)
            return
        from hark.store.links import deep_link

        link = deep_link(reader.url, seg.start)
        if not link:
            self.notify("This transcript has no web address.", timeout=3)
            return
        self.copy_to_clipboard(link)
        if local_display():
            import webbrowser

            webbrowser.open(link)
        self.notify(f"Copied {link}", timeout=3)

    # -- the playhead ----------------------------------------------------------

    def action_play_pause(self) -> None:
        reader = self.query_one(Reader)
        if not reader.segments:
            return
        if reader.playhead_seg is None and not self.playhead.playing:
            self.playhead.seek(reader.segments[reader.cursor].start)
        playing = self.playhead.toggle()
        if playing:
            self.follow = True
            if self._tick is None:
                self._tick = self.set_interval(TICK_SECONDS, self.tick)
        elif self._tick is not None:
            self._tick.stop()
            self._tick = None
        self.tick()

    def tick(self) -> None:
        """Move the playhead on screen; keep it in view while following."""
        try:
            reader = self.query_one(Reader)
        except NoMatches:  # a last timer tick while closing
            return
        where = reader.set_playhead(self.playhead.position)
        if where is not None and self.follow:
            reader.scroll_to_segment(where[0] if where[1] else min(where[0] + 1, len(reader.segments) - 1))
        if self.playhead.finished and self.playhead.playing:
            self.playhead.pause()
            if self._tick is not None:
                self._tick.stop()
                self._tick = None
        self._update_status()

    def action_speed(self, direction: int) -> None:
        speed = self.playhead.faster() if direction > 0 else self.playhead.slower()
        self.notify(f"Speed {speed:g}x", timeout=1.5)
        self._update_status()

    def action_follow(self) -> None:
        self.follow = True
        reader = self.query_one(Reader)
        where = reader.set_playhead(self.playhead.position)
        if where is not None:
            reader.scroll_to_segment(where[0], center=True)
        self._update_status()

    def action_playhead_here(self) -> None:
        reader = self.query_one(Reader)
        if reader.current is not None:
            self.playhead.seek(reader.current.start)
            self.follow = True
            self.tick()

    def action_jump(self) -> None:
        reader = self.query_one(Reader)
        if not reader.segments:
            return

        def done(value: str | None) -> None:
            if value is None:
                return
            current = (
                self.playhead.position if reader.playhead_seg is not None else reader.segments[reader.cursor].start
            )
            try:
                target = parse_jump(value, current, reader.duration)
            except JumpError as e:
                self.notify(str(e), severity="warning", timeout=4)
                return
            self.jump_to(target)

        self.push_screen(JumpScreen(), done)

    def jump_to(self, seconds: float) -> None:
        reader = self.query_one(Reader)
        self.playhead.seek(seconds)
        self.follow = True
        reader.move_to(reader.segment_at_time(seconds))
        reader.set_playhead(self.playhead.position)
        self.screen.set_focus(reader)
        self._update_status()

"""The hark app: one screen, four panes, every action on a key.

Library, Search and Annotations stand in a column beside the Reader. All
store work (loading, searching, saving) runs in thread workers through
`tui.backend`; the UI thread only shows what is already loaded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from hark.store.paths import Paths
from hark.store.text import clean_line, format_time

from . import backend
from .panes import AnnotationsPane, AnnotationView, FilterList, HitView, LibraryPane, Pane, SearchPane
from .player import MISSING, PlayerClock, PlayerError, available, find_media
from .playhead import JumpError, Playhead, parse_jump
from .reader import Mark, Reader
from .screens import AnnotationEditor, HelpScreen, JumpScreen, NoteDraft

SEARCH_DEBOUNCE = 0.25  # seconds of quiet typing before the full search runs
POLL_SECONDS = 2.0  # how often to look for other sessions' changes
TICK_SECONDS = 0.2  # playhead refresh while playing


class PlayerUpdate(Message):
    """mpv reported a change (posted from the player's reader thread)."""


class PlayerLost(Message):
    def __init__(self, reason: str, position: float | None) -> None:
        super().__init__()
        self.reason = reason
        self.position = position


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """


class _Editor(AnnotationEditor):
    """The annotation editor, which on a read-only library refuses ctrl+s
    and stays open with what was typed (the app says why)."""

    def action_save(self) -> None:
        app = self.app
        if isinstance(app, HarkApp) and app.read_only_why is not None:
            app.refuse("the note is not saved; it stays here until you close the editor")
            return
        super().action_save()


class HarkApp(App[int]):
    TITLE = "hark"
    ENABLE_COMMAND_PALETTE = True

    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #side { width: 44; }
    #side > Pane { height: 1fr; }
    #side > LibraryPane { height: 2fr; }
    #side > SearchPane { height: 2fr; }
    #reader-pane { width: 1fr; border: round $panel-lighten-2; background: $surface; }
    #reader-pane:focus-within { border: round $primary; }
    #reader-pane > Reader { height: 1fr; }
    /* 80 columns: the side column shows only the pane in use, like tabs */
    Screen.-narrow #side { width: 34; }
    Screen.-narrow #side > Pane { display: none; height: 1fr; }
    Screen.-narrow #side > Pane.-active { display: block; }
    /* very narrow: one pane at a time */
    Screen.-tiny #side { width: 1fr; }
    Screen.-tiny.-reading #side { display: none; }
    Screen.-tiny #reader-pane { display: none; }
    Screen.-tiny.-reading #reader-pane { display: block; }
    """

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        # priority: above the screen's own tab (focus next widget)
        Binding("tab", "cycle(1)", "Next pane", show=False, id="app.next_pane", priority=True),
        Binding("shift+tab", "cycle(-1)", "Previous pane", show=False, id="app.previous_pane", priority=True),
        Binding("1", "focus_pane('library')", "Library", show=False, id="app.focus_library"),
        Binding("2", "focus_pane('reader')", "Reader", show=False, id="app.focus_reader"),
        Binding("3", "focus_pane('search')", "Search", show=False, id="app.focus_search"),
        Binding("4", "focus_pane('annotations')", "Annotations", show=False, id="app.focus_annotations"),
        Binding("slash", "search", "Search", id="app.search"),
        Binding("T", "change_theme", "Theme", show=False, id="app.theme"),
        Binding("D", "add_samples", "Add samples", show=False, id="app.add_samples"),
    ]

    PANES = ("library", "reader", "search", "annotations")

    def __init__(
        self,
        paths: Paths,
        *,
        demo: bool = False,
        open_id: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        watch_changes: bool = True,
        media: str | None = None,
    ) -> None:
        self.paths = paths
        self.media = media  # hark open ID --media FILE
        self.demo = demo
        self.open_id = open_id
        self.config, self.config_problems = backend.load_config(paths)
        super().__init__()
        self.animation_level = "none"
        self.playhead: Playhead | PlayerClock = Playhead(clock)
        self._info = None  # the open transcript's TranscriptInfo
        self.follow = True
        self.watch_changes = watch_changes
        self._tick: Timer | None = None
        self._search_timer: Timer | None = None
        self._save_timer: Timer | None = None
        self._data_version: int | None = None
        self._deleted: list[object] = []  # undo stack for deleted annotations
        self.hits: list[HitView] = []
        self._choosing_theme = False
        self._side_pane = "library"
        self._warmed = False
        # Why the library can only be read (full disk, read-only home), or None.
        self.read_only_why: str | None = None
        self._position_problem: str | None = None  # said once, not on every cursor move
        self.started = time.perf_counter()
        self.first_paint: float | None = None

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="side"):
                yield LibraryPane()
                yield SearchPane()
                yield AnnotationsPane()
            with Vertical(id="reader-pane"):
                yield Reader(id="reader")
        yield StatusLine(id="status")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return backend.theme_variable_defaults(self)

    def on_mount(self) -> None:
        problems = list(self.config_problems)
        problems += backend.register_themes(self, self.paths)
        self._choosing_theme = True
        problems += backend.choose_theme(self, self.config.theme)
        self._choosing_theme = False
        problems += backend.apply_keymap(self, self.config)
        for p in problems:
            self.notify(p, severity="warning", timeout=8)
        self.query_one("#reader-pane").border_title = "2 Reader"
        self.sub_title = "demo library (throwaway)" if self.demo else str(self.paths.data)
        self._set_active("library")
        self.query_one(LibraryPane).focus_default()
        self._apply_size(self.size.width)
        self.load_library()
        self.load_annotations()
        if self.watch_changes:
            self.set_interval(POLL_SECONDS, self.poll_changes)
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.first_paint = time.perf_counter() - self.started

    def on_resize(self, event) -> None:
        self._apply_size(event.size.width)

    def _apply_size(self, width: int) -> None:
        self.screen.set_class(width < 100, "-narrow")
        self.screen.set_class(width < 70, "-tiny")

    def _set_active(self, pane: str) -> None:
        # The side column (narrow layouts) keeps showing the side pane used
        # last while the reader has focus.
        if pane != "reader":
            self._side_pane = pane
        for p in self.query(Pane):
            p.set_class(p.id == self._side_pane, "-active")
        self.screen.set_class(pane == "reader", "-reading")

    def watch_theme(self, theme: str) -> None:
        # The user's choice persists; the start-up choice (maybe a 16-colour
        # sibling of the configured theme) does not overwrite the config.
        if self.is_mounted and not self._choosing_theme and theme != self.config.theme and not self.demo:
            self.config.theme = theme
            self.save_config()

    @work(thread=True, group="config")
    def save_config(self) -> None:
        for problem in backend.save_config(self.paths, self.config):
            self.call_from_thread(self.notify, problem, severity="error")

    # -- focus and panes -----------------------------------------------------

    def _pane_of_focus(self) -> str:
        node = self.focused
        while node is not None:
            if node.id in self.PANES:
                return node.id
            if isinstance(node, Reader):
                return "reader"
            node = node.parent
        return "library"

    def on_descendant_focus(self, event) -> None:
        self._set_active(self._pane_of_focus())

    def action_focus_pane(self, pane: str) -> None:
        self._set_active(pane)
        if pane == "reader":
            self.screen.set_focus(self.query_one(Reader))
        else:
            self.query_one(f"#{pane}", Pane).focus_default()

    def action_cycle(self, step: int) -> None:
        if self.screen is not self.screen_stack[0]:
            # in a dialog, tab moves between its fields as usual
            (self.screen.focus_next if step > 0 else self.screen.focus_previous)()
            return
        order = list(self.PANES)
        i = order.index(self._pane_of_focus())
        self.action_focus_pane(order[(i + step) % len(order)])

    def action_search(self) -> None:
        self.action_focus_pane("search")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(backend.help_sections(self)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: every key", "Show the keys, by pane", self.action_help)
        yield SystemCommand("Search the library", "Focus the search box", self.action_search)
        yield SystemCommand("Go to time", "Jump the reader to a time", self.action_jump)
        yield SystemCommand("Toggle set-aside text", "Show page chrome kept at import", self._toggle_aside)
        yield SystemCommand(
            "Sort the library", "By title, date or last opened", self.query_one(LibraryPane).action_sort
        )
        yield SystemCommand(
            "Annotations: this transcript / whole library",
            "Toggle the annotations pane's scope",
            self.query_one(AnnotationsPane).action_toggle_scope,
        )
        if self.query_one(LibraryPane).items == [] and not self.demo:
            yield SystemCommand("Add the sample library", "Import hark's sample transcripts", self.action_add_samples)

    def _toggle_aside(self) -> None:
        self.query_one(Reader).action_toggle_aside()

    # -- the library ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="library")
    def load_library(self) -> None:
        if self._data_version is None and self.watch_changes:
            # The baseline for noticing other sessions' writes is taken
            # before reading, so a write in between is not missed.
            self._data_version = backend.data_version(self.paths)
        try:
            items, counts, read_only = backend.library_items(self.paths)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self._show_library, items, counts, read_only)

    def _show_library(self, items, counts, read_only: str | None = None) -> None:
        pane = self.query_one(LibraryPane)
        pane.read_only = read_only  # before the items: an empty library's hint says why
        pane.set_items(items, counts)
        self._set_read_only(read_only)
        if not self._warmed:
            # Only after the first screen: warming (or rebuilding) the index
            # must not compete with showing the library.
            self._warmed = True
            self.warm_search()
        if not items:
            self._status(
                Text(f"The library is empty and read-only ({self.read_only_why}).")
                if self.read_only_why is not None
                else Text("The library is empty: run `hark import PATH…`, or press D to add the sample library.")
            )
        reader = self.query_one(Reader)
        if self.open_id is not None:
            self.open_transcript(self.open_id)
            self.open_id = None
        elif items and reader.transcript_id is None:
            # the one read last, or the first in the list
            opened = [t for t in items if t.opened]
            first = max(opened, key=lambda t: t.opened) if opened else self.query_one(LibraryPane).first()
            if first is not None:
                self.open_transcript(first.id, focus=False)

    @on(LibraryPane.Opened)
    def _library_opened(self, event: LibraryPane.Opened) -> None:
        self.open_transcript(event.transcript_id)

    def action_add_samples(self) -> None:
        if self.query_one(LibraryPane).items:
            self.notify("The library already has transcripts; import more with `hark import PATH…`.", timeout=4)
            return
        if self.read_only_why is not None:
            self.refuse("the sample library is not added")
            return
        self.notify("Adding the sample library…", timeout=3)
        self.add_samples()

    @work(thread=True, exclusive=True, group="import")
    def add_samples(self) -> None:
        try:
            n = backend.import_samples(self.paths)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "the sample library is not added")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, f"Added {n} sample transcripts.", timeout=4)
        self.call_from_thread(self.load_library)

    # -- opening a transcript ------------------------------------------------

    def open_transcript(
        self,
        tid: int,
        focus: bool = True,
        segment: int | None = None,
        matches: dict[int, list[tuple[int, int]]] | None = None,
    ) -> None:
        # Where we were in the transcript we leave is saved first.
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self._save_position()
        self._open_transcript(tid, focus, segment, matches)

    @work(thread=True, exclusive=True, group="open")
    def _open_transcript(self, tid: int, focus: bool, segment: int | None, matches) -> None:
        try:
            t = backend.load_transcript(self.paths, tid)
            marks = backend.annotation_marks(self.paths, tid)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        if t is None:
            self.call_from_thread(self.notify, f"Transcript {tid} is no longer in the library.", severity="warning")
            return
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._show_transcript, t, marks, focus, segment, matches)

    def _show_transcript(self, t, marks: list[Mark], focus: bool, segment: int | None, matches) -> None:
        reader = self.query_one(Reader)
        url = t.info.metadata.get("url") if isinstance(t.info.metadata.get("url"), str) else None
        reader.load(
            t.info.id,
            t.info.title,
            t.segments,
            chapters=t.chapters,
            estimated=t.info.timing == "estimated",
            set_aside=t.set_aside,
            cursor=t.info.position if segment is None else segment,
            url=url,
        )
        reader.set_annotations(marks)
        if matches:
            reader.set_matches(matches)
        if reader.transcript_id != getattr(self._info, "id", None):
            self._close_player()
        self._info = t.info
        self.playhead.pause()
        self.playhead.duration = reader.duration
        self.playhead.seek(
            t.info.playhead if segment is None else reader.segments[reader.cursor].start if reader.segments else 0.0
        )
        self.follow = True
        reader.set_playhead(self.playhead.position if t.info.playhead or segment is not None else None)
        if segment is not None:
            reader.scroll_to_cursor(center=True)
        self.query_one("#reader-pane").border_title = Text(f"2 Reader · {clean_line(t.info.title)}")
        if focus:
            self.action_focus_pane("reader")
        if not self.query_one(AnnotationsPane).whole_library:
            self.load_annotations()
        self._update_status()

    # -- reading position ----------------------------------------------------

    @on(Reader.CursorMoved)
    def _cursor_moved(self, event: Reader.CursorMoved) -> None:
        if event.by_user and self.playhead.playing and self.follow:
            self.follow = False  # the user looked away: stop following, keep playing
        self._update_status()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.8, self._save_position)

    def _position(self) -> tuple[int, int, float] | None:
        try:
            reader = self.query_one(Reader)
        except NoMatches:  # closing: the screen is already gone
            return None
        if reader.transcript_id is None or not reader.segments:
            return None
        return reader.transcript_id, reader.cursor, self.playhead.position

    def _save_position(self) -> None:
        pos = self._position()
        # Read-only: not saved, quietly (the notice at start said so).
        if pos is not None and self.read_only_why is None:
            self.save_position(*pos)

    @work(thread=True, group="position")
    def save_position(self, tid: int, segment: int, playhead: float) -> None:
        problem = backend.save_position(self.paths, tid, segment, playhead)
        self.call_from_thread(self._position_saved, problem)

    def _position_saved(self, problem: str | None) -> None:
        # Saved on every cursor move: a failure is said once, not each time.
        if problem and self._position_problem is None:
            self.notify(problem, severity="warning")
        self._position_problem = problem

    async def action_quit(self) -> None:
        pos = self._position()
        if pos is not None and self.read_only_why is None:
            backend.save_position(self.paths, *pos)
        self._close_player()
        self.exit(0)

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

    @on(PlayerUpdate)
    def _player_update(self) -> None:
        # mpv can be paused or sped up from its own window: follow it.
        if self.playhead.playing and self._tick is None:
            self._tick = self.set_interval(TICK_SECONDS, self.tick)
        self.tick()

    @on(PlayerLost)
    def _player_lost(self, event: PlayerLost) -> None:
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
        if backend.local_display():
            import webbrowser

            webbrowser.open(link)
        self.notify(f"Copied {link}", timeout=3)

    # -- the status line -----------------------------------------------------

    def _status(self, text: Text) -> None:
        # One fixed-height line: no layout pass on every keystroke.
        self.query_one(StatusLine).update(text, layout=False)

    def _update_status(self) -> None:
        reader = self.query_one(Reader)
        seg = reader.current
        if seg is None:
            if self.read_only_why is not None and reader.transcript_id is None and self.query_one(LibraryPane).items:
                self._status(Text(f"read-only ({self.read_only_why})", style="bold"))
            return
        approx = "≈" if reader.estimated else ""
        t = Text(no_wrap=True, overflow="ellipsis")
        if self.read_only_why is not None:
            # First, so a narrow terminal does not cut it off.
            t.append("read-only", style="bold reverse")
            t.append("  ")
        t.append(clean_line(reader.title)[:50], style="bold")
        if seg.speaker:
            t.append(f"  {clean_line(seg.speaker)}")
        t.append(f"  {approx}{format_time(seg.start)} / {format_time(reader.duration)}")
        state = "▶" if self.playhead.playing else "⏸"
        t.append(f"  {state} {approx}{format_time(self.playhead.position)} {self.playhead.speed:g}x")
        if isinstance(self.playhead, PlayerClock) and self.playhead.live:
            t.append("  mpv", style="bold")
        t.append("  follow" if self.follow else "  not following (f)", style="" if self.follow else "italic")
        if reader.estimated:
            t.append("  times estimated", style="italic")
        mark = reader.annotation_at(reader.cursor)
        if mark is not None:
            t.append("  ✎ ", style="bold")
            t.append(clean_line(mark.note) if mark.note else "(highlight)", style="italic")
        self._status(t)

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

    # -- search ----------------------------------------------------------------

    @work(thread=True, group="warm")
    def warm_search(self) -> None:
        message = backend.warm_index(self.paths)
        if message:
            self.call_from_thread(self.notify, message, timeout=5)

    @on(SearchPane.Query)
    def _query(self, event: SearchPane.Query) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if event.final:
            self.run_search(event.query, final=True, open_best=True)
            return
        # A bounded search at once, the full one when typing pauses; each
        # new keystroke cancels the search before it (exclusive worker).
        self.run_search(event.query, final=False, open_best=False)
        self._search_timer = self.set_timer(
            SEARCH_DEBOUNCE, lambda: self.run_search(event.query, final=True, open_best=False)
        )

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str, final: bool, open_best: bool) -> None:
        worker = get_current_worker()
        try:
            result = backend.search(self.paths, query, final=final)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        if worker.is_cancelled:
            return
        self.call_from_thread(self._show_results, query, result, open_best)

    def _show_results(self, query: str, result: backend.Results, open_best: bool) -> None:
        self.hits = result.hits
        self.query_one(SearchPane).show_results(query, result.hits, result.total, result.note, result.suggestion)
        if open_best and result.hits:
            self._open_hit(result.hits[0], result.hits)

    @on(SearchPane.OpenHit)
    def _hit_opened(self, event: SearchPane.OpenHit) -> None:
        self._open_hit(event.hit, event.hits)

    def _open_hit(self, hit: HitView, hits: list[HitView]) -> None:
        matches: dict[int, list[tuple[int, int]]] = {}
        for h in hits:
            if h.transcript_id == hit.transcript_id and h.kind == "text":
                matches.setdefault(h.segment, []).extend(backend.segment_spans(h))
        reader = self.query_one(Reader)
        if reader.transcript_id == hit.transcript_id:
            reader.set_matches(matches)
            reader.move_to(hit.segment, center=True)
            self._seek_to_cursor()
            self.action_focus_pane("reader")
        else:
            self.open_transcript(hit.transcript_id, True, hit.segment, matches)

    def _seek_to_cursor(self) -> None:
        reader = self.query_one(Reader)
        if reader.current is not None and not self.playhead.playing:
            self.playhead.seek(reader.current.start)
            reader.set_playhead(self.playhead.position)

    # -- annotations -----------------------------------------------------------

    def _span(self) -> tuple[int, int] | None:
        reader = self.query_one(Reader)
        if reader.transcript_id is None or not reader.segments:
            return None
        return reader.selection

    # -- a read-only library ---------------------------------------------------

    def _set_read_only(self, why: str | None) -> None:
        """The library turned read-only (full disk, read-only home) or
        writable again: say so once, and keep "read-only" on the status
        line while it lasts."""
        if why == self.read_only_why:
            return
        was, self.read_only_why = self.read_only_why, why
        if why is not None and was is None:
            self.notify(
                f"Read-only: the library at {self.paths.library} cannot be changed ({why}): reading only; "
                "annotations and the reading position are not saved",
                severity="warning",
                timeout=15,
            )
        elif why is None:
            self.notify("The library can be changed again: annotations and the reading position are saved.")
            if self._warmed:
                self.warm_search()  # the index catches up with the library
        where = "demo library (throwaway)" if self.demo else str(self.paths.data)
        self.sub_title = where if why is None else f"{where} (read-only)"
        self._update_status()

    def refuse(self, what: str) -> None:
        """A write asked for on a read-only library: one notification."""
        self.notify(f"Read-only ({self.read_only_why}): {what}.", severity="warning", timeout=6)

    def _refused(self, why: str, what: str) -> None:
        # A write failed because the library turned read-only meanwhile.
        self._set_read_only(why)
        self.refuse(what)

    def action_highlight(self) -> None:
        span = self._span()
        if span is None:
            return
        if self.read_only_why is not None:
            self.refuse("the highlight is not saved")
            return
        self.save_annotation(self.query_one(Reader).transcript_id, None, span, NoteDraft())

    def action_annotate(
        self, draft: NoteDraft | None = None, span: tuple[int, int] | None = None, annotation_id: str | None = None
    ) -> None:
        span = span or self._span()
        if span is None:
            return
        reader = self.query_one(Reader)
        quote = reader.quote(*span)

        tid = reader.transcript_id

        def done(result: NoteDraft | None) -> None:
            if result is not None:
                self.save_annotation(tid, annotation_id, span, result)

        title = "Edit annotation" if annotation_id else "Annotate"
        if draft is None:  # (a draft is back after a failed save: that was said)
            self._warn_editor()
        self.push_screen(_Editor(quote, draft, title=title), done)

    def _warn_editor(self) -> None:
        if self.read_only_why is not None:
            self.refuse("you can write the note, but it cannot be saved")

    @work(thread=True, group="annotate")
    def save_annotation(
        self, tid: int | None, annotation_id: str | None, span: tuple[int, int], draft: NoteDraft
    ) -> None:
        try:
            if annotation_id is None:
                backend.create_annotation(self.paths, tid, span, draft)
            else:
                backend.update_annotation(self.paths, annotation_id, draft)
        except backend.StoreError as e:
            # Nothing typed is lost: reopen the editor with the same draft.
            if isinstance(e, backend.ReadOnly):
                what = "the note is not saved" if draft.note or draft.tags else "the highlight is not saved"
                self.call_from_thread(self._refused, e.why, what)
            else:
                self.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            if draft.note or draft.tags:
                self.call_from_thread(self.action_annotate, draft, span, annotation_id)
            return
        self.call_from_thread(self._annotations_changed)

    def _annotations_changed(self) -> None:
        reader = self.query_one(Reader)
        reader.action_clear_selection()
        self.refresh_marks()
        self.load_annotations()
        self.load_library()

    def refresh_marks(self) -> None:
        tid = self.query_one(Reader).transcript_id
        if tid is not None:
            self._refresh_marks(tid)

    @work(thread=True, exclusive=True, group="marks")
    def _refresh_marks(self, tid: int) -> None:
        try:
            marks = backend.annotation_marks(self.paths, tid)
        except backend.StoreError:
            return
        self.call_from_thread(self._set_marks, tid, marks)

    def _set_marks(self, tid: int, marks: list[Mark]) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id == tid:
            reader.set_annotations(marks)
            self._update_status()

    def load_annotations(self) -> None:
        pane = self.query_one(AnnotationsPane)
        tid = None if pane.whole_library else self.query_one(Reader).transcript_id
        self._load_annotations(tid, pane.whole_library)

    @work(thread=True, exclusive=True, group="annotations")
    def _load_annotations(self, tid: int | None, whole_library: bool) -> None:
        try:
            items = backend.annotation_views(self.paths, tid, whole_library=whole_library)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self.query_one(AnnotationsPane).set_items, items)

    @on(AnnotationsPane.ScopeChanged)
    def _scope(self) -> None:
        self.load_annotations()

    @on(AnnotationsPane.Picked)
    def _picked(self, event: AnnotationsPane.Picked) -> None:
        a: AnnotationView = event.annotation
        if event.action == "open":
            if a.transcript_id is None:
                self.notify("Its transcript was removed; the annotation is kept for export.", timeout=4)
                return
            reader = self.query_one(Reader)
            if reader.transcript_id == a.transcript_id:
                reader.move_to(a.first, center=True)
                self._seek_to_cursor()
                self.action_focus_pane("reader")
            else:
                self.open_transcript(a.transcript_id, True, a.first)
        elif event.action == "edit":
            draft = NoteDraft(note=a.note, tags=" ".join(a.tags), color=a.color)
            self._warn_editor()
            self.push_screen(
                _Editor(a.quote, draft, title="Edit annotation"),
                lambda result: (
                    self.save_annotation(a.transcript_id, a.id, (a.first, a.first), result) if result else None
                ),
            )
        elif event.action == "delete":
            if self.read_only_why is not None:
                self.refuse("the annotation is not deleted")
                return
            self.delete_annotation(a.id)

    @work(thread=True, group="annotate")
    def delete_annotation(self, annotation_id: str) -> None:
        try:
            undo = backend.delete_annotation(self.paths, annotation_id)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "the annotation is not deleted")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self._deleted.append(undo)
        self.call_from_thread(self.notify, "Annotation deleted (u to undo).", timeout=4)
        self.call_from_thread(self._annotations_changed)

    @on(AnnotationsPane.Undo)
    def _undo(self) -> None:
        if self.read_only_why is not None:
            self.refuse("nothing is undone")
            return
        if not self._deleted:
            self.notify("Nothing to undo.", timeout=2)
            return
        self.undo_delete(self._deleted.pop())

    @work(thread=True, group="annotate")
    def undo_delete(self, undo: object) -> None:
        try:
            backend.restore_annotation(self.paths, undo)
        except backend.StoreError as e:
            self._deleted.append(undo)
            if isinstance(e, backend.ReadOnly):
                self.call_from_thread(self._refused, e.why, "nothing is undone")
            else:
                self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, "Annotation restored.", timeout=2)
        self.call_from_thread(self._annotations_changed)

    def action_copy_quote(self) -> None:
        reader = self.query_one(Reader)
        span = self._span()
        if span is None:
            return
        text = backend.quote_for_clipboard(
            reader.title,
            reader.quote(*span),
            reader.segments[span[0]].start,
            reader.segments[span[1]].end or reader.segments[span[1]].start,
            reader.url,
            estimated=reader.estimated,
        )
        self.copy_to_clipboard(text)
        self.notify("Copied the quote with its time.", timeout=2)

    # -- other sessions --------------------------------------------------------

    @work(thread=True, exclusive=True, group="poll")
    def poll_changes(self) -> None:
        if self.read_only_why is not None:
            # While read-only, look whether it can be written again (room
            # made on the disk, the home remounted).
            try:
                why = backend.read_only_why(self.paths)
            except backend.StoreError:
                why = self.read_only_why
            if why != self.read_only_why:
                self.call_from_thread(self._set_read_only, why)
        version = backend.data_version(self.paths)
        if version is None:
            return
        if self._data_version is not None and version != self._data_version:
            self.call_from_thread(self._changed_elsewhere)
        self._data_version = version

    def _changed_elsewhere(self) -> None:
        self.load_library()
        self.load_annotations()
        self.refresh_marks()


def run_app(
    paths: Paths, *, demo: bool = False, open_id: int | None = None, mouse: bool = True, media: str | None = None
) -> int:
    if os.environ.get("NO_COLOR"):
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "standard")
    app = HarkApp(paths, demo=demo, open_id=open_id, media=media)
    app.run(mouse=mouse)
    return app.return_code or 0


__all__ = ["FilterList", "HarkApp", "StatusLine", "run_app"]

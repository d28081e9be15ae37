"""The hark app: one screen, four panes, every action on a key.

Library, Search and Annotations stand in a column beside the Reader. All
store work (loading, searching, saving) runs in thread workers through
`tui.backend`; the UI thread only shows what is already loaded. A store
failure is one notification (the same one not again while it is shown),
and the app goes on: a damaged library turns it read-only, a damaged
search index is rebuilt (searching.py).
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from hark.store.paths import Paths
from hark.store.text import clean_line, format_time

from . import backend, keys, themes
from .annotating import AnnotationActions
from .config import load_config
from .config import save_config as save_config_file
from .copying import CopyActions
from .finding import FindActions, FindBar
from .layout import Layout
from .naming import NamingActions
from .panes import AnnotationsPane, FilterList, LibraryPane, Pane, SearchPane, library_titles
from .player import PlayerClock, Playhead
from .playing import PlayingActions
from .reader import Reader
from .screens import HelpScreen
from .screenshots import screenshot_folder
from .searching import SearchActions
from .views import HitView, Mark

POLL_SECONDS = 2.0  # how often to look for other sessions' changes
COMPACT_BELOW = 45  # terminal rows under which the Library shows one line a transcript


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """


class PaneStrip(Static):
    """At 80 columns only one side pane shows: this line says which, and
    the keys to the others."""

    DEFAULT_CSS = """
    PaneStrip { height: 1; display: none; background: $panel; color: $text-muted; }
    """

    def show(self, active: str) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (pane, label) in enumerate(SIDE_PANES):
            if i:
                t.append("  ")
            t.append(label, style="bold reverse" if pane == active else "")
        self.update(t)


# The side panes in the strip, with their keys (tui/keys.py APP).
SIDE_PANES = (("library", "1 Library"), ("search", "3 Search"), ("annotations", "4 Annotations"))


class HarkApp(PlayingActions, AnnotationActions, CopyActions, NamingActions, SearchActions, FindActions, App[int]):
    TITLE = "hark"
    ENABLE_COMMAND_PALETTE = True

    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #side { width: 44; }
    #side > Pane { height: 1fr; }
    #side > LibraryPane { height: 2fr; }
    #side > SearchPane { height: 2fr; }
    #reader-pane { width: 1fr; border: round $hark-border; background: $surface; align-horizontal: center; }
    #reader-pane:focus-within { border: round $primary; }
    #reader-pane > Reader { height: 1fr; }
    /* 80 columns: the side column shows only the pane in use, like tabs */
    Screen.-narrow #side { width: 34; }
    Screen.-narrow #side > Pane { display: none; height: 1fr; }
    Screen.-narrow #side > Pane.-active { display: block; }
    Screen.-narrow #side > PaneStrip { display: block; }
    /* z: the reader has the whole screen */
    Screen.-zoom #side { display: none; }
    Screen.-zoom #reader-pane { display: block; }
    /* very narrow: one pane at a time */
    Screen.-tiny #side { width: 1fr; }
    Screen.-tiny.-reading #side { display: none; }
    Screen.-tiny #reader-pane { display: none; }
    Screen.-tiny.-reading #reader-pane { display: block; }
    """

    BINDINGS = keys.APP

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
        _freeze_imports()
        self.paths = paths
        self.media = media  # hark open ID --media FILE
        self.demo = demo
        self.open_id = open_id
        self.config, self.config_problems = load_config(paths)
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
        self._shown_errors: dict[str, float] = {}  # error notification -> until when it is on screen
        # The search index (searching.py): the status line's note while it is
        # built, whether a build is under way, the search waiting for it.
        self._indexing: str | None = None
        self._indexing_shown = False  # (the status line has an index note to clear)
        self._index_work = False
        self._pending_search: tuple[str, bool] | None = None
        self._heal_failed_at: float | None = None
        self.started = time.perf_counter()
        self.first_paint: float | None = None
        # Before the app runs: the stylesheet is parsed once, with the
        # theme's colours (a theme set on mount parses it all again).
        self._theme_problems = self._choose_theme()
        self.library_painted: float | None = None  # seconds from start until the library list was drawn
        # The library is read from the start, beside Textual's own start:
        # its list is what the first screen waits for (load_library takes it).
        self._first_read: Future | None = _read_ahead(self._read_library)

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="side"):
                yield PaneStrip(id="pane-strip")
                yield LibraryPane()
                yield SearchPane()
                yield AnnotationsPane()
            with Vertical(id="reader-pane"):
                yield Reader(id="reader")
                yield FindBar()
        yield StatusLine(id="status")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return themes.hark_variables(self.current_theme)

    def _choose_theme(self) -> list[str]:
        problems = themes.register_all(self, self.paths)
        self._choosing_theme = True
        # On a terminal with only 16 colours, the configured theme's 16-colour
        # sibling (tinted bands would all turn the same grey there).
        problems += themes.apply_theme(self, themes.theme_for_terminal(self.config.theme, self.console.color_system))
        self._choosing_theme = False
        return problems

    def on_mount(self) -> None:
        problems = list(self.config_problems) + self._theme_problems
        problems += keys.apply_keymap(self, self.config)
        for p in problems:
            self.notify(p, severity="warning", timeout=8)
        self.query_one("#reader-pane").border_title = "2 Reader"
        # A readable measure on a wide screen: the reader's column is
        # capped and centred in its pane (reading.measure in config.yaml).
        self.query_one(Reader).styles.max_width = self.config.reading.measure or None
        self.sub_title = "demo library (throwaway)" if self.demo else str(self.paths.data)
        self._set_active("library")
        self.query_one(LibraryPane).focus_default()
        self._apply_size(self.size.width, self.size.height)
        self.load_library()
        # No transcript is open yet: the Annotations pane's empty hint, with
        # no worker (nor the annotations module's import) at start.
        self.query_one(AnnotationsPane).set_items([])
        if self.watch_changes:
            self.set_interval(POLL_SECONDS, self.poll_changes)
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.first_paint = time.perf_counter() - self.started

    def on_resize(self, event) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        self.screen.set_class(width < 100, "-narrow")
        self.screen.set_class(width < 70, "-tiny")
        # A short terminal: one line per transcript, so more of them show.
        self.query_one(LibraryPane).set_compact(height < COMPACT_BELOW)

    def action_zoom(self) -> None:
        """The reader has the whole screen, and back (z)."""
        zoomed = not self.screen.has_class("-zoom")
        self.screen.set_class(zoomed, "-zoom")
        if zoomed:
            self.action_focus_pane("reader")

    def _set_active(self, pane: str) -> None:
        # The side column (narrow layouts) keeps showing the side pane used
        # last while the reader has focus.
        if pane != "reader":
            self._side_pane = pane
        for p in self.query(Pane):
            p.set_class(p.id == self._side_pane, "-active")
        self.query_one(PaneStrip).show(self._side_pane)
        self.screen.set_class(pane == "reader", "-reading")

    def watch_theme(self, theme: str) -> None:
        # The user's choice persists; the start-up choice (maybe a 16-colour
        # sibling of the configured theme) does not overwrite the config.
        if self.is_mounted and not self._choosing_theme and theme != self.config.theme and not self.demo:
            self.config.theme = theme
            self.save_config()

    @work(thread=True, group="config")
    def save_config(self) -> None:
        for problem in save_config_file(self.paths, self.config):
            self.call_from_thread(self.notify, problem, severity="error")

    # -- focus and panes -----------------------------------------------------

    def _pane_of_focus(self) -> str:
        node = self.focused
        while node is not None:
            if node.id in self.PANES:
                return node.id
            if isinstance(node, Reader) or node.id == "reader-pane":  # (the find box too)
                return "reader"
            node = node.parent
        return "library"

    def on_descendant_focus(self, event) -> None:
        self._set_active(self._pane_of_focus())

    def action_focus_pane(self, pane: str) -> None:
        if pane != "reader":
            self.screen.remove_class("-zoom")  # a side pane asked for: the reader gives room back
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
        self.push_screen(HelpScreen(keys.help_sections(getattr(self, "_keymap", None))))

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        # Textual's default folder is ~/Downloads, which servers lack.
        if path is None:
            path = str(screenshot_folder(None if self.demo else self.paths.data))
        return super().deliver_screenshot(filename, path, time_format)

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
        yield from self.copy_commands()
        yield from self.naming_commands()  # rename; annotations export and import
        if self.query_one(LibraryPane).items == [] and not self.demo:
            yield SystemCommand("Add the sample library", "Import hark's sample transcripts", self.action_add_samples)

    def _toggle_aside(self) -> None:
        self.query_one(Reader).action_toggle_aside()

    # -- the library ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="library")
    def load_library(self) -> None:
        first, self._first_read = self._first_read, None
        try:
            items, counts, read_only, titles = first.result() if first is not None else self._read_library()
        except backend.StoreError as e:
            self.call_from_thread(self.store_failed, e)
            return
        self.call_from_thread(self._show_library, items, counts, read_only, titles)

    def _read_library(self) -> tuple[list, dict[int, int], str | None, dict[int, str]]:
        if self._data_version is None and self.watch_changes:
            # The baseline for noticing other sessions' writes is taken
            # before reading, so a write in between is not missed.
            self._data_version = backend.data_version(self.paths)
        items, counts, read_only = backend.library_items(self.paths)
        return items, counts, read_only, library_titles(items)  # (titles here, not on the UI thread)

    def _show_library(self, items, counts, read_only: str | None = None, titles=None) -> None:
        pane = self.query_one(LibraryPane)
        pane.read_only = read_only  # before the items: an empty library's hint says why
        pane.set_items(items, counts, titles)
        self._set_read_only(read_only)
        if self.library_painted is None:
            self.call_after_refresh(self._library_painted)
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
            # Once the list is drawn: reading and laying out a transcript
            # must not hold up the first screen.
            self.call_after_refresh(self._open_first)
        if not self._warmed:
            # Only once the first screen is drawn (and after the transcript
            # shown first is on its way): opening (or rebuilding) the index
            # must not compete with showing the library.
            self._warmed = True
            self.call_after_refresh(self._after_first_screen)

    def _open_first(self) -> None:
        """Open the transcript read last, or the first in the list, unless
        one is open or being opened already."""
        try:
            pane, reader = self.query_one(LibraryPane), self.query_one(Reader)
        except NoMatches:  # closing: the screen is already gone
            return
        if reader.transcript_id is not None or not pane.items:
            return
        if any(w.group == "open" and not w.is_finished for w in self.workers):
            return
        opened = [t for t in pane.items if t.opened]
        first = max(opened, key=lambda t: t.opened) if opened else pane.first()
        if first is not None:
            self.open_transcript(first.id, focus=False)

    def _library_painted(self) -> None:
        self.library_painted = time.perf_counter() - self.started

    def _after_first_screen(self) -> None:
        self.warm_search()
        self.find_copies_later()

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
            self.call_from_thread(self.store_failed, e)
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
        self.leaving_transcript(tid)  # the jump list (finding.py)
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
        except backend.StoreError as e:
            self.call_from_thread(self.store_failed, e)
            return
        try:
            marks = backend.annotation_marks(self.paths, tid) if t is not None else []
        except backend.StoreError as e:
            # Damaged annotations: the transcript is still shown, without them.
            marks = []
            self.call_from_thread(self.store_failed, e)
        if t is None:
            self.call_from_thread(self.notify, f"Transcript {tid} is no longer in the library.", severity="warning")
            return
        if get_current_worker().is_cancelled:
            return
        # Its rows are wrapped here, not on the UI thread (load() wraps
        # again only if the reader's width changed meanwhile).
        try:
            layout = self.query_one(Reader).prepare(t.segments, t.chapters, t.set_aside)
        except NoMatches:  # closing: the screen is already gone
            return
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._show_transcript, t, marks, focus, segment, matches, layout)

    def _show_transcript(
        self, t, marks: list[Mark], focus: bool, segment: int | None, matches, layout: Layout | None = None
    ) -> None:
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
            aligned=t.aligned,
            layout=layout,
        )
        self.show_speaker_names(t.info.metadata)
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
        self.offer_alignment(t.info)

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

    # -- the status line -----------------------------------------------------

    def _status(self, text: Text) -> None:
        # One fixed-height line: no layout pass on every keystroke.
        self.query_one(StatusLine).update(text, layout=False)

    def _update_status(self) -> None:
        reader = self.query_one(Reader)
        seg = reader.current
        if seg is None:
            note = Text(style="bold")
            if self.read_only_why is not None and reader.transcript_id is None and self.query_one(LibraryPane).items:
                note.append(f"read-only ({self.read_only_why})")
            if self._indexing is not None:
                note.append(f"{'  ' if note else ''}{self._indexing}")
            if note or self._indexing_shown:
                self._status(note)
            self._indexing_shown = self._indexing is not None
            return
        approx = reader.time_mark(reader.cursor)
        t = Text(no_wrap=True, overflow="ellipsis")
        if self.read_only_why is not None:
            # First, so a narrow terminal does not cut it off.
            t.append("read-only", style="bold reverse")
            t.append("  ")
        if self._indexing is not None:
            t.append(self._indexing, style="bold")
            t.append("  ")
        t.append(clean_line(reader.title)[:50], style="bold")
        if seg.speaker:
            t.append(f"  {clean_line(reader.speaker_name(seg.speaker) or '')}")
        t.append(f"  {approx}{format_time(seg.start)} / {format_time(reader.duration)}")
        state = "▶" if self.playhead.playing else "⏸"
        t.append(f"  {state} {approx}{format_time(self.playhead.position)} {self.playhead.speed:g}x")
        if isinstance(self.playhead, PlayerClock) and self.playhead.live:
            t.append("  mpv", style="bold")
        t.append("  follow" if self.follow else "  not following (f)", style="" if self.follow else "italic")
        find = self.find_note()
        if find:
            t.append(f"  {find}", style="bold")
        timing = reader.timing_note()
        if timing:
            t.append(f"  {timing}", style="italic")
        mark = reader.annotation_at(reader.cursor)
        if mark is not None:
            t.append("  ✎ ", style="bold")
            t.append(clean_line(mark.note) if mark.note else "(highlight)", style="italic")
        self._status(t)

    def _seek_to_cursor(self) -> None:
        reader = self.query_one(Reader)
        if reader.current is not None and not self.playhead.playing:
            self.playhead.seek(reader.current.start)
            reader.set_playhead(self.playhead.position)

    # -- a read-only library ---------------------------------------------------

    def _set_read_only(self, why: str | None) -> None:
        """The library turned read-only (full disk, read-only home) or
        writable again: say so once, and keep "read-only" on the status
        line while it lasts."""
        if why == self.read_only_why:
            return
        was, self.read_only_why = self.read_only_why, why
        if backend.is_damaged(why) and not backend.is_damaged(was):
            self._damage_notice(why)
        elif why is not None and was is None:
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

    def store_failed(self, e: backend.StoreError) -> None:
        """A store call failed: one notification. A library found damaged
        (or a disk found full) meanwhile turns the app read-only, which
        says so itself."""
        if isinstance(e, backend.ReadOnly) and e.why != self.read_only_why and e.why != "read-only":
            self._set_read_only(e.why)
        elif isinstance(e, backend.Damaged):
            self._damage_notice(e.why)  # the same words as when it was found: not repeated while shown
        else:
            self.notify(str(e), severity="error", timeout=8)

    def _damage_notice(self, why: str) -> None:
        self.notify(
            f"{backend.damage_line(why)}. Reading only: annotations and the reading position are not saved.",
            severity="error",
            timeout=15,
        )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # The same error is not said again while it is on screen: a storm
        # of keys that each meet one damaged page gives one notification.
        if severity == "error":
            now = time.monotonic()
            key = f"{title}\n{message}"
            if self._shown_errors.get(key, 0.0) > now:
                return
            self._shown_errors[key] = now + (timeout if timeout is not None else self.NOTIFICATION_TIMEOUT)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def refuse(self, what: str) -> None:
        """A write asked for on a read-only library: one notification."""
        self.notify(f"Read-only ({self.read_only_why}): {what}.", severity="warning", timeout=6)

    def _refused(self, why: str, what: str) -> None:
        # A write failed because the library turned read-only meanwhile.
        self._set_read_only(why)
        self.refuse(what)

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


def _freeze_imports() -> None:
    """Once a process: what is alive before the first app (modules,
    classes: alive until the end) is left out of Python's full garbage
    collections, one of which would otherwise walk it all during the
    first screen (~17 ms)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


_frozen = False


def _read_ahead(fn: Callable[[], object]) -> Future:
    """fn() in a thread of its own from now on; its result (or error) in the Future."""
    done: Future = Future()

    def run() -> None:
        try:
            done.set_result(fn())
        except BaseException as e:  # handed over: raised where the result is taken
            done.set_exception(e)

    threading.Thread(target=run, name="hark-read-library", daemon=True).start()
    return done


def run_app(
    paths: Paths, *, demo: bool = False, open_id: int | None = None, mouse: bool = True, media: str | None = None
) -> int:
    if os.environ.get("NO_COLOR"):
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "standard")
    app = HarkApp(paths, demo=demo, open_id=open_id, media=media)
    app.run(mouse=mouse)
    return app.return_code or 0


__all__ = ["FilterList", "HarkApp", "StatusLine", "run_app"]

"""The hark app: the library beside a time-synced reader.

The store is read off the UI thread (thread workers with their own library
connection); the UI only ever handles data that is already loaded.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from store.library import Library, LibraryError, StoredTranscript, TranscriptInfo
from store.paths import Paths
from store.text import clean_line, format_time

from .reader import Reader


class LibraryPane(Vertical):
    """The transcripts, filtered as you type."""

    DEFAULT_CSS = """
    LibraryPane { width: 38; border: round $panel; }
    LibraryPane:focus-within { border: round $primary; }
    LibraryPane > Input { border: none; height: 1; padding: 0 1; background: $boost; }
    LibraryPane > OptionList { border: none; height: 1fr; background: $surface; }
    LibraryPane > #library-empty { padding: 1 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(id="library")
        self.border_title = "1 Library"
        self.items: list[TranscriptInfo] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter…", id="library-filter")
        yield OptionList(id="library-list")

    def set_items(self, items: list[TranscriptInfo]) -> None:
        self.items = items
        self.refilter()

    def refilter(self) -> None:
        needle = self.query_one("#library-filter", Input).value.strip().lower()
        ol = self.query_one("#library-list", OptionList)
        highlighted = ol.highlighted_option.id if ol.highlighted_option else None
        ol.clear_options()
        for t in self.items:
            title = clean_line(t.title)
            speakers = ", ".join(clean_line(s) for s in t.speakers[:3])
            if needle and needle not in title.lower() and needle not in speakers.lower():
                continue
            approx = "≈" if t.timing == "estimated" else ""
            line = Text(title, overflow="ellipsis", no_wrap=True)
            detail = Text(f"{approx}{format_time(t.duration)} · {t.segment_count} seg", style="dim")
            if speakers:
                detail.append(f" · {speakers}", style="dim")
            ol.add_option(Option(Text.assemble(line, "\n", detail), id=str(t.id)))
        if highlighted is not None:
            try:
                ol.highlighted = ol.get_option_index(highlighted)
            except Exception:
                pass
        elif ol.option_count:
            ol.highlighted = 0

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#library-filter")
    def _filter_submitted(self) -> None:
        ol = self.query_one("#library-list", OptionList)
        if ol.option_count:
            ol.focus()
            ol.action_select()


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """


class HarkApp(App[int]):
    TITLE = "hark"
    ENABLE_COMMAND_PALETTE = True

    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #reader-pane { width: 1fr; border: round $panel; }
    #reader-pane:focus-within { border: round $primary; }
    #empty { padding: 2 4; color: $text-muted; }
    """

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("1", "focus_library", "Library", id="app.focus_library"),
        Binding("2", "focus_reader", "Reader", id="app.focus_reader"),
    ]

    def __init__(self, paths: Paths, *, demo: bool = False, open_id: int | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.demo = demo
        self.open_id = open_id
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield LibraryPane()
            with Vertical(id="reader-pane"):
                yield Reader(id="reader")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reader-pane").border_title = "2 Reader"
        self.sub_title = "demo library" if self.demo else str(self.paths.data)
        self.load_library()
        self.query_one("#library-list").focus()

    # -- loading (off the UI thread) -----------------------------------------

    def _library(self) -> Library:
        return Library(self.paths.library)

    @work(thread=True, exclusive=True, group="library")
    def load_library(self) -> None:
        try:
            with self._library() as lib:
                items = lib.list()
        except LibraryError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self._show_library, items)

    def _show_library(self, items: list[TranscriptInfo]) -> None:
        pane = self.query_one(LibraryPane)
        pane.set_items(items)
        if not items:
            self.query_one(StatusLine).update(
                "The library is empty: import transcripts with `hark import PATH...`, or try `hark --demo`."
            )
        if self.open_id is not None:
            self.open_transcript(self.open_id)
            self.open_id = None
        elif items and self.query_one(Reader).transcript_id is None:
            self.open_transcript(items[0].id, focus=False)

    @work(thread=True, exclusive=True, group="open")
    def open_transcript(self, tid: int, focus: bool = True) -> None:
        try:
            with self._library() as lib:
                t = lib.get(tid)
        except LibraryError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        if t is None:
            self.call_from_thread(self.notify, f"no transcript {tid}", severity="warning")
            return
        self.call_from_thread(self._show_transcript, t, focus)

    def _show_transcript(self, t: StoredTranscript, focus: bool) -> None:
        reader = self.query_one(Reader)
        reader.load(
            t.info.id,
            t.info.title,
            t.segments,
            chapters=t.chapters,
            estimated=t.info.timing == "estimated",
            set_aside=t.set_aside,
            cursor=t.info.position,
        )
        self.query_one("#reader-pane").border_title = f"2 Reader · {clean_line(t.info.title)}"
        if focus:
            reader.focus()

    # -- events --------------------------------------------------------------

    @on(OptionList.OptionSelected, "#library-list")
    def _library_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.open_transcript(int(event.option.id))

    @on(Reader.CursorMoved)
    def _cursor_moved(self, event: Reader.CursorMoved) -> None:
        reader = event.reader
        seg = reader.current
        if seg is None:
            return
        total = reader.segments[-1].end or reader.segments[-1].start
        approx = "≈" if reader.estimated else ""
        parts = [
            clean_line(reader.title),
            clean_line(seg.speaker) if seg.speaker else "",
            f"{approx}{format_time(seg.start)} / {format_time(total)}",
            f"{reader.cursor + 1}/{len(reader.segments)}",
        ]
        self.query_one(StatusLine).update(Text("  ·  ".join(p for p in parts if p)))

    def action_focus_library(self) -> None:
        self.query_one("#library-list").focus()

    def action_focus_reader(self) -> None:
        self.query_one(Reader).focus()

"""The reading view: a transcript as passages, rendered line by line.

A ScrollView with Textual's Line API (as toolong renders long files): no
widget per segment. `tui.layout.Layout` maps rows to passages and character
ranges; `render_line` styles just the row asked for, from cached strips.
"""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment as RichSegment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.model import NONSPEECH, Segment
from store.text import format_time

from .layout import ASIDE, HEADING, SPEAKER, TEXT, Layout

GUTTER = 10  # "≈1:02:03 " plus a space
N_SPEAKER_COLOURS = 8


class Reader(ScrollView, can_focus=True):
    """Shows one transcript; a cursor on the current segment."""

    BINDINGS = [
        Binding("j,down", "cursor(1)", "Next", show=False, id="reader.next"),
        Binding("k,up", "cursor(-1)", "Previous", show=False, id="reader.previous"),
        Binding("ctrl+d,pagedown", "half_page(1)", "½ page down", show=False, id="reader.half_down"),
        Binding("ctrl+u,pageup", "half_page(-1)", "½ page up", show=False, id="reader.half_up"),
        Binding("g,home", "start", "Start", show=False, id="reader.start"),
        Binding("G,end", "end", "End", show=False, id="reader.end"),
    ]

    COMPONENT_CLASSES = {
        "reader--time",
        "reader--estimated",
        "reader--cursor",
        "reader--cursor-gutter",
        "reader--playhead",
        "reader--match",
        "reader--nonspeech",
        "reader--heading",
        "reader--aside",
        *(f"reader--speaker-{i}" for i in range(N_SPEAKER_COLOURS)),
    }

    DEFAULT_CSS = """
    Reader {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;
    }
    Reader > .reader--time { color: $text-muted; }
    Reader > .reader--estimated { color: $text-warning; }
    Reader > .reader--cursor { background: $primary 35%; }
    Reader > .reader--cursor-gutter { color: $text-primary; text-style: bold; }
    Reader > .reader--playhead { background: $success 35%; }
    Reader > .reader--match { background: $warning 60%; color: $text; text-style: bold; }
    Reader > .reader--nonspeech { color: $text-disabled; text-style: italic; }
    Reader > .reader--heading { color: $accent; text-style: bold underline; }
    Reader > .reader--aside { color: $text-disabled; }
    Reader > .reader--speaker-0 { color: $primary; text-style: bold; }
    Reader > .reader--speaker-1 { color: $secondary; text-style: bold; }
    Reader > .reader--speaker-2 { color: $accent; text-style: bold; }
    Reader > .reader--speaker-3 { color: $success; text-style: bold; }
    Reader > .reader--speaker-4 { color: $warning; text-style: bold; }
    Reader > .reader--speaker-5 { color: $error; text-style: bold; }
    Reader > .reader--speaker-6 { color: $text-primary; text-style: bold italic; }
    Reader > .reader--speaker-7 { color: $text-secondary; text-style: bold italic; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class CursorMoved(Message):
        def __init__(self, reader: Reader, segment: int) -> None:
            super().__init__()
            self.reader = reader
            self.segment = segment

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.segments: list[Segment] = []
        self.layout_: Layout | None = None
        self.transcript_id: int | None = None
        self.title = ""
        self.estimated = False
        self.set_aside: list[str] = []
        self.show_aside = False
        self.chapter_titles: list[str] = []
        self.speaker_index: dict[str, int] = {}
        # search marks: segment -> list of (start, end) character spans
        self.marks: dict[int, list[tuple[int, int]]] = {}
        self._hours = False

    # -- content -------------------------------------------------------------

    def load(
        self,
        transcript_id: int,
        title: str,
        segments: list[Segment],
        *,
        chapters=None,
        estimated: bool = False,
        set_aside: list[str] | None = None,
        cursor: int = 0,
    ) -> None:
        self.transcript_id = transcript_id
        self.title = title
        self.segments = segments
        self.estimated = estimated
        self.set_aside = set_aside or []
        self.chapter_titles = [c.title for c in (chapters or [])]
        self.layout_ = Layout(segments, chapters)
        self.speaker_index = {}
        for s in segments:
            if s.speaker and s.speaker not in self.speaker_index:
                self.speaker_index[s.speaker] = len(self.speaker_index) % N_SPEAKER_COLOURS
        self._hours = bool(segments) and max(s.end or s.start for s in segments) >= 3600
        self.marks = {}
        self._render_row.cache_clear()
        self._reflow()
        self.set_reactive(Reader.cursor, max(0, min(cursor, len(segments) - 1)) if segments else 0)
        self.scroll_to_cursor(center=True, animate=False)
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor))

    def clear(self) -> None:
        self.load(0, "", [])
        self.transcript_id = None

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - GUTTER - 1)

    def _reflow(self) -> None:
        if self.layout_ is None:
            return
        width = self._text_width()
        self.layout_.reflow(width, self.set_aside if self.show_aside else None)
        self._render_row.cache_clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_.rows))

    def on_resize(self, event: events.Resize) -> None:
        if self.layout_ is not None and self.layout_.width != self._text_width():
            self._reflow()
            self.scroll_to_cursor(center=False, animate=False)

    def toggle_aside(self) -> None:
        self.show_aside = not self.show_aside
        self._reflow()
        self.refresh()

    # -- cursor --------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.layout_ is None:
            return
        self._render_row.cache_clear()
        self.refresh()
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new))

    def scroll_to_cursor(self, *, center: bool = False, animate: bool = False) -> None:
        if self.layout_ is None or not self.segments:
            return
        row = self.layout_.row_of(self.cursor)
        height = self.scrollable_content_region.height
        if center:
            self.scroll_to(y=max(0, row - height // 3), animate=animate, immediate=True)
            return
        top = self.scroll_offset.y
        if row < top + 1:
            self.scroll_to(y=max(0, row - 1), animate=animate, immediate=True)
        elif row >= top + height - 2:
            self.scroll_to(y=row - height + 3, animate=animate, immediate=True)

    def move_to(self, segment: int, *, center: bool = True) -> None:
        if not self.segments:
            return
        segment = max(0, min(segment, len(self.segments) - 1))
        if segment == self.cursor:
            self.scroll_to_cursor(center=center)
            return
        self.set_reactive(Reader.cursor, segment)
        self._render_row.cache_clear()
        self.refresh()
        self.scroll_to_cursor(center=center)
        self.post_message(self.CursorMoved(self, segment))

    def action_cursor(self, delta: int) -> None:
        if self.segments:
            self.cursor = max(0, min(self.cursor + delta, len(self.segments) - 1))

    def action_half_page(self, direction: int) -> None:
        if self.layout_ is None or not self.segments:
            return
        half = max(1, self.scrollable_content_region.height // 2)
        row = self.layout_.row_of(self.cursor) + direction * half
        target = self.layout_.segment_at(row)
        if target == self.cursor:
            target = max(0, min(self.cursor + direction, len(self.segments) - 1))
        self.scroll_to(y=self.scroll_offset.y + direction * half, animate=False, immediate=True)
        self.cursor = target

    def action_start(self) -> None:
        if self.segments:
            self.cursor = 0

    def action_end(self) -> None:
        if self.segments:
            self.cursor = len(self.segments) - 1

    # -- rendering -----------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._render_row.cache_clear()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.layout_ is None or row >= len(self.layout_.rows):
            return Strip.blank(width, base)
        return self._render_row(row, width)

    @lru_cache(maxsize=1024)  # noqa: B019 - cleared whenever what it depends on changes
    def _render_row(self, row: int, width: int) -> Strip:
        lay = self.layout_
        assert lay is not None
        r = lay.rows[row]
        base = self.rich_style
        gs = self.get_component_rich_style
        gutter = Text(" " * GUTTER, style=base, end="")
        body = Text(end="", style=base)
        if r.kind == HEADING:
            body = Text(self.chapter_titles[r.passage], style=gs("reader--heading"), end="")
        elif r.kind == SPEAKER:
            p = lay.passages[r.passage]
            colour = self.speaker_index.get(p.speaker or "", 0)
            body = Text(p.speaker or "", style=gs(f"reader--speaker-{colour}"), end="")
        elif r.kind == ASIDE:
            block = " ".join(self.set_aside[r.passage].split())
            body = Text(block[r.start : r.end], style=gs("reader--aside"), end="")
        elif r.kind == TEXT:
            gutter, body = self._text_row(r, row)
        line = Text.assemble(gutter, body, end="")
        segments = list(line.render(self.app.console))
        strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
        return strip.simplify()

    def _text_row(self, r, row: int) -> tuple[Text, Text]:
        lay = self.layout_
        assert lay is not None
        gs = self.get_component_rich_style
        base = self.rich_style
        text = lay.texts[r.passage]
        body = Text(text[r.start : r.end], style=base, end="")
        on_row = lay.segments_on(row)
        p = lay.passages[r.passage]
        if p.nonspeech:
            body.stylize(gs("reader--nonspeech"))
        cursor_style = gs("reader--cursor")
        for si in on_row:
            a = max(lay.seg_offset[si], r.start) - r.start
            b = min(lay.seg_end(si), r.end) - r.start
            if si == self.cursor:
                # Cover the space after the segment too, so the highlight
                # reads as one block across the row.
                body.stylize(cursor_style, a, min(b + 1, r.end - r.start))
            for ms, me in self.marks.get(si, ()):
                ma = lay.seg_offset[si] + ms - r.start
                mb = lay.seg_offset[si] + me - r.start
                if mb > 0 and ma < r.end - r.start:
                    body.stylize(gs("reader--match"), max(0, ma), min(mb, r.end - r.start))
        # The gutter shows a time where a passage starts and where the cursor is.
        stamp_seg = None
        if row == lay.passage_row[r.passage]:
            stamp_seg = p.first
        if self.cursor in on_row and lay.seg_offset[self.cursor] >= r.start:
            stamp_seg = self.cursor
        gutter = Text(" " * GUTTER, style=base, end="")
        if stamp_seg is not None:
            s = self.segments[stamp_seg]
            stamp = format_time(s.start, always_hours=self._hours)
            mark = "≈" if self.estimated else " "
            style = gs("reader--cursor-gutter") if stamp_seg == self.cursor else gs("reader--time")
            gutter = Text.assemble(
                Text(mark, style=gs("reader--estimated") if self.estimated else base),
                Text(f"{stamp:>{GUTTER - 2}} ", style=style),
                end="",
            )
        return gutter, body

    # -- what the app asks ---------------------------------------------------

    @property
    def current(self) -> Segment | None:
        if not self.segments:
            return None
        return self.segments[self.cursor]

    def is_nonspeech(self, si: int) -> bool:
        return self.segments[si].kind == NONSPEECH

    def visible_text(self) -> str:
        """The rows on screen as plain text (tests and the tmux check)."""
        if self.layout_ is None:
            return ""
        out = []
        for y in range(self.scrollable_content_region.height):
            strip = self.render_line(y)
            out.append("".join(seg.text for seg in strip if isinstance(seg, RichSegment)).rstrip())
        return "\n".join(out)

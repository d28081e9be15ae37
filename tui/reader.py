"""The reading view: a transcript as passages, rendered line by line.

A ScrollView with Textual's Line API (as toolong renders long files): no
widget per segment. `tui.layout.Layout` maps rows to passages and character
ranges; `render_line` styles just the row asked for, from an LRU cache of
strips that is cleared whenever something they show changes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment as RichSegment
from rich.text import Text
from textual import events, on
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hark.store.model import Segment
from hark.store.text import format_time

from . import keys
from .layout import ASIDE, HEADING, SPEAKER, TEXT, Layout, Wrapped, aside_lines
from .player.playhead import locate
from .views import TIME_MARKS, Mark

GUTTER = 10  # playhead mark, time mark (≈ estimated, ↔ aligned), time, space
STRIP = 2  # a space and the overview strip at the right edge
N_SPEAKER_COLOURS = 8
WRAP_IN_THREAD = 2000  # segments from which a resize re-wraps in a thread (~15 ms below)
COLOURS = ("yellow", "green", "blue", "pink")


class Reader(ScrollView, can_focus=True):
    """Shows one transcript: a cursor on the current segment, the playhead,
    search matches, annotated spans and a selection."""

    BINDINGS = keys.READER

    COMPONENT_CLASSES = {
        "reader--time",
        "reader--estimated",
        "reader--aligned",
        "reader--cursor",
        "reader--cursor-gutter",
        "reader--playhead",
        "reader--playhead-mark",
        "reader--selection",
        "reader--match",
        "reader--nonspeech",
        "reader--heading",
        "reader--aside",
        "reader--strip",
        "reader--strip-hit",
        "reader--strip-view",
        *(f"reader--speaker-{i}" for i in range(N_SPEAKER_COLOURS)),
        *(f"reader--highlight-{c}" for c in COLOURS),
    }

    DEFAULT_CSS = """
    Reader {
        background: $surface;
        color: $foreground;
        scrollbar-gutter: stable;
    }
    Reader > .reader--time { color: $hark-timestamp; }
    Reader > .reader--estimated { color: $text-warning; }
    Reader > .reader--aligned { color: $text-accent; }
    Reader > .reader--cursor { background: $hark-cursor; color: $hark-cursor-foreground; text-style: bold; }
    Reader > .reader--cursor-gutter { color: $text-primary; text-style: bold; }
    Reader > .reader--playhead { background: $hark-playhead; color: $hark-playhead-foreground; }
    Reader > .reader--playhead-mark { color: $success; text-style: bold; }
    Reader > .reader--selection { text-style: underline; background: $hark-cursor 50%; }
    /* NO_COLOR: colours are dropped, so the bands differ by style alone */
    Reader.-no-color > .reader--cursor { text-style: reverse bold; }
    Reader.-no-color > .reader--playhead { text-style: italic; }
    Reader.-no-color > .reader--selection { text-style: underline; }
    Reader > .reader--match { background: $hark-match; color: $hark-match-foreground; text-style: bold; }
    Reader > .reader--nonspeech { color: $hark-nonspeech; text-style: italic; }
    Reader > .reader--heading { color: $accent; text-style: bold underline; }
    Reader > .reader--aside { color: $text-disabled; }
    Reader > .reader--strip { color: $panel-lighten-1; }
    Reader > .reader--strip-hit { color: $hark-match; }
    Reader > .reader--strip-view { color: $text-muted; }
    Reader > .reader--speaker-0 { color: $hark-speaker-1; text-style: bold; }
    Reader > .reader--speaker-1 { color: $hark-speaker-2; text-style: bold; }
    Reader > .reader--speaker-2 { color: $hark-speaker-3; text-style: bold; }
    Reader > .reader--speaker-3 { color: $hark-speaker-4; text-style: bold; }
    Reader > .reader--speaker-4 { color: $hark-speaker-5; text-style: bold; }
    Reader > .reader--speaker-5 { color: $hark-speaker-6; text-style: bold; }
    Reader > .reader--speaker-6 { color: $hark-speaker-7; text-style: bold; }
    Reader > .reader--speaker-7 { color: $hark-speaker-8; text-style: bold; }
    Reader > .reader--highlight-yellow { background: $hark-highlight-yellow; color: $hark-highlight-foreground; }
    Reader > .reader--highlight-green { background: $hark-highlight-green; color: $hark-highlight-foreground; }
    Reader > .reader--highlight-blue { background: $hark-highlight-blue; color: $hark-highlight-foreground; }
    Reader > .reader--highlight-pink { background: $hark-highlight-pink; color: $hark-highlight-foreground; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class CursorMoved(Message):
        def __init__(self, reader: Reader, segment: int, by_user: bool) -> None:
            super().__init__()
            self.reader = reader
            self.segment = segment
            self.by_user = by_user

    class Jumped(Message):
        """The cursor is about to jump (g, G, n, N, a hit, an annotation, a
        time): where it was, for the jump list (tui/finding.py)."""

        def __init__(self, reader: Reader, transcript_id: int, segment: int) -> None:
            super().__init__()
            self.reader = reader
            self.transcript_id = transcript_id
            self.segment = segment

    class Loaded(Message):
        """A transcript was loaded (the find waiting for it can be shown)."""

        def __init__(self, reader: Reader, transcript_id: int) -> None:
            super().__init__()
            self.reader = reader
            self.transcript_id = transcript_id

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.segments: list[Segment] = []
        self.starts: list[float] = []
        self.layout_: Layout | None = None
        self.transcript_id: int | None = None
        self.title = ""
        self.url: str | None = None
        self.estimated = False
        # An aligned transcript (times carried from a copy): per segment,
        # True where its start was matched, False where it is estimated.
        self.aligned: list[bool] = []
        self.set_aside: list[str] = []
        self.show_aside = False
        self.chapter_titles: list[str] = []
        self.speaker_index: dict[str, int] = {}
        self.speaker_names: dict[str, str] = {}  # label -> the user's name (tui/naming.py)
        self.duration = 0.0
        # search: segment -> (start, end) character spans; sorted hit segments
        self.matches: dict[int, list[tuple[int, int]]] = {}
        self.hits: list[int] = []
        # annotations: marks, and per segment the mark shown there
        self.annotations: list[Mark] = []
        self._mark_at: dict[int, Mark] = {}
        self.selection_anchor: int | None = None
        self.selecting = False
        self.playhead_seg: int | None = None
        self.playhead_inside = False
        self._hours = False
        self._moving = False  # a move made by the program, not the user
        self._cache: dict[tuple[int, int], Strip] = {}
        self._wraps = 0  # counts re-wraps: a thread's result for an older one is dropped
        self._wrap_width: int | None = None  # the width a thread is re-wrapping for

    @on(events.Mount)
    def _style_for_no_color(self) -> None:
        # NO_COLOR (App.no_color) strips every colour: cursor, playhead and
        # selection would look alike, so the CSS gives each its own style.
        self.set_class(self.app.no_color, "-no-color")

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
        url: str | None = None,
        aligned: list[bool] | None = None,
        layout: Layout | None = None,
    ) -> None:
        """Show a transcript (layout: prepare()'s, made in a worker; used
        when it is still right for the reader's width)."""
        self.transcript_id = transcript_id
        self.title = title
        self.url = url
        self.segments = segments
        self.starts = [s.start for s in segments]
        self.estimated = estimated
        self.aligned = list(aligned) if aligned and len(aligned) == len(segments) else []
        self.set_aside = set_aside or []
        self.chapter_titles = [c.title for c in (chapters or [])]
        ready = layout is not None and layout.segments is segments
        self.layout_ = layout if layout is not None and ready else Layout(segments, chapters)
        self.speaker_index = {}
        for s in segments:
            if s.speaker and s.speaker not in self.speaker_index:
                self.speaker_index[s.speaker] = len(self.speaker_index) % N_SPEAKER_COLOURS
        self.duration = max((s.end or s.start) for s in segments) if segments else 0.0
        self._hours = self.duration >= 3600
        self.matches, self.hits = {}, []
        self.annotations, self._mark_at = [], {}
        self.selection_anchor, self.selecting = None, False
        self.playhead_seg, self.playhead_inside = None, False
        if ready and self.layout_.width == self._text_width() and self.layout_.aside == self._aside_lines():
            self._wraps += 1  # (a re-wrap of the transcript before is stale)
            self._wrap_width = None
            self._invalidate()
            self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_.rows))
        else:
            self._reflow()
        self.set_reactive(Reader.cursor, max(0, min(cursor, len(segments) - 1)) if segments else 0)
        self.scroll_to_cursor(center=True)
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor, by_user=False))
        self.post_message(self.Loaded(self, transcript_id))

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - GUTTER - STRIP)

    def _reflow(self) -> None:
        if self.layout_ is None:
            return
        self._wraps += 1  # a re-wrap under way in a thread is stale now
        self._wrap_width = None
        self.layout_.reflow(self._text_width(), self._aside_shown())
        self._invalidate()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_.rows))

    def _invalidate(self) -> None:
        self._cache.clear()
        self.refresh()

    def _rows_of(self, si: int) -> range:
        """The rows segment si is drawn on."""
        lay = self.layout_
        if lay is None or not (0 <= si < len(self.segments)):
            return range(0)
        first = lay.row_of(si)
        last = first
        end = lay.seg_end(si)
        pi = lay.seg_passage[si]
        while last + 1 < len(lay.rows) and lay.rows[last + 1].kind == TEXT and lay.rows[last + 1].passage == pi:
            if lay.rows[last + 1].start >= end:
                break
            last += 1
        return range(first, last + 1)

    def _invalidate_segments(self, *segments: int | None) -> None:
        """Redraw only the rows of these segments (a cursor move touches
        two segments, not the screen)."""
        for si in segments:
            if si is None:
                continue
            rows = self._rows_of(si)
            for r in rows:
                for key in [k for k in self._cache if k[0] == r]:
                    del self._cache[key]
            if rows:
                self.refresh_lines(rows.start, len(rows))

    def on_resize(self, event: events.Resize) -> None:
        width = self._text_width()
        if self.layout_ is None or width == self._wrap_width:
            return  # (already being re-wrapped for this width)
        self._wraps += 1  # a re-wrap still under way is for another width now
        self._wrap_width = None
        if self.layout_.width == width:
            return
        if len(self.segments) < WRAP_IN_THREAD:
            self._reflow()
            self.scroll_to_cursor()
            return
        # A long transcript takes up to a third of a second to re-wrap: in a
        # thread, the old wrap shown (cut at the new width) until it is done.
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_.rows))
        self._invalidate()
        layout, aside, wrap_id = self.layout_, self._aside_shown(), self._wraps
        self._wrap_width = width
        self.run_worker(
            lambda: self._rewrap(layout, width, aside, wrap_id), thread=True, exclusive=True, group="reader-wrap"
        )

    def _aside_shown(self) -> list[str] | None:
        return self.set_aside if self.show_aside else None

    def _aside_lines(self) -> list[str]:
        return aside_lines(self._aside_shown() or [])

    def prepare(self, segments: list[Segment], chapters=None, set_aside: list[str] | None = None) -> Layout:
        """The layout of a transcript about to be loaded, wrapped at the
        reader's width now: for a worker (a third of a second for 20,000
        segments), so that load() only shows it."""
        layout = Layout(segments, chapters)
        layout.reflow(self._text_width(), (set_aside or []) if self.show_aside else None)
        return layout

    def _rewrap(self, layout: Layout, width: int, aside: list[str] | None, wrap_id: int) -> None:
        wrapped = layout.wrapped(width, aside)
        try:
            self.app.call_from_thread(self._rewrapped, layout, wrapped, wrap_id)
        except RuntimeError:  # the app closed meanwhile
            pass

    def _rewrapped(self, layout: Layout, wrapped: Wrapped, wrap_id: int) -> None:
        # Stale (resized again, another transcript, the aside toggled): dropped.
        if wrap_id != self._wraps:
            return
        self._wrap_width = None
        if layout is not self.layout_ or wrapped.width != self._text_width():
            return
        layout.apply(wrapped)
        self._invalidate()
        self.virtual_size = Size(self.scrollable_content_region.width, len(layout.rows))
        self.scroll_to_cursor()

    def action_toggle_aside(self) -> None:
        if not self.set_aside:
            self.notify("Nothing was set aside from this transcript.", timeout=3)
            return
        self.show_aside = not self.show_aside
        self._reflow()
        if self.show_aside:
            self.scroll_to(y=self.virtual_size.height, animate=False, immediate=True)
        else:
            self.scroll_to_cursor()

    # -- search matches and annotations --------------------------------------

    def set_matches(self, matches: dict[int, list[tuple[int, int]]]) -> None:
        """Search hits in this transcript: segment -> character spans."""
        self.matches = matches
        self.hits = sorted(matches)
        self._invalidate()

    def set_speaker_names(self, names: dict[str, str]) -> None:
        """The user's names for the speaker labels (shown instead of them)."""
        if names != self.speaker_names:
            self.speaker_names = dict(names)
            self._invalidate()

    def speaker_name(self, label: str | None) -> str | None:
        """What a speaker label shows as: the user's name for it, else itself."""
        return self.speaker_names.get(label, label) if label else label

    def set_annotations(self, marks: list[Mark]) -> None:
        self.annotations = marks
        self._mark_at = {}
        for m in marks:
            for si in range(max(0, m.first), min(m.last, len(self.segments) - 1) + 1):
                self._mark_at[si] = m
        self._invalidate()

    def annotation_at(self, si: int) -> Mark | None:
        return self._mark_at.get(si)

    # -- selection -----------------------------------------------------------

    def action_select(self) -> None:
        if not self.segments:
            return
        if self.selecting:
            self.selecting = False  # the span stays selected until used or cleared
        else:
            self.selection_anchor = self.cursor
            self.selecting = True
        self._invalidate()

    def action_clear_selection(self) -> None:
        if self.selection_anchor is not None:
            self.selection_anchor, self.selecting = None, False
            self._invalidate()

    @property
    def selection(self) -> tuple[int, int]:
        """The selected span of segments, or the current segment."""
        if self.selection_anchor is None:
            return self.cursor, self.cursor
        return min(self.selection_anchor, self.cursor), max(self.selection_anchor, self.cursor)

    # -- cursor --------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.layout_ is None:
            return
        if self.selection_anchor is not None and self.selecting:
            self._invalidate()  # the selection grows or shrinks
        else:
            self._invalidate_segments(old, new)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new, by_user=not self._moving))

    def scroll_to_cursor(self, *, center: bool = False) -> None:
        if self.layout_ is None or not self.segments:
            return
        self.scroll_to_segment(self.cursor, center=center)

    def scroll_to_segment(self, si: int, *, center: bool = False) -> None:
        if self.layout_ is None or not self.segments:
            return
        row = self.layout_.row_of(si)
        height = self.scrollable_content_region.height
        if center:
            # force: right after a load Textual has not yet shown the
            # scrollbar and would refuse the scroll (the reader stayed at
            # 0:00 on start although the remembered place was 20:00).
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True, force=True)
            return
        top = self.scroll_offset.y
        if row < top + 1:
            self.scroll_to(y=max(0, row - 1), animate=False, immediate=True)
        elif row >= top + height - 2:
            self.scroll_to(y=row - height + 3, animate=False, immediate=True)

    def move_to(self, segment: int, *, center: bool = True, by_user: bool = False, jump: bool = True) -> None:
        """Put the cursor on a segment (a search hit, an annotation, a time):
        a jump, remembered in the jump list unless jump=False."""
        if not self.segments:
            return
        segment = max(0, min(segment, len(self.segments) - 1))
        if jump:
            self._jumping(segment)
        self._moving = not by_user
        try:
            if segment == self.cursor:
                self.post_message(self.CursorMoved(self, segment, by_user=by_user))
            else:
                self.cursor = segment
        finally:
            self._moving = False
        self.scroll_to_cursor(center=center)

    def _jumping(self, target: int) -> None:
        # Posted before the move, so it carries where the cursor was.
        if self.transcript_id is not None and target != self.cursor:
            self.post_message(self.Jumped(self, self.transcript_id, self.cursor))

    def segment_at_time(self, t: float) -> int:
        return max(0, bisect_right(self.starts, t) - 1)

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

    def action_page(self, direction: int) -> None:
        """A screenful (ctrl+f / ctrl+b, as in less and vim), keeping two
        rows of the last screen for context."""
        if self.layout_ is None or not self.segments:
            return
        page = max(1, self.scrollable_content_region.height - 2)
        top = max(0, min(self.scroll_offset.y + direction * page, max(0, len(self.layout_.rows) - 1)))
        self.scroll_to(y=top, animate=False, immediate=True)
        # The first segment that starts on the new screen (below its top row,
        # so the cursor does not scroll it back).
        target = self.layout_.segment_at(top + 1)
        while target + 1 < len(self.segments) and self.layout_.row_of(target) < top + 1:
            target += 1
        if target == self.cursor or (target - self.cursor) * direction < 0:
            target = max(0, min(self.cursor + direction, len(self.segments) - 1))
        self.cursor = target

    def action_passage(self, direction: int) -> None:
        """To the start of the next passage (`}`), or of this one and then
        the one before (`{`)."""
        if self.layout_ is None or not self.segments:
            return
        passages = self.layout_.passages
        pi = self.layout_.seg_passage[self.cursor]
        if direction > 0:
            target = passages[pi + 1].first if pi + 1 < len(passages) else passages[pi].last
        elif self.cursor > passages[pi].first:
            target = passages[pi].first
        else:
            target = passages[pi - 1].first if pi > 0 else 0
        self.cursor = target

    def action_start(self) -> None:
        if self.segments:
            self._jumping(0)
            self.cursor = 0

    def action_end(self) -> None:
        if self.segments:
            self._jumping(len(self.segments) - 1)
            self.cursor = len(self.segments) - 1

    def find_position(self) -> tuple[int, int]:
        """(which hit the cursor is on or after, 1-based; how many hits):
        the status line's "3/17". 0 before the first hit."""
        return bisect_right(self.hits, self.cursor), len(self.hits)

    def action_hit(self, direction: int) -> None:
        if not self.hits:
            self.notify("No search hits in this transcript: search with /", timeout=3)
            return
        if direction > 0:
            i = bisect_right(self.hits, self.cursor)
            target = self.hits[i % len(self.hits)]
        else:
            i = bisect_left(self.hits, self.cursor) - 1
            target = self.hits[i % len(self.hits)]
        if (target - self.cursor) * direction < 0:
            self.notify(
                "Search hit the " + ("end: on from the top" if direction > 0 else "top: on from the end"), timeout=2
            )
        self._jumping(target)
        self.cursor = target
        self.scroll_to_cursor(center=True)

    # -- the playhead --------------------------------------------------------

    def set_playhead(self, t: float | None) -> tuple[int, bool] | None:
        """Show the playhead at time t (None: hide it). Returns where it is."""
        if t is None or not self.segments:
            changed = self.playhead_seg is not None
            self.playhead_seg, self.playhead_inside = None, False
            if changed:
                self._invalidate()
            return None
        si, inside = locate(self.starts, self.segments, t)
        if t < self.starts[0]:
            si, inside = 0, False
        if (si, inside) != (self.playhead_seg, self.playhead_inside):
            old = self.playhead_seg
            self.playhead_seg, self.playhead_inside = si, inside
            # the mark (▹) may sit on the next segment's row while in a gap
            self._invalidate_segments(old, None if old is None else old + 1, si, si + 1)
        return si, inside

    # -- rendering -----------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if self.layout_ is None or row >= len(self.layout_.rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        strip = self._render_row(row, width)
        return self._with_strip(strip, y, width)

    def _with_strip(self, strip: Strip, y: int, width: int) -> Strip:
        """Draw the overview strip: where the hits and annotations are in the
        whole transcript, and which part is on screen."""
        if not self.segments or width < GUTTER + 20:
            return strip
        height = max(1, self.scrollable_content_region.height)
        n = len(self.segments)
        lo = y * n // height
        hi = max(lo + 1, (y + 1) * n // height)
        gs = self.get_component_rich_style
        char, style = "│", gs("reader--strip")
        if self.hits:
            i = bisect_left(self.hits, lo)
            if i < len(self.hits) and self.hits[i] < hi:
                char, style = "┃", gs("reader--strip-hit")
        for m in self.annotations:
            if m.first < hi and m.last >= lo:
                char, style = "┃", gs(f"reader--highlight-{m.color if m.color in COLOURS else 'yellow'}")
                break
        total_rows = max(1, len(self.layout_.rows)) if self.layout_ else 1
        top = self.scroll_offset.y
        view_lo = top * height // total_rows
        view_hi = (top + height) * height // total_rows
        if char == "│" and view_lo <= y <= view_hi:
            style = gs("reader--strip-view")
        cell = Strip([RichSegment(char, self.rich_style + style)], 1)
        return Strip.join([strip.crop(0, width - 1), cell])

    def _render_row(self, row: int, width: int) -> Strip:
        """A row's strip, cached until something it shows changes."""
        key = (row, width)
        strip = self._cache.get(key)
        if strip is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            strip = self._cache[key] = self._build_row(row, width)
        return strip

    def _build_row(self, row: int, width: int) -> Strip:
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
            body = Text(self.speaker_name(p.speaker) or "", style=gs(f"reader--speaker-{colour}"), end="")
        elif r.kind == ASIDE:
            block = lay.aside[r.passage]
            body = Text(block[r.start : r.end], style=gs("reader--aside"), end="")
            if row == 0 or lay.rows[row - 1].kind != ASIDE:
                gutter = Text("set aside ", style=gs("reader--aside"), end="")
        elif r.kind == TEXT:
            gutter, body = self._text_row(r, row)
        line = Text.assemble(gutter, body, end="")
        strip = Strip(list(line.render(self.app.console))).extend_cell_length(width, base).crop(0, width)
        return strip.simplify()

    def _text_row(self, r, row: int) -> tuple[Text, Text]:
        lay = self.layout_
        assert lay is not None
        gs = self.get_component_rich_style
        base = self.rich_style
        length = r.end - r.start
        body = Text(lay.texts[r.passage][r.start : r.end], style=base, end="")
        on_row = lay.segments_on(row)
        p = lay.passages[r.passage]
        if p.nonspeech:
            body.stylize(gs("reader--nonspeech"))
        sel_lo, sel_hi = self.selection if self.selection_anchor is not None else (-1, -2)
        for si in on_row:
            a = max(lay.seg_offset[si], r.start) - r.start
            b = min(lay.seg_end(si), r.end) - r.start
            # Cover the space after a segment too, so a span reads as a block.
            b_space = min(b + 1, length)
            mark = self._mark_at.get(si)
            if mark is not None:
                colour = mark.color if mark.color in COLOURS else "yellow"
                body.stylize(gs(f"reader--highlight-{colour}"), a, b_space if si < mark.last else b)
            if si == self.playhead_seg and self.playhead_inside:
                body.stylize(gs("reader--playhead"), a, b_space)
            if sel_lo <= si <= sel_hi:
                body.stylize(gs("reader--selection"), a, b_space if si < sel_hi else b)
            if si == self.cursor:
                body.stylize(gs("reader--cursor"), a, b_space)
            for ms, me in self.matches.get(si, ()):
                ma = lay.seg_offset[si] + ms - r.start
                mb = lay.seg_offset[si] + me - r.start
                if mb > 0 and ma < length:
                    body.stylize(gs("reader--match"), max(0, ma), min(mb, length))
        # The gutter: a time where a passage starts and where the cursor is;
        # the playhead's mark where it is (▶) or before the segment it waits
        # for in a gap (▹).
        stamp_seg = None
        if row == lay.passage_row[r.passage]:
            stamp_seg = p.first
        if self.cursor in on_row and lay.seg_offset[self.cursor] >= r.start:
            stamp_seg = self.cursor
        play_mark = " "
        if self.playhead_seg is not None:
            ph = self.playhead_seg if self.playhead_inside else self.playhead_seg + 1
            if ph in on_row and (lay.seg_offset[ph] >= r.start or row == lay.row_of(ph)):
                play_mark = "▶" if self.playhead_inside else "▹"
        parts = [Text(play_mark, style=gs("reader--playhead-mark"), end="")]
        if stamp_seg is not None:
            s = self.segments[stamp_seg]
            stamp = format_time(s.start, always_hours=self._hours)
            style = gs("reader--cursor-gutter") if stamp_seg == self.cursor else gs("reader--time")
            mark = self.time_mark(stamp_seg)
            kind = "reader--aligned" if mark == TIME_MARKS["aligned"] else "reader--estimated"
            parts.append(Text(mark or " ", style=gs(kind), end=""))
            parts.append(Text(f"{stamp:>{GUTTER - 3}} ", style=style, end=""))
        else:
            parts.append(Text(" " * (GUTTER - 1), style=base, end=""))
        return Text.assemble(*parts, end=""), body

    # -- what the app asks ---------------------------------------------------

    def time_mark(self, si: int) -> str:
        """The mark before segment si's time: ≈ estimated, ↔ aligned (carried
        from a copy with exact times), nothing for the file's own times."""
        if self.estimated:
            return TIME_MARKS["estimated"]
        if self.aligned and 0 <= si < len(self.aligned):
            return TIME_MARKS["aligned" if self.aligned[si] else "estimated"]
        return ""

    def timing_note(self) -> str | None:
        """What the status line says about times that are not the file's own."""
        if self.estimated:
            return "times estimated"
        if self.aligned:
            here = self.aligned[self.cursor] if 0 <= self.cursor < len(self.aligned) else True
            return "times aligned from a copy" if here else "times aligned from a copy; this one estimated"
        return None

    @property
    def current(self) -> Segment | None:
        if not self.segments:
            return None
        return self.segments[self.cursor]

    def quote(self, first: int, last: int) -> str:
        return " ".join(" ".join(self.segments[i].text.split()) for i in range(first, last + 1))

    def visible_text(self) -> str:
        """The rows on screen as plain text (for tests)."""
        if self.layout_ is None:
            return ""
        out = []
        for y in range(self.scrollable_content_region.height):
            strip = self.render_line(y)
            out.append("".join(seg.text for seg in strip).rstrip(" │┃"))
        return "\n".join(out)

"""The reader's layout: which screen row shows what, for a given width.

Pure Python (no Textual), so it is tested and benchmarked on its own. Only
offsets are kept per row (passage, start, end), never rendered text: memory
grows with the transcript, not with its rendered lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from rich.cells import cell_len

from hark.store.model import Chapter, Segment
from hark.store.passages import Passage, group

HEADING, SPEAKER, TEXT, BLANK, ASIDE = range(5)
_TOKEN = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Row:
    kind: int
    passage: int = -1  # passage index (TEXT, SPEAKER), chapter index (HEADING), set-aside index (ASIDE)
    start: int = 0  # character range within the passage text
    end: int = 0


def _width(s: str) -> int:
    return len(s) if s.isascii() else cell_len(s)


def aside_lines(set_aside: list[str]) -> list[str]:
    """The text set aside at import as lines to show: each block keeps its
    own lines (page chrome is often a list: "By", "Viewed", "53,478"), runs
    of spaces folded; no empty line at either end of a block."""
    out: list[str] = []
    for block in set_aside:
        lines = [" ".join(ln.split()) for ln in block.splitlines()]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        # blank lines inside a block: one at most in a row
        for ln in lines:
            if ln or out[-1:] != [""]:
                out.append(ln)
    return out


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap: (start, end) character ranges, trailing spaces
    excluded. Words longer than the width are cut."""
    width = max(1, width)
    if not text:
        return [(0, 0)]
    if "  " not in text and (text.isascii() or not _WIDE_OR_ZERO.search(text)):
        return _wrap_ascii(text, width)
    return _wrap_cells(text, width)


# Characters that are not exactly one cell wide (combining marks, CJK and
# other wide scripts, emoji, controls): text without them wraps by length.
_WIDE_OR_ZERO = re.compile("[^\u0020-\u007e\u00a0-\u02ff\u0370-\u0482\u048a-\u052f\u2010-\u2027\u2030-\u205e]")


def _wrap_ascii(text: str, width: int) -> list[tuple[int, int]]:
    """The common case, single-spaced one-cell text: one C-level rfind per line
    instead of a step per word (20,000 segments wrap in tens of ms)."""
    out: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    while n - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:  # a word wider than the line: cut it
            cut = start + width
            out.append((start, cut))
            start = cut
        else:
            out.append((start, cut))
            start = cut + 1
    out.append((start, n))
    return out


def _wrap_cells(text: str, width: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    ascii_text = text.isascii()
    line_start = 0
    line_w = 0
    line_end = 0  # end of the last word on the line (no trailing space)
    for m in _TOKEN.finditer(text):
        word_end = m.start() + len(m.group().rstrip())
        w = word_end - m.start() if ascii_text else cell_len(text[m.start() : word_end])
        if line_w and line_w + w > width:
            out.append((line_start, line_end))
            line_start = m.start()
            line_w = 0
        while w > width:  # a word wider than the line: cut it
            cut = line_start + width if ascii_text else _cut(text, line_start, width)
            if line_start < cut:
                out.append((line_start, cut))
            line_start = cut
            w = word_end - cut if ascii_text else cell_len(text[cut:word_end])
            line_w = 0
        line_w += w + (m.end() - word_end)  # the word (or what is left of it) and its spaces
        line_end = word_end
    out.append((line_start, line_end))
    return out


def _cut(text: str, start: int, width: int) -> int:
    w = 0
    i = start
    while i < len(text):
        cw = cell_len(text[i])
        if w + cw > width:
            break
        w += cw
        i += 1
    return max(i, start + 1)


@dataclass(frozen=True)
class Wrapped:
    """A layout's rows at one width (Layout.wrapped)."""

    width: int
    rows: list[Row]
    passage_row: list[int]
    aside: list[str]


class Layout:
    """Passages of a transcript and their rows at one width."""

    def __init__(self, segments: list[Segment], chapters: list[Chapter] | None = None) -> None:
        self.segments = segments
        self.chapters = chapters or []
        chapter_starts = {c.segment for c in self.chapters}
        self.passages: list[Passage] = group(segments, chapter_starts)
        self.texts: list[str] = []
        # For each segment: its passage and the character offset it starts at.
        self.seg_passage: list[int] = [0] * len(segments)
        self.seg_offset: list[int] = [0] * len(segments)
        for pi, p in enumerate(self.passages):
            parts = []
            pos = 0
            for si in p.segments:
                t = " ".join(segments[si].text.split())
                self.seg_passage[si] = pi
                self.seg_offset[si] = pos
                parts.append(t)
                pos += len(t) + 1
            self.texts.append(" ".join(parts))
        self.width = 0
        self.rows: list[Row] = []
        self.passage_row: list[int] = []  # first TEXT row of each passage
        self.show_aside: list[str] = []
        self.aside: list[str] = []  # the set-aside lines shown (aside_lines)

    def seg_end(self, si: int) -> int:
        """The character offset where segment si ends in its passage text."""
        return self.seg_offset[si] + len(" ".join(self.segments[si].text.split()))

    def reflow(self, width: int, set_aside: list[str] | None = None) -> None:
        self.apply(self.wrapped(width, set_aside))

    def wrapped(self, width: int, set_aside: list[str] | None = None) -> Wrapped:
        """The rows at `width`, computed without changing the layout: safe
        in a worker thread while the UI keeps drawing the current rows
        (apply() puts them in place)."""
        rows: list[Row] = []
        passage_row: list[int] = []
        chapters_at: dict[int, list[int]] = {}
        for ci, c in enumerate(self.chapters):
            chapters_at.setdefault(c.segment, []).append(ci)
        prev_speaker: str | None = None
        for pi, p in enumerate(self.passages):
            for ci in chapters_at.get(p.first, ()):
                if rows:
                    rows.append(Row(BLANK))
                rows.append(Row(HEADING, ci))
                prev_speaker = None
            if rows:
                rows.append(Row(BLANK))
            if p.speaker and p.speaker != prev_speaker and not p.nonspeech:
                rows.append(Row(SPEAKER, pi))
            if not p.nonspeech:
                prev_speaker = p.speaker
            passage_row.append(len(rows))
            for start, end in wrap(self.texts[pi], width):
                rows.append(Row(TEXT, pi, start, end))
        aside = aside_lines(set_aside or [])
        if aside:
            rows.append(Row(BLANK))
            for ai, line in enumerate(aside):
                # an empty line stays a row of its own (Row.passage: the line)
                for start, end in wrap(line, width) or [(0, 0)]:
                    rows.append(Row(ASIDE, ai, start, end))
        return Wrapped(width, rows, passage_row, aside)

    def apply(self, wrapped: Wrapped) -> None:
        """Show the rows of wrapped() (all of them at once: the UI never
        sees half of a new wrap)."""
        self.width = wrapped.width
        self.rows = wrapped.rows
        self.passage_row = wrapped.passage_row
        self.aside = wrapped.aside

    def row_of(self, si: int) -> int:
        """The row on which segment si starts."""
        if not self.rows or not self.segments:
            return 0
        pi = self.seg_passage[si]
        off = self.seg_offset[si]
        r = self.passage_row[pi]
        # Rows of one passage are consecutive TEXT rows in order of start.
        while r + 1 < len(self.rows) and self.rows[r + 1].kind == TEXT and self.rows[r + 1].passage == pi:
            if self.rows[r + 1].start > off:
                break
            r += 1
        return r

    def segment_at(self, row: int) -> int:
        """The segment shown at the start of a screen row (the nearest one
        for headings and blank rows)."""
        if not self.segments:
            return 0
        row = max(0, min(row, len(self.rows) - 1))
        # The passage of this row, or of the next passage's first row.
        pi = bisect_right(self.passage_row, row) - 1
        if pi < 0:
            return 0
        r = self.rows[row]
        if r.kind != TEXT or r.passage != pi:
            return self.passages[pi].last if row > self.passage_row[pi] else self.passages[pi].first
        p = self.passages[pi]
        # The segment that covers the row's first character.
        return max(p.first, bisect_right(self.seg_offset, r.start, p.first, p.last + 1) - 1)

    def segments_on(self, row: int) -> list[int]:
        """Segments with text on a row."""
        r = self.rows[row]
        if r.kind != TEXT:
            return []
        p = self.passages[r.passage]
        return [si for si in p.segments if self.seg_offset[si] < r.end and self.seg_end(si) > r.start]

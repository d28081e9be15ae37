"""What the panes and the reader show, as plain data: built by `backend`
from the store's rows, handed to the widgets by the app.

No Textual here (a test of the import graph checks), so the backend, which
builds these in thread workers, never loads a widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The mark beside a time that is not the source's own: estimated from a
# speaking rate, or aligned (carried word by word from a copy of the same
# talk that has exact times). Shared by the reader, the panes and the CLI.
TIME_MARKS = {"estimated": "≈", "aligned": "↔"}


@dataclass
class HitView:
    """One search hit as the Search pane shows it."""

    transcript_id: int
    title: str
    segment: int
    start: float
    snippet: str
    marks: list[tuple[int, int]]  # matched words within the snippet
    kind: str = "text"  # "text" or "note"
    text: str = ""  # the segment's text
    text_marks: list[tuple[int, int]] = field(default_factory=list)  # matched words within text
    segment_marks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # every matched segment's
    speaker: str | None = None  # who says it, as the user named them
    timing: str = "exact"  # the transcript's times: a key of TIME_MARKS shows its mark


@dataclass
class Results:
    """One search's hits, with the pane's hint line: how many passages
    matched, a note on how the query was read, "did you mean"."""

    hits: list[HitView]
    total: int
    note: str | None
    suggestion: str | None


@dataclass
class AnnotationView:
    """One annotation as the Annotations pane shows it."""

    id: str
    transcript_id: int | None
    title: str
    first: int
    start: float
    quote: str
    note: str
    tags: list[str]
    color: str
    author: str
    status: str
    # The stored annotation this was read from, opaque here: an edit is saved
    # against it, so a change made meanwhile by another hark is not lost.
    base: object | None = field(default=None, repr=False, compare=False)


@dataclass
class Mark:
    """An annotated span of segments, as the reader shows it."""

    id: str
    first: int
    last: int
    color: str
    note: str


@dataclass
class NoteDraft:
    """What the annotation editor holds: kept through a failed save."""

    note: str = ""
    tags: str = ""
    color: str = "yellow"

    def tag_list(self) -> list[str]:
        """The tags typed, without their `#`, split on spaces and commas."""
        return [t.lstrip("#") for t in self.tags.replace(",", " ").split() if t.lstrip("#")]

"""The data every format parses into: a Transcript of Segments; and an
Annotation on a span of them.

Plain dataclasses, no I/O: the parsers build them, the library stores them,
the index and the app read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SPEECH = "speech"
NONSPEECH = "nonspeech"
EXACT = "exact"
ESTIMATED = "estimated"


@dataclass
class Segment:
    """One unit of the file's own granularity: a cue, a line, a sentence."""

    start: float
    end: float | None
    text: str
    speaker: str | None = None
    kind: str = SPEECH

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "text": self.text,
            "kind": self.kind,
        }


@dataclass
class Chapter:
    """A heading in the source, placed before segment `segment`."""

    title: str
    segment: int


@dataclass
class Transcript:
    title: str
    format: str
    segments: list[Segment] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    timing: str = EXACT
    set_aside: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)

    def finish(self) -> Transcript:
        """Normalise after parsing: an end missing in the source becomes the
        next segment's start; times never run backwards; empty text dropped
        only when it carries nothing (a nonspeech marker always has text)."""
        segs = [s for s in self.segments if s.text.strip()]
        # Chapters point at indexes of the unfiltered list; remap them.
        if len(segs) != len(self.segments) and self.chapters:
            keep = {id(s) for s in segs}
            remap: dict[int, int] = {}
            j = 0
            for i, s in enumerate(self.segments):
                remap[i] = j
                if id(s) in keep:
                    j += 1
            remap[len(self.segments)] = j
            self.chapters = [
                Chapter(c.title, min(remap.get(c.segment, j), max(len(segs) - 1, 0))) for c in self.chapters
            ]
        last = 0.0
        for s in segs:
            s.text = s.text.strip()
            if s.start is None or s.start != s.start or s.start < last:
                s.start = last
            s.start = round(max(0.0, s.start), 3)
            last = s.start
        for i, s in enumerate(segs):
            nxt = segs[i + 1].start if i + 1 < len(segs) else None
            if s.end is None or s.end != s.end or s.end < s.start:
                s.end = nxt if nxt is not None and nxt >= s.start else s.start
            s.end = round(s.end, 3)
        self.segments = segs
        last_index = max(len(segs) - 1, 0)
        for c in self.chapters:
            c.segment = min(max(c.segment, 0), last_index)
        return self

    @property
    def duration(self) -> float:
        if not self.segments:
            return 0.0
        return max((s.end or s.start) for s in self.segments)

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.segments:
            if s.speaker:
                seen.setdefault(s.speaker, None)
        return list(seen)


# -- annotations -----------------------------------------------------------------

COLORS = ("yellow", "green", "blue", "pink")
DEFAULT_COLOR = "yellow"
# Where an annotation stands in its transcript's current text: where it was
# made, found elsewhere (moved), or not found (kept, never deleted).
ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
STATUSES = (ANCHORED, MOVED, ORPHANED)


@dataclass
class Annotation:
    """A highlight or note on segments first..last of a transcript, with the
    exact quote and its context either side, so that it can be found again
    when the transcript changes (see hark.store.annotations)."""

    id: str
    transcript_id: int | None
    first: int  # segment span, inclusive
    last: int
    start: float  # time span, seconds
    end: float
    quote: str
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    color: str = DEFAULT_COLOR
    author: str = ""
    created: str = ""
    updated: str = ""
    status: str = ANCHORED
    source_sha256: str = ""
    transcript_title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The `hark annotations --json` shape (documented; keep stable)."""
        return {
            "id": self.id,
            "transcript_id": self.transcript_id,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "note": self.note,
            "tags": list(self.tags),
            "color": self.color,
            "author": self.author,
            "created": self.created,
            "updated": self.updated,
            "status": self.status,
        }

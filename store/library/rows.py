"""What the library hands out and what it raises: the row types shared by
the Library class and its table mixins (annotation_rows, search_rows)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..model import Chapter, Segment


class LibraryError(Exception):
    """A failure to report to the user in one line (what and where)."""


class LibraryReadOnly(LibraryError):
    """A write to a library opened read-only (full disk, read-only filesystem)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class TranscriptInfo:
    """A transcript's row, without its segments."""

    id: int
    title: str
    format: str
    timing: str
    source: str
    sha256: str
    size: int
    mtime: float
    metadata: dict[str, Any]
    speakers: list[str]
    duration: float
    segment_count: int
    imported: str
    updated: str
    opened: str | None = None
    position: int = 0  # the reading position (segment index)
    playhead: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "format": self.format,
            "timing": self.timing,
            "segments": self.segment_count,
            "duration": self.duration,
            "source": self.source,
        }


@dataclass
class StoredTranscript:
    info: TranscriptInfo
    segments: list[Segment]
    set_aside: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        i = self.info
        return {
            "id": i.id,
            "title": i.title,
            "format": i.format,
            "timing": i.timing,
            "metadata": i.metadata,
            "segments": [s.to_json() for s in self.segments],
            "set_aside": self.set_aside,
        }


INFO_COLUMNS = (
    "t.id, t.title, t.format, t.timing, t.source, t.sha256, t.size, t.mtime, t.metadata, "
    "t.speakers, t.duration, t.segment_count, t.imported, t.updated, r.opened, r.segment, r.playhead"
)


def info_of(row: sqlite3.Row | tuple) -> TranscriptInfo:
    return TranscriptInfo(
        id=row[0],
        title=row[1],
        format=row[2],
        timing=row[3],
        source=row[4],
        sha256=row[5],
        size=row[6],
        mtime=row[7],
        metadata=json.loads(row[8]),
        speakers=json.loads(row[9]),
        duration=row[10],
        segment_count=row[11],
        imported=row[12],
        updated=row[13],
        opened=row[14],
        position=row[15] or 0,
        playhead=row[16] or 0.0,
    )

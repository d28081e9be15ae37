"""What the library hands out and what it raises: the row types shared by
the Library class and its table mixins (annotation_rows, search_rows).

A transcript read on its own is a TranscriptInfo (info_of); a list of them
(Library.list, what the app's Library pane shows) is ListedTranscripts
(listed_of): the same fields, read from the row when asked, with the JSON
ones decoded only then (5,000 rows decoded up front cost more than the
rest of reading them, and the pane draws the ~20 on screen)."""

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


class LibraryDamaged(LibraryReadOnly):
    """The library file is damaged (SQLite found it malformed, or a check
    did): reading goes on where it can, every write is refused. `where`
    says what is damaged ("page 33 of segments"), or is empty when SQLite
    could not tell."""

    def __init__(self, where: str = "") -> None:
        super().__init__(damage_message(where))
        self.where = where


def damage_message(where: str = "") -> str:
    """The one line said wherever damage is met."""
    return f"the library is damaged ({where}): run hark check" if where else "the library is damaged: run hark check"


def damaged_why(where: str = "") -> str:
    """Why a damaged library is read-only, in a few words (as for a full disk)."""
    return f"damaged, {where}" if where else "damaged"


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
    aligned_from: int | None = None  # timing "aligned": the copy its times came from
    same_talk: list[int] = field(default_factory=list)  # the ids of its copies (store/same_talk.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "format": self.format,
            "timing": self.timing,
            "segments": self.segment_count,
            "duration": self.duration,
            "source": self.source,
            "same_talk": self.same_talk,
        }


@dataclass
class StoredTranscript:
    info: TranscriptInfo
    segments: list[Segment]
    set_aside: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    aligned: list[bool] = field(default_factory=list)  # timing "aligned": per segment, its start matched

    def to_json(self) -> dict[str, Any]:
        i = self.info
        segments = [s.to_json() for s in self.segments]
        if self.aligned:
            for s, ok in zip(segments, self.aligned, strict=False):
                s["aligned"] = ok
        return {
            "id": i.id,
            "title": i.title,
            "format": i.format,
            "timing": i.timing,
            "aligned_from": i.aligned_from,
            "same_talk": i.same_talk,
            "metadata": i.metadata,
            "segments": segments,
            "set_aside": self.set_aside,
        }


INFO_COLUMNS = (
    "t.id, t.title, t.format, t.timing, t.source, t.sha256, t.size, t.mtime, t.metadata, "
    "t.speakers, t.duration, t.segment_count, t.imported, t.updated, r.opened, r.segment, r.playhead, "
    "t.aligned_from, (SELECT group_concat(c.other_id) FROM copies c WHERE c.transcript_id = t.id)"
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
        aligned_from=row[17],
        same_talk=sorted(int(x) for x in row[18].split(",")) if row[18] else [],
    )


def _column(index: int) -> property:
    return property(lambda self: self._row[index])


class ListedTranscript(TranscriptInfo):
    """A TranscriptInfo over its row as SQLite gave it (INFO_COLUMNS): each
    field is read from the row when asked, metadata, speakers and
    same_talk decoded once, when first asked. Read-only (nothing changes a
    listed row: a change is a new read); equal to another ListedTranscript
    of the same values."""

    __slots__ = ("_row", "_metadata", "_speakers", "_same_talk")

    def __init__(self, row: sqlite3.Row | tuple) -> None:  # (not the dataclass's: one row, nothing decoded)
        self._row = row

    id = _column(0)
    title = _column(1)
    format = _column(2)
    timing = _column(3)
    source = _column(4)
    sha256 = _column(5)
    size = _column(6)
    mtime = _column(7)
    duration = _column(10)
    segment_count = _column(11)
    imported = _column(12)
    updated = _column(13)
    opened = _column(14)
    aligned_from = _column(17)

    @property
    def position(self) -> int:
        return self._row[15] or 0

    @property
    def playhead(self) -> float:
        return self._row[16] or 0.0

    @property
    def metadata(self) -> dict[str, Any]:
        try:
            return self._metadata
        except AttributeError:
            self._metadata: dict[str, Any] = json.loads(self._row[8])
            return self._metadata

    @property
    def speakers(self) -> list[str]:
        try:
            return self._speakers
        except AttributeError:
            self._speakers: list[str] = json.loads(self._row[9])
            return self._speakers

    @property
    def same_talk(self) -> list[int]:
        try:
            return self._same_talk
        except AttributeError:
            copies = self._row[18]
            self._same_talk: list[int] = sorted(int(x) for x in copies.split(",")) if copies else []
            return self._same_talk


def listed_of(rows: list[sqlite3.Row] | list[tuple]) -> list[TranscriptInfo]:
    """Rows of INFO_COLUMNS as ListedTranscripts (nothing decoded yet)."""
    return list(map(ListedTranscript, rows))

"""What the search index reads from the library: the manifest, titles, segment rows of a span, notes to index.

A mixin of :class:`hark.store.library.Library`: it reads through
``self.db`` (the index never writes the library) and imports nothing from
the library package but ``.rows``. Every SQL statement the search index
runs is here (store/search/ holds none)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

# Spans asked for in one statement (three variables each: SQLite's oldest
# builds allow 999 in a statement).
SPANS_AT_ONCE = 100

SegmentRow = tuple[int, float, float, str | None, str]  # (idx, start, end, speaker, text)
_SPAN_ROWS = (
    "SELECT transcript_id, idx, start, end, speaker, text FROM segments WHERE transcript_id = ? AND idx BETWEEN ? AND ?"
)


class SearchRows:
    """What the search index reads from the library: the manifest, titles, segment rows of a span, notes to index."""

    db: sqlite3.Connection

    def index_manifest(self) -> list[tuple[int, str, str, int]]:
        """(id, sha256, updated, segment count) of every transcript: what
        the index compares with what it holds."""
        return self.db.execute("SELECT id, sha256, updated, segment_count FROM transcripts").fetchall()

    def segment_counts(self) -> list[tuple[int, int]]:
        """(id, segment count) of every transcript, by id: what a build shares out."""
        return self.db.execute("SELECT id, segment_count FROM transcripts ORDER BY id").fetchall()

    def text_sample(self, tids: Iterable[int], per_transcript: int = 300) -> Iterator[str]:
        """The text of the first `per_transcript` segments of each of the
        given transcripts, in order (the index's common words are counted
        from it)."""
        for tid in tids:
            for (text,) in self.db.execute(
                "SELECT text FROM segments WHERE transcript_id = ? AND idx < ? ORDER BY idx", (tid, per_transcript)
            ):
                yield text

    def titles(self, tids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """tid -> (title, timing) of those of the given transcripts that are in the library."""
        tids = list(tids)
        marks = ",".join("?" * len(tids))
        rows = self.db.execute(f"SELECT id, title, timing FROM transcripts WHERE id IN ({marks})", tids)
        return {r[0]: (r[1], r[2]) for r in rows}

    def segment_rows(self, spans: list[tuple[int, int, int]]) -> dict[int, list[SegmentRow]]:
        """tid -> its segments (idx, start, end, speaker, text) that fall in
        the given spans (tid, first, last), by index, each once (spans may
        overlap)."""
        found: dict[int, dict[int, SegmentRow]] = {}
        for k in range(0, len(spans), SPANS_AT_ONCE):
            chunk = spans[k : k + SPANS_AT_ONCE]
            # One range search of the primary key a span (SQLite plans an
            # OR of them ~15% slower).
            sql = " UNION ALL ".join([_SPAN_ROWS] * len(chunk))
            args: list[int] = []
            for span in chunk:
                args += span
            for r in self.db.execute(sql, args):
                found.setdefault(r[0], {})[r[1]] = r[1:]
        return {tid: sorted(rows.values()) for tid, rows in found.items()}

    def notes_to_index(self, tid: int) -> list[tuple[str, int, float, str, list[str]]]:
        """(annotation id, first segment, start, note, tags) of every
        annotation of a transcript, in reading order (time, then first
        segment, creation, id); none from a library without annotations."""
        try:
            rows = self.db.execute(
                "SELECT id, first_segment, start, note, tags FROM annotations WHERE transcript_id = ? "
                "ORDER BY start, first_segment, created, id",
                (tid,),
            ).fetchall()
        except sqlite3.Error:
            return []
        return [(aid, first, start, note, _tags(tags)) for aid, first, start, note, tags in rows]

    def note_rows(self, tid: int | None = None) -> list[tuple[int, str, int, str, str]]:
        """(transcript id, annotation id, first segment, note, tags as
        stored) of the annotations with a note or tags (of one transcript,
        or all), by transcript and id: what the index's stamps hash."""
        sql = (
            "SELECT transcript_id, id, first_segment, note, tags FROM annotations "
            "WHERE transcript_id IS NOT NULL AND (note != '' OR tags != '[]')"
        )
        args: tuple = ()
        if tid is not None:
            sql += " AND transcript_id = ?"
            args = (tid,)
        try:
            return self.db.execute(sql + " ORDER BY transcript_id, id", args).fetchall()
        except sqlite3.Error:  # a library without annotations
            return []


def _tags(stored: str) -> list[str]:
    """An annotation's tags as stored (a JSON list); none if unreadable."""
    try:
        return [str(t) for t in json.loads(stored)]
    except (ValueError, TypeError):
        return []

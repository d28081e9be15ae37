"""The user's names on things, in the library: a transcript's title and its
speakers' names (what they mean: hark.store.names).

A mixin of :class:`hark.store.library.Library`. No schema of its own: the
names live in the transcript's row, its title and the reserved keys of its
metadata JSON (``user_title``, ``file_title``, ``speaker_names``), which
`Library.save` carries over a re-import (:func:`carry_names`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .. import names
from .rows import LibraryError

T = TypeVar("T")

# Ids asked for in one statement (SQLite's oldest builds allow 999 variables).
IDS_AT_ONCE = 500


def _meta(raw: str | None) -> dict[str, Any]:
    try:
        meta = json.loads(raw or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def carry_names(db: sqlite3.Connection, tid: int | None, title: str, metadata: Mapping[str, Any]) -> tuple[str, dict]:
    """What `Library.save` stores for a file: its title and metadata, with
    the user's title and speaker names of transcript `tid` (None: a new
    one) kept. Inside save's transaction."""
    old = None
    if tid is not None:
        row = db.execute("SELECT metadata FROM transcripts WHERE id = ?", (tid,)).fetchone()
        old = _meta(row[0]) if row else None
    return names.carried(old, title, metadata)


class NameRows:
    """The user's names: rename a transcript, name its speakers."""

    db: sqlite3.Connection
    write: Callable[[Callable[[sqlite3.Connection], Any]], Any]

    def _row(self, db: sqlite3.Connection, tid: int) -> tuple[str, dict[str, Any], list[str]]:
        row = db.execute("SELECT title, metadata, speakers FROM transcripts WHERE id = ?", (tid,)).fetchone()
        if row is None:
            raise LibraryError(f"no transcript {tid} (see `hark list`)")
        try:
            labels = [s for s in json.loads(row[2] or "[]") if isinstance(s, str)]
        except ValueError:
            labels = []
        return row[0], _meta(row[1]), labels

    def rename(self, tid: int, title: str | None) -> tuple[str, str]:
        """Give transcript `tid` the user's title (None or empty: the file's
        own title back). Returns (its title now, the file's own title)."""

        def run(db: sqlite3.Connection) -> tuple[str, str]:
            current, meta, _labels = self._row(db, tid)
            try:
                new, meta = names.renamed(current, meta, title)
            except names.NamingError as e:
                raise LibraryError(str(e)) from None
            db.execute(
                "UPDATE transcripts SET title = ?, metadata = ? WHERE id = ?",
                (new, json.dumps(meta, ensure_ascii=False, default=str), tid),
            )
            return new, names.own_title(new, meta)

        return self.write(run)

    def name_speakers(self, tid: int, changes: Mapping[str, str | None]) -> dict[str, str | None]:
        """Give speakers of transcript `tid` the user's names ({label or its
        current name: name}; None or empty takes the name away). The file's
        labels stay on the segments. Returns {label: name or None} as applied."""

        def run(db: sqlite3.Connection) -> dict[str, str | None]:
            _title, meta, labels = self._row(db, tid)
            try:
                meta, applied = names.named_speakers(meta, names.file_speakers(labels, meta), changes)
            except names.NamingError as e:
                raise LibraryError(str(e)) from None
            db.execute(
                "UPDATE transcripts SET metadata = ? WHERE id = ?",
                (json.dumps(meta, ensure_ascii=False, default=str), tid),
            )
            return applied

        return self.write(run)

    def name_stamps(self) -> dict[int, str]:
        """tid -> a stamp of the user's names, for every transcript that has
        some: what the search index's manifest adds to a fingerprint."""
        rows = self.db.execute(
            "SELECT id, metadata FROM transcripts "
            f"WHERE metadata LIKE '%\"{names.USER_TITLE}\"%' OR metadata LIKE '%\"{names.SPEAKER_NAMES}\"%'"
        )
        out: dict[int, str] = {}
        for tid, raw in rows:
            stamp = names.names_stamp(_meta(raw))
            if stamp:
                out[tid] = stamp
        return out

    def speaker_names_of(self, tids: Iterable[int]) -> dict[int, dict[str, str]]:
        """tid -> {label: the user's name} of those of the given transcripts
        that have names."""
        ids = sorted(set(tids))
        out: dict[int, dict[str, str]] = {}
        for k in range(0, len(ids), IDS_AT_ONCE):
            chunk = ids[k : k + IDS_AT_ONCE]
            marks = ",".join("?" * len(chunk))
            for tid, raw in self.db.execute(
                f"SELECT id, metadata FROM transcripts WHERE id IN ({marks}) "
                f"AND metadata LIKE '%\"{names.SPEAKER_NAMES}\"%'",
                chunk,
            ):
                found = names.speaker_names(_meta(raw))
                if found:
                    out[tid] = found
        return out

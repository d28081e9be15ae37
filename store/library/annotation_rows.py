"""The annotations table: every SQL statement that reads or writes annotations.

A mixin of :class:`hark.store.library.Library`: it uses ``self.db`` and
``self.write`` and imports nothing from the library package but ``.rows``.

What to write stays with hark.store.annotations (finding a quote again,
#tags, colours); the library only reads and stores rows. Where one change
needs several statements that must see the same state (read a transcript,
build an annotation from its text, insert it), the method runs them all in
one transaction and calls back into the caller's logic in the middle, so no
other session can change the transcript in between.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..model import ORPHANED, Annotation, Segment
from .rows import INFO_COLUMNS, TranscriptInfo, info_of

T = TypeVar("T")

_COLUMNS = (
    "id, transcript_id, first_segment, last_segment, start, end, quote, prefix, suffix, note, tags, color, "
    "author, created, updated, status, source_sha256, transcript_title"
)


def _annotation_of(r: Sequence[Any]) -> Annotation:
    tid = r[1]
    try:
        tags = [str(t) for t in json.loads(r[10])]
    except (ValueError, TypeError):
        tags = []
    return Annotation(
        id=r[0],
        transcript_id=tid,
        first=r[2],
        last=r[3],
        start=r[4],
        end=r[5],
        quote=r[6],
        prefix=r[7],
        suffix=r[8],
        note=r[9],
        tags=tags,
        color=r[11],
        author=r[12],
        created=r[13],
        updated=r[14],
        # The transcript is gone: nothing to be anchored in.
        status=r[15] if tid is not None else ORPHANED,
        source_sha256=r[16],
        transcript_title=r[17],
    )


def _tags_json(tags: list[str]) -> str:
    return json.dumps(tags, ensure_ascii=False)


def _values(a: Annotation) -> tuple:
    return (
        a.id,
        a.transcript_id,
        a.first,
        a.last,
        a.start,
        a.end,
        a.quote,
        a.prefix,
        a.suffix,
        a.note,
        _tags_json(a.tags),
        a.color,
        a.author,
        a.created,
        a.updated,
        a.status,
        a.source_sha256,
        a.transcript_title,
    )


def _insert(db: sqlite3.Connection, a: Annotation, *, replace_existing: bool = False) -> None:
    verb = "INSERT OR REPLACE" if replace_existing else "INSERT"
    db.execute(f"{verb} INTO annotations ({_COLUMNS}) VALUES ({', '.join('?' * 18)})", _values(a))


def _select_one(db: sqlite3.Connection, annotation_id: str) -> Annotation | None:
    r = db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", (annotation_id,)).fetchone()
    return _annotation_of(r) if r else None


def _set_fields(db: sqlite3.Connection, a: Annotation) -> None:
    """Store what a person edits (note, tags, colour) and when."""
    db.execute(
        "UPDATE annotations SET note = ?, tags = ?, color = ?, updated = ? WHERE id = ?",
        (a.note, _tags_json(a.tags), a.color, a.updated, a.id),
    )


def _move(db: sqlite3.Connection, old: Annotation, new: Annotation) -> bool:
    """Store a new placement of an annotation, if it is still where `old`
    says (same quote, span and transcript): another session that placed it
    meanwhile wins. True if it was written."""
    cur = db.execute(
        "UPDATE annotations SET transcript_id = ?, first_segment = ?, last_segment = ?, start = ?, "
        "end = ?, quote = ?, prefix = ?, suffix = ?, status = ?, source_sha256 = ?, "
        "transcript_title = ? WHERE id = ? AND quote = ? AND first_segment = ? AND last_segment = ? "
        "AND transcript_id IS ?",
        (
            new.transcript_id,
            new.first,
            new.last,
            new.start,
            new.end,
            new.quote,
            new.prefix,
            new.suffix,
            new.status,
            new.source_sha256,
            new.transcript_title,
            old.id,
            old.quote,
            old.first,
            old.last,
            old.transcript_id,
        ),
    )
    return cur.rowcount > 0


def _restore_in(
    db: sqlite3.Connection,
    ann: Annotation,
    place: Callable[[Annotation, TranscriptInfo, list[Segment]], Annotation],
) -> Annotation:
    """Put an annotation back (same id, replacing any): orphaned if its
    transcript is gone, placed again if its text changed. Returns what was
    stored."""
    tid = ann.transcript_id
    info = _info_in(db, tid) if tid is not None else None
    if info is None:
        ann = replace(ann, transcript_id=None, status=ORPHANED)
    elif info.sha256 != ann.source_sha256:
        ann = place(ann, info, _segments_in(db, info.id))
    _insert(db, ann, replace_existing=True)
    return ann


def _info_in(db: sqlite3.Connection, tid: int) -> TranscriptInfo | None:
    row = db.execute(
        f"SELECT {INFO_COLUMNS} FROM transcripts t LEFT JOIN reading r ON r.transcript_id = t.id WHERE t.id = ?",
        (tid,),
    ).fetchone()
    return info_of(row) if row else None


def _sha_in(db: sqlite3.Connection, tid: int) -> str | None:
    row = db.execute("SELECT sha256 FROM transcripts WHERE id = ?", (tid,)).fetchone()
    return row[0] if row else None


def _segments_in(db: sqlite3.Connection, tid: int, span: tuple[int, int] | None = None) -> list[Segment]:
    """A transcript's segments, or those of span (lo, hi), inclusive."""
    sql = "SELECT start, end, speaker, text, kind FROM segments WHERE transcript_id = ?"
    args: tuple = (tid,)
    if span is not None:
        sql += " AND idx BETWEEN ? AND ?"
        args += span
    return [
        Segment(start=r[0], end=r[1], speaker=r[2], text=r[3], kind=r[4])
        for r in db.execute(sql + " ORDER BY idx", args)
    ]


def _list(db: sqlite3.Connection, transcript_id: int | None, include_orphaned: bool) -> list[Annotation]:
    where: list[str] = []
    args: list[Any] = []
    if transcript_id is not None:
        where.append("transcript_id = ?")
        args.append(transcript_id)
    if not include_orphaned:
        where.append("status != 'orphaned' AND transcript_id IS NOT NULL")
    sql = f"SELECT {_COLUMNS} FROM annotations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY transcript_id IS NULL, transcript_id, start, first_segment, created, id"
    return [_annotation_of(r) for r in db.execute(sql, args)]


# What reading a damaged page raises: SQLite's own error, or a value that
# is not what the column should hold.
_UNREADABLE = (sqlite3.DatabaseError, ValueError, TypeError, OverflowError)

# The annotations table's indexes: each lists every row's rowid on pages of its own.
_INDEXES = ("sqlite_autoindex_annotations_1", "annotations_sha", "annotations_transcript")


def _indexed_rowids(db: sqlite3.Connection) -> tuple[set[int], bool]:
    """The rowids the indexes list, and whether one was read to its end."""
    found: set[int] = set()
    complete = False
    for index in _INDEXES:
        try:
            for (rowid,) in db.execute(f"SELECT rowid FROM annotations INDEXED BY {index}"):
                found.add(rowid)
            complete = True
        except _UNREADABLE:
            continue
    return found, complete


def _reading_order(a: Annotation) -> tuple:
    """The order of _list: by transcript (removed ones last), then time."""
    tid = a.transcript_id
    return (tid is None, tid or 0, a.start, a.first, a.created, a.id)


class AnnotationRows:
    """The annotations table: every SQL statement that reads or writes annotations."""

    db: sqlite3.Connection

    if TYPE_CHECKING:

        def write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    # -- reading ----------------------------------------------------------------

    def annotation(self, annotation_id: str) -> Annotation | None:
        return _select_one(self.db, annotation_id)

    def annotations(self, transcript_id: int | None = None, include_orphaned: bool = True) -> list[Annotation]:
        """Annotations in reading order: by transcript, then time. Those of
        removed transcripts (transcript_id None) come last. include_orphaned
        False leaves out those not found in their transcript's text."""
        return _list(self.db, transcript_id, include_orphaned)

    def annotation_counts(self) -> dict[int, int]:
        """transcript id -> number of annotations (removed transcripts' left out)."""
        return dict(
            self.db.execute(
                "SELECT transcript_id, COUNT(*) FROM annotations WHERE transcript_id IS NOT NULL GROUP BY transcript_id"
            ).fetchall()
        )

    def homeless_annotations(self) -> list[Annotation]:
        """The annotations whose transcript was removed (or that were
        imported before it): kept, waiting for it to come back."""
        return [
            _annotation_of(r)
            for r in self.db.execute(
                f"SELECT {_COLUMNS} FROM annotations WHERE transcript_id IS NULL ORDER BY created, id"
            )
        ]

    def salvage_annotations(self) -> tuple[list[Annotation], int]:
        """Every annotation row that can still be read from a damaged
        library, in reading order, and how many could not be read.

        Rows are read by rowid ranges, a range that raises is split in two
        down to single rows, so one damaged page costs only the rows on it.
        The indexes live on pages of their own: the rowids they list say
        how many rows there are, so the count of those lost is exact while
        an index is readable (else it counts the rowids that failed)."""
        db = self.db
        known, complete = _indexed_rowids(db)
        hi = max(known, default=0)
        try:
            hi = max(hi, db.execute("SELECT max(rowid) FROM annotations").fetchone()[0] or 0)
        except _UNREADABLE:
            pass
        got: dict[int, Annotation] = {}
        failed: set[int] = set()
        stack = [(min(known | {1}), hi)] if hi else []
        while stack:
            lo, up = stack.pop()
            try:
                rows = db.execute(
                    f"SELECT rowid, {_COLUMNS} FROM annotations WHERE rowid BETWEEN ? AND ?", (lo, up)
                ).fetchall()
                got.update((r[0], _annotation_of(r[1:])) for r in rows)
            except _UNREADABLE:
                if lo == up:
                    failed.add(lo)
                else:
                    mid = (lo + up) // 2
                    stack += [(mid + 1, up), (lo, mid)]
        try:  # rows past the last one known (none, unless the indexes are damaged too)
            for r in db.execute(f"SELECT rowid, {_COLUMNS} FROM annotations WHERE rowid > ?", (hi,)):
                got[r[0]] = _annotation_of(r[1:])
        except _UNREADABLE:
            pass
        lost = len((known if complete else known | failed) - set(got))
        anns = sorted(got.values(), key=_reading_order)
        return anns, lost

    def annotation_snapshot(self, tid: int) -> tuple[TranscriptInfo | None, list[Segment], list[Annotation]]:
        """A transcript's row, segments and annotations, read in one snapshot
        (a concurrent re-import cannot give the new text with the old
        annotations). (None, [], []) if there is no such transcript."""
        own = not self.db.in_transaction
        if own:
            self.db.execute("BEGIN")
        try:
            info = _info_in(self.db, tid)
            segs = _segments_in(self.db, tid) if info else []
            anns = _list(self.db, tid, True) if info else []
        finally:
            if own:
                self.db.execute("COMMIT")
        return info, segs, anns

    # -- writing ----------------------------------------------------------------

    def add_annotation(
        self,
        transcript_id: int,
        make: Callable[[TranscriptInfo | None, Callable[[int, int], list[Segment]]], Annotation],
    ) -> Annotation:
        """Insert a new annotation built from its transcript, in one transaction.

        make(info, segments) gets the transcript's row (None if there is no
        such transcript) and segments(lo, hi), which reads segments lo..hi
        (inclusive) in the same transaction; it returns the annotation to
        insert, or raises to insert nothing."""

        def run(db: sqlite3.Connection) -> Annotation:
            ann = make(_info_in(db, transcript_id), lambda lo, hi: _segments_in(db, transcript_id, (lo, hi)))
            _insert(db, ann)
            return ann

        return self.write(run)

    def edit_annotation(self, annotation_id: str, edit: Callable[[Annotation], Annotation]) -> Annotation | None:
        """Change an annotation's note, tags, colour and updated stamp, in one
        transaction: edit(stored) returns the wanted annotation; it is
        written only if it differs. Returns it; None if there is no such
        annotation."""

        def run(db: sqlite3.Connection) -> Annotation | None:
            old = _select_one(db, annotation_id)
            if old is None:
                return None
            new = edit(old)
            if new != old:
                _set_fields(db, new)
            return new

        return self.write(run)

    def commit_edit(
        self,
        annotation_id: str,
        decide: Callable[[Annotation | None], tuple[Annotation, Annotation | None]],
        place: Callable[[Annotation, TranscriptInfo, list[Segment]], Annotation],
    ) -> tuple[Annotation, Annotation | None, bool]:
        """Save an edit of a version read earlier (in an editor), in one
        transaction: decide(stored) gets the annotation as it is now (None
        if it was deleted meanwhile) and returns (edited, copy): what to
        store, and a copy to add beside it (another session's version that
        would otherwise be lost) or None. An edited annotation no longer
        stored is put back as restore_annotation does. Returns (what was
        stored, the copy, whether it was put back)."""

        def run(db: sqlite3.Connection) -> tuple[Annotation, Annotation | None, bool]:
            stored = _select_one(db, annotation_id)
            edited, copy = decide(stored)
            if stored is None:
                edited = _restore_in(db, edited, place)
            elif edited != stored:
                _set_fields(db, edited)
            if copy is not None:
                _insert(db, copy)
            return edited, copy, stored is None

        return self.write(run)

    def delete_annotation(self, annotation_id: str) -> Annotation | None:
        """Delete an annotation; returns it as it was, or None if there was none."""

        def run(db: sqlite3.Connection) -> Annotation | None:
            old = _select_one(db, annotation_id)
            if old is not None:
                db.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
            return old

        return self.write(run)

    def restore_annotation(
        self,
        annotation: Annotation,
        place: Callable[[Annotation, TranscriptInfo, list[Segment]], Annotation],
    ) -> Annotation:
        """Put an annotation back (same id, replacing any), in one
        transaction. If its transcript is gone it comes back orphaned; if
        the transcript's text changed (another sha256), place(annotation,
        info, segments) places it in the current text. Returns what was
        stored."""

        return self.write(lambda db: _restore_in(db, annotation, place))

    def write_anchors(self, transcript_id: int, sha256: str, moves: Sequence[tuple[Annotation, Annotation]]) -> bool:
        """Store new placements (old, new) of a transcript's annotations, in
        one transaction, if the transcript still has this sha256 (the text
        they were placed in); False, and nothing written, if it changed or
        is gone. A placement whose annotation another session re-anchored
        meanwhile (its quote or span no longer the old one) is skipped:
        theirs wins, nothing is lost."""

        def run(db: sqlite3.Connection) -> bool:
            if _sha_in(db, transcript_id) != sha256:
                return False
            for old, new in moves:
                _move(db, old, new)
            return True

        return self.write(run)

    def rehome_annotations(
        self, transcript_id: int, sha256: str, moves: Sequence[tuple[Annotation, Annotation]]
    ) -> list[Annotation] | None:
        """Give annotations without a transcript (old) a place in this one
        (new), in one transaction, if the transcript still has this sha256
        (None, nothing written, if it changed or is gone). One that another
        session placed meanwhile is left to it. Returns those written."""

        def run(db: sqlite3.Connection) -> list[Annotation] | None:
            if _sha_in(db, transcript_id) != sha256:
                return None
            return [new for old, new in moves if old.transcript_id is None and _move(db, old, new)]

        return self.write(run)

    def merge_annotations(
        self,
        decide: Callable[[dict[str, str], set[int]], tuple[list[Annotation], list[Annotation]]],
    ) -> tuple[list[Annotation], list[Annotation]]:
        """Merge annotations from elsewhere, in one transaction.

        decide(known, transcripts) gets the ids of the annotations here with
        their updated stamps, and the ids of the transcripts here; it returns
        (edits, new): annotations here whose note, tags, colour and updated
        stamp to overwrite, and annotations to insert. Returns what was
        written."""

        def run(db: sqlite3.Connection) -> tuple[list[Annotation], list[Annotation]]:
            known = {r[0]: r[1] for r in db.execute("SELECT id, updated FROM annotations")}
            transcripts = {r[0] for r in db.execute("SELECT id FROM transcripts")}
            edits, new = decide(known, transcripts)
            for a in edits:
                _set_fields(db, a)
            for a in new:
                _insert(db, a)
            return edits, new

        return self.write(run)

"""The same talk twice: every SQL statement about copies and aligned times.

A mixin of :class:`hark.store.library.Library`: it uses ``self.db`` and
``self.write`` and imports nothing from the library package but ``.rows``.
What to store (fingerprints, which transcripts are the same talk, the times
carried from one copy onto another) is decided by hark.store.same_talk; the
library only reads and stores rows.

The tables (migration 3): ``transcripts.fingerprint`` (NULL until computed),
``transcripts.aligned_from`` (the copy an aligned transcript's times came
from), ``segments.aligned`` (1 where a segment's start was matched, 0 where
it is still estimated) and ``copies`` (each pair of the same talk, stored
both ways round with the share of words they have in common).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

from .rows import now_iso

T = TypeVar("T")

# Fingerprints written per transaction when back-filling: short
# transactions, so another session never waits long.
BACKFILL_CHUNK = 100


def _store_pairs(db: sqlite3.Connection, tid: int, pairs: Iterable[tuple[int, float]]) -> None:
    for other, share in pairs:
        if other == tid:
            continue
        db.execute(
            "INSERT OR REPLACE INTO copies (transcript_id, other_id, share) VALUES (?, ?, ?), (?, ?, ?)",
            (tid, other, share, other, tid, share),
        )


def _exists(db: sqlite3.Connection, tid: int) -> bool:
    return db.execute("SELECT 1 FROM transcripts WHERE id = ?", (tid,)).fetchone() is not None


class CopyRows:
    """Fingerprints, pairs of the same talk, and aligned times."""

    db: sqlite3.Connection

    if TYPE_CHECKING:

        def write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    # -- fingerprints and pairs ------------------------------------------------

    def fingerprints_missing(self, version: int) -> list[int]:
        """Transcripts with no fingerprint, or one of another version (an
        upgraded library, or a crash between saving and fingerprinting)."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM transcripts WHERE fingerprint IS NULL OR substr(fingerprint, 1, 1) != ? ORDER BY id",
                (bytes([version]),),
            )
        ]

    def kept_fingerprints(self, version: int) -> list[tuple[int, bytes]]:
        """(id, fingerprint) of every transcript with a current one."""
        return self.db.execute(
            "SELECT id, fingerprint FROM transcripts WHERE substr(fingerprint, 1, 1) = ? ORDER BY id",
            (bytes([version]),),
        ).fetchall()

    def keep_new_fingerprints(self, prints: Sequence[tuple[int, str, bytes]]) -> None:
        """The fingerprints of transcripts just saved (id, sha256, fingerprint),
        in one transaction; one whose transcript has changed since (another
        sha256) is not written."""
        rows = [(fp, tid, sha256) for tid, sha256, fp in prints]
        self.write(
            lambda db: db.executemany("UPDATE transcripts SET fingerprint = ? WHERE id = ? AND sha256 = ?", rows)
        )

    def keep_pairs(self, tid: int, pairs: Sequence[tuple[int, float]], sha256: str) -> bool:
        """The copies found for a transcript (other id, share): they replace
        its earlier ones, if it still has this sha256 (the text they were
        found for); False, and nothing written, if not. (Its fingerprint
        was stored with it, by Library.save.)"""

        def run(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT sha256 FROM transcripts WHERE id = ?", (tid,)).fetchone()
            if row is None or row[0] != sha256:
                return False
            db.execute("DELETE FROM copies WHERE transcript_id = ? OR other_id = ?", (tid, tid))
            _store_pairs(db, tid, ((o, s) for o, s in pairs if _exists(db, o)))
            return True

        return self.write(run)

    def keep_fingerprints(self, prints: Sequence[tuple[int, bytes]], pairs: Sequence[tuple[int, int, float]]) -> None:
        """Back-filling: store fingerprints (their transcripts' earlier pairs
        go), then pairs (id, id, share), a chunk per transaction;
        transcripts removed meanwhile are skipped."""
        for k in range(0, len(prints), BACKFILL_CHUNK):
            rows = [(fp, tid) for tid, fp in prints[k : k + BACKFILL_CHUNK]]

            def store(db: sqlite3.Connection, rows=rows) -> None:
                db.executemany("UPDATE transcripts SET fingerprint = ? WHERE id = ?", rows)
                db.executemany("DELETE FROM copies WHERE transcript_id = ? OR other_id = ?", [(t, t) for _, t in rows])

            self.write(store)
        for k in range(0, len(pairs), BACKFILL_CHUNK):
            chunk = pairs[k : k + BACKFILL_CHUNK]

            def run(db: sqlite3.Connection, chunk=chunk) -> None:
                for a, b, share in chunk:
                    if _exists(db, a) and _exists(db, b):
                        _store_pairs(db, a, [(b, share)])

            self.write(run)

    def same_talk(self, tid: int) -> list[tuple[int, float]]:
        """The copies of a transcript: (id, share of words), most alike first."""
        return self.db.execute(
            "SELECT other_id, share FROM copies WHERE transcript_id = ? ORDER BY share DESC, other_id", (tid,)
        ).fetchall()

    def copy_pairs(self) -> dict[int, list[int]]:
        """id -> the ids of its copies, for every transcript that has any."""
        out: dict[int, list[int]] = {}
        for a, b in self.db.execute("SELECT transcript_id, other_id FROM copies ORDER BY transcript_id, other_id"):
            out.setdefault(a, []).append(b)
        return out

    # -- aligned times -----------------------------------------------------------

    def timing_of(self, tid: int) -> tuple[str, str, int | None] | None:
        """(timing, sha256, aligned_from) of a transcript, None if it is gone."""
        return self.db.execute("SELECT timing, sha256, aligned_from FROM transcripts WHERE id = ?", (tid,)).fetchone()

    def aligned_to(self, source: int) -> list[int]:
        """The transcripts whose times were carried from `source`."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM transcripts WHERE aligned_from = ? AND timing = 'aligned' ORDER BY id", (source,)
            )
        ]

    def aligned_flags(self, tid: int) -> list[bool]:
        """Per segment, in order: True where its start was matched in a copy."""
        return [
            bool(r[0])
            for r in self.db.execute("SELECT aligned FROM segments WHERE transcript_id = ? ORDER BY idx", (tid,))
        ]

    def write_alignment(
        self,
        tid: int,
        source: int,
        times: Sequence[tuple[float, float]],
        aligned: Sequence[bool],
        *,
        sha256: str,
        source_sha256: str,
    ) -> bool:
        """Give a transcript's segments new times carried from `source`, in
        one transaction, if neither changed since they were read (same
        sha256 both); False, and nothing written, if one did. Its timing
        becomes 'aligned', it remembers `source`, and its `updated` stamp
        changes (the search index compares it to pick up the new times)."""

        def run(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT sha256, segment_count, updated FROM transcripts WHERE id = ?", (tid,)).fetchone()
            src = db.execute("SELECT sha256 FROM transcripts WHERE id = ?", (source,)).fetchone()
            if row is None or src is None or row[0] != sha256 or src[0] != source_sha256 or row[1] != len(times):
                return False
            db.executemany(
                "UPDATE segments SET start = ?, end = ?, aligned = ? WHERE transcript_id = ? AND idx = ?",
                ((s, e, int(ok), tid, i) for i, ((s, e), ok) in enumerate(zip(times, aligned, strict=True))),
            )
            duration = max((e for _, e in times), default=0.0)
            db.execute(
                "UPDATE transcripts SET timing = 'aligned', aligned_from = ?, duration = ?, updated = ? WHERE id = ?",
                (source, duration, _new_stamp(row[2]), tid),
            )
            return True

        return self.write(run)

    def forget_alignment(self, tid: int) -> None:
        """A transcript's times are its own again (re-imported with exact times)."""
        self.write(lambda db: db.execute("UPDATE transcripts SET aligned_from = NULL WHERE id = ?", (tid,)))


def _new_stamp(old: str) -> str:
    """Now, as the `updated` stamp, never equal to the old one (stamps are
    to the second, and an alignment may follow its import in the same one)."""
    stamp = now_iso()
    if stamp == old:
        stamp = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    return stamp

"""The library: SQLite in WAL mode, the source of truth.

Transcripts with their metadata, segments and set-aside text; reading
positions. One short transaction per write, so several processes (two SSH
logins, a CLI import while the app is open) can share one library: writers
wait for each other (busy timeout, then bounded retries) and readers are
never blocked.

On a full disk or a read-only filesystem SQLite cannot create its WAL index
and opening for writing fails; commands that only read open the library
with ``fall_back=True`` and get a read-only connection instead
(``Library.read_only``), through which every write raises LibraryReadOnly.

A damaged file (health.py) is read-only too: once damage is found -- after
a crash, by a check, or where SQLite meets a malformed page -- it is noted
beside the file, and every write raises LibraryDamaged, saying where.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from ..model import Chapter, Segment, Transcript
from ..paths import UNWRITABLE, private_dir, private_file
from . import health
from .annotation_rows import AnnotationRows
from .copy_rows import CopyRows
from .health import Report, check_file, is_damage
from .migrations import MIGRATIONS, SCHEMA_VERSION
from .name_rows import NameRows, carry_names
from .rows import (
    INFO_COLUMNS,
    LibraryDamaged,
    LibraryError,
    LibraryReadOnly,
    StoredTranscript,
    TranscriptInfo,
    damage_message,
    damaged_why,
    info_of,
    listed_of,
    now_iso,
)
from .search_rows import SearchRows

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
RETRY_SECONDS = 60.0
FULL_BYTES = 256 * 1024  # less room than this left on the library's disk counts as full


class _Unwritable(LibraryError):
    """Opening for writing failed because the disk is full or read-only:
    a command that only reads may open the library read-only instead."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


# What opening fails with when SQLite cannot write beside the library: the
# WAL index (library.sqlite3-shm) cannot be created or grown, or the file
# itself cannot be opened for writing.
_UNWRITABLE_SQLITE = ("readonly", "read-only", "unable to open database file", "disk i/o error", "disk is full")
_UNWRITABLE_ERRNOS = set(UNWRITABLE)


def _unwritable(e: sqlite3.Error) -> bool:
    msg = str(e).lower()
    return any(m in msg for m in _UNWRITABLE_SQLITE)


def _fs_read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): not known to be
        return False


def _disk_full(folder: Path) -> bool:
    """Too little room left for SQLite's WAL index (32 KB) and a few pages."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    free = st.f_bfree if os.geteuid() == 0 else st.f_bavail  # root may use the reserved blocks
    return free * st.f_frsize < FULL_BYTES


def _wal_size(path: Path) -> int:
    """Bytes in the library's write-ahead log (commits not yet in the main file)."""
    try:
        return os.stat(f"{path}-wal").st_size
    except OSError:
        return 0


def _close_quietly(db: sqlite3.Connection | None) -> None:
    if db is not None:
        try:
            db.close()
        except sqlite3.Error:
            pass


def _is_busy(e: sqlite3.OperationalError) -> bool:
    msg = str(e).lower()
    return "locked" in msg or "busy" in msg


class Library(AnnotationRows, SearchRows, NameRows, CopyRows):
    """One connection to the library database. Not shared across threads:
    open one per thread (they are cheap)."""

    def __init__(self, path: Path | str, *, read_only: bool = False, fall_back: bool = False) -> None:
        """Open the library for reading and writing (creating it if needed).

        read_only=True opens it for reading only. fall_back=True is for
        commands that only read: when the disk is full or the filesystem
        read-only (SQLite cannot create its WAL index, or any file), open it
        read-only instead of failing. Either way `read_only` says which it
        is, `read_only_why` why, and every write raises LibraryReadOnly."""
        self.path = Path(path)
        self.read_only = False
        self.read_only_why: str | None = None
        # Where the file is damaged ("" if unknown), or None: then it is read-only.
        self.damaged: str | None = None
        self._writer = health.WriterMark(self.path)
        weakref.finalize(self, self._writer.release)  # a process that exits without close() did not crash
        if read_only:
            if not self._open_read_only("opened read-only"):
                raise LibraryError(f"cannot read the library {self.path}")
            return
        try:
            self._open_read_write()
        except _Unwritable as e:
            if not fall_back:
                raise LibraryError(str(e)) from None
            # Unreadable too: the reason it cannot be written is the one to say.
            if not self._open_read_only(e.why):
                raise LibraryError(str(e)) from None

    def _open_read_write(self) -> None:
        try:
            private_dir(self.path.parent)
            private_file(self.path)
        except OSError as e:
            msg = f"cannot create the library at {self.path}: {e.strerror or e}"
            why = self._why_unwritable(e.errno) if e.errno in _UNWRITABLE_ERRNOS and self.path.is_file() else None
            if why is not None:
                raise _Unwritable(msg, why) from None
            raise LibraryError(msg) from None
        if _fs_read_only(self.path.parent):
            # SQLite might open it (read-only, if its WAL index is there) and
            # fail only at the first write: say it now.
            raise _Unwritable(
                f"the library {self.path} cannot be changed (read-only filesystem)", "read-only filesystem"
            )
        db = None
        try:
            db = self.db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._retry(lambda: self.db.execute("PRAGMA journal_mode = WAL"))
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._notice_damage(after_crash=True)
            self._migrate()
        except sqlite3.DatabaseError as e:
            _close_quietly(db)
            if is_damage(e):
                raise LibraryDamaged(self._damage_at_open(e)) from None
            why = self._why_unwritable(message=str(e).lower()) if _unwritable(e) else None
            if why is not None:
                raise _Unwritable(f"the library {self.path} cannot be changed ({why}): {e}", why) from None
            raise LibraryError(f"cannot open the library {self.path}: {e}") from None
        except BaseException:
            _close_quietly(db)
            raise

    def _open_read_only(self, why: str) -> bool:
        """A read-only connection: `mode=ro` first (it sees the latest
        commits, but needs the WAL index, library.sqlite3-shm, to exist or
        be creatable), then `immutable=1` (no WAL index, no locks: it reads
        the main file alone). Immutable is only safe when nobody can write
        meanwhile and nothing is left in the WAL: on a read-only filesystem
        nobody can; on a full disk, only while no WAL holds commits (a
        session that has it open keeps its WAL index, so mode=ro works).
        False when neither can read it; LibraryError for a schema this
        connection cannot use."""
        if not self.path.is_file():
            return False
        uri = self.path.absolute().as_uri()
        wal = _wal_size(self.path)
        attempts = [(f"{uri}?mode=ro", False)]
        if _fs_read_only(self.path.parent) or not wal:
            attempts.append((f"{uri}?immutable=1", True))
        for target, immutable in attempts:
            db = None
            try:
                db = sqlite3.connect(target, uri=True, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA query_only = ON")
                # A real read: with mode=ro this is where a missing WAL index fails.
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                version = db.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.DatabaseError:
                _close_quietly(db)
                continue
            if version != SCHEMA_VERSION:
                _close_quietly(db)
                if version > SCHEMA_VERSION:
                    raise LibraryError(
                        f"the library {self.path} was written by a newer hark (schema {version}); upgrade hark"
                    )
                raise LibraryError(
                    f"the library {self.path} needs upgrading (schema {version} to {SCHEMA_VERSION}) "
                    f"and cannot be changed ({why})"
                )
            self.db = db
            self.read_only = True
            if immutable and wal:
                why += "; the last changes, still in its -wal file, are not shown"
            self.read_only_why = why
            self._notice_damage(after_crash=False)
            return True
        return False

    def _why_unwritable(self, err: int | None = None, message: str = "") -> str | None:
        """Why the library cannot be written, in a few words; None when the
        disk is neither read-only nor full nor closed to us (a real I/O
        error, say: then nothing is opened in its place)."""
        folder = self.path.parent
        if err == errno.EROFS or _fs_read_only(folder):
            return "read-only filesystem"
        if err in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in message or _disk_full(folder):
            return "disk full"
        if (
            err in (errno.EACCES, errno.EPERM)
            or "readonly" in message
            or not os.access(self.path, os.W_OK)
            or not os.access(folder, os.W_OK | os.X_OK)  # where the WAL files go
        ):
            return "no permission to write"
        return None

    # -- damage ----------------------------------------------------------------

    def _notice_damage(self, *, after_crash: bool) -> None:
        """Damage noted before; or, when a writer died (after_crash),
        PRAGMA quick_check now. Either makes this connection read-only."""
        where = health.recorded(self.path)
        if where is None and after_crash:
            crashed = health.crashed_writers(self.path)
            if crashed:
                try:
                    found = health.find_damage(self.db)
                finally:
                    crashed.clear()
                if found is not None:
                    where = found.where
                    health.remember(self.path, where)
        if where is not None:
            self._set_damaged(where)

    def _set_damaged(self, where: str) -> None:
        self.damaged = where
        self.read_only = True
        self.read_only_why = damaged_why(where)
        try:
            self.db.execute("PRAGMA query_only = ON")  # nothing gets past write() either
        except sqlite3.Error:
            pass

    def _damage_at_open(self, e: sqlite3.DatabaseError) -> str:
        if health.not_a_database(e):
            return health.not_a_database_where(self.path)
        where = health.recorded(self.path)
        if where is None:
            where = health.locate_error(self.path)
            health.remember(self.path, where)
        return where

    def damage_found(self, e: BaseException) -> LibraryDamaged | None:
        """What to raise for an error SQLite gave this connection: the
        damage, located (quick_check) and noted so that writes stop; None
        when the error is not damage."""
        if not is_damage(e):
            return None
        if self.damaged is None:
            where = health.recorded(self.path)
            if where is None:
                found = None
                try:
                    found = health.find_damage(self.db)
                except sqlite3.DatabaseError:
                    pass
                where = found.where if found is not None else ""
                health.remember(self.path, where)
            self._set_damaged(where)
        return LibraryDamaged(self.damaged or "")

    def verify(self) -> None:
        """PRAGMA quick_check (0.16 s on a 100 MB library): LibraryDamaged,
        noted, when it finds damage. Before work that reads the whole
        library (reindex), which a damaged file would quietly cut short."""
        if self.damaged is None and (noted := health.recorded(self.path)) is not None:
            self._set_damaged(noted)  # found since this connection opened
        if self.damaged is None:
            try:
                found = health.find_damage(self.db)
            except sqlite3.DatabaseError as e:
                raise (self.damage_found(e) or e) from None
            if found is not None:
                health.remember(self.path, found.where)
                self._set_damaged(found.where)
        if self.damaged is not None:
            raise LibraryDamaged(self.damaged)

    # -- plumbing ------------------------------------------------------------

    def close(self) -> None:
        self.db.close()
        self._writer.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run fn, retrying while another process holds the write lock:
        past the busy timeout SQLite gives up at once on a lock upgrade, so
        retry (bounded) instead of surfacing 'database is locked'."""
        deadline = time.monotonic() + RETRY_SECONDS
        delay = 0.01
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as e:
                if not _is_busy(e) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run fn in one immediate transaction (retried while busy). Refused
        on a damaged file, also when another process found the damage since
        this connection opened (its note is looked for: one failed open)."""
        if self.damaged is None and (noted := health.recorded(self.path)) is not None:
            self._set_damaged(noted)
        if self.damaged is not None:
            raise LibraryDamaged(self.damaged)
        if self.read_only:
            raise LibraryReadOnly(f"the library is read-only: {self.path} ({self.read_only_why}); changes are off")
        self._writer.hold()  # from the first write to close: a crash leaves it behind

        def attempt() -> T:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self.db)
                self.db.execute("COMMIT")
                return result
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

        try:
            return self._retry(attempt)
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise LibraryError(f"the library {self.path} is busy (another hark is writing); try again") from None
            if "full" in str(e).lower() or "disk" in str(e).lower() or "readonly" in str(e).lower():
                raise LibraryError(f"cannot write the library {self.path}: {e}") from None
            raise
        except sqlite3.DatabaseError as e:
            damaged = self.damage_found(e)
            if damaged is not None:
                raise damaged from None
            raise LibraryError(f"cannot write the library {self.path}: {e}") from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(f"the library {self.path} was written by a newer hark (schema {version}); upgrade hark")
        if version == SCHEMA_VERSION:
            return

        def run(db: sqlite3.Connection) -> None:
            # Re-read inside the lock: another process may have migrated.
            v = db.execute("PRAGMA user_version").fetchone()[0]
            for i in range(v, SCHEMA_VERSION):
                for stmt in MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version = {i + 1}")

        self.write(run)

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap poll for
        'has another session changed the library?'."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def integrity_check(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    # -- transcripts ---------------------------------------------------------

    def find_source(self, source: str) -> TranscriptInfo | None:
        row = self.db.execute(
            f"SELECT {INFO_COLUMNS} FROM transcripts t LEFT JOIN reading r ON r.transcript_id = t.id "
            "WHERE t.source = ?",
            (source,),
        ).fetchone()
        return info_of(row) if row else None

    def find_sha(self, sha256: str) -> list[TranscriptInfo]:
        rows = self.db.execute(
            f"SELECT {INFO_COLUMNS} FROM transcripts t LEFT JOIN reading r ON r.transcript_id = t.id "
            "WHERE t.sha256 = ? ORDER BY t.id",
            (sha256,),
        ).fetchall()
        return [info_of(r) for r in rows]

    def save(
        self,
        t: Transcript,
        *,
        source: str,
        sha256: str,
        size: int = 0,
        mtime: float = 0.0,
        fingerprint: bytes | None = None,
    ) -> tuple[int, str]:
        """Store a parsed transcript in one transaction. Returns (id, what):
        'imported' (new), 'updated' (same source, changed content: same id,
        segments replaced) or 'unchanged'. `fingerprint` (store/copies.py)
        is kept with it; without one it is made later (by an import's
        CopyFinder, a few transcripts at a time, or same_talk.backfill)."""

        def run(db: sqlite3.Connection) -> tuple[int, str]:
            row = db.execute("SELECT id, sha256 FROM transcripts WHERE source = ?", (source,)).fetchone()
            stamp = now_iso()
            # The user's title and speaker names survive a re-import.
            title, metadata = carry_names(db, row[0] if row else None, t.title, t.metadata)
            values = (
                title,
                t.format,
                t.timing,
                sha256,
                size,
                mtime,
                json.dumps(metadata, ensure_ascii=False, default=str),
                json.dumps(t.set_aside, ensure_ascii=False),
                json.dumps([[c.title, c.segment] for c in t.chapters], ensure_ascii=False),
                json.dumps(t.speakers, ensure_ascii=False),
                t.duration,
                len(t.segments),
            )
            if row and row[1] == sha256:
                return row[0], "unchanged"
            if row:
                tid = row[0]
                db.execute(
                    "UPDATE transcripts SET title=?, format=?, timing=?, sha256=?, size=?, mtime=?, metadata=?, "
                    "set_aside=?, chapters=?, speakers=?, duration=?, segment_count=?, updated=? WHERE id=?",
                    (*values, stamp, tid),
                )
                db.execute("DELETE FROM segments WHERE transcript_id = ?", (tid,))
                what = "updated"
            else:
                cur = db.execute(
                    "INSERT INTO transcripts (title, format, timing, sha256, size, mtime, metadata, set_aside, "
                    "chapters, speakers, duration, segment_count, imported, updated, source) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, stamp, stamp, source),
                )
                tid = cur.lastrowid
                what = "imported"
            db.executemany(
                "INSERT INTO segments (transcript_id, idx, start, end, speaker, text, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (tid, i, s.start, s.end if s.end is not None else s.start, s.speaker, s.text, s.kind)
                    for i, s in enumerate(t.segments)
                ),
            )
            db.execute("UPDATE transcripts SET fingerprint = ? WHERE id = ?", (fingerprint, tid))
            return tid, what

        return self.write(run)

    def touch_source(self, tid: int, *, source: str, size: int, mtime: float) -> None:
        """Record a moved file's new path or a touched file's new mtime."""
        self.write(
            lambda db: db.execute(
                "UPDATE transcripts SET source = ?, size = ?, mtime = ? WHERE id = ?", (source, size, mtime, tid)
            )
        )

    def list(self, order: str = "id") -> list[TranscriptInfo]:
        orders = {
            "id": "t.id",
            "title": "t.title COLLATE NOCASE, t.id",
            "date": "t.imported DESC, t.id",
            "opened": "r.opened IS NULL, r.opened DESC, t.id",
        }
        rows = self.db.execute(
            f"SELECT {INFO_COLUMNS} FROM transcripts t LEFT JOIN reading r ON r.transcript_id = t.id "
            f"ORDER BY {orders.get(order, 't.id')}"
        ).fetchall()
        return listed_of(rows)  # (decoded as each field is asked for: rows.py)

    def ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM transcripts ORDER BY id")]

    def info(self, tid: int) -> TranscriptInfo | None:
        row = self.db.execute(
            f"SELECT {INFO_COLUMNS} FROM transcripts t LEFT JOIN reading r ON r.transcript_id = t.id WHERE t.id = ?",
            (tid,),
        ).fetchone()
        return info_of(row) if row else None

    def segments(self, tid: int) -> list[Segment]:
        return [
            Segment(start=r[0], end=r[1], speaker=r[2], text=r[3], kind=r[4])
            for r in self.db.execute(
                "SELECT start, end, speaker, text, kind FROM segments WHERE transcript_id = ? ORDER BY idx", (tid,)
            )
        ]

    def get(self, tid: int) -> StoredTranscript | None:
        """A whole transcript, read in one snapshot (a concurrent re-import
        cannot give us the new header with the old segments)."""
        self.db.execute("BEGIN")
        try:
            info = self.info(tid)
            if info is None:
                return None
            row = self.db.execute("SELECT set_aside, chapters FROM transcripts WHERE id = ?", (tid,)).fetchone()
            segs = self.segments(tid)
            aligned = self.aligned_flags(tid) if info.timing == "aligned" else []
        finally:
            self.db.execute("COMMIT")
        return StoredTranscript(
            info=info,
            segments=segs,
            set_aside=json.loads(row[0]),
            chapters=[Chapter(title=c[0], segment=c[1]) for c in json.loads(row[1])],
            aligned=aligned,
        )

    def iter_segments(self) -> Iterator[tuple[int, int, Segment]]:
        """Every segment of the library as (transcript id, index, segment)."""
        for r in self.db.execute(
            "SELECT transcript_id, idx, start, end, speaker, text, kind FROM segments ORDER BY transcript_id, idx"
        ):
            yield r[0], r[1], Segment(start=r[2], end=r[3], speaker=r[4], text=r[5], kind=r[6])

    def remove(self, tid: int) -> bool:
        def run(db: sqlite3.Connection) -> bool:
            cur = db.execute("DELETE FROM transcripts WHERE id = ?", (tid,))
            return cur.rowcount > 0

        return self.write(run)

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0]

    # -- reading state ---------------------------------------------------------

    def set_reading(self, tid: int, segment: int, playhead: float = 0.0) -> None:
        self.write(
            lambda db: (
                db.execute(
                    "INSERT INTO reading (transcript_id, segment, playhead, opened) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(transcript_id) DO UPDATE SET segment = excluded.segment, "
                    "playhead = excluded.playhead, opened = excluded.opened",
                    (tid, segment, playhead, now_iso()),
                )
                if db.execute("SELECT 1 FROM transcripts WHERE id = ?", (tid,)).fetchone()
                else None
            )
        )


def open_library(path: Path | str) -> Library:
    return Library(path)


def damage_found(path: Path | str, e: BaseException) -> LibraryDamaged | None:
    """For an error met outside a Library's own methods (a command's
    reads): the damage it says, located and noted so that writes stop;
    None when the error is not damage."""
    if not is_damage(e):
        return None
    path = Path(path)
    if health.not_a_database(e):
        return LibraryDamaged(health.not_a_database_where(path))
    where = health.recorded(path)
    if where is None:
        where = health.locate_error(path)
        health.remember(path, where)
    return LibraryDamaged(where)


def is_database_error(e: BaseException) -> bool:
    """Whether an error came from SQLite (for callers that keep no SQL, and
    so do not import sqlite3, to tell the library's errors from others)."""
    return isinstance(e, sqlite3.Error)


def library_error(path: Path | str, e: BaseException) -> LibraryError | None:
    """A SQLite error met outside the Library's own methods (a command's or
    the app's reads), as a LibraryError that says it in one line: damage
    located and noted (LibraryDamaged: writes stop), anything else as
    what SQLite said. None for an error that is not SQLite's."""
    if not isinstance(e, sqlite3.Error):
        return None
    damaged = damage_found(path, e)
    return damaged if damaged is not None else LibraryError(f"the library {path} could not be read: {e}")


__all__ = [
    "Library",
    "LibraryDamaged",
    "LibraryError",
    "LibraryReadOnly",
    "Report",
    "StoredTranscript",
    "TranscriptInfo",
    "check_file",
    "damage_found",
    "damage_message",
    "is_damage",
    "is_database_error",
    "library_error",
    "open_library",
]

"""Damage in the library file: finding it, saying where it is, remembering it.

SQLite reports a damaged file ("database disk image is malformed", "file is
not a database") only when a statement happens to read a damaged page; a
command that never touches it reads on and, worse, writes on. So the
library is checked where that is cheap and where it matters:

- after a crash: a connection holds a marker file beside the library,
  locked (flock), from its first write until it closes; one found unlocked
  was left by a process that died (kill -9, power cut), and the next
  connection to open runs PRAGMA quick_check;
- before `hark reindex` (quick_check), and in full with `hark check`
  (integrity_check, then foreign_key_check);
- wherever SQLite itself says the file is malformed.

Damage found is remembered beside the library (``library.sqlite3-damaged``,
holding the file's inode: a library moved aside and replaced is a new one),
so every later connection refuses to write until `hark check` finds the file
sound again. A problem is placed in its table by its page number: through
the dbstat virtual table where SQLite has it, else by walking the b-trees'
interior pages in the file itself.

Plain functions over a sqlite3 connection and paths; the Library class
(library/__init__.py) calls them.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import write_private

try:
    import fcntl
except ImportError:  # Windows: no flock, so no crash detection (checks still run on demand)
    fcntl = None  # type: ignore[assignment]

SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
_DAMAGE_WORDS = ("malformed", "not a database", "database corrupt")

PROBLEMS_SHOWN = 100  # problem rows asked of SQLite (it stops there)
PAGES_NAMED = 3  # page numbers named per table in the one line


def is_damage(e: BaseException) -> bool:
    """Whether an error says the file itself is damaged (not busy, full or locked)."""
    if not isinstance(e, sqlite3.DatabaseError):
        return False
    code = getattr(e, "sqlite_errorcode", None)  # Python 3.11+; extended codes keep the base in the low byte
    if isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    msg = str(e).lower()
    return any(w in msg for w in _DAMAGE_WORDS)


def not_a_database(e: BaseException) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_NOTADB
    return "not a database" in str(e).lower()


def not_a_database_where(path: Path) -> str:
    """Where the damage is when SQLite cannot read the file's header."""
    return f"{path} is not a database file"


# -- asking SQLite -------------------------------------------------------------------


def problems(db: sqlite3.Connection, pragma: str = "quick_check", arg: str | int = PROBLEMS_SHOWN) -> list[str]:
    """The problems `PRAGMA quick_check` or `integrity_check` reports, one
    per line (none when the file is sound). On some damage SQLite reports a
    problem and then fails the statement itself before its last row, and
    Python's cursor then raises instead of handing over the rows it read:
    asked again for one problem, SQLite stops before failing."""
    last: sqlite3.DatabaseError | None = None
    for limit in (arg, 1) if isinstance(arg, int) else (arg,):
        try:
            rows = [str(r[0]) for r in db.execute(f"PRAGMA {pragma}({limit})")]
        except sqlite3.DatabaseError as e:
            if not is_damage(e):
                raise
            last = e
            continue
        lines = [ln for r in rows for ln in r.splitlines() if ln.strip() and not ln.startswith("*** ")]
        return [] if lines == ["ok"] else lines
    return [str(last)]


def _schema(db: sqlite3.Connection) -> tuple[dict[str, str], dict[int, str]]:
    """name -> its table (an index's table; a table is its own), and root page -> table."""
    names: dict[str, str] = {"sqlite_schema": "the schema", "sqlite_master": "the schema"}
    roots: dict[int, str] = {1: "the schema"}
    try:
        for name, table, root in db.execute("SELECT name, tbl_name, rootpage FROM sqlite_master"):
            names[name] = table
            if root:
                roots[int(root)] = table
    except sqlite3.DatabaseError:  # the schema itself is unreadable: pages are named by number
        pass
    return names, roots


def user_tables(db: sqlite3.Connection) -> list[str]:
    try:
        return [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rootpage"
            )
        ]
    except sqlite3.DatabaseError:
        return []


_PAGE = re.compile(r"\bpage (\d+)", re.IGNORECASE)
_TREE = re.compile(r"\bTree (\d+) page")  # SQLite 3.44+: "Tree 6 page 33 cell 0: ..."
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def locate(db: sqlite3.Connection, lines: list[str]) -> tuple[str, list[str]]:
    """Where the problems are, said in a few words ("page 33 of segments"),
    and the tables they are in (as far as SQLite's lines tell)."""
    names, roots = _schema(db)
    pages: list[int] = []
    tables: list[str] = []
    for line in lines:
        for m in _PAGE.finditer(line):
            if int(m.group(1)) not in pages:
                pages.append(int(m.group(1)))
        for m in _TREE.finditer(line):
            tables.append(roots.get(int(m.group(1)), ""))
        tables += [names[w] for w in _WORD.findall(line) if w in names and names[w] != "the schema"]
    owners = page_owners(db, set(pages), names, roots) if pages else {}
    by_table: dict[str, list[int]] = {}
    for p in pages:
        by_table.setdefault(owners.get(p, ""), []).append(p)
    for t in tables:
        if t and t not in by_table:
            by_table[t] = []
    parts = [_pages_of(t, ps) for t, ps in by_table.items()]
    damaged = [t for t in by_table if t and t != "the schema"]
    return "; ".join(p for p in parts if p), damaged


def _pages_of(table: str, pages: list[int]) -> str:
    if not pages:
        return table
    shown = [str(p) for p in sorted(pages)[:PAGES_NAMED]]
    more = len(pages) - len(shown)
    if len(shown) == 1:
        said = f"page {shown[0]}"
    elif more:
        said = f"pages {', '.join(shown)} and {more} more"
    else:
        said = f"pages {', '.join(shown[:-1])} and {shown[-1]}"
    return f"{said} of {table}" if table else f"{said}, in no table"


def page_owners(
    db: sqlite3.Connection, pages: set[int], names: dict[str, str], roots: dict[int, str]
) -> dict[int, str]:
    """page -> the table whose b-tree holds it (an index's pages count as its table's)."""
    owners: dict[int, str] = {p: roots[p] for p in pages if p in roots}
    todo = sorted(pages - owners.keys())
    if todo:
        try:
            marks = ",".join("?" * len(todo))
            for page, name in db.execute(f"SELECT pageno, name FROM dbstat WHERE pageno IN ({marks})", todo):
                owners[int(page)] = names.get(name, name)
        except sqlite3.Error:  # no dbstat in this SQLite, or it stumbled on the damage
            pass
    todo = sorted(pages - owners.keys())
    if todo:
        owners.update(_walk_btrees(db, set(todo), roots))
    return owners


def _walk_btrees(db: sqlite3.Connection, wanted: set[int], roots: dict[int, str]) -> dict[int, str]:
    """Find pages by walking each b-tree's interior pages in the file,
    level by level: a page's number appears in its parent even when the
    page itself is garbage. Leaves are not read (one per level, to learn
    that the level below is all leaves). Reads the main file only: pages
    changed since the last checkpoint are seen as they were."""
    try:
        path = next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main"), "")
        size = db.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error:
        return {}
    found: dict[int, str] = {}
    try:
        with open(path, "rb") as f:
            count = os.fstat(f.fileno()).st_size // size

            def read(p: int) -> bytes:
                f.seek((p - 1) * size)
                return f.read(size)

            for root, table in roots.items():
                level, seen = [root], set()
                while level and wanted - found.keys():
                    level = [p for p in level if 1 <= p <= count and p not in seen]
                    seen.update(level)
                    found.update({p: table for p in level if p in wanted})
                    if not level or _kind(read(level[0]), level[0]) not in (2, 5):
                        break  # leaves (or not a b-tree page): nothing below
                    level = [c for p in level for c in _children(read(p), p)]
    except OSError:
        pass
    return found


def _kind(page: bytes, number: int) -> int:
    h = 100 if number == 1 else 0  # page 1 starts with the file header
    return page[h] if len(page) > h else 0


def _children(page: bytes, number: int) -> list[int]:
    """The child page numbers of an interior b-tree page (none if it is not one)."""
    h = 100 if number == 1 else 0
    if _kind(page, number) not in (2, 5) or len(page) < h + 12:
        return []
    cells = int.from_bytes(page[h + 3 : h + 5], "big")
    out = [int.from_bytes(page[h + 8 : h + 12], "big")]  # the right-most child
    for k in range(cells):
        at = h + 12 + 2 * k
        off = int.from_bytes(page[at : at + 2], "big")
        if at + 2 > len(page) or off + 4 > len(page):
            break
        out.append(int.from_bytes(page[off : off + 4], "big"))
    return out


@dataclass
class Found:
    """Damage a check found: SQLite's lines, where, and the tables hit."""

    problems: list[str]
    where: str
    tables: list[str]


def find_damage(db: sqlite3.Connection, *, full: bool = False) -> Found | None:
    """quick_check (or, full, integrity_check), and hark's own count of
    segments; where the problems are. None when sound."""
    lines = problems(db, "integrity_check" if full else "quick_check")
    lost = lost_rows(db)
    if not lines and lost is None:
        return None
    where, tables = locate(db, lines) if lines else ("", [])
    if lost is not None:
        lines.append(lost)
        # (a bare "segments" says less than the count does)
        where = "; ".join([part for part in where.split("; ") if part and part != "segments"] + [lost])
        tables += [] if "segments" in tables else ["segments"]
    return Found(lines, where, tables)


def lost_rows(db: sqlite3.Connection) -> str | None:
    """Each transcript row says how many segments it has. Fewer found means
    a b-tree lost pages that SQLite cannot tell from good ones (an
    interior page overwritten by a leaf reads as a shorter table, and
    quick_check sees only pages "never used"). Counted in one snapshot, so
    an import meanwhile cannot make a difference. None when they agree (or
    the file has no such tables)."""
    own = not db.in_transaction
    try:
        if own:
            db.execute("BEGIN")
        try:
            want = db.execute("SELECT coalesce(sum(segment_count), 0) FROM transcripts").fetchone()[0]
            have = db.execute("SELECT count(*) FROM segments").fetchone()[0]
        finally:
            if own:
                db.execute("COMMIT")
    except sqlite3.DatabaseError:  # not hark's schema, or unreadable (the pragma says so)
        return None
    if have < want:
        return f"{want - have:,} of {want:,} segments lost"
    if have > want:
        extra = have - want
        return f"{extra:,} segment{'s' if extra != 1 else ''} more than their transcripts count"
    return None


# -- remembering ---------------------------------------------------------------------


def _damage_file(library: Path) -> Path:
    return library.with_name(library.name + "-damaged")


def recorded(library: Path) -> str | None:
    """Where the library was found damaged ("" if that was not known), or
    None when it was not (or the file there now is another one)."""
    try:
        raw = _damage_file(library).read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        note = json.loads(raw)
        where, inode, device = str(note.get("where", "")), note.get("inode"), note.get("device")
    except (ValueError, AttributeError):
        return ""  # a note we cannot read still says: damaged
    try:
        st = os.stat(library)
    except OSError:
        return None
    if (inode, device) != (st.st_ino, st.st_dev):
        forget(library)  # moved aside and replaced: a new library
        return None
    return where


def remember(library: Path, where: str) -> None:
    """Note the damage beside the library, so every later connection
    refuses to write. Quietly not on a disk that cannot take it: the
    damage is still said, this once."""
    try:
        st = os.stat(library)
        note = {"where": where, "found": time.strftime("%Y-%m-%dT%H:%M:%S"), "inode": st.st_ino, "device": st.st_dev}
        write_private(_damage_file(library), json.dumps(note).encode())
    except OSError:
        pass


def forget(library: Path) -> bool:
    """Drop the note (`hark check` found the file sound). True if there was one."""
    try:
        _damage_file(library).unlink()
        return True
    except OSError:
        return False


# -- crashes -------------------------------------------------------------------------

_STALE_TMP_SECONDS = 3600.0
_counter = itertools.count()


def _mark_name(library: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(library.name)}-writer-\d+-\d+$")


class WriterMark:
    """A file beside the library (library.sqlite3-writer-PID-N, like
    SQLite's own -wal and -shm) held locked (flock) from a connection's
    first write until it closes. A process that dies loses its locks but
    leaves its files, so a mark that can be locked by someone else was
    left by a crash. Made under a temporary name, locked, then renamed: a
    mark is never seen unlocked while its writer lives."""

    def __init__(self, library: Path) -> None:
        self.library = library
        self._fd: int | None = None
        self._path: Path | None = None
        self._pid = 0

    def hold(self) -> None:
        if self._fd is not None or fcntl is None:
            return
        folder = self.library.parent
        name = f"{self.library.name}-writer-{os.getpid()}-{next(_counter)}"
        tmp = folder / f".{name}.tmp"
        fd = None
        self._pid = os.getpid()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.replace(tmp, folder / name)
        except OSError:
            # A disk that cannot take a file: no crash detection for this
            # connection (its writes fail on their own if the disk is full).
            if fd is not None:
                os.close(fd)
                try:
                    tmp.unlink()
                except OSError:
                    pass
            return
        self._fd, self._path = fd, folder / name

    def release(self) -> None:
        """Remove the mark (a clean close). Unlinked while still locked, so
        nobody finds it unlocked first."""
        if self._fd is None:
            return
        try:
            if self._path is not None and os.getpid() == self._pid:  # (not a forked child's copy)
                os.unlink(self._path)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = self._path = None


@dataclass
class Crashed:
    """Marks left by writers that died, locked by us until cleared."""

    marks: list[tuple[Path, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.marks)

    def clear(self) -> None:
        for path, fd in self.marks:
            try:
                os.unlink(path)
            except OSError:
                pass
            os.close(fd)
        self.marks = []


def crashed_writers(library: Path) -> Crashed:
    """The marks of writers of this library that died without closing."""
    found = Crashed()
    if fcntl is None:
        return found
    folder = library.parent
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    pattern = _mark_name(library)
    for n in names:
        path = folder / n
        if not pattern.match(n):
            if n.startswith(f".{library.name}-writer-") and n.endswith(".tmp"):
                _drop_old_tmp(path)
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its writer is alive
            os.close(fd)
            continue
        found.marks.append((path, fd))
    return found


def _drop_old_tmp(path: Path) -> None:
    """A mark's temporary file left by a process killed while making it."""
    try:
        if time.time() - os.lstat(path).st_mtime > _STALE_TMP_SECONDS:
            os.unlink(path)
    except OSError:
        pass


# -- a full check (`hark check`) -------------------------------------------------------


@dataclass
class Report:
    """What `hark check` found. `where` says what is damaged; `orphans`
    are rows pointing to rows that are gone: (table, parent, how many)."""

    path: Path
    problems: list[str] = field(default_factory=list)
    where: str = ""
    damaged_tables: list[str] = field(default_factory=list)
    intact_tables: list[str] = field(default_factory=list)
    orphans: list[tuple[str, str, int]] = field(default_factory=list)
    unreadable: bool = False  # not a database at all (its header is gone, or it is another file)
    counts: dict[str, int | None] = field(default_factory=dict)
    pages: int = 0
    page_size: int = 0
    seconds: float = 0.0
    cleared: bool = False  # a damage note from before was dropped: the file is sound now

    @property
    def ok(self) -> bool:
        return not (self.problems or self.orphans or self.unreadable)


def _connect(path: Path) -> sqlite3.Connection:
    """A connection that reads the library as it is, changing nothing: read-
    only (it reads a crashed session's log without replaying it into the
    file, and does not checkpoint at close), else immutable (a read-only
    disk where SQLite cannot make the log's index: the main file alone).
    Never creates the file."""
    uri = path.absolute().as_uri()
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        db = None
        try:
            db = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA query_only = ON")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.Error as e:
            if db is not None:
                db.close()
            if is_damage(e):
                raise
            last = e
    raise last or sqlite3.OperationalError("unable to open database file")


def check_file(path: Path, *, full: bool = True) -> Report:
    """Check the library file at path (`hark check`): integrity_check (or
    quick_check), then which tables the damage is in and which are
    intact, then foreign_key_check; the figures of a sound file. Damage
    found is remembered (later writes are refused); a sound file drops a
    note of earlier damage."""
    t0 = time.perf_counter()
    report = Report(path=path)
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as e:
        if not is_damage(e):
            raise
        report.unreadable = True
        report.where = not_a_database_where(path) if not_a_database(e) else "its first page cannot be read"
        report.problems = [str(e)]
        report.seconds = time.perf_counter() - t0
        return report
    try:
        report.page_size = db.execute("PRAGMA page_size").fetchone()[0]
        report.pages = db.execute("PRAGMA page_count").fetchone()[0]
        found = find_damage(db, full=full)
        tables = user_tables(db)
        if found is not None:
            report.problems, report.where, report.damaged_tables = found.problems, found.where, found.tables
            _split_tables(db, tables, report, full)
        report.orphans = _orphans(db)
        for table in ("transcripts", "segments", "annotations"):
            report.counts[table] = _count(db, table) if table in tables else None
    finally:
        db.close()
    if report.orphans:
        report.where = "; ".join(
            ([report.where] if report.where else [])
            + [
                f"{n:,} {'row' if n == 1 else 'rows'} of {t} {'points' if n == 1 else 'point'} to missing {p}"
                for t, p, n in report.orphans
            ]
        )
    if report.ok:
        report.cleared = forget(path)
    else:
        remember(path, report.where)
    report.seconds = time.perf_counter() - t0
    return report


def _split_tables(db: sqlite3.Connection, tables: list[str], report: Report, full: bool) -> None:
    """Which tables hold damage and which are intact, checked one by one
    (SQLite 3.33+ checks a single table and its indexes)."""
    if sqlite3.sqlite_version_info < (3, 33, 0):
        return
    pragma = "integrity_check" if full else "quick_check"
    for t in tables:
        if t in report.damaged_tables:
            continue
        try:
            bad = bool(problems(db, pragma, f'"{t}"'))
        except sqlite3.DatabaseError:
            bad = True
        if bad:
            report.damaged_tables.append(t)
            if t not in report.where:
                report.where = f"{report.where}; {t}" if report.where else t
        else:
            report.intact_tables.append(t)


def _orphans(db: sqlite3.Connection) -> list[tuple[str, str, int]]:
    try:
        rows = db.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError:
        return []  # unreadable: integrity_check has said so
    counts: dict[tuple[str, str], int] = {}
    for table, _rowid, parent, _fk in rows:
        counts[(table, parent)] = counts.get((table, parent), 0) + 1
    return [(t, p, n) for (t, p), n in counts.items()]


def _count(db: sqlite3.Connection, table: str) -> int | None:
    try:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    except sqlite3.DatabaseError:
        return None


def locate_error(path: Path) -> str:
    """Where the damage an error met is, found by quick_check on a
    connection of its own ("" when it cannot tell)."""
    try:
        db = _connect(path)
    except sqlite3.DatabaseError as e:
        return not_a_database_where(path) if not_a_database(e) else ""
    try:
        found = find_damage(db)
    except sqlite3.DatabaseError:
        return ""
    finally:
        db.close()
    return found.where if found is not None else ""

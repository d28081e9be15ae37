"""Importing files and folders into the library.

One file at a time, one transaction per file, so memory stays flat in the
number of files and a crash loses at most the file being imported. A file
that is not a transcript is skipped with a note; a broken one is reported
with its reason and skipped; the rest go in. When a transcript arrives, the
annotations waiting for it (its removed earlier self's, or imported before
it) come home.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .annotations import come_home, reanchor
from .formats import TRANSCRIPT_EXTENSIONS, NotATranscript, ParseError, parse_bytes, repair_note, title_from_name
from .library import Library, LibraryError
from .reflow import DEFAULT_WPM
from .same_talk import CopyFinder, Realigned, SameTalk

# Larger files are refused before reading: no real transcript is this big,
# and reading one would take the memory of a small machine.
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass
class ImportReport:
    imported: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Files that went in with something repaired: (path, '1 timing line repaired').
    repaired: list[tuple[str, str]] = field(default_factory=list)
    # Annotations without a transcript placed in one that arrived: (id, title, how many).
    came_back: list[tuple[int, str, int]] = field(default_factory=list)
    # Copies found (the same talk as one already there), and copies aligned
    # again because they or their source changed (store/same_talk.py).
    same_talk: list[SameTalk] = field(default_factory=list)
    realigned: list[Realigned] = field(default_factory=list)
    segments: int = 0  # segments written (imported + updated)
    bytes: int = 0  # bytes parsed

    @property
    def changed(self) -> list[int]:
        return self.imported + self.updated

    def to_json(self) -> dict:
        out: dict = {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
        }
        if self.repaired:
            out["repaired"] = [{"path": p, "note": n} for p, n in self.repaired]
        if self.came_back:
            out["came_back"] = [{"id": i, "title": t, "annotations": n} for i, t, n in self.came_back]
        if self.same_talk:
            out["same_talk"] = [n.to_json() for n in self.same_talk]
        if self.realigned:
            out["realigned"] = [n.to_json() for n in self.realigned]
        return out


def walk(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, None) for files to try, (path, reason) for ones to skip.

    Files named on the command line are always tried; inside folders, only
    files whose extension a transcript may have, and no hidden ones."""
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            yield p, "no such file or folder"
            continue
        if p.is_dir():
            pass
        else:
            yield p, not_regular(p)
            continue
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:  # a symlink loop
                dirnames[:] = []
                continue
            seen.add(key)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                f = Path(dirpath) / name
                if name.startswith("."):
                    continue
                if f.suffix.lower() not in TRANSCRIPT_EXTENSIONS:
                    yield f, f"not a transcript ({f.suffix or 'no extension'})"
                    continue
                yield f, not_regular(f)


_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_regular(path: Path) -> str | None:
    """Why a path cannot be imported as a file (None when it can): reading a
    named pipe waits forever, and a device such as /dev/zero never ends."""
    try:
        mode = path.stat().st_mode  # through a link: what it points at
    except FileNotFoundError:
        return f"a link to {os.readlink(path)}, which does not exist" if path.is_symlink() else "no such file or folder"
    except OSError as e:
        return e.strerror or str(e)
    if stat.S_ISREG(mode):
        return None
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    via = " (through a link)" if path.is_symlink() else ""
    return f"not a regular file: {what}{via}"


def read_limited(path: Path, limit: int) -> bytes:
    """The whole file, opened without blocking and read only if it is a
    regular file of at most `limit` bytes (checked on the open file, so a
    file swapped for a pipe after the walk cannot hang the import)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(len(data))
    return data


class FileTooLarge(Exception):
    pass


def sha256_file(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _too_large(size: int | None, limit: int) -> str:
    """size: what stat said; None when the file grew past the limit while read."""
    return f"larger than the {_mb(limit)} a file may have ({_mb(size) if size is not None else 'it grew while read'})"


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def import_file(
    lib: Library,
    path: Path,
    *,
    fmt: str | None = None,
    wpm: float = DEFAULT_WPM,
    report: ImportReport,
    max_bytes: int = MAX_FILE_BYTES,
    copies: CopyFinder | None = None,
) -> None:
    """Import one file into the library, recording the outcome in report;
    with `copies`, a new or changed transcript is looked up among the
    library's transcripts for copies of the same talk (maybe with the next
    ones: copies.finish() does those still waiting)."""
    shown = str(path)
    try:
        source = str(path.resolve())
        st = path.stat()
        known = lib.find_source(source)
        # stat before hashing: an untouched file is not even read.
        if known and fmt is None and known.size == st.st_size and known.mtime == st.st_mtime:
            report.unchanged.append(known.id)
            return
        if st.st_size > max_bytes:
            report.skipped.append((shown, _too_large(st.st_size, max_bytes)))
            return
        data = read_limited(path, max_bytes)
    except FileTooLarge:
        report.skipped.append((shown, _too_large(None, max_bytes)))
        return
    except OSError as e:
        report.failed.append((shown, e.strerror or str(e)))
        return
    sha = sha256_file(data)
    if known and known.sha256 == sha and fmt is None:
        lib.touch_source(known.id, source=source, size=st.st_size, mtime=st.st_mtime)
        report.unchanged.append(known.id)
        return
    if not known and fmt is None:
        # The same bytes already imported from elsewhere (a copy, or a moved
        # file): not a second transcript.
        same = lib.find_sha(sha)
        if same:
            if not Path(same[0].source).exists():
                lib.touch_source(same[0].id, source=source, size=st.st_size, mtime=st.st_mtime)
            report.unchanged.append(same[0].id)
            return
    try:
        t = parse_bytes(data, name=title_from_name(path.stem), ext=path.suffix, fmt=fmt, wpm=wpm)
    except NotATranscript as e:
        report.skipped.append((shown, str(e)))
        return
    except ParseError as e:
        report.failed.append((shown, str(e)))
        return
    except RecursionError:
        report.failed.append((shown, "too deeply nested to read"))
        return
    t.metadata.setdefault("source_name", path.name)
    tid, what = lib.save(t, source=source, sha256=sha, size=st.st_size, mtime=st.st_mtime)
    if what == "updated":  # the text changed: find its annotations again
        reanchor(lib, tid)
    if what != "unchanged":  # annotations waiting for this transcript come home
        back = come_home(lib, tid)
        if back:
            report.came_back.append((tid, t.title, len(back)))
    if copies is not None and what != "unchanged":  # the same talk as one already there? (copies.finish())
        copies.saved(tid, t, what, sha, report)
    getattr(report, what).append(tid)
    note = repair_note(t)
    if note and what != "unchanged":
        report.repaired.append((shown, note))
    if what != "unchanged":
        report.segments += len(t.segments)
        report.bytes += len(data)


def import_paths(
    lib: Library,
    paths: Iterable[str | os.PathLike],
    *,
    fmt: str | None = None,
    wpm: float = DEFAULT_WPM,
    progress: Callable[[int, int, Path], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    find_copies: bool = True,
) -> ImportReport:
    """Import files and folders. progress(done, total, path) is called
    before each file; should_stop lets a UI worker cancel between files;
    find_copies=False leaves out looking for copies of the same talk (the
    benchmark measures what it costs)."""
    report = ImportReport()
    copies = CopyFinder(lib) if find_copies else None
    todo: list[Path] = []
    for path, reason in walk(paths):
        if reason is None:
            todo.append(path)
        elif reason == "no such file or folder":
            report.failed.append((str(path), reason))
        else:
            report.skipped.append((str(path), reason))
    for n, path in enumerate(todo):
        if should_stop and should_stop():
            break
        if progress:
            progress(n, len(todo), path)
        try:
            import_file(lib, path, fmt=fmt, wpm=wpm, report=report, max_bytes=max_bytes, copies=copies)
        except LibraryError:
            raise
        except MemoryError:
            report.failed.append((str(path), "out of memory reading it"))
    if copies is not None:  # the transcripts still waiting to be looked up
        copies.finish()
    if progress:
        progress(len(todo), len(todo), Path())
    return report

"""Importing files and folders into the library.

One file at a time, one transaction per file, so memory stays flat in the
number of files and a crash loses at most the file being imported. A file
that is not a transcript is skipped with a note; a broken one is reported
with its reason and skipped; the rest go in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .annotations import reanchor
from .formats import TRANSCRIPT_EXTENSIONS, NotATranscript, ParseError, parse_bytes, title_from_name
from .library import Library, LibraryError
from .reflow import DEFAULT_WPM

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
    segments: int = 0  # segments written (imported + updated)
    bytes: int = 0  # bytes parsed

    @property
    def changed(self) -> list[int]:
        return self.imported + self.updated

    def to_json(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
        }


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
        if p.is_file():
            yield p, None
            continue
        if not p.is_dir():
            yield p, "not a regular file"
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
                yield f, None


def sha256_file(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(
    lib: Library, path: Path, *, fmt: str | None = None, wpm: float = DEFAULT_WPM, report: ImportReport
) -> None:
    """Import one file into the library, recording the outcome in report."""
    shown = str(path)
    try:
        source = str(path.resolve())
        st = path.stat()
        known = lib.find_source(source)
        # stat before hashing: an untouched file is not even read.
        if known and fmt is None and known.size == st.st_size and known.mtime == st.st_mtime:
            report.unchanged.append(known.id)
            return
        if st.st_size > MAX_FILE_BYTES:
            report.failed.append((shown, f"too large ({st.st_size // (1024 * 1024)} MB)"))
            return
        data = path.read_bytes()
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
    getattr(report, what).append(tid)
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
) -> ImportReport:
    """Import files and folders. progress(done, total, path) is called
    before each file; should_stop lets a UI worker cancel between files."""
    report = ImportReport()
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
            import_file(lib, path, fmt=fmt, wpm=wpm, report=report)
        except LibraryError:
            raise
        except MemoryError:
            report.failed.append((str(path), "out of memory reading it"))
    if progress:
        progress(len(todo), len(todo), Path())
    return report

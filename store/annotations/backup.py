"""A second copy of the notes, without the library: backups/annotations-N.json.

After annotation changes (the app, debounced, in a worker; the command line
after `hark annotations import`) every annotation is written as W3C JSON,
what `hark annotations import` reads, so a damaged or lost library costs no
note: `hark annotations import backups/annotations-1.json` puts them back
(in a fresh library too; they come home as their transcripts are imported).

Files are 0600 and written atomically (write_private). -1 is the newest;
the older generations shift down (-1 to -2, ... to -GENERATIONS) only when
-1 is at least ROTATE_SECONDS old, or when the new copy is smaller than -1
(notes were deleted or shortened: the copy before that is the one to keep),
so a burst of edits does not push every older generation out.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from ..library import Library
from ..paths import Paths, private_dir, write_private
from .exchange import w3c_annotations

FOLDER = "backups"
GENERATIONS = 5
ROTATE_SECONDS = 600

_lock = threading.Lock()  # one writer at a time in this process (the app's workers)


def backup_dir(paths: Paths) -> Path:
    """Where the backups are kept: backups/ in the data folder."""
    return paths.data / FOLDER


def generation(folder: Path, n: int) -> Path:
    return folder / f"annotations-{n}.json"


def backups(folder: Path) -> list[Path]:
    """The backups there are, newest first."""
    return [p for n in range(1, GENERATIONS + 1) if (p := generation(folder, n)).is_file()]


def render(lib: Library) -> bytes:
    """Every annotation as a W3C JSON array, one annotation a line (smaller
    than the indented export, and still readable and diffable)."""
    docs = w3c_annotations(lib)
    lines = ",\n".join(json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in docs)
    return f"[\n{lines}\n]\n".encode() if docs else b"[]\n"


def write_backup(lib: Library, folder: Path, *, now: float | None = None) -> Path | None:
    """Write the newest backup of every annotation into folder (made 0700).
    Returns its path; None when -1 already holds exactly this (nothing
    changed). Raises OSError (disk full, ...) and the library's errors: a
    library that cannot be read leaves the backups as they were."""
    data = render(lib)
    with _lock:
        private_dir(folder)
        newest = generation(folder, 1)
        try:
            st = newest.stat()
        except FileNotFoundError:
            st = None
        if st is not None:
            if st.st_size == len(data) and newest.read_bytes() == data:
                return None
            now = time.time() if now is None else now
            if now - st.st_mtime >= ROTATE_SECONDS or len(data) < st.st_size:
                for n in range(GENERATIONS - 1, 0, -1):
                    older = generation(folder, n)
                    if older.is_file():
                        os.replace(older, generation(folder, n + 1))
        write_private(newest, data)
    return newest

"""The writer lock: one writer of an index at a time, across processes.

An exclusive flock on a file beside the index (HOME/index.lock), held
while writing and released by the kernel if the holder dies (a stale file
is harmless); a second writer waits and retries for up to LOCK_SECONDS.
Readers take no lock: Whoosh writes new segment files and then swaps in
the table of contents (a rename), so a reader sees the old index or the
new one, and a writer killed mid-commit leaves the previous one intact.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .engine import IndexUnavailable

LOCK_SECONDS = 60.0


class WriterLock:
    """An exclusive flock on a file beside the index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, timeout: float | None = None) -> bool:
        timeout = LOCK_SECONDS if timeout is None else timeout
        try:
            import fcntl
        except ImportError:  # no flock here: Whoosh's own lock still guards commits
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    def release(self) -> None:
        if self.fd is not None:
            import fcntl

            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self) -> WriterLock:
        if not self.acquire():
            raise IndexUnavailable("the search index is busy (another hark is writing it); try again", "busy")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

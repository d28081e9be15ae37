"""Guarded fixes to Whoosh, applied when the engine opens an index.

Four changes to Whoosh's classes, for the whole process, each applied by
`apply_all` (WhooshEngine calls it when it opens, a build process when it
starts; applying again changes nothing). Each checks the structure it
patches first and steps aside if it differs (another Whoosh release), and
says whether it took in a PatchReport:

    leaf_skip     skipping inside a posting block by bisection
    buffer_file   memory-mapped segment files read through a view, not
                  copied whole into memory
    unpickle      an index file that cannot be unpickled (a module or name
                  it refers to is gone) raises UnpicklingError, which the
                  engine counts as damage: the index is rebuilt
    block_tag     a posting list whose header is garbage (a zero-filled
                  page) raises DamagedPostings, not a bare Exception

tests/store/search/test_whoosh_patches.py asserts that each takes on the
pinned Whoosh and that its behaviour is in effect.
"""

from __future__ import annotations

import pickle
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PatchReport:
    name: str
    took: bool
    why: str = ""  # why it stepped aside


def leaf_skip() -> PatchReport:
    """Whoosh moves a posting cursor to a target document inside a block
    one posting at a time, three method calls each; intersecting a rare
    word with a common one spends most of its time there. Same result by
    bisection (block ids are sorted). W3 codec only."""
    from whoosh.codec import whoosh3
    from whoosh.matching import ReadTooFar

    cls = whoosh3.W3LeafMatcher
    name = "leaf_skip"
    if getattr(cls, "_hark_bisect", False):
        return PatchReport(name, True)
    needed = ("_skip_to_block", "block_max_id", "_read_ids", "is_active", "id", "skip_to")
    if not all(hasattr(cls, a) for a in needed):
        return PatchReport(name, False, "W3LeafMatcher lacks " + ", ".join(a for a in needed if not hasattr(cls, a)))

    def skip_to(self: Any, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        block_max_id = self.block_max_id
        if targetid > block_max_id():
            self._skip_to_block(lambda: targetid > block_max_id())
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i, self._blocklength)
        if self._i >= self._blocklength:  # cannot happen (target <= block max); stay safe
            self._i = self._blocklength - 1
            while self.is_active() and self.id() < targetid:
                self.next()

    cls.skip_to = skip_to
    cls._hark_bisect = True
    return PatchReport(name, True)


class ViewFile:
    """A read-only file over a memoryview, without copying it."""

    __slots__ = ("buf", "pos")

    def __init__(self, buf: Any) -> None:
        self.buf = buf
        self.pos = 0

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.pos + pos if whence == 1 else len(self.buf) + pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, n: int | None = -1) -> bytes:
        start = self.pos
        end = len(self.buf) if n is None or n < 0 else min(len(self.buf), start + n)
        self.pos = max(start, end)
        return bytes(self.buf[start:end])

    def peek(self, n: int = 0) -> bytes:
        # The C unpickler prefetches through peek: one call per pickle
        # instead of one per opcode.
        return bytes(self.buf[self.pos : self.pos + max(n, 4096)])

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        buf, start = self.buf, self.pos
        end = len(buf) if size is None or size < 0 else min(len(buf), start + size)
        i = start
        while i < end and buf[i] != 10:
            i += 1
        self.pos = min(end, i + 1)
        return bytes(buf[start : self.pos])

    def __iter__(self) -> Iterator[bytes]:
        while self.pos < len(self.buf):
            yield self.readline()

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def buffer_file() -> PatchReport:
    """Whoosh opens each file inside a segment (memory-mapped) by copying
    it whole into a BytesIO: a large index's postings (~100 MB) copied into
    memory at the first search. Read the mapping through a view instead."""
    from whoosh.filedb import structfile

    cls = structfile.BufferFile
    name = "buffer_file"
    if getattr(cls, "_hark_view", False):
        return PatchReport(name, True)
    try:
        probe = cls.__new__(cls)
        cls.__init__(probe, b"x")
        if set(vars(probe)) != {"_buf", "_name", "file", "onclose", "is_real", "is_closed"}:
            return PatchReport(name, False, "BufferFile keeps other attributes")
    except Exception as e:
        return PatchReport(name, False, f"BufferFile cannot be probed ({type(e).__name__})")

    def __init__(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = ViewFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    cls.__init__ = __init__
    cls._hark_view = True
    return PatchReport(name, True)


# What unpickling raises when a pickle names something that is not there
# (an index written by a hark whose fileformat.py lived elsewhere).
_MISSING_NAME = (ImportError, AttributeError)


def _damage_aware(loads: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def hark_loads(data: bytes, *args: Any, **kwargs: Any) -> Any:
        try:
            return loads(data, *args, **kwargs)
        except _MISSING_NAME as e:
            raise pickle.UnpicklingError(f"the index names what is not there: {e}") from e

    hark_loads._hark_loads = loads  # type: ignore[attr-defined]
    return hark_loads


def unpickle() -> PatchReport:
    """A posting block or term info whose pickle refers to a module or name
    that is gone raises ModuleNotFoundError or AttributeError from inside
    Whoosh; caught there, the engine could not tell it from a bug. Raise
    UnpicklingError instead (engine.DAMAGE), only for what unpickling
    itself raises, so the index is rebuilt with one line."""
    from whoosh.codec import whoosh3

    name = "unpickle"
    current = getattr(whoosh3, "loads", None)
    if getattr(current, "_hark_loads", None) is not None:
        return PatchReport(name, True)
    if current is not pickle.loads:
        return PatchReport(name, False, "whoosh.codec.whoosh3 does not unpickle with pickle.loads")
    whoosh3.loads = _damage_aware(current)
    return PatchReport(name, True)


class DamagedPostings(Exception):
    """A posting list that does not start with its header tag: the file
    was overwritten or truncated (engine.DAMAGE: the index is rebuilt)."""


def block_tag() -> PatchReport:
    """Whoosh raises a bare Exception("Block tag error ...") for a posting
    list whose header is not its tag; caught as Exception the engine could
    not tell damage from a bug, so a damaged index was never rebuilt.
    Raise DamagedPostings instead, for that one message only."""
    from whoosh.codec import whoosh3

    cls = whoosh3.W3LeafMatcher
    name = "block_tag"
    current = getattr(cls, "_read_header", None)
    if getattr(current, "_hark_read_header", None) is not None:
        return PatchReport(name, True)
    if current is None:
        return PatchReport(name, False, "W3LeafMatcher lacks _read_header")

    def _read_header(self: Any) -> None:
        try:
            current(self)
        except DamagedPostings:
            raise
        except Exception as e:
            if type(e) is Exception and str(e).startswith("Block tag error"):
                raise DamagedPostings(f"a posting list of the index is damaged ({e})") from e
            raise

    _read_header._hark_read_header = current  # type: ignore[attr-defined]
    cls._read_header = _read_header
    return PatchReport(name, True)


PATCHES = (leaf_skip, buffer_file, unpickle, block_tag)


def apply_all() -> tuple[PatchReport, ...]:
    """Apply every patch (again: no change) and say which took."""
    return tuple(p() for p in PATCHES)

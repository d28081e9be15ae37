"""The app's one door to the store.

Every function here may block (SQLite, Whoosh, files) and is called from
thread workers, never from the UI thread's handlers. Each call opens its own
library connection (cheap), so workers on different threads never share
one. Failures come back as StoreError with a one-line message.

On a full disk or a read-only filesystem the library is opened read-only
(`Library(fall_back=True)`): reading and search work as usual, the reading
position is quietly not saved, and every other write raises ReadOnly.
"""

from __future__ import annotations

import threading
from pathlib import Path

from hark.store.library import Library, LibraryError, LibraryReadOnly, StoredTranscript, TranscriptInfo
from hark.store.paths import UNWRITABLE, Paths

from .views import AnnotationView, HitView, Mark, NoteDraft, Results


class StoreError(Exception):
    """Something the user should read in one line."""


class ReadOnly(StoreError):
    """A write refused because the library is open read-only; `why` says
    why in a few words (disk full, read-only filesystem, ...)."""

    def __init__(self, why: str, message: str | None = None) -> None:
        super().__init__(message or f"the library is read-only ({why})")
        self.why = why


def _open(paths: Paths) -> Library:
    """The library, read-only when the disk is full or read-only."""
    try:
        return Library(paths.library, fall_back=True)
    except LibraryError as e:
        raise StoreError(str(e)) from None


def _open_for_writing(paths: Paths) -> Library:
    """The library for a write; ReadOnly (before anything is tried) when it
    can only be read."""
    lib = _open(paths)
    if lib.read_only:
        why = lib.read_only_why or "read-only"
        lib.close()
        raise ReadOnly(why)
    return lib


def _guard(fn):
    """Turn store failures (locked, full disk, read-only home) into StoreError."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except LibraryReadOnly as e:  # (writes go through _open_for_writing: not expected)
            raise ReadOnly("read-only", str(e)) from None
        except LibraryError as e:
            raise StoreError(str(e)) from None
        except OSError as e:
            where = f" ({e.filename})" if getattr(e, "filename", None) else ""
            raise StoreError(f"{e.strerror or e}{where}") from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# -- the library ---------------------------------------------------------------


@_guard
def library_items(paths: Paths) -> tuple[list[TranscriptInfo], dict[int, int], str | None]:
    """The transcripts, their annotation counts, and why the library is
    read-only (None when it can be written)."""
    with _open(paths) as lib:
        items = lib.list()
        counts = _annotation_counts(lib)
        why = lib.read_only_why if lib.read_only else None
    if why is None:
        _forget_read_only(paths)
    return items, counts, why


@_guard
def read_only_why(paths: Paths) -> str | None:
    """Why the library can only be read now, or None when it can be
    written (the app asks again while it is read-only, to notice the end)."""
    with _open(paths) as lib:
        why = lib.read_only_why if lib.read_only else None
    if why is None:
        _forget_read_only(paths)
    return why


def _annotation_counts(lib: Library) -> dict[int, int]:
    from hark.store import annotations

    return annotations.count_by_transcript(lib)


@_guard
def load_transcript(paths: Paths, tid: int) -> StoredTranscript | None:
    with _open(paths) as lib:
        return lib.get(tid)


@_guard
def import_samples(paths: Paths) -> int:
    from importlib.resources import files

    from hark.store.importer import import_paths

    with _open_for_writing(paths) as lib:
        report = import_paths(lib, [Path(str(files("hark.store") / "samples"))])
        _sync(lib, paths)
    return len(report.imported) + len(report.unchanged)


def save_position(paths: Paths, tid: int, segment: int, playhead: float) -> str | None:
    """Save where the reader is; a problem as one line. Quietly nothing on a
    read-only library: it is saved on every cursor move, and the app said
    once at start that positions are not saved."""
    try:
        with _open(paths) as lib:
            if lib.read_only:
                return None
            lib.set_reading(tid, segment, playhead)
    except LibraryReadOnly:
        return None
    except (StoreError, LibraryError, OSError) as e:
        return f"could not save the reading position: {e}"
    return None


_poll_lock = threading.Lock()
_poll: dict[Path, Library] = {}


def data_version(paths: Paths) -> int | None:
    """A number that changes when another connection commits (another hark
    session, a CLI import). One long-lived connection per library: the
    pragma compares against that connection's own view."""
    with _poll_lock:
        try:
            lib = _poll.get(paths.library)
            if lib is None:
                lib = _poll[paths.library] = Library(paths.library, fall_back=True)
            return lib.data_version()
        except Exception:
            return None


# -- search --------------------------------------------------------------------


def _sync(lib: Library, paths: Paths) -> None:
    from hark.store.search import sync_quietly

    sync_quietly(lib, paths.index)


_index_lock = threading.Lock()
_indexes: dict[Path, object] = {}


def _index(paths: Paths):
    """One index per library, kept open: its searcher and term tables stay
    warm, and it picks up commits from any process at each search."""
    from hark.store.search import Index

    with _index_lock:
        ix = _indexes.get(paths.index)
        if ix is None:
            # Its own connection, read-only on a full or read-only disk
            # (Index would open one for writing and fail).
            ix = _indexes[paths.index] = Index(paths.index, _open(paths))
        return ix


def _forget_read_only(paths: Paths) -> None:
    """The library can be written again: drop the kept-open read-only
    connections so the next search and poll open writable ones. Not closed
    here: a worker may be using one right now (garbage collection closes
    them)."""
    with _index_lock:
        ix = _indexes.get(paths.index)
        if ix is not None and ix.lib.read_only:
            del _indexes[paths.index]
    with _poll_lock:
        lib = _poll.get(paths.library)
        if lib is not None and lib.read_only:
            del _poll[paths.library]


def warm_index(paths: Paths) -> str | None:
    """Open (and if needed rebuild or catch up) the index in the background.
    On a disk that cannot be written an index that is only behind the
    library is searched as it is (as `hark search` does); a missing or
    damaged one cannot be rebuilt there."""
    messages: list[str] = []
    try:
        ix = _index(paths)
        try:
            ix.ensure(message=messages.append)
        except OSError as e:
            if e.errno not in UNWRITABLE:
                raise
            reason = ix.lib.read_only_why or UNWRITABLE[e.errno]
            state = ix.health()
            if state is not None:
                what = {"missing": "is missing", "stale": "is from another version"}.get(state, "is damaged")
                return (
                    f"search is unavailable: the search index {what} and cannot be rebuilt ({reason}); "
                    "run `hark reindex` where the library can be written"
                )
            messages.append(f"the search index cannot be brought up to date ({reason}): searching it as it is")
        ix.warm()
    except Exception as e:  # the app keeps running without search
        return f"search is unavailable: {e}"
    return messages[-1] if messages else None


@_guard
def search(paths: Paths, query: str, *, final: bool = True, limit: int = 50) -> Results:
    from hark.store.search import IndexUnavailable

    if not query.strip():
        return Results([], 0, None, None)
    try:
        # While typing, bound the search; the full one runs when typing pauses.
        result = _index(paths).search(query, limit=limit, time_limit=None if final else 0.08, suggest=final)
    except IndexUnavailable as e:
        raise StoreError(f"search is unavailable: {e}") from None
    hits = [
        HitView(
            transcript_id=h.transcript_id,
            title=h.title,
            segment=h.segment,
            start=h.start,
            snippet=h.snippet,
            marks=list(h.marks),
            kind=getattr(h, "kind", "text"),
            text=h.text,
            text_marks=list(getattr(h, "text_marks", []) or []),
        )
        for h in result.hits
    ]
    return Results(hits, result.total, result.note, result.suggestion)


# -- annotations -----------------------------------------------------------------


def _marks_of(items) -> list[Mark]:
    return [Mark(id=a.id, first=a.first, last=a.last, color=a.color, note=a.note) for a in items]


@_guard
def annotation_marks(paths: Paths, tid: int) -> list[Mark]:
    from hark.store import annotations

    with _open(paths) as lib:
        items = annotations.list_annotations(lib, tid, include_orphaned=False)
    return _marks_of(items)


@_guard
def annotation_views(paths: Paths, tid: int | None, *, whole_library: bool) -> list[AnnotationView]:
    from hark.store import annotations

    if tid is None and not whole_library:
        return []
    with _open(paths) as lib:
        items = annotations.list_annotations(lib, None if whole_library else tid)
    return [
        AnnotationView(
            id=a.id,
            transcript_id=a.transcript_id,
            title=a.transcript_title,
            first=a.first,
            start=a.start,
            quote=a.quote,
            note=a.note,
            tags=list(a.tags),
            color=a.color,
            author=a.author,
            status=a.status,
        )
        for a in items
    ]


@_guard
def create_annotation(paths: Paths, tid: int | None, span: tuple[int, int], draft: NoteDraft) -> None:
    from hark.store import annotations

    if tid is None:
        raise StoreError("no transcript is open")
    with _open_for_writing(paths) as lib:
        annotations.create(lib, tid, span[0], span[1], note=draft.note, tags=draft.tag_list(), color=draft.color)
        _sync(lib, paths)


@_guard
def update_annotation(paths: Paths, annotation_id: str, draft: NoteDraft) -> None:
    from hark.store import annotations

    with _open_for_writing(paths) as lib:
        annotations.update(lib, annotation_id, note=draft.note, tags=draft.tag_list(), color=draft.color)
        _sync(lib, paths)


@_guard
def delete_annotation(paths: Paths, annotation_id: str) -> object:
    from hark.store import annotations

    with _open_for_writing(paths) as lib:
        undo = annotations.delete(lib, annotation_id)
        _sync(lib, paths)
    return undo


@_guard
def restore_annotation(paths: Paths, undo: object) -> None:
    from hark.store import annotations

    with _open_for_writing(paths) as lib:
        annotations.restore(lib, undo)
        _sync(lib, paths)

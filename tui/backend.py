"""The app's one door to the store.

Every function here may block (SQLite, Whoosh, files) and is called from
thread workers, never from the UI thread's handlers. Each call opens its own
library connection (cheap), so workers on different threads never share
one. Failures come back as StoreError with a one-line message.

On a full disk or a read-only filesystem the library is opened read-only
(`Library(fall_back=True)`): reading and search work as usual, the reading
position is quietly not saved, and every other write raises ReadOnly.

A damaged library is read-only too (Damaged, a ReadOnly): every SQLite
error a call meets comes back as one StoreError, never a trace (a damaged
page is located and noted, so that no write follows it into the file).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hark.store.library import (
    Library,
    LibraryDamaged,
    LibraryError,
    LibraryReadOnly,
    StoredTranscript,
    TranscriptInfo,
    is_database_error,
    library_error,
)
from hark.store.library.rows import damage_message, damaged_why
from hark.store.paths import UNWRITABLE, Paths

from .views import AnnotationView, HitView, Mark, NoteDraft, Results

if TYPE_CHECKING:
    from hark.store.same_talk import CopyOf


class StoreError(Exception):
    """Something the user should read in one line."""


class ReadOnly(StoreError):
    """A write refused because the library is open read-only; `why` says
    why in a few words (disk full, read-only filesystem, ...)."""

    def __init__(self, why: str, message: str | None = None) -> None:
        super().__init__(message or f"the library is read-only ({why})")
        self.why = why


class Damaged(ReadOnly):
    """The library file is damaged: said in one line (where, and to run
    `hark check`); it is read-only from now on."""

    def __init__(self, e: LibraryDamaged) -> None:
        super().__init__(damaged_why(e.where), str(e))
        self.where = e.where


class IndexBroken(StoreError):
    """The search index is damaged, missing or from another version
    (`why`): rebuild it (rebuild_index) and search again."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


def is_damaged(why: str | None) -> bool:
    """Whether a read-only reason is damage (not a full or read-only disk)."""
    return why is not None and why.split(",")[0] == damaged_why()


def damage_line(why: str) -> str:
    """The one line for a damaged library, from its read-only reason."""
    return damage_message(why.partition(", ")[2])


def open_library(paths: Paths) -> Library:
    """The library, read-only when the disk is full or read-only."""
    try:
        return Library(paths.library, fall_back=True)
    except LibraryDamaged as e:
        raise Damaged(e) from None
    except LibraryError as e:
        raise StoreError(str(e)) from None


def open_for_writing(paths: Paths) -> Library:
    """The library for a write; ReadOnly (before anything is tried) when it
    can only be read."""
    lib = open_library(paths)
    if lib.damaged is not None:
        lib.close()
        raise Damaged(LibraryDamaged(lib.damaged))
    if lib.read_only:
        why = lib.read_only_why or "read-only"
        lib.close()
        raise ReadOnly(why)
    return lib


def guarded(fn):
    """Turn store failures (locked, full disk, read-only home, a damaged
    file) into StoreError. Every guarded function takes `paths` first."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreError:
            raise
        except LibraryDamaged as e:
            raise Damaged(e) from None
        except LibraryReadOnly as e:  # (writes go through open_for_writing: not expected)
            raise ReadOnly("read-only", str(e)) from None
        except LibraryError as e:
            raise StoreError(str(e)) from None
        except OSError as e:
            where = f" ({e.filename})" if getattr(e, "filename", None) else ""
            raise StoreError(f"{e.strerror or e}{where}") from None
        except Exception as e:
            # SQLite's own (a read met a damaged page: located and noted,
            # writes stop); anything else is not the store's to say.
            paths = args[0] if args and isinstance(args[0], Paths) else kwargs.get("paths")
            said = library_error(paths.library, e) if isinstance(paths, Paths) else None
            if said is None:
                raise
            raise (Damaged(said) if isinstance(said, LibraryDamaged) else StoreError(str(said))) from None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# -- the library ---------------------------------------------------------------


@guarded
def library_items(paths: Paths) -> tuple[list[TranscriptInfo], dict[int, int], str | None]:
    """The transcripts, their annotation counts, and why the library is
    read-only (None when it can be written)."""
    with open_library(paths) as lib:
        items = lib.list()
        try:
            counts = _annotation_counts(lib)
        except Exception as e:
            # Damaged annotations: the transcripts are still listed (and
            # the damage, noted, makes the library read-only below).
            if lib.damage_found(e) is None:
                raise
            counts = {}
        why = lib.read_only_why if lib.read_only else None
    if why is None:
        _forget_read_only(paths)
    return items, counts, why


@guarded
def read_only_why(paths: Paths) -> str | None:
    """Why the library can only be read now, or None when it can be
    written (the app asks again while it is read-only, to notice the end)."""
    with open_library(paths) as lib:
        why = lib.read_only_why if lib.read_only else None
    if why is None:
        _forget_read_only(paths)
    return why


def _annotation_counts(lib: Library) -> dict[int, int]:
    # The Library's own count (what annotations.count_by_transcript
    # returns): the first screen does not wait for the annotations
    # package's import.
    return lib.annotation_counts()


@guarded
def load_transcript(paths: Paths, tid: int) -> StoredTranscript | None:
    with open_library(paths) as lib:
        return lib.get(tid)


@guarded
def import_samples(paths: Paths) -> int:
    from importlib.resources import files

    from hark.store.importer import import_paths

    with open_for_writing(paths) as lib:
        report = import_paths(lib, [Path(str(files("hark.store") / "samples"))])
        sync_index(lib, paths)
    return len(report.imported) + len(report.unchanged)


def save_position(paths: Paths, tid: int, segment: int, playhead: float) -> str | None:
    """Save where the reader is; a problem as one line. Quietly nothing on a
    read-only library: it is saved on every cursor move, and the app said
    once at start that positions are not saved."""
    try:
        with open_library(paths) as lib:
            if lib.read_only:
                return None
            lib.set_reading(tid, segment, playhead)
    except LibraryDamaged as e:  # found just now (known damage is read-only above)
        return str(e)
    except LibraryReadOnly:
        return None
    except (StoreError, LibraryError, OSError) as e:
        return f"could not save the reading position: {e}"
    except Exception as e:
        said = library_error(paths.library, e)
        if said is None:
            raise
        return str(said) if isinstance(said, LibraryDamaged) else f"could not save the reading position: {e}"
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


def sync_index(lib: Library, paths: Paths) -> None:
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
            ix = _indexes[paths.index] = Index(paths.index, open_library(paths))
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


Progress = Callable[[int, int], None]  # (done, total) of a rebuild or catch-up

# Index states a rebuild mends (not "busy": another hark is writing it).
HEALABLE = ("corrupt", "missing", "stale")
_REBUILT = {"corrupt": "was damaged", "missing": "was missing", "stale": "was from another version"}


def _said(paths: Paths, e: BaseException) -> str:
    """An error met by the index's work, in one line. Damage in the library
    it read (located and noted: writes stop) is raised as Damaged: the app
    says that, not that search failed."""
    if isinstance(e, LibraryDamaged):
        raise Damaged(e) from None
    said = library_error(paths.library, e)
    if isinstance(said, LibraryDamaged):
        raise Damaged(said) from None
    if said is not None:
        return str(said)
    if isinstance(e, OSError):
        return f"{e.strerror or e}" + (f" ({e.filename})" if getattr(e, "filename", None) else "")
    return str(e) or type(e).__name__


def warm_index(paths: Paths, progress: Progress | None = None) -> tuple[bool, str | None]:
    """Open (and if needed rebuild or catch up) the index in the background,
    reporting a rebuild's progress: whether search can be used, and a line
    to say (None: nothing to say); Damaged when the library it read is. On
    a disk that cannot be written an index that is only behind the library
    is searched as it is (as `hark search` does); a missing or damaged one
    cannot be rebuilt there. Quick when the index is current (it is
    opened and checked); its tables are built later (warm_tables)."""
    messages: list[str] = []
    try:
        ix = _index(paths)
        try:
            ix.ensure(message=messages.append, progress=progress)
        except OSError as e:
            if e.errno not in UNWRITABLE:
                raise
            reason = ix.lib.read_only_why or UNWRITABLE[e.errno]
            state = ix.health()
            if state is not None:
                what = {"missing": "is missing", "stale": "is from another version"}.get(state, "is damaged")
                return False, (
                    f"search is unavailable: the search index {what} and cannot be rebuilt ({reason}); "
                    "run `hark reindex` where the library can be written"
                )
            messages.append(f"the search index cannot be brought up to date ({reason}): searching it as it is")
    except Exception as e:  # the app keeps running without search
        return False, f"search is unavailable: {_said(paths, e)}"
    return True, messages[-1] if messages else None


def warm_tables(paths: Paths) -> None:
    """Build the index's in-memory tables (prefixes, completion, fuzzy
    words), in the background after the first screen; searches do not wait
    for it. Quietly nothing when it fails: searches work without them, and
    say themselves what is wrong with the index."""
    try:
        _index(paths).warm()
    except Exception:
        pass


def rebuild_index(paths: Paths, why: str, progress: Progress | None = None) -> tuple[bool, str]:
    """Rebuild the search index from the library, as `hark reindex` does
    (the app found it damaged, missing or stale while searching): whether
    it is done, and one line to say; Damaged when the library is. The
    library is checked first (quick_check): a damaged file would be
    indexed short."""
    from hark.store.search import IndexUnavailable

    try:
        ix = _index(paths)
        ix.lib.verify()
        report = ix.rebuild(progress=progress, why=why)
    except OSError as e:
        if e.errno not in UNWRITABLE:
            return False, f"search is unavailable: {_said(paths, e)}"
        reason = UNWRITABLE[e.errno]
        return False, (
            f"search is unavailable: the search index cannot be rebuilt ({reason}); "
            "run `hark reindex` where the library can be written"
        )
    except IndexUnavailable as e:
        return False, f"search is unavailable: {e}"
    except Exception as e:  # the app keeps running without search
        return False, f"search is unavailable: {_said(paths, e)}"
    n = report.transcripts
    what = _REBUILT.get(why, "needed rebuilding")
    if report.set_aside:
        what = f"was a file, not a folder (set aside as {report.set_aside})"
    return True, (
        f"the search index {what}: rebuilt from the library ({n} transcript{'s' if n != 1 else ''}, "
        f"{report.seconds:.1f}s)"
    )


@guarded
def search(
    paths: Paths,
    query: str,
    *,
    final: bool = True,
    limit: int = 50,
    in_id: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Results:
    """The library's search (in_id: only in that transcript, for the
    reader's find). `cancelled` is asked once the index is free: a search
    typed over while it waited is not run (empty Results)."""
    from hark.store.search import IndexUnavailable

    if not query.strip():
        return Results([], 0, None, None)
    try:
        # While typing, bound the search and take the last word as a prefix;
        # the full one runs when typing pauses, the last word whole unless
        # nothing says it (then as a prefix, with a note).
        result = _index(paths).search(
            query,
            limit=limit,
            in_id=in_id,
            time_limit=None if final else 0.08,
            suggest=final,
            last_word="either" if final else "prefix",
            cancelled=cancelled,
        )
    except IndexUnavailable as e:
        if e.why in HEALABLE:
            raise IndexBroken(f"search is unavailable: {e}", e.why) from None
        raise StoreError(f"search is unavailable: {e}") from None
    except Exception as e:
        if is_database_error(e) or isinstance(e, (LibraryError, OSError)):
            raise  # (said by guarded)
        # A query or an index file the engine chokes on: said; the app goes on.
        raise StoreError(f"search failed: {type(e).__name__}: {e}") from None
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
            segment_marks={k: list(v) for k, v in (getattr(h, "segment_marks", None) or {}).items()},
            speaker=getattr(h, "speaker", None),
            timing=h.timing,
        )
        for h in result.hits
    ]
    return Results(hits, result.total, result.note, result.suggestion)


# -- annotations -----------------------------------------------------------------


def _marks_of(items) -> list[Mark]:
    return [Mark(id=a.id, first=a.first, last=a.last, color=a.color, note=a.note) for a in items]


@guarded
def annotation_marks(paths: Paths, tid: int) -> list[Mark]:
    from hark.store import annotations

    with open_library(paths) as lib:
        items = annotations.list_annotations(lib, tid, include_orphaned=False)
    return _marks_of(items)


@guarded
def annotation_views(paths: Paths, tid: int | None, *, whole_library: bool) -> list[AnnotationView]:
    from hark.store import annotations

    if tid is None and not whole_library:
        return []
    with open_library(paths) as lib:
        items = annotations.list_annotations(lib, None if whole_library else tid)
        # The transcripts' titles now (the user may have renamed one since).
        titles = lib.titles({a.transcript_id for a in items if a.transcript_id is not None}) if items else {}
    return [
        AnnotationView(
            id=a.id,
            transcript_id=a.transcript_id,
            title=titles.get(a.transcript_id, (a.transcript_title,))[0],
            first=a.first,
            start=a.start,
            quote=a.quote,
            note=a.note,
            tags=list(a.tags),
            color=a.color,
            author=a.author,
            status=a.status,
            base=a,
        )
        for a in items
    ]


@guarded
def create_annotation(paths: Paths, tid: int | None, span: tuple[int, int], draft: NoteDraft) -> None:
    from hark.store import annotations

    if tid is None:
        raise StoreError("no transcript is open")
    with open_for_writing(paths) as lib:
        annotations.create(lib, tid, span[0], span[1], note=draft.note, tags=draft.tag_list(), color=draft.color)
        sync_index(lib, paths)


@guarded
def update_annotation(paths: Paths, base: object, draft: NoteDraft) -> str | None:
    """Save an edit of `base` (an AnnotationView's base, as the editor
    opened it). A line to show when another hark changed or deleted it
    meanwhile (both versions are kept; a deleted one is put back)."""
    from hark.store import annotations

    if not isinstance(base, annotations.Annotation):
        raise StoreError("this annotation cannot be edited here; reopen the Annotations pane")
    with open_for_writing(paths) as lib:
        saved = annotations.save_edit(lib, base, note=draft.note, tags=draft.tag_list(), color=draft.color)
        sync_index(lib, paths)
    return saved.notice()


@guarded
def backup_annotations(paths: Paths) -> None:
    """Refresh the rotating copy of every note in backups/ (after changes)."""
    from hark.store import annotations

    with open_library(paths) as lib:
        annotations.write_backup(lib, annotations.backup_dir(paths))


@guarded
def delete_annotation(paths: Paths, annotation_id: str) -> object:
    from hark.store import annotations

    with open_for_writing(paths) as lib:
        undo = annotations.delete(lib, annotation_id)
        sync_index(lib, paths)
    return undo


@guarded
def restore_annotation(paths: Paths, undo: object) -> None:
    from hark.store import annotations

    with open_for_writing(paths) as lib:
        annotations.restore(lib, undo)
        sync_index(lib, paths)


# -- copies of the same talk -----------------------------------------------------


@guarded
def copies(paths: Paths, tid: int) -> list[CopyOf]:
    """A transcript's copies, most alike first."""
    from hark.store import same_talk

    with open_library(paths) as lib:
        return same_talk.copies_of(lib, tid)


@guarded
def find_copies(paths: Paths) -> bool:
    """Look for copies among transcripts that were never looked at (a
    library from before hark found copies); whether the copies known
    changed (the Library shows them)."""
    from hark.store import same_talk

    with open_library(paths) as lib:
        if lib.read_only:
            return False
        before = lib.copy_pairs()
        return bool(same_talk.backfill(lib)) and lib.copy_pairs() != before


@guarded
def align_copy(paths: Paths, tid: int, source: int) -> str:
    """Give transcript tid the exact times of its copy `source`; what was
    done, in one line (StoreError with the reason when refused)."""
    from hark.store import same_talk

    with open_for_writing(paths) as lib:
        try:
            result = same_talk.align_copy(lib, tid, source)
        except same_talk.CopyError as e:
            raise StoreError(str(e)) from None
        sync_index(lib, paths)
    return same_talk.summary(result)


@guarded
def counterpart(paths: Paths, tid: int, segment: int, other: int) -> int | None:
    """The segment of `other` that says what segment `segment` of tid says."""
    from hark.store import same_talk

    with open_library(paths) as lib:
        return same_talk.counterpart(lib, tid, segment, other)

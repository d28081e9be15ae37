"""Making, reading, editing and deleting annotations, and citing one.

Each change is one short transaction of the library's (a `Library` method
that calls back here for what to write), so several sessions can share a
library. An edit made in an editor is saved against the version it started
from (`save_edit`): another session's change or delete meanwhile is never
silently overwritten.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from ..library import Library, TranscriptInfo, now_iso
from ..links import deep_link
from ..model import ANCHORED, DEFAULT_COLOR, Annotation, Segment
from ..text import format_time, strip_escapes
from .anchoring import CONTEXT_CHARS, Text, place
from .fields import (
    AnnotationError,
    check_color,
    check_note,
    current_author,
    hashtags,
    new_id,
    normalize_tags,
    url_of,
)

# The tag on the copy that keeps another session's version of a note.
CONFLICT_TAG = "conflict"

# -- reading -----------------------------------------------------------------------


def get(lib: Library, annotation_id: str) -> Annotation | None:
    return lib.annotation(annotation_id)


def list_annotations(lib: Library, transcript_id: int | None = None, include_orphaned: bool = True) -> list[Annotation]:
    """Annotations in reading order: by transcript, then time. Those of
    removed transcripts (transcript_id None) come last."""
    return lib.annotations(transcript_id, include_orphaned)


def salvage(lib: Library, transcript_id: int | None = None) -> tuple[list[Annotation], int]:
    """From a damaged library: every annotation that can still be read
    (of one transcript, or all), and how many could not be read."""
    anns, lost = lib.salvage_annotations()
    if transcript_id is not None:
        anns = [a for a in anns if a.transcript_id == transcript_id]
    return anns, lost


def readable(lib: Library, transcript_id: int | None = None) -> tuple[list[Annotation], int]:
    """list_annotations, or on a damaged library what salvage() can read:
    (annotations, how many could not be read)."""
    try:
        return list_annotations(lib, transcript_id), 0
    except sqlite3.DatabaseError:
        return salvage(lib, transcript_id)


def count_by_transcript(lib: Library) -> dict[int, int]:
    """transcript id -> number of annotations (for the library pane)."""
    return lib.annotation_counts()


def iter_for_index(
    lib: Library, transcript_id: int | None = None
) -> Iterator[tuple[str, int, int, float, str, list[str]]]:
    """For the search index: (annotation id, transcript id, first segment,
    start, note, tags) of every annotation whose transcript is in the
    library (bare highlights too: skip those with no note and no tags if
    only notes are wanted)."""
    for a in list_annotations(lib, transcript_id):
        if a.transcript_id is not None:
            yield a.id, a.transcript_id, a.first, a.start, a.note, list(a.tags)


# -- writing -----------------------------------------------------------------------


def create(
    lib: Library,
    transcript_id: int,
    first: int,
    last: int,
    *,
    note: str = "",
    tags: Iterable[str] = (),
    color: str = DEFAULT_COLOR,
) -> Annotation:
    """Annotate segments first..last (inclusive) of a transcript. The quote,
    its context and the times come from the library's segments."""
    check_color(color)
    if first > last:
        first, last = last, first
    note = strip_escapes(note or "")
    tags = list(tags)
    check_note(note, tags)
    all_tags = normalize_tags([*tags, *hashtags(note)])

    def make(info: TranscriptInfo | None, segments: Callable[[int, int], list[Segment]]) -> Annotation:
        if info is None:
            raise AnnotationError(f"no transcript {transcript_id}")
        count = info.segment_count
        if first < 0 or last >= count:
            raise AnnotationError(f"transcript {transcript_id} has segments 0..{count - 1}, not {first}..{last}")
        # Each segment gives at least one character (its separator), so this
        # many on either side are enough for the context.
        lo, hi = max(0, first - CONTEXT_CHARS), min(count - 1, last + CONTEXT_CHARS)
        tx = Text(segments(lo, hi))
        a, b = tx.range_of(first - lo, last - lo)
        prefix, suffix = tx.context(a, b)
        start, end = tx.times(first - lo, last - lo)
        stamp = now_iso()
        return Annotation(
            id=new_id(),
            transcript_id=transcript_id,
            first=first,
            last=last,
            start=start,
            end=end,
            quote=tx.text[a:b],
            prefix=prefix,
            suffix=suffix,
            note=note,
            tags=all_tags,
            color=color,
            author=current_author(),
            created=stamp,
            updated=stamp,
            status=ANCHORED,
            source_sha256=info.sha256,
            transcript_title=info.title,
        )

    return lib.add_annotation(transcript_id, make)


def _edited(
    old: Annotation, note: str | None, tags: Iterable[str] | None, color: str | None, *, stamp: bool = False
) -> Annotation:
    """old with a new note, tags or colour (None: keep). Tags are the given
    tags plus the note's #tags; with tags=None, the explicit tags are kept
    and the #tags follow the note. A new updated stamp only if something
    changed (or stamp)."""
    new_note = old.note if note is None else strip_escapes(note)
    if tags is None:
        from_note = {t.casefold() for t in hashtags(old.note)}
        explicit = [t for t in old.tags if t.casefold() not in from_note]
    else:
        explicit = list(tags)
    new = replace(
        old,
        note=new_note,
        tags=normalize_tags([*explicit, *hashtags(new_note)]),
        color=old.color if color is None else color,
    )
    if (new.note, new.tags, new.color) == (old.note, old.tags, old.color) and not stamp:
        return old  # no change, no new time
    return replace(new, updated=now_iso())


def _check_edit(note: str | None, tags: Iterable[str] | None, color: str | None) -> list[str] | None:
    if color is not None:
        check_color(color)
    tags = None if tags is None else list(tags)
    check_note(note or "", tags or [])
    return tags


def update(
    lib: Library,
    annotation_id: str,
    *,
    note: str | None = None,
    tags: Iterable[str] | None = None,
    color: str | None = None,
) -> Annotation | None:
    """Change an annotation's note, tags or colour (None: keep). Tags are the
    given tags plus the note's #tags; with tags=None, the explicit tags are
    kept and the #tags follow the note. None if it no longer exists (an
    editor saves with save_edit, which puts it back)."""
    tags = _check_edit(note, tags, color)
    return lib.edit_annotation(annotation_id, lambda old: _edited(old, note, tags, color))


@dataclass
class Saved:
    """What saving an edit did (see save_edit)."""

    annotation: Annotation  # as stored now
    conflict: Annotation | None = None  # another session's version, kept beside it
    restored: bool = False  # it had been deleted meanwhile and is back

    def notice(self) -> str | None:
        """One line for the person who saved, when it was not a plain save."""
        if self.restored:
            where = " (orphaned: its transcript was removed)" if self.annotation.transcript_id is None else ""
            return (
                "This annotation was deleted in another hark session while you edited it: "
                f"it is back, with your note{where}."
            )
        if self.conflict is not None:
            return (
                "This annotation was changed in another hark session while you edited it: your note is saved, "
                f"and the other version is kept beside it, tagged #{CONFLICT_TAG}."
            )
        return None


def _person(a: Annotation) -> tuple:
    """What a person edits: two versions alike here lose nothing to each other."""
    return a.note, a.tags, a.color


def save_edit(
    lib: Library,
    base: Annotation,
    *,
    note: str | None = None,
    tags: Iterable[str] | None = None,
    color: str | None = None,
) -> Saved:
    """Save an edit of `base`, the annotation as it was read when the editor
    opened, in one transaction that compares it with what is stored now.

    Unchanged meanwhile: a plain update. Changed by another session (its
    note, tags, colour or updated stamp differ from base): the edit is
    saved, and the other version, unless it says the same as this edit or
    as base, is kept as a new annotation on the same span, same colour,
    tagged #conflict, so neither text is lost. Deleted meanwhile: put back
    (same id) with the edit."""
    tags = _check_edit(note, tags, color)

    def decide(stored: Annotation | None) -> tuple[Annotation, Annotation | None]:
        if stored is None:
            return _edited(base, note, tags, color, stamp=True), None
        mine = _edited(stored, note, tags, color)
        if (*_person(stored), stored.updated) == (*_person(base), base.updated):
            return mine, None
        if _person(stored) in (_person(mine), _person(base)):
            return mine, None  # nothing of theirs to lose
        stamp = now_iso()
        copy = replace(
            stored,
            id=new_id(),
            tags=normalize_tags([*stored.tags, CONFLICT_TAG]),
            created=stamp,
            updated=stamp,
        )
        return mine, copy

    stored, copy, restored = lib.commit_edit(base.id, decide, _place_in)
    return Saved(stored, copy, restored)


def delete(lib: Library, annotation_id: str) -> Annotation | None:
    """Delete an annotation; returns it (give it to restore() to undo), or
    None if there was none."""
    return lib.delete_annotation(annotation_id)


def _place_in(ann: Annotation, info: TranscriptInfo, segments: list[Segment]) -> Annotation:
    return place(ann, Text(segments), info)[0]


def restore(lib: Library, annotation: Annotation) -> Annotation:
    """Undo a delete: put the annotation back as it was (same id). If its
    transcript was removed meanwhile it comes back orphaned; if it was
    re-imported with changes, the annotation is placed in the new text."""
    return lib.restore_annotation(annotation, _place_in)


# -- links -------------------------------------------------------------------------


def citation(lib: Library, ann: Annotation) -> str:
    """The quote with its time and, where the transcript has a URL, a link to
    that moment: what `y` copies."""
    info = lib.info(ann.transcript_id) if ann.transcript_id is not None else None
    link = deep_link(url_of(info), ann.start, ann.end)
    where = format_time(ann.start) + (f" {link}" if link else "")
    return f"“{ann.quote}” ({where})"

"""Making, reading, editing and deleting annotations, and citing one.

Each change is one short transaction of the library's (a `Library` method
that calls back here for what to write), so several sessions can share a
library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from ..library import Library, TranscriptInfo, now_iso
from ..links import deep_link
from ..model import ANCHORED, DEFAULT_COLOR, Annotation, Segment
from ..text import format_time, strip_escapes
from .anchoring import CONTEXT_CHARS, Text, place
from .fields import AnnotationError, check_color, current_author, hashtags, new_id, normalize_tags, url_of

# -- reading -----------------------------------------------------------------------


def get(lib: Library, annotation_id: str) -> Annotation | None:
    return lib.annotation(annotation_id)


def list_annotations(lib: Library, transcript_id: int | None = None, include_orphaned: bool = True) -> list[Annotation]:
    """Annotations in reading order: by transcript, then time. Those of
    removed transcripts (transcript_id None) come last."""
    return lib.annotations(transcript_id, include_orphaned)


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
    kept and the #tags follow the note. None if it no longer exists."""
    if color is not None:
        check_color(color)

    def edit(old: Annotation) -> Annotation:
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
        if (new.note, new.tags, new.color) == (old.note, old.tags, old.color):
            return old  # no change, no new time
        return replace(new, updated=now_iso())

    return lib.edit_annotation(annotation_id, edit)


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

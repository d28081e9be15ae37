"""Annotations: highlights and notes on spans of a transcript, kept safe.

An annotation covers a span of segments. Besides the span and its times it
keeps the exact quote and ~32 characters of context either side, so that
when the transcript is re-imported with edits (a word corrected, cues split
or merged, every time shifted) it can be found again: first where it was,
then by its exact quote (context and time break ties), then by a fuzzy match
of the quote. One that cannot be placed is kept as "orphaned", never
deleted; removing a transcript keeps its annotations too (their transcript
id becomes NULL; the transcript's title and sha256 stay on each of them, so
they remain exportable and can be imported again elsewhere).

Every write is one short transaction (Library.write), so several sessions
can share a library; slow work (re-anchoring) is done outside the lock and
applied only if the transcript did not change meanwhile.

Exports: Markdown (to paste into notes, with links to the moment) and JSON
in the W3C Web Annotation model, which `import_file` reads back.
"""

from __future__ import annotations

import difflib
import getpass
import json
import math
import os
import re
import sqlite3
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from .library import Library, LibraryError, TranscriptInfo, now_iso
from .links import deep_link, seconds_str
from .model import Segment
from .text import clean_line, format_time, strip_escapes

COLORS = ("yellow", "green", "blue", "pink")
DEFAULT_COLOR = "yellow"
ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
STATUSES = (ANCHORED, MOVED, ORPHANED)
CONTEXT_CHARS = 32
FUZZY_THRESHOLD = 0.75
W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGS = "http://www.w3.org/TR/media-frags/"
# Past this many annotations, an import file is not an annotation export.
MAX_IMPORT = 1_000_000


class AnnotationError(LibraryError):
    """A failure to report in one line (bad colour, unreadable import file)."""


@dataclass
class Annotation:
    id: str
    transcript_id: int | None
    first: int  # segment span, inclusive
    last: int
    start: float  # time span, seconds
    end: float
    quote: str
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    color: str = DEFAULT_COLOR
    author: str = ""
    created: str = ""
    updated: str = ""
    status: str = ANCHORED
    source_sha256: str = ""
    transcript_title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The `hark annotations --json` shape (documented; keep stable)."""
        return {
            "id": self.id,
            "transcript_id": self.transcript_id,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "note": self.note,
            "tags": list(self.tags),
            "color": self.color,
            "author": self.author,
            "created": self.created,
            "updated": self.updated,
            "status": self.status,
        }


# -- rows ----------------------------------------------------------------------

_COLUMNS = (
    "id, transcript_id, first_segment, last_segment, start, end, quote, prefix, suffix, note, tags, color, "
    "author, created, updated, status, source_sha256, transcript_title"
)


def _row(r: Sequence[Any]) -> Annotation:
    tid = r[1]
    try:
        tags = [str(t) for t in json.loads(r[10])]
    except (ValueError, TypeError):
        tags = []
    return Annotation(
        id=r[0],
        transcript_id=tid,
        first=r[2],
        last=r[3],
        start=r[4],
        end=r[5],
        quote=r[6],
        prefix=r[7],
        suffix=r[8],
        note=r[9],
        tags=tags,
        color=r[11],
        author=r[12],
        created=r[13],
        updated=r[14],
        # The transcript is gone: nothing to be anchored in.
        status=r[15] if tid is not None else ORPHANED,
        source_sha256=r[16],
        transcript_title=r[17],
    )


def _values(a: Annotation) -> tuple:
    return (
        a.id,
        a.transcript_id,
        a.first,
        a.last,
        a.start,
        a.end,
        a.quote,
        a.prefix,
        a.suffix,
        a.note,
        json.dumps(a.tags, ensure_ascii=False),
        a.color,
        a.author,
        a.created,
        a.updated,
        a.status,
        a.source_sha256,
        a.transcript_title,
    )


def _insert(db: sqlite3.Connection, a: Annotation, *, replace_existing: bool = False) -> None:
    verb = "INSERT OR REPLACE" if replace_existing else "INSERT"
    db.execute(f"{verb} INTO annotations ({_COLUMNS}) VALUES ({', '.join('?' * 18)})", _values(a))


def _anchor_changed(old: Annotation, new: Annotation) -> bool:
    keys = ("transcript_id", "first", "last", "start", "end", "quote", "prefix", "suffix", "status")
    keys += ("source_sha256", "transcript_title")
    return any(getattr(old, k) != getattr(new, k) for k in keys)


def _write_anchor(db: sqlite3.Connection, old: Annotation, new: Annotation) -> bool:
    """Store a new placement, unless another session changed the annotation's
    anchor meanwhile (its quote or span): theirs wins, nothing is lost."""
    cur = db.execute(
        "UPDATE annotations SET transcript_id = ?, first_segment = ?, last_segment = ?, start = ?, end = ?, "
        "quote = ?, prefix = ?, suffix = ?, status = ?, source_sha256 = ?, transcript_title = ? "
        "WHERE id = ? AND quote = ? AND first_segment = ? AND last_segment = ?",
        (
            new.transcript_id,
            new.first,
            new.last,
            new.start,
            new.end,
            new.quote,
            new.prefix,
            new.suffix,
            new.status,
            new.source_sha256,
            new.transcript_title,
            old.id,
            old.quote,
            old.first,
            old.last,
        ),
    )
    return cur.rowcount > 0


# -- small helpers ---------------------------------------------------------------

# A #tag: not inside a word, an entity (&#39;), a URL fragment (/#x) or C#;
# at least one letter, so "#1" stays a number.
_HASHTAG = re.compile(r"(?<![\w#&/])#((?:\d|_)*[^\W\d_][\w-]*)")


def hashtags(note: str) -> list[str]:
    """The #tag words of a note, in order, without the '#'."""
    return normalize_tags(m.group(1).rstrip("-") for m in _HASHTAG.finditer(note or ""))


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags without '#' or inner runs of spaces, each once (case-insensitive)."""
    out: list[str] = []
    seen: set[str] = set()
    for t in tags:
        t = clean_line(str(t)).lstrip("#").strip()
        if t and t.casefold() not in seen:
            seen.add(t.casefold())
            out.append(t)
    return out


def tags_beyond_note(a: Annotation) -> list[str]:
    """Tags to show beside the note: those not already #tags in it, written
    as #words (spaces become '-')."""
    in_note = {t.casefold() for t in hashtags(a.note)}
    return ["-".join(t.split()) for t in a.tags if t.casefold() not in in_note]


def current_author() -> str:
    """$USER, else the login name."""
    name = os.environ.get("USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no such user in the password database, no env
            name = ""
    return name or "unknown"


def _check_color(color: str) -> str:
    if color not in COLORS:
        raise AnnotationError(f"unknown colour {color!r}; one of {', '.join(COLORS)}")
    return color


def _new_id() -> str:
    return uuid.uuid4().hex


# -- a transcript's text -----------------------------------------------------------

_WORD = re.compile(r"\S+")
_EDGE_PUNCT = "\"'“”‘’«»()[]{}.,;:!?…—–-"


def _norm_word(w: str) -> str:
    return w.casefold().strip(_EDGE_PUNCT)


class _Text:
    """Segments as one string (each segment's text with whitespace folded,
    joined with single spaces) and a char -> segment map."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self.parts = [" ".join(s.text.split()) for s in self.segments]
        self.starts: list[int] = []
        pos = 0
        for p in self.parts:
            self.starts.append(pos)
            pos += len(p) + 1
        self.text = " ".join(self.parts)

    def __len__(self) -> int:
        return len(self.segments)

    def range_of(self, first: int, last: int) -> tuple[int, int]:
        return self.starts[first], self.starts[last] + len(self.parts[last])

    def span_of(self, a: int, b: int) -> tuple[int, int]:
        """The segments covering text[a:b]."""
        first = max(0, bisect_right(self.starts, a) - 1)
        last = max(first, bisect_right(self.starts, max(a, b - 1)) - 1)
        return first, last

    def times(self, first: int, last: int) -> tuple[float, float]:
        segs = self.segments[first : last + 1]
        start = segs[0].start
        end = max((s.end if s.end is not None else s.start) for s in segs)
        return start, max(start, end)

    def context(self, a: int, b: int) -> tuple[str, str]:
        return self.text[max(0, a - CONTEXT_CHARS) : a], self.text[b : b + CONTEXT_CHARS]

    def whole_words(self, a: int, b: int) -> bool:
        """text[a:b] does not start or end inside a word ("no." in "piano.")."""
        t = self.text
        return not (a > 0 and t[a - 1].isalnum() and t[a].isalnum()) and not (
            b < len(t) and t[b].isalnum() and t[b - 1].isalnum()
        )

    def agreement(self, a: int, b: int, prefix: str, suffix: str) -> int:
        """How many characters of the remembered context agree with the text
        around text[a:b] (read outwards from the quote)."""
        before = self.text[max(0, a - len(prefix)) : a]
        after = self.text[b : b + len(suffix)]
        n = len(os.path.commonprefix([before[::-1], prefix[::-1]]))
        return n + len(os.path.commonprefix([after, suffix]))

    @cached_property
    def tokens(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), _norm_word(m.group())) for m in _WORD.finditer(self.text)]


def _locate(
    tx: _Text, quote: str, prefix: str, suffix: str, first: int, last: int, start: float
) -> tuple[str, int, int] | None:
    """Where the quote is in tx, as (how, a, b) with how "place" (where it
    was), "exact" (its exact quote elsewhere) or "fuzzy"; None if nowhere."""
    if not quote or not len(tx):
        return None
    text = tx.text
    n = len(quote)
    # 1. Where it was, if the text there still holds the quote.
    if 0 <= first <= last < len(tx):
        lo, hi = tx.range_of(first, last)
        best: tuple[int, int] | None = None
        i = text.find(quote, lo, hi)
        while i != -1:
            if tx.span_of(i, i + n) == (first, last) and tx.whole_words(i, i + n):
                score = tx.agreement(i, i + n, prefix, suffix)
                if best is None or score > best[0]:
                    best = (score, i)
            i = text.find(quote, i + 1, hi)
        if best is not None:
            return "place", best[1], best[1] + n
    # 2. The exact quote anywhere: context first, then closeness in time.
    cands: list[tuple[int, float, int]] = []
    i = text.find(quote)
    while i != -1:
        if tx.whole_words(i, i + n):
            seg_start = tx.segments[tx.span_of(i, i + n)[0]].start
            cands.append((tx.agreement(i, i + n, prefix, suffix), -abs(seg_start - start), i))
        i = text.find(quote, i + 1)
    if cands:
        i = max(cands)[2]
        return "exact", i, i + n
    # 3. A fuzzy match of the quote.
    found = _fuzzy(tx, quote, prefix, suffix, start)
    if found is not None:
        return "fuzzy", found[0], found[1]
    return None


def _fuzzy(tx: _Text, quote: str, prefix: str, suffix: str, start: float) -> tuple[int, int] | None:
    """The best approximate occurrence of quote, as a char range of tx.text.

    Windows of words are compared with difflib: a cheap pass over windows of
    the quote's length that share at least half its words picks a few
    regions; each is refined (start and length) and the best is kept if its
    similarity reaches FUZZY_THRESHOLD."""
    q = [_norm_word(w) for w in quote.split()]
    toks = tx.tokens
    n, total = len(q), len(toks)
    if not n or not total:
        return None
    words = [t[2] for t in toks]
    qset = set(q)
    hits = [0]
    for w in words:
        hits.append(hits[-1] + (w in qset))
    win = min(n, total)
    need = max(1, n // 2)
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(q)
    scored: list[tuple[float, int]] = []
    for i in range(total - win + 1):
        if hits[i + win] - hits[i] < need:
            continue
        sm.set_seq1(words[i : i + win])
        scored.append((sm.ratio(), i))
    if not scored:
        return None
    # A few distinct regions, best first.
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[int] = []
    for _, i in scored:
        if all(abs(i - j) >= max(1, n // 2) for j in picked):
            picked.append(i)
            if len(picked) == 3:
                break
    k = min(6, max(2, n // 4))
    qtext = " ".join(q)
    best: tuple[tuple[float, int, float], int, int] | None = None
    for i0 in picked:
        region: tuple[float, int, int] | None = None
        for s in range(max(0, i0 - k), min(total, i0 + k + 1)):
            for e in range(s + max(1, n - k), min(total, s + n + k) + 1):
                sm.set_seq1(words[s:e])
                if region is not None and sm.real_quick_ratio() <= region[0]:
                    continue
                r = sm.ratio()
                if region is None or r > region[0]:
                    region = (r, s, e)
        if region is None:
            continue
        _, s, e = region
        chars = difflib.SequenceMatcher(None, qtext, " ".join(words[s:e]), autojunk=False).ratio()
        sim = max(region[0], chars)
        a, b = toks[s][0], toks[e - 1][1]
        seg_start = tx.segments[tx.span_of(a, b)[0]].start
        key = (round(sim, 2), tx.agreement(a, b, prefix, suffix), -abs(seg_start - start))
        if sim >= FUZZY_THRESHOLD and (best is None or key > best[0]):
            best = (key, a, b)
    return (best[1], best[2]) if best else None


def _place(ann: Annotation, tx: _Text, info: TranscriptInfo) -> tuple[Annotation, str | None]:
    """ann placed in a transcript's current text: (new annotation, how)."""
    base = replace(ann, transcript_id=info.id, source_sha256=info.sha256, transcript_title=info.title)
    found = _locate(tx, ann.quote, ann.prefix, ann.suffix, ann.first, ann.last, ann.start)
    if found is None:
        return replace(base, status=ORPHANED), None
    how, a, b = found
    first, last = tx.span_of(a, b)
    start, end = tx.times(first, last)
    prefix, suffix = tx.context(a, b)
    # A fuzzy match takes the transcript's new wording, so the quote (and
    # an export's TextQuoteSelector) matches the text it is anchored in.
    quote = tx.text[a:b] if how == "fuzzy" else ann.quote
    in_place = how == "place" or ((first, last) == (ann.first, ann.last) and quote == ann.quote)
    status = ANCHORED if in_place else MOVED
    placed = replace(base, first=first, last=last, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix)
    return replace(placed, status=status), how


# -- reading -----------------------------------------------------------------------


def get(lib: Library, annotation_id: str) -> Annotation | None:
    r = lib.db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", (annotation_id,)).fetchone()
    return _row(r) if r else None


def list_annotations(lib: Library, transcript_id: int | None = None, include_orphaned: bool = True) -> list[Annotation]:
    """Annotations in reading order: by transcript, then time. Those of
    removed transcripts (transcript_id None) come last."""
    where: list[str] = []
    args: list[Any] = []
    if transcript_id is not None:
        where.append("transcript_id = ?")
        args.append(transcript_id)
    if not include_orphaned:
        where.append("status != 'orphaned' AND transcript_id IS NOT NULL")
    sql = f"SELECT {_COLUMNS} FROM annotations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY transcript_id IS NULL, transcript_id, start, first_segment, created, id"
    return [_row(r) for r in lib.db.execute(sql, args)]


def count_by_transcript(lib: Library) -> dict[int, int]:
    """transcript id -> number of annotations (for the library pane)."""
    return dict(
        lib.db.execute(
            "SELECT transcript_id, COUNT(*) FROM annotations WHERE transcript_id IS NOT NULL GROUP BY transcript_id"
        ).fetchall()
    )


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
    _check_color(color)
    if first > last:
        first, last = last, first
    note = strip_escapes(note or "")
    all_tags = normalize_tags([*tags, *hashtags(note)])

    def run(db: sqlite3.Connection) -> Annotation:
        row = db.execute(
            "SELECT title, sha256, segment_count FROM transcripts WHERE id = ?", (transcript_id,)
        ).fetchone()
        if row is None:
            raise AnnotationError(f"no transcript {transcript_id}")
        title, sha, count = row
        if first < 0 or last >= count:
            raise AnnotationError(f"transcript {transcript_id} has segments 0..{count - 1}, not {first}..{last}")
        # Each segment gives at least one character (its separator), so this
        # many on either side are enough for the context.
        lo, hi = max(0, first - CONTEXT_CHARS), min(count - 1, last + CONTEXT_CHARS)
        segs = [
            Segment(start=r[0], end=r[1], text=r[2])
            for r in db.execute(
                "SELECT start, end, text FROM segments WHERE transcript_id = ? AND idx BETWEEN ? AND ? ORDER BY idx",
                (transcript_id, lo, hi),
            )
        ]
        tx = _Text(segs)
        a, b = tx.range_of(first - lo, last - lo)
        prefix, suffix = tx.context(a, b)
        start, end = tx.times(first - lo, last - lo)
        stamp = now_iso()
        ann = Annotation(
            id=_new_id(),
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
            source_sha256=sha,
            transcript_title=title,
        )
        _insert(db, ann)
        return ann

    return lib.write(run)


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
        _check_color(color)

    def run(db: sqlite3.Connection) -> Annotation | None:
        r = db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", (annotation_id,)).fetchone()
        if r is None:
            return None
        old = _row(r)
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
            return old
        new.updated = now_iso()
        db.execute(
            "UPDATE annotations SET note = ?, tags = ?, color = ?, updated = ? WHERE id = ?",
            (new.note, json.dumps(new.tags, ensure_ascii=False), new.color, new.updated, new.id),
        )
        return new

    return lib.write(run)


def delete(lib: Library, annotation_id: str) -> Annotation | None:
    """Delete an annotation; returns it (give it to restore() to undo), or
    None if there was none."""

    def run(db: sqlite3.Connection) -> Annotation | None:
        r = db.execute(f"SELECT {_COLUMNS} FROM annotations WHERE id = ?", (annotation_id,)).fetchone()
        if r is None:
            return None
        db.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
        return _row(r)

    return lib.write(run)


def restore(lib: Library, annotation: Annotation) -> Annotation:
    """Undo a delete: put the annotation back as it was (same id). If its
    transcript was removed meanwhile it comes back orphaned; if it was
    re-imported with changes, the annotation is placed in the new text."""

    def run(db: sqlite3.Connection) -> Annotation:
        ann = annotation
        tid = ann.transcript_id
        row = db.execute("SELECT sha256 FROM transcripts WHERE id = ?", (tid,)).fetchone() if tid is not None else None
        if row is None:
            ann = replace(ann, transcript_id=None, status=ORPHANED)
        elif row[0] != ann.source_sha256:
            info = _info_in(db, tid)
            ann, _ = _place(ann, _Text(_segments_in(db, tid)), info)
        _insert(db, ann, replace_existing=True)
        return ann

    return lib.write(run)


def _segments_in(db: sqlite3.Connection, tid: int) -> list[Segment]:
    return [
        Segment(start=r[0], end=r[1], text=r[2])
        for r in db.execute("SELECT start, end, text FROM segments WHERE transcript_id = ? ORDER BY idx", (tid,))
    ]


def _info_in(db: sqlite3.Connection, tid: int) -> TranscriptInfo:
    r = db.execute("SELECT title, sha256 FROM transcripts WHERE id = ?", (tid,)).fetchone()
    return TranscriptInfo(
        id=tid,
        title=r[0],
        format="",
        timing="",
        source="",
        sha256=r[1],
        size=0,
        mtime=0.0,
        metadata={},
        speakers=[],
        duration=0.0,
        segment_count=0,
        imported="",
        updated="",
    )


def _snapshot(lib: Library, tid: int) -> tuple[TranscriptInfo | None, list[Segment], list[Annotation]]:
    """A transcript and its annotations, read in one snapshot."""
    own = not lib.db.in_transaction
    if own:
        lib.db.execute("BEGIN")
    try:
        info = lib.info(tid)
        segs = lib.segments(tid) if info else []
        anns = list_annotations(lib, tid) if info else []
    finally:
        if own:
            lib.db.execute("COMMIT")
    return info, segs, anns


def reanchor(lib: Library, transcript_id: int) -> dict[str, int]:
    """Find every annotation of a transcript again in its current text (after
    a re-import with edits). Returns how many are anchored, moved, orphaned.

    The matching runs outside the write lock; the results are written in one
    short transaction, and only if the transcript did not change meanwhile
    (else it starts again on the newer text)."""
    counts = dict.fromkeys(STATUSES, 0)
    for _ in range(10):
        info, segs, anns = _snapshot(lib, transcript_id)
        if info is None or not anns:
            return counts
        tx = _Text(segs)
        placed = [(a, _place(a, tx, info)[0]) for a in anns]

        def run(db: sqlite3.Connection, sha: str = info.sha256, placed: list = placed) -> bool:
            row = db.execute("SELECT sha256 FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
            if row is None or row[0] != sha:
                return False
            for old, new in placed:
                if _anchor_changed(old, new):
                    _write_anchor(db, old, new)
            return True

        if lib.write(run):
            for _, new in placed:
                counts[new.status] += 1
            return counts
    return counts


# -- links -------------------------------------------------------------------------


def _url_of(info: TranscriptInfo | None) -> str | None:
    url = info.metadata.get("url") if info else None
    return url if isinstance(url, str) else None


def citation(lib: Library, ann: Annotation) -> str:
    """The quote with its time and, where the transcript has a URL, a link to
    that moment: what `y` copies."""
    info = lib.info(ann.transcript_id) if ann.transcript_id is not None else None
    link = deep_link(_url_of(info), ann.start, ann.end)
    where = format_time(ann.start) + (f" {link}" if link else "")
    return f"“{ann.quote}” ({where})"


# -- export --------------------------------------------------------------------------


def _infos(lib: Library) -> dict[int, TranscriptInfo]:
    return {i.id: i for i in lib.list()}


def _for_export(lib: Library, transcript_id: int | None) -> list[tuple[Annotation, TranscriptInfo | None]]:
    """Annotations with their transcripts, in an order that does not depend
    on the library's ids (by title, then time), so the same annotations
    export the same from any library; removed transcripts last."""
    infos = _infos(lib)
    pairs = [
        (a, infos.get(a.transcript_id) if a.transcript_id is not None else None)
        for a in list_annotations(lib, transcript_id)
    ]

    def key(p: tuple[Annotation, TranscriptInfo | None]) -> tuple:
        a, info = p
        title = info.title if info else a.transcript_title
        sha = info.sha256 if info else a.source_sha256
        return (info is None, title.casefold(), title, sha, a.start, a.first, a.created, a.id)

    return sorted(pairs, key=key)


def export_markdown(lib: Library, transcript_id: int | None = None) -> str:
    """Markdown grouped by transcript: each annotation a blockquote of its
    quote ending with its time (a link to the moment where the transcript
    has a URL), then its note and tags."""
    pairs = _for_export(lib, transcript_id)
    out = ["# Annotations", ""]
    if not pairs:
        out += ["No annotations.", ""]
    group: tuple | None = None
    for a, info in pairs:
        key = (a.transcript_id, a.source_sha256 if info is None else "", a.transcript_title if info is None else "")
        if key != group:
            group = key
            title = info.title if info else a.transcript_title or "Untitled"
            title = " ".join(title.split())
            out.append(f"## {title}" + ("" if info else " (removed from the library)"))
            out.append("")
            url = _url_of(info)
            if url and deep_link(url, 0):
                out += [f"<{url}>", ""]
        link = deep_link(_url_of(info), a.start, a.end)
        stamp = format_time(a.start)
        stamp = f"[{stamp}]({link})" if link else stamp
        if a.status == ORPHANED:
            stamp += " · orphaned: not found in the current transcript"
        out.append(f"> {a.quote}")
        out.append(">")
        out.append(f"> — {stamp}")
        out.append("")
        if a.note.strip():
            out += [a.note.strip(), ""]
        extra = tags_beyond_note(a)
        if extra:
            out += [" ".join(f"#{t}" for t in extra), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _urn(annotation_id: str) -> str:
    try:
        return uuid.UUID(hex=annotation_id).urn
    except ValueError:
        return f"urn:hark:{annotation_id}"


def to_w3c(a: Annotation, info: TranscriptInfo | None = None) -> dict[str, Any]:
    """One annotation in the W3C Web Annotation model, plus hark's fields."""
    body: list[dict[str, Any]] = []
    if a.note:
        body.append({"type": "TextualBody", "value": a.note, "format": "text/plain", "purpose": "commenting"})
    body += [{"type": "TextualBody", "value": t, "purpose": "tagging"} for t in a.tags]
    motivation = "commenting" if a.note else "tagging" if a.tags else "highlighting"
    url = _url_of(info)
    source = url if deep_link(url, 0) else f"urn:sha256:{a.source_sha256}"
    frag = f"t={seconds_str(a.start)},{seconds_str(a.end)}" if a.end > a.start else f"t={seconds_str(a.start)}"
    doc: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": _urn(a.id),
        "type": "Annotation",
        "motivation": motivation,
        "created": a.created,
        "modified": a.updated,
        "creator": {"type": "Person", "nickname": a.author},
    }
    if body:
        doc["body"] = body
    doc["target"] = {
        "source": source,
        "selector": [
            {"type": "TextQuoteSelector", "exact": a.quote, "prefix": a.prefix, "suffix": a.suffix},
            {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGS, "value": frag},
        ],
    }
    doc["hark"] = {
        "id": a.id,
        "transcript_title": info.title if info else a.transcript_title,
        "source_sha256": info.sha256 if info else a.source_sha256,
        "segments": [a.first, a.last],
        "status": a.status,
        "color": a.color,
        "author": a.author,
        "created": a.created,
        "updated": a.updated,
    }
    return doc


def w3c_annotations(lib: Library, transcript_id: int | None = None) -> list[dict[str, Any]]:
    return [to_w3c(a, info) for a, info in _for_export(lib, transcript_id)]


def export_json(lib: Library, transcript_id: int | None = None) -> str:
    """A JSON array of W3C Web Annotations (what import_file reads)."""
    return json.dumps(w3c_annotations(lib, transcript_id), ensure_ascii=False, indent=2) + "\n"


# -- import --------------------------------------------------------------------------


def _items(doc: Any) -> list[Any]:
    """Annotations from an array, one annotation, an AnnotationCollection or
    an AnnotationPage."""
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        raise AnnotationError("not an annotation export (expected a JSON array of annotations)")
    kind = doc.get("type")
    if kind == "AnnotationPage" or (isinstance(doc.get("items"), list) and "target" not in doc):
        return list(doc.get("items") or [])
    if kind == "AnnotationCollection":
        out: list[Any] = []
        page = doc.get("first")
        seen = 0
        while isinstance(page, dict) and seen < 10_000:
            out += list(page.get("items") or [])
            page = page.get("next")
            seen += 1
        return out
    return [doc]


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _parse_frag(value: str) -> tuple[float, float] | None:
    m = re.fullmatch(r"t=(?:npt:)?([\d.]+)?(?:,([\d.]+))?", value.strip())
    if not m or m.group(1) is None:
        return None
    try:
        start = float(m.group(1))
        end = float(m.group(2)) if m.group(2) else start
    except ValueError:
        return None
    if not (math.isfinite(start) and math.isfinite(end)):
        return None
    return start, max(start, end)


@dataclass
class _Incoming:
    ann: Annotation
    source: str  # target.source
    recorded: str  # status as exported


def _read_one(doc: Any) -> _Incoming | None:
    """One W3C annotation (with or without hark's fields) -> an Annotation
    not yet placed; None if it has no quote to anchor."""
    if not isinstance(doc, dict):
        return None
    hark = doc.get("hark") if isinstance(doc.get("hark"), dict) else {}
    targets = [t for t in _as_list(doc.get("target")) if isinstance(t, dict)]
    source = ""
    exact = prefix = suffix = ""
    times: tuple[float, float] | None = None
    for t in targets:
        source = source or _str(t.get("source"))
        for sel in _as_list(t.get("selector")):
            if not isinstance(sel, dict):
                continue
            if sel.get("type") == "TextQuoteSelector" and not exact:
                exact = _str(sel.get("exact"))
                prefix, suffix = strip_escapes(_str(sel.get("prefix"))), strip_escapes(_str(sel.get("suffix")))
            elif sel.get("type") == "FragmentSelector" and times is None:
                times = _parse_frag(_str(sel.get("value")))
    quote = clean_line(exact)
    if not quote:
        return None
    notes: list[str] = []
    tags: list[str] = []
    if _str(doc.get("bodyValue")):
        notes.append(_str(doc.get("bodyValue")))
    for b in _as_list(doc.get("body")):
        if isinstance(b, str):
            notes.append(b)
            continue
        if not isinstance(b, dict):
            continue
        value = _str(b.get("value"))
        if not value:
            continue
        if b.get("purpose") == "tagging":
            tags.append(value)
        else:
            notes.append(value)
    note = strip_escapes("\n\n".join(notes))
    # The id: hark's own, else the annotation's urn:uuid, else one derived
    # from the content (so importing the same file twice adds nothing).
    aid = _str(hark.get("id"))
    if not re.fullmatch(r"[0-9a-f]{32}", aid):
        raw = _str(doc.get("id"))
        try:
            aid = uuid.UUID(raw.removeprefix("urn:uuid:")).hex
        except ValueError:
            aid = uuid.uuid5(uuid.NAMESPACE_URL, raw or json.dumps(doc, sort_keys=True, default=str)).hex
    creator = doc.get("creator")
    author = _str(hark.get("author"))
    if not author and isinstance(creator, dict):
        author = _str(creator.get("nickname")) or _str(creator.get("name"))
    elif not author:
        author = _str(creator)
    segs = hark.get("segments")
    first = last = 0
    if isinstance(segs, list) and len(segs) == 2 and all(type(x) is int and 0 <= x < 2**31 for x in segs):
        first, last = min(segs), max(segs)
    created = _str(hark.get("created")) or _str(doc.get("created")) or now_iso()
    updated = _str(hark.get("updated")) or _str(doc.get("modified")) or created
    color = _str(hark.get("color"))
    recorded = _str(hark.get("status"))
    start, end = times or (0.0, 0.0)
    ann = Annotation(
        id=aid,
        transcript_id=None,
        first=first,
        last=last,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        note=note,
        tags=normalize_tags([*tags, *hashtags(note)]),
        color=color if color in COLORS else DEFAULT_COLOR,
        author=author or current_author(),
        created=created,
        updated=updated,
        status=ORPHANED,
        source_sha256=_str(hark.get("source_sha256")) or (source[11:] if source.startswith("urn:sha256:") else ""),
        transcript_title=_str(hark.get("transcript_title")),
    )
    return _Incoming(ann, source, recorded if recorded in STATUSES else "")


def _when(stamp: str) -> datetime | None:
    try:
        d = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return d if d.tzinfo else None


def _newer(a: str, b: str) -> bool:
    """Is timestamp a later than b?"""
    da, db_ = _when(a), _when(b)
    if da and db_:
        return da > db_
    return a > b


class _Transcripts:
    """The library's transcripts, with their texts read once, for matching."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.infos = lib.list()
        self._texts: dict[int, _Text] = {}

    def text(self, tid: int) -> _Text:
        if tid not in self._texts:
            self._texts[tid] = _Text(self.lib.segments(tid))
        return self._texts[tid]

    def match(self, inc: _Incoming) -> TranscriptInfo | None:
        """By source sha256, then by title, then by URL."""
        a = inc.ann
        if a.source_sha256:
            same = [i for i in self.infos if i.sha256 == a.source_sha256]
            if same:
                return same[0]
        for key, want in (("title", a.transcript_title), ("url", inc.source)):
            if not want:
                continue
            if key == "title":
                cands = [i for i in self.infos if i.title == want]
            else:
                cands = [i for i in self.infos if _url_of(i) == want]
            if len(cands) > 1:
                # Several of that name: the one that holds the quote.
                holding = [i for i in cands if a.quote in self.text(i.id).text]
                cands = holding or cands
            if cands:
                return cands[0]
        return None


def import_file(lib: Library, path: str | os.PathLike) -> dict[str, int]:
    """Import annotations from a JSON export (W3C Web Annotations), placing
    each by its quote in the matching transcript of this library (matched by
    source sha256, then title). An annotation already here (same id) is
    left alone unless the file's copy was edited later (its note, tags and
    colour are then taken). One that finds no place is kept, orphaned.

    Returns counts: imported, updated, unchanged, skipped (no quote), and
    of the imported: anchored, moved, orphaned."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise AnnotationError(f"cannot read {p}: {e.strerror or e}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise AnnotationError(f"{p} is not a JSON annotation export: {e}") from None
    except RecursionError:
        raise AnnotationError(f"{p} is too deeply nested to read") from None
    items = _items(doc)
    if len(items) > MAX_IMPORT:
        raise AnnotationError(f"{p} holds too many annotations ({len(items)})")
    counts = {"imported": 0, "updated": 0, "unchanged": 0, "skipped": 0} | dict.fromkeys(STATUSES, 0)
    incoming: dict[str, _Incoming] = {}
    try:
        for d in items:
            inc = _read_one(d)
            if inc is None:
                counts["skipped"] += 1
            else:
                incoming[inc.ann.id] = inc  # the last copy of an id wins
    except RecursionError:
        raise AnnotationError(f"{p} is too deeply nested to read") from None
    if not incoming:
        return counts
    have = {a.id: a for a in list_annotations(lib)}
    # Place the new ones outside the write lock.
    lib_t = _Transcripts(lib)
    placed: dict[str, Annotation] = {}
    for aid, inc in incoming.items():
        if aid in have:
            continue
        info = lib_t.match(inc)
        if info is None:
            placed[aid] = replace(inc.ann, transcript_id=None, status=ORPHANED)
            continue
        ann, how = _place(inc.ann, lib_t.text(info.id), info)
        # Found where it was recorded: it is what it was (so export, import
        # elsewhere, export again gives the same annotations).
        if how == "place" and inc.recorded in (ANCHORED, MOVED):
            ann = replace(ann, status=inc.recorded)
        placed[aid] = ann

    def run(db: sqlite3.Connection) -> dict[str, int]:
        c = dict(counts)
        known = {r[0]: r[1] for r in db.execute("SELECT id, updated FROM annotations")}
        valid = {r[0] for r in db.execute("SELECT id FROM transcripts")}
        for aid, inc in incoming.items():
            a = inc.ann
            if aid in known:
                if _newer(a.updated, known[aid]):
                    db.execute(
                        "UPDATE annotations SET note = ?, tags = ?, color = ?, updated = ? WHERE id = ?",
                        (a.note, json.dumps(a.tags, ensure_ascii=False), a.color, a.updated, aid),
                    )
                    c["updated"] += 1
                else:
                    c["unchanged"] += 1
                continue
            ann = placed.get(aid)
            if ann is None:  # added here by another session meanwhile: theirs stands
                c["unchanged"] += 1
                continue
            if ann.transcript_id is not None and ann.transcript_id not in valid:
                ann = replace(ann, transcript_id=None, status=ORPHANED)
            _insert(db, ann)
            c["imported"] += 1
            c[ann.status] += 1
        return c

    return lib.write(run)

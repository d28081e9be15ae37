"""Annotations out and in: Markdown to paste into notes (with links to each
moment), JSON in the W3C Web Annotation model, and `import_annotations`,
which reads such JSON back (hark's own or another tool's, or one of hark's
backups) and places each annotation by its quote in this library's
transcripts. An annotation already here but without a transcript is placed
again, so orphans come home when their transcript is back.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..library import Library, TranscriptInfo, now_iso
from ..links import deep_link, seconds_str
from ..model import ANCHORED, COLORS, DEFAULT_COLOR, MOVED, ORPHANED, STATUSES, Annotation
from ..names import speaker_name
from ..text import clean_line, format_time, strip_escapes
from .anchoring import Text, place
from .fields import (
    MAX_NOTE_CHARS,
    AnnotationError,
    current_author,
    hashtags,
    normalize_tags,
    tags_beyond_note,
    too_long,
    url_of,
)
from .homecoming import settle
from .operations import list_annotations

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGS = "http://www.w3.org/TR/media-frags/"
# Past this many annotations, an import file is not an annotation export.
MAX_IMPORT = 1_000_000

# -- export --------------------------------------------------------------------------


def _infos(lib: Library, anns: list[Annotation]) -> dict[int, TranscriptInfo]:
    try:
        return {i.id: i for i in lib.list()}
    except sqlite3.DatabaseError:  # a damaged library: each transcript's row alone
        out: dict[int, TranscriptInfo] = {}
        for tid in {a.transcript_id for a in anns if a.transcript_id is not None}:
            try:
                info = lib.info(tid)
            except sqlite3.DatabaseError:
                continue
            if info is not None:
                out[tid] = info
        return out


def for_export(
    lib: Library, transcript_id: int | None, annotations: list[Annotation] | None = None
) -> list[tuple[Annotation, TranscriptInfo | None]]:
    """Annotations (these, or the library's) with their transcripts, in an
    order that does not depend on the library's ids (by title, then time),
    so the same annotations export the same from any library; removed
    transcripts last."""
    anns = list_annotations(lib, transcript_id) if annotations is None else annotations
    infos = _infos(lib, anns)
    pairs = [(a, infos.get(a.transcript_id) if a.transcript_id is not None else None) for a in anns]

    def key(p: tuple[Annotation, TranscriptInfo | None]) -> tuple:
        a, info = p
        title = info.title if info else a.transcript_title
        sha = info.sha256 if info else a.source_sha256
        return (info is None, title.casefold(), title, sha, a.start, a.first, a.created, a.id)

    return sorted(pairs, key=key)


class Speakers:
    """The speaker (as named) of each annotation's first segment, reading
    each transcript's segments once."""

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self._labels: dict[int, list[str | None]] = {}

    def of(self, a: Annotation, info: TranscriptInfo | None) -> str | None:
        if info is None or a.status == ORPHANED:
            return None
        if info.id not in self._labels:
            try:
                self._labels[info.id] = [s.speaker for s in self.lib.segments(info.id)]
            except sqlite3.DatabaseError:  # a damaged library: no speakers, the notes still go out
                self._labels[info.id] = []
        labels = self._labels[info.id]
        span = labels[max(0, a.first) : a.last + 1]
        label = next((s for s in span if s), None)
        return speaker_name(label, info.metadata) if label else None


def export_markdown(lib: Library, transcript_id: int | None = None, annotations: list[Annotation] | None = None) -> str:
    """Markdown grouped by transcript: each annotation a blockquote of its
    quote ending with its time (a link to the moment where the transcript
    has a URL), then its note and tags. annotations: these (salvaged from
    a damaged library, say) instead of the library's."""
    pairs = for_export(lib, transcript_id, annotations)
    speakers = Speakers(lib)
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
            url = url_of(info)
            if url and deep_link(url, 0):
                out += [f"<{url}>", ""]
        link = deep_link(url_of(info), a.start, a.end)
        stamp = format_time(a.start)
        stamp = f"[{stamp}]({link})" if link else stamp
        who = speakers.of(a, info)
        if who:
            stamp += f" · {' '.join(who.split())}"
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
    url = url_of(info)
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


def w3c_annotations(
    lib: Library, transcript_id: int | None = None, annotations: list[Annotation] | None = None
) -> list[dict[str, Any]]:
    speakers = Speakers(lib)
    out = []
    for a, info in for_export(lib, transcript_id, annotations):
        doc = to_w3c(a, info)
        who = speakers.of(a, info)
        if who:
            doc["hark"]["speaker"] = who
        out.append(doc)
    return out


def export_json(lib: Library, transcript_id: int | None = None, annotations: list[Annotation] | None = None) -> str:
    """A JSON array of W3C Web Annotations (what import_file reads)."""
    return json.dumps(w3c_annotations(lib, transcript_id, annotations), ensure_ascii=False, indent=2) + "\n"


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


class _TooLarge(Exception):
    """An annotation in an import file too large to keep (see MAX_NOTE_CHARS)."""

    def __init__(self, quote: str, why: str) -> None:
        super().__init__(why)
        self.quote = quote
        self.why = why

    def line(self) -> str:
        q = clean_line(self.quote[:200])
        q = q if len(q) <= 40 else q[:39] + "…"
        return f"skipped the annotation on “{q}”: {self.why}"


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
    if len(exact) > MAX_NOTE_CHARS:
        raise _TooLarge(exact, too_long("its quote has", len(exact)))
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
    note = "\n\n".join(notes)
    if len(note) > MAX_NOTE_CHARS:
        raise _TooLarge(quote, too_long("its note has", len(note)))
    if sum(len(t) for t in tags) > MAX_NOTE_CHARS:
        raise _TooLarge(quote, too_long("its tags have", sum(len(t) for t in tags)))
    note = strip_escapes(note)
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
        self._texts: dict[int, Text] = {}

    def text(self, tid: int) -> Text:
        if tid not in self._texts:
            self._texts[tid] = Text(self.lib.segments(tid))
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
                cands = [i for i in self.infos if url_of(i) == want]
            if len(cands) > 1:
                # Several of that name: the one that holds the quote.
                holding = [i for i in cands if a.quote in self.text(i.id).text]
                cands = holding or cands
            if cands:
                return cands[0]
        return None


@dataclass
class ImportSummary:
    """What import_annotations did.

    counts: imported, updated, unchanged, skipped (no quote), too_large,
    came_back and still_orphaned (annotations already here, without a
    transcript: placed again, or still without one), and of the imported:
    anchored, moved, orphaned. came_back: transcript title -> how many came
    back to it. problems: one line for each annotation skipped as too large."""

    counts: dict[str, int]
    came_back: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def import_file(lib: Library, path: str | os.PathLike) -> dict[str, int]:
    """import_annotations' counts."""
    return import_annotations(lib, path).counts


def import_annotations(lib: Library, path: str | os.PathLike) -> ImportSummary:
    """Import annotations from a JSON export (W3C Web Annotations), placing
    each by its quote in the matching transcript of this library (matched by
    source sha256, then title). An annotation already here (same id) is
    left alone unless the file's copy was edited later (its note, tags and
    colour are then taken), or it has no transcript (it is placed again, so
    it comes home if its transcript is here now). One that finds no place is
    kept, orphaned. One whose note is over MAX_NOTE_CHARS is skipped with a
    line; the rest go in."""
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
    counts = {
        "imported": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "too_large": 0,
        "came_back": 0,
        "still_orphaned": 0,
    } | dict.fromkeys(STATUSES, 0)
    summary = ImportSummary(counts)
    incoming: dict[str, _Incoming] = {}
    try:
        for d in items:
            try:
                inc = _read_one(d)
            except _TooLarge as e:
                counts["too_large"] += 1
                summary.problems.append(e.line())
                continue
            if inc is None:
                counts["skipped"] += 1
            else:
                incoming[inc.ann.id] = inc  # the last copy of an id wins
    except RecursionError:
        raise AnnotationError(f"{p} is too deeply nested to read") from None
    if not incoming:
        return summary
    have = {a.id: a for a in list_annotations(lib)}
    # Place the new ones, and those here without a transcript, outside the write lock.
    lib_t = _Transcripts(lib)
    placed: dict[str, Annotation] = {}
    for aid, inc in incoming.items():
        if aid in have:
            continue
        info = lib_t.match(inc)
        if info is None:
            placed[aid] = replace(inc.ann, transcript_id=None, status=ORPHANED)
            continue
        ann, how = place(inc.ann, lib_t.text(info.id), info)
        # Found where it was recorded: it is what it was (so export, import
        # elsewhere, export again gives the same annotations).
        if how == "place" and inc.recorded in (ANCHORED, MOVED):
            ann = replace(ann, status=inc.recorded)
        placed[aid] = ann
    homeless = {aid for aid in incoming if aid in have and have[aid].transcript_id is None}
    homes = _homes(lib_t, [(have[aid], incoming[aid].source) for aid in homeless])

    def decide(known: dict[str, str], transcripts: set[int]) -> tuple[list[Annotation], list[Annotation]]:
        """Inside the write lock: what to overwrite and what to add."""
        edits: list[Annotation] = []
        new: list[Annotation] = []
        for aid, inc in incoming.items():
            if aid in known:
                if _newer(inc.ann.updated, known[aid]):
                    edits.append(inc.ann)
                continue
            ann = placed.get(aid)
            if ann is None:  # added here by another session meanwhile: theirs stands
                continue
            if ann.transcript_id is not None and ann.transcript_id not in transcripts:
                ann = replace(ann, transcript_id=None, status=ORPHANED)
            new.append(ann)
        return edits, new

    edits, new = lib.merge_annotations(decide)
    back: list[Annotation] = []
    for info, moves in homes:
        back += settle(lib, info, moves) or []
    for a in back:
        summary.came_back[a.transcript_title] = summary.came_back.get(a.transcript_title, 0) + 1
    counts["updated"] += len(edits)
    counts["imported"] += len(new)
    counts["came_back"] = len(back)
    counts["still_orphaned"] = len(homeless) - len(back)
    counts["unchanged"] += len(incoming) - len(edits) - len(new) - len(homeless - {a.id for a in edits})
    for a in new:
        counts[a.status] += 1
    return summary


def _homes(
    lib_t: _Transcripts, homeless: list[tuple[Annotation, str]]
) -> list[tuple[TranscriptInfo, list[tuple[Annotation, Annotation]]]]:
    """Annotations here without a transcript (with the URL their import
    file names), placed in the transcript they match now, if any (by
    sha256, title, URL; the quote must be found there)."""
    found: dict[int, tuple[TranscriptInfo, list[tuple[Annotation, Annotation]]]] = {}
    for a, source in homeless:
        info = lib_t.match(_Incoming(a, source, ""))
        if info is None:
            continue
        new, _ = place(a, lib_t.text(info.id), info)
        if new.status != ORPHANED:
            found.setdefault(info.id, (info, []))[1].append((a, new))
    return list(found.values())

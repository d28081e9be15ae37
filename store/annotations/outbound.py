"""Notes out to where people keep them: Readwise and Obsidian.

Readwise (``export_readwise``)
    The CSV Readwise's import reads: exactly the columns Highlight, Title,
    Author, URL, Note, Location, Date. Location is the time, in whole
    seconds from the start (a number, so highlights sort in the order they
    were said); Date is when the highlight was made, ``YYYY-MM-DD
    HH:MM:SS`` in UTC; Author is the transcript's speakers as the user
    named them (a diarizer's ``SPEAKER_00`` is nobody's name), else the
    author, channel or host its file gives.

Obsidian (``export_obsidian``)
    One Markdown file per transcript in a folder (a vault, or a folder in
    one): a front matter (title, speakers, url, date and
    ``hark_transcript``, which finds the file again whatever it is named),
    then each highlight as a callout block with its time (a link to the
    moment where the transcript has a URL), speaker, note, tags, colour and
    date, ending in a block id ``^hark-<annotation id>`` that Obsidian can
    link to. Exporting again rewrites only hark's blocks and hark's keys of
    the front matter, in place: whatever the user wrote around them (and
    any other key of the front matter) stays as it was; a new highlight
    goes after the one said before it; a deleted one's block goes away; a
    file whose text would not change is not written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..library import Library, TranscriptInfo
from ..links import deep_link
from ..model import ORPHANED, Annotation
from ..names import a_name, display_speakers, file_speakers, is_generic_label, speaker_names
from ..paths import write_private
from ..text import clean_line, format_time
from .exchange import Speakers, for_export
from .fields import AnnotationError, tags_beyond_note, url_of

READWISE_COLUMNS = ("Highlight", "Title", "Author", "URL", "Note", "Location", "Date")
# Metadata keys that name who made a recording, when its speakers are unnamed.
_AUTHOR_KEYS = ("author", "authors", "channel", "host", "hosts", "creator", "uploader", "artist", "podcast")


def _pairs(
    lib: Library, transcript_id: int | None, annotations: list[Annotation] | None
) -> list[tuple[Annotation, TranscriptInfo | None]]:
    """The annotations with their transcripts, in the exports' order (by
    title, then time; removed transcripts last)."""
    return for_export(lib, transcript_id, annotations)


def _title(a: Annotation, info: TranscriptInfo | None) -> str:
    return clean_line(info.title if info else a.transcript_title) or "Untitled"


def author_of(info: TranscriptInfo | None) -> str:
    """Who speaks, by the names the user gave (labels that are names count
    too), else the author, channel or host the file names; "" for nobody."""
    if info is None:
        return ""
    meta = info.metadata or {}
    named = speaker_names(meta)
    labels = file_speakers(info.speakers, meta)
    people = [s for s in labels if s in named or not is_generic_label(s)]
    if people:
        return ", ".join(clean_line(s) for s in display_speakers(people, meta))
    for key in _AUTHOR_KEYS:
        v = meta.get(key)
        found = [n for n in (a_name(x) for x in (v if isinstance(v, list) else [v])) if n]
        if found:
            return ", ".join(found)
    return ""


def _note(a: Annotation) -> str:
    """The note, then the tags it does not already hold as #tags."""
    extra = tags_beyond_note(a)
    parts = [a.note.strip()] if a.note.strip() else []
    if extra:
        parts.append(" ".join(f"#{t}" for t in extra))
    return "\n\n".join(parts)


def _utc(stamp: str, fmt: str) -> str:
    """An ISO time as `fmt` in UTC ("" when it cannot be read)."""
    try:
        d = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return ""
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.astimezone(timezone.utc).strftime(fmt)


# -- Readwise -------------------------------------------------------------------------


def readwise_rows(
    lib: Library, transcript_id: int | None = None, annotations: list[Annotation] | None = None
) -> list[dict[str, str]]:
    """One row a highlight, keyed by READWISE_COLUMNS."""
    rows = []
    for a, info in _pairs(lib, transcript_id, annotations):
        rows.append(
            {
                "Highlight": a.quote,
                "Title": _title(a, info),
                "Author": author_of(info),
                "URL": url_of(info) or "",
                "Note": _note(a),
                "Location": str(int(max(0.0, a.start))),
                "Date": _utc(a.created, "%Y-%m-%d %H:%M:%S"),
            }
        )
    return rows


def export_readwise(lib: Library, transcript_id: int | None = None, annotations: list[Annotation] | None = None) -> str:
    """The annotations as a CSV for Readwise's import (see the module's doc)."""
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=READWISE_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(readwise_rows(lib, transcript_id, annotations))
    return buf.getvalue()


# -- Obsidian -------------------------------------------------------------------------

# The front matter keys hark writes (and rewrites); every other key is the user's.
HARK_KEYS = ("title", "speakers", "url", "date", "hark_transcript")
_ID_LINE = re.compile(r"^\^hark-([0-9A-Za-z-]+)[ \t]*$")
_KEY_LINE = re.compile(r"^([A-Za-z0-9_][\w-]*)[ \t]*:")
_BAD_NAME = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f]+')
MAX_NAME = 100  # characters of a file name taken from a title
FRONT_BYTES = 64 * 1024  # how much of a note is read to find its front matter


@dataclass
class ObsidianReport:
    """What an Obsidian export did: files created, updated, left as they were."""

    folder: Path
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    highlights: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "created": [str(p) for p in self.created],
            "updated": [str(p) for p in self.updated],
            "unchanged": [str(p) for p in self.unchanged],
            "highlights": self.highlights,
        }


@dataclass
class _Note:
    """One transcript's file: its key, front matter values and blocks."""

    key: str
    title: str
    front: dict[str, Any]
    blocks: list[tuple[str, list[str]]]  # (annotation id, lines), in time order


def _key(a: Annotation, info: TranscriptInfo | None) -> str:
    """What finds a transcript's file again: its id in the library; for
    the annotations of a removed transcript, its file's sha256."""
    if info is not None:
        return str(info.id)
    return f"removed-{(a.source_sha256 or '')[:16] or 'unknown'}"


def _block(a: Annotation, info: TranscriptInfo | None, speaker: str | None) -> list[str]:
    """A highlight as an Obsidian callout, then its block id."""
    approx = "≈" if info is not None and info.timing == "estimated" else ""
    stamp = approx + format_time(a.start)
    link = deep_link(url_of(info), a.start, a.end)
    head = f"[{stamp}]({link})" if link else stamp
    if speaker:
        head += f" · {clean_line(speaker)}"
    if a.status == ORPHANED:
        head += " · orphaned: not found in the current transcript"
    lines = [f"> [!quote] {head}", f"> {clean_line(a.quote)}"]
    note = a.note.strip()
    if note:
        lines.append(">")
        lines += [f"> {ln}".rstrip() for ln in note.split("\n")]
    tail = [" ".join(f"#{t}" for t in tags_beyond_note(a)), a.color, _utc(a.created, "%Y-%m-%d")]
    lines += [">", "> " + " · ".join(x for x in tail if x)]
    return [*lines, "", f"^hark-{a.id}"]


def _notes(lib: Library, transcript_id: int | None, annotations: list[Annotation] | None) -> tuple[list[_Note], int]:
    speakers = Speakers(lib)
    notes: dict[str, _Note] = {}
    count = 0
    for a, info in _pairs(lib, transcript_id, annotations):
        key = _key(a, info)
        note = notes.get(key)
        if note is None:
            title = _title(a, info)
            front: dict[str, Any] = {"title": title}
            if info is not None:
                meta = info.metadata or {}
                people = display_speakers(file_speakers(info.speakers, meta), meta)
                if people:
                    front["speakers"] = people
                if url_of(info):
                    front["url"] = url_of(info)
                if isinstance(meta.get("date"), str) and meta["date"].strip():
                    front["date"] = meta["date"].strip()
            front["hark_transcript"] = key
            note = notes[key] = _Note(key, title, front, [])
        note.blocks.append((a.id, _block(a, info, speakers.of(a, info))))
        count += 1
    return list(notes.values()), count


def _yaml(value: Any) -> str:
    """A value as YAML flow (JSON is YAML): quoted strings, [lists]."""
    return json.dumps(value, ensure_ascii=False)


def _split_front(text: str) -> tuple[list[str] | None, list[str]]:
    """(front matter lines or None, body lines) of a Markdown file."""
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        for i in range(1, len(lines)):
            if lines[i].rstrip() in ("---", "..."):
                return lines[1:i], lines[i + 1 :]
    return None, lines


def _front_key(text: str) -> str | None:
    """The hark_transcript value of a file's front matter, if it has one."""
    front, _ = _split_front(text)
    for line in front or []:
        m = _KEY_LINE.match(line)
        if m and m.group(1) == "hark_transcript":
            raw = line[m.end() :].strip()
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw.strip("'\"")
            return str(value)
    return None


def _merge_front(old: list[str] | None, values: dict[str, Any]) -> list[str]:
    """The front matter with hark's keys set to `values` (a hark key with no
    value goes away) and every other line of the user's kept in place."""
    entries: list[tuple[str | None, list[str]]] = []
    for line in old or []:
        m = _KEY_LINE.match(line)
        if m or not entries:
            entries.append((m.group(1) if m else None, [line]))
        else:
            entries[-1][1].append(line)  # a list item or a continued value
    out: list[str] = []
    done: set[str] = set()
    for key, lines in entries:
        if key in HARK_KEYS:
            if key in values and key not in done:
                out.append(f"{key}: {_yaml(values[key])}")
                done.add(key)
            continue
        out += lines
    out += [f"{k}: {_yaml(values[k])}" for k in HARK_KEYS if k in values and k not in done]
    return out


def _merge_body(old: list[str], blocks: list[tuple[str, list[str]]]) -> list[str]:
    """The body with hark's blocks replaced in place, new ones placed after
    the block said before them, and those no longer there taken out; every
    other line kept as it was."""
    order = {aid: i for i, (aid, _) in enumerate(blocks)}
    new = dict(blocks)
    # The body as text lines and hark blocks: a block is its callout, the
    # blank line after it, and its id line.
    items: list[tuple[str | None, list[str]]] = []
    for line in old:
        m = _ID_LINE.match(line)
        if not m:
            items.append((None, [line]))
            continue
        grabbed: list[str] = []
        if items and items[-1][0] is None and not items[-1][1][0].strip():
            grabbed.insert(0, items.pop()[1][0])
        while items and items[-1][0] is None and items[-1][1][0].startswith(">"):
            grabbed.insert(0, items.pop()[1][0])
        if grabbed and not grabbed[0].startswith(">"):  # a blank line with no callout before it
            items.append((None, [grabbed.pop(0)]))
        items.append((m.group(1), [*grabbed, line]))
    kept = [aid for aid, _ in items if aid is not None and aid in new]
    placed = set(kept)
    after: dict[str | None, list[str]] = {}  # kept block (None: before the first) -> new blocks
    for aid, _ in blocks:
        if aid in placed:
            continue
        before = [k for k in kept if order[k] < order[aid]]
        anchor = max(before, key=order.__getitem__) if before else (None if kept else "")
        after.setdefault(anchor, []).append(aid)
    out: list[str] = []
    skip_blank = False
    first_kept = True
    for aid, lines in items:
        if aid is None:
            if skip_blank and not lines[0].strip():
                skip_blank = False
                continue
            skip_blank = False
            out += lines
            continue
        if aid not in new:  # deleted since: its block goes, with the blank line after it
            skip_blank = True
            continue
        if first_kept:
            first_kept = False
            for nid in after.get(None, []):
                out += [*new[nid], ""]
        out += new[aid]
        for nid in after.get(aid, []):
            out += ["", *new[nid]]
    if "" in after:  # no block of hark's was there: the new ones at the end
        while out and not out[-1].strip():
            out.pop()
        for nid in after[""]:
            out += ["", *new[nid]]
        out.append("")
    return out


def render_note(old: str | None, note: _Note) -> str:
    """A transcript's file: made afresh, or `old` with hark's parts renewed."""
    front, body = _split_front(old) if old is not None else (None, [""])
    lines = ["---", *_merge_front(front, note.front), "---", *_merge_body(body, note.blocks)]
    text = "\n".join(lines)
    return text if text.endswith("\n") else text + "\n"


def _file_name(title: str) -> str:
    name = " ".join(_BAD_NAME.sub(" ", title).split()).lstrip(".").strip()
    return (name[:MAX_NAME].rstrip() or "Untitled") + ".md"


def _existing(folder: Path) -> dict[str, Path]:
    """key -> the Markdown file of the folder that hark wrote for it."""
    found: dict[str, Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return found
    for p in entries:
        if p.suffix.lower() != ".md" or p.name.startswith(".") or not p.is_file():
            continue
        try:
            with p.open("rb") as f:  # the front matter is at the top: a big vault is not read whole
                head = f.read(FRONT_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        key = _front_key(head)
        if key is not None:
            found.setdefault(key, p)
    return found


def export_obsidian(
    lib: Library,
    folder: str | os.PathLike,
    transcript_id: int | None = None,
    annotations: list[Annotation] | None = None,
) -> ObsidianReport:
    """Write (or bring up to date) one Markdown file per transcript in
    `folder` (made if missing). AnnotationError when it cannot be written."""
    target = Path(folder).expanduser()
    report = ObsidianReport(target)
    notes, report.highlights = _notes(lib, transcript_id, annotations)
    if target.exists() and not target.is_dir():
        raise AnnotationError(f"{target} is not a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)  # a folder of the user's keeps its permissions
        have = _existing(target)
        taken = {p.name for p in target.iterdir()}
        for note in notes:
            path = have.get(note.key)
            old = None
            if path is not None:
                old = path.read_text(encoding="utf-8", errors="replace")
            else:
                name = _file_name(note.title)
                if name in taken:
                    name = _file_name(f"{note.title} ({note.key})")
                n = 2
                while name in taken:
                    name = _file_name(f"{note.title} ({note.key}) {n}")
                    n += 1
                taken.add(name)
                path = target / name
            text = render_note(old, note)
            if old == text:
                report.unchanged.append(path)
                continue
            write_private(path, text.encode("utf-8"))
            (report.updated if old is not None else report.created).append(path)
    except OSError as e:
        where = e.filename or target
        raise AnnotationError(f"cannot write the Obsidian notes in {target}: {e.strerror or e} ({where})") from None
    return report

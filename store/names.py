"""Names on things: a transcript's title and its speakers' names.

A file names itself badly more often than not: a stem such as
``000_5c89774d6d94d9fe``, a front matter ``speaker: "Unknown"``, diarized
labels (``SPEAKER_00``, ``Speaker A``, ``spk_0``). This module tells a
name from a placeholder, picks a file's best title, and keeps the names a
user gives apart from the file's own:

- the user's title is the transcript's title (so every place that shows a
  title shows it) and is also kept in the metadata under ``user_title``,
  with the file's own title under ``file_title``, so a re-import (which
  brings the file's title again) gives the user's back;
- the user's speaker names are kept under ``speaker_names`` ({label:
  name}); segments keep the file's labels, and whatever shows a speaker
  asks :func:`speaker_name`.

Pure functions, no I/O: the library (library/name_rows.py) stores, the
parsers, the index and the app ask.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import Segment
from .text import clean_line, words

# Reserved metadata keys: hark's, never a file's (a file's own are dropped at save).
USER_TITLE = "user_title"
FILE_TITLE = "file_title"
SPEAKER_NAMES = "speaker_names"
RESERVED = (USER_TITLE, FILE_TITLE, SPEAKER_NAMES)

MAX_TITLE = 300  # characters: a title is a line, not a paragraph
MAX_NAME = 100

# What tools and templates write where they know no name.
_PLACEHOLDERS = frozenset(
    {
        "",
        "unknown",
        "unknown speaker",
        "unknown author",
        "unknown title",
        "unknown channel",
        "unnamed",
        "untitled",
        "untitled document",
        "no title",
        "no name",
        "n/a",
        "n.a.",
        "na",
        "none",
        "null",
        "nil",
        "undefined",
        "unspecified",
        "not specified",
        "not available",
        "tbd",
        "tba",
        "todo",
        "-",
        "--",
        "—",
        "?",
        "??",
        "...",
        "…",
        # a template's field names left in place
        "title",
        "name",
        "author",
        "speaker",
        "channel",
    }
)
_WRAPPING = " \t\"'“”‘’()[]{}<>"

# Diarized labels: a tool's numbering, not a person.
_GENERIC = re.compile(
    r"(?:speaker|spk|spkr|voice|person|participant|talker|channel|unknown(?:[\s_-]*speaker)?|guest|host)"
    r"[\s_-]*(?:\d{1,3}|[a-z])"
    r"|(?:s|ch)[\s_-]*\d{1,3}",
    re.IGNORECASE,
)

# Metadata keys whose values are people's or a show's names.
NAME_KEYS = (
    "speakers",
    "speaker",
    "author",
    "authors",
    "channel",
    "host",
    "hosts",
    "guest",
    "guests",
    "creator",
    "uploader",
    "artist",
    "narrator",
    "presenter",
    "interviewer",
    "interviewee",
)
# Keys a JSON transcript may carry its title under, in order.
TITLE_KEYS = ("title", "episode_title", "episodeTitle", "video_title", "videoTitle")


def is_placeholder(value: Any) -> bool:
    """True for what stands where no name is known: None, empty, "Unknown",
    "N/A", "none", "(unknown)", "Speaker", "Untitled"..."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    return clean_line(value).strip(_WRAPPING).casefold() in _PLACEHOLDERS


def is_generic_label(label: str | None) -> bool:
    """A diarizer's label (SPEAKER_00, Speaker A, spk_0, S1), or a placeholder."""
    if label is None or is_placeholder(label):
        return True
    return _GENERIC.fullmatch(clean_line(label)) is not None


def a_name(value: Any) -> str | None:
    """The value as a one-line name, or None when it is not one."""
    if not isinstance(value, str):
        return None
    line = clean_line(value)
    return None if is_placeholder(line) else line


def choose_title(*candidates: Any, fallback: str) -> str:
    """The first candidate that is a title (not empty, not a placeholder),
    cut to MAX_TITLE characters; else the fallback (the file's stem)."""
    for c in candidates:
        name = a_name(c)
        if name:
            return name[:MAX_TITLE]
    return fallback


def title_in(*mappings: Any) -> str | None:
    """A title a JSON transcript carries (``title``, ``episode_title``...),
    from the first of the given objects that has one."""
    for m in mappings:
        if not isinstance(m, Mapping):
            continue
        for key in TITLE_KEYS:
            name = a_name(m.get(key))
            if name:
                return name[:MAX_TITLE]
    return None


PLACEHOLDERS = "placeholders"  # metadata key: what the file wrote where it knew no name


def keep_placeholder(meta: dict[str, Any], key: str, value: Any) -> None:
    """Keep a placeholder the file wrote (nothing of a file is thrown
    away), under ``placeholders``, where nothing takes it for a name."""
    if value not in (None, "", []):
        kept = meta.setdefault(PLACEHOLDERS, {})
        if isinstance(kept, dict):
            kept[key] = value


def scrub_metadata(meta: dict[str, Any]) -> None:
    """Placeholders out of the name-valued keys (a front matter's
    ``speaker: "Unknown"`` or ``channel: N/A`` names nobody) and out of
    ``title``, into ``placeholders``; lists keep their names. In place."""
    for key in (*NAME_KEYS, "title"):
        if key not in meta:
            continue
        v = meta[key]
        if isinstance(v, list):
            gone = [x for x in v if isinstance(x, str) and is_placeholder(x)]
            if not gone:
                continue
            kept = [x for x in v if x not in gone]
            if kept:
                meta[key] = kept
            else:
                del meta[key]
            keep_placeholder(meta, key, gone)
        elif v is None or (isinstance(v, str) and is_placeholder(v)):
            del meta[key]
            keep_placeholder(meta, key, v)


# -- the user's names -------------------------------------------------------------


def speaker_names(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """label -> the user's name for it."""
    raw = (metadata or {}).get(SPEAKER_NAMES)
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str) and v}


def speaker_name(label: str | None, metadata: Mapping[str, Any] | None) -> str | None:
    """What to show for a speaker label: the user's name for it, else the label."""
    if not label:
        return label
    return speaker_names(metadata).get(label, label)


def display_speakers(labels: Iterable[str], metadata: Mapping[str, Any] | None) -> list[str]:
    """The labels as they are shown (the user's names), each once, in order."""
    names = speaker_names(metadata)
    return list(dict.fromkeys(names.get(s, s) for s in labels if s))


def speaker_words(label: str, metadata: Mapping[str, Any] | None) -> str:
    """What the index holds for a speaker: the label and the user's name,
    so `speaker:` finds either."""
    name = speaker_names(metadata).get(label)
    return f"{label} ; {name}" if name and name != label else label


def with_names(labels: Iterable[str], metadata: Mapping[str, Any] | None) -> list[str]:
    """Labels followed by the user's names for them, each once."""
    labels = list(labels)
    names = speaker_names(metadata)
    return list(dict.fromkeys([*labels, *(names[s] for s in labels if s in names)]))


def file_speakers(speakers: Iterable[str], metadata: Mapping[str, Any] | None) -> list[str]:
    """A transcript's speaker labels: its segments' (the `speakers` column),
    then the names its metadata gives without turns (a front matter
    ``speaker:``), each once."""
    out = list(speakers)
    meta = metadata or {}
    for key in ("speakers", "speaker"):
        v = meta.get(key)
        for s in v if isinstance(v, list) else [v]:
            if isinstance(s, str) and a_name(s) and s not in out:
                out.append(s)
    return out


def user_title(metadata: Mapping[str, Any] | None) -> str | None:
    v = (metadata or {}).get(USER_TITLE)
    return v if isinstance(v, str) and v else None


def own_title(title: str, metadata: Mapping[str, Any] | None) -> str:
    """The file's own title (what a re-import would give without the user's)."""
    meta = metadata or {}
    v = meta.get(FILE_TITLE)
    return v if user_title(meta) and isinstance(v, str) and v else title


def names_stamp(metadata: Mapping[str, Any] | None) -> str | None:
    """A short hash of the user's title and speaker names (None without
    any): part of a transcript's fingerprint in the search index, so a
    rename re-indexes it."""
    meta = metadata or {}
    title, names = user_title(meta), speaker_names(meta)
    if title is None and not names:
        return None
    raw = json.dumps([title, sorted(names.items())], ensure_ascii=False)
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def carried(old: Mapping[str, Any] | None, title: str, metadata: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """What a save stores for a file's (re-)import: the file's title and
    metadata, with the reserved keys a file may not set dropped, and the
    user's names from the stored metadata (`old`, None for a new
    transcript) kept. Returns (title, metadata)."""
    meta = {k: v for k, v in metadata.items() if k not in RESERVED}
    old = old or {}
    names = speaker_names(old)
    if names:
        meta[SPEAKER_NAMES] = names
    mine = user_title(old)
    if mine:
        meta[USER_TITLE] = mine
        meta[FILE_TITLE] = title
        return mine, meta
    return title, meta


class NamingError(ValueError):
    """A name that cannot be given (too long, no such speaker): one line."""


def renamed(title: str, metadata: Mapping[str, Any], wanted: str | None) -> tuple[str, dict[str, Any]]:
    """(title, metadata) after the user names the transcript `wanted`; None,
    empty or the file's own title gives the file's own title back."""
    meta = dict(metadata)
    own = own_title(title, meta)
    name = clean_line(wanted or "")
    if len(name) > MAX_TITLE:
        raise NamingError(f"a title has at most {MAX_TITLE} characters (this one has {len(name)})")
    meta.pop(USER_TITLE, None)
    meta.pop(FILE_TITLE, None)
    if not name or name == own:
        return own, meta
    meta[USER_TITLE] = name
    meta[FILE_TITLE] = own
    return name, meta


def resolve_label(wanted: str, labels: list[str], metadata: Mapping[str, Any] | None) -> str | None:
    """The label `wanted` means: a label as written, else one that differs
    only in case or spacing, else the label the user already named so."""
    if wanted in labels:
        return wanted
    key = clean_line(wanted).casefold()
    for lab in labels:
        if clean_line(lab).casefold() == key:
            return lab
    for lab, name in speaker_names(metadata).items():
        if lab in labels and clean_line(name).casefold() == key:
            return lab
    return None


def named_speakers(
    metadata: Mapping[str, Any], labels: list[str], changes: Mapping[str, str | None]
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """Metadata with the user's names changed: each label (or its current
    name) in `changes` gets the name given, or loses its name when the
    name is None or empty. Returns (metadata, {label: name or None} as
    applied); NamingError for a speaker the transcript does not have."""
    names = speaker_names(metadata)
    applied: dict[str, str | None] = {}
    for wanted, name in changes.items():
        label = resolve_label(wanted, labels, metadata)
        if label is None:
            known = ", ".join(labels) if labels else "none: the file marks no speakers"
            raise NamingError(f"no speaker {clean_line(wanted)!r} here (its speakers: {known})")
        new = clean_line(name or "")
        if len(new) > MAX_NAME:
            raise NamingError(f"a speaker's name has at most {MAX_NAME} characters (this one has {len(new)})")
        if not new or new == label:
            names.pop(label, None)
            applied[label] = None
        else:
            names[label] = new
            applied[label] = new
    meta = dict(metadata)
    if names:
        meta[SPEAKER_NAMES] = names
    else:
        meta.pop(SPEAKER_NAMES, None)
    return meta, applied


@dataclass
class SpeakerShare:
    """How much one speaker says in a transcript."""

    label: str
    name: str | None  # the user's name for the label, if any
    segments: int
    words: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """The `hark speakers --json` shape (documented; keep stable)."""
        return {
            "label": self.label,
            "name": self.name,
            "segments": self.segments,
            "words": self.words,
            "seconds": round(self.seconds, 3),
        }


def speaker_shares(segments: list[Segment], labels: list[str], metadata: Mapping[str, Any]) -> list[SpeakerShare]:
    """Each speaker of a transcript with its segments, words and time
    spoken, in the order the labels are given (a label the metadata names
    without turns says nothing)."""
    names = speaker_names(metadata)
    shares = {lab: SpeakerShare(lab, names.get(lab), 0, 0, 0.0) for lab in labels}
    for s in segments:
        share = shares.get(s.speaker or "")
        if share is None:
            continue
        share.segments += 1
        share.words += len(words(s.text))
        share.seconds += max(0.0, (s.end if s.end is not None else s.start) - s.start)
    return list(shares.values())

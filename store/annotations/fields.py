"""What a person writes on an annotation (its note and #tags, its colour,
its author), checked and tidied; and the error hark reports in one line."""

from __future__ import annotations

import getpass
import os
import re
import uuid
from collections.abc import Iterable

from ..library import LibraryError, TranscriptInfo
from ..model import COLORS, Annotation
from ..text import clean_line


class AnnotationError(LibraryError):
    """A failure to report in one line (bad colour, unreadable import file)."""


# The longest note (and, separately, the longest tags together) hark keeps.
# A long essay is about 100,000 characters, far more than any note written
# beside a quote; every note is indexed and read on each search, and one
# 20 MB note made every search take 7 s and the app stall for 30 s.
MAX_NOTE_CHARS = 100_000


def too_long(what: str, n: int) -> str:
    """The line that refuses a note (tags, a quote) of n characters: what
    is "the note has", "the tags have"."""
    return f"{what} {n:,} characters, over the limit of {MAX_NOTE_CHARS:,}"


def check_note(note: str, tags: Iterable[str] = ()) -> None:
    """AnnotationError when the note, or the tags together, are too long."""
    if len(note) > MAX_NOTE_CHARS:
        raise AnnotationError(too_long("the note has", len(note)))
    n = sum(len(t) for t in tags)
    if n > MAX_NOTE_CHARS:
        raise AnnotationError(too_long("the tags have", n))


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


def check_color(color: str) -> str:
    if color not in COLORS:
        raise AnnotationError(f"unknown colour {color!r}; one of {', '.join(COLORS)}")
    return color


def new_id() -> str:
    return uuid.uuid4().hex


def url_of(info: TranscriptInfo | None) -> str | None:
    """The transcript's media or page URL, if its metadata has one."""
    url = info.metadata.get("url") if info else None
    return url if isinstance(url, str) else None

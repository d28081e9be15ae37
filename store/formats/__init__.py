"""Transcript formats: one module per family, each with detectors and parsers.

Every family module defines ``FORMATS``, a list of :class:`Format`. A
detector looks at the decoded text (and the file extension, as a hint) and
returns a confidence from 0 to 1; the format with the highest confidence
parses the file. ``--format`` skips detection.

Parsers receive text that :func:`store.text.clean` has already cleaned (no
escape sequences or control characters, ``\\n`` line ends) and return a
:class:`~store.model.Transcript`, or raise :class:`ParseError` with a reason
and, where it applies, a line number.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..model import Transcript
from ..names import is_placeholder, keep_placeholder, scrub_metadata
from ..reflow import DEFAULT_WPM
from ._lists import list_reason
from ._turns import mark_turns


class ParseError(ValueError):
    """A file that is not (or not a valid) transcript of the format tried."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class NotATranscript(ParseError):
    """Not an error: the file is simply not a transcript (skipped with a note)."""


@dataclass
class Options:
    """What a parser may need besides the text."""

    name: str = "untitled"  # file stem: the default title
    ext: str = ""  # lower-case extension with the dot, e.g. ".srt"
    wpm: float = DEFAULT_WPM  # speaking rate for estimated times
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    name: str
    family: str
    description: str
    extensions: tuple[str, ...]
    detect: Callable[[str, str], float]
    parse: Callable[[str, Options], Transcript]


# Every family's parse and detect are wrapped in these, so an input that
# trips a parser in an unplanned way still gives ParseError (or 0.0).
def guarded(fn: Callable[[str, Options], Transcript]) -> Callable[[str, Options], Transcript]:
    """A parser raises ParseError and nothing else, whatever it is fed."""

    @functools.wraps(fn)
    def wrapper(text: str, options: Options) -> Transcript:
        try:
            return fn(text, options)
        except ParseError:
            raise
        except RecursionError:
            raise ParseError("nested too deeply") from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
            raise ParseError(f"unexpected content ({type(e).__name__}: {e})") from None

    return wrapper


def safe_detect(fn: Callable[[str, str], float]) -> Callable[[str, str], float]:
    @functools.wraps(fn)
    def wrapper(text: str, ext: str) -> float:
        try:
            return float(fn(text, ext))
        except Exception:  # a detector never stops an import
            return 0.0

    return wrapper


# The family modules, in the order their formats are listed to users.
_FAMILIES = (
    "whisper_console",
    "srt",
    "vtt",
    "youtube",
    "stt_json",
    "podcasting",
    "markdown",
    "timed_text",
    "textgrid",
    "plain",
)

_registry: dict[str, Format] | None = None

# Families whose parsers read free text, and the confidence below which a
# detection is only a guess: there, a file that is a list is skipped.
PROSE_FAMILIES = frozenset({"plain", "markdown", "timed_text"})
# Families whose `>>` and `- ` turn marks are speaker changes (_turns.py).
CAPTION_FAMILIES = frozenset({"vtt", "srt", "youtube"})
LIST_CHECK_BELOW = 0.5


def registry() -> dict[str, Format]:
    global _registry
    if _registry is None:
        reg: dict[str, Format] = {}
        for fam in _FAMILIES:
            mod = importlib.import_module(f"{__name__}.{fam}")
            for f in mod.FORMATS:
                reg[f.name] = f
        _registry = reg
    return _registry


def names() -> list[str]:
    return list(registry())


# Extensions a folder walk considers; other files are skipped with a note.
TRANSCRIPT_EXTENSIONS = {
    ".txt",
    ".text",
    ".log",
    ".srt",
    ".vtt",
    ".webvtt",
    ".sbv",
    ".sub",
    ".xml",
    ".srv1",
    ".srv2",
    ".srv3",
    ".ttml",
    ".json",
    ".json3",
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".textgrid",
    "",
}


def detect(text: str, ext: str = "") -> tuple[Format | None, float]:
    """The most likely format for this text, with its confidence."""
    best: Format | None = None
    score = 0.0
    for f in registry().values():
        try:
            s = f.detect(text, ext)
        except Exception:  # a detector must never stop an import
            s = 0.0
        if s > score:
            best, score = f, s
    return best, score


def parse(text: str, fmt: str | None = None, options: Options | None = None) -> Transcript:
    """Detect (unless ``fmt`` is given) and parse. Raises ParseError."""
    options = options or Options()
    if fmt:
        try:
            f = registry()[fmt]
        except KeyError:
            raise ParseError(f"unknown format {fmt!r} (known: {', '.join(names())})") from None
    else:
        f, score = detect(text, options.ext)
        if not text.strip():
            raise NotATranscript("empty file")
        # The prose families take almost any text: a list (tab-separated
        # fields, links, a log) found in a folder is not a transcript.
        if f is None or score < LIST_CHECK_BELOW or f.family in PROSE_FAMILIES:
            reason = list_reason(text)
            if reason:
                raise NotATranscript(reason)
        if f is None or score <= 0:
            raise NotATranscript("not a transcript in any known format")
    t = f.parse(text, options)
    if not t.format:
        t.format = f.name
    # "Unknown", "N/A", "" name nobody: not a title, not a speaker, not an author.
    scrub_metadata(t.metadata)
    if is_placeholder(t.title):
        keep_placeholder(t.metadata, "title", t.title)
        t.title = options.name
    if f.family in CAPTION_FAMILIES:
        mark_turns(t)  # `>>` and `- ` mark speaker changes in captions
    t.finish()
    if not t.segments:
        raise ParseError(f"no transcript text found (read as {f.name})")
    return t


def parse_bytes(
    data: bytes,
    *,
    name: str = "untitled",
    ext: str = "",
    fmt: str | None = None,
    wpm: float = DEFAULT_WPM,
) -> Transcript:
    """Decode, clean and parse a file's bytes: the whole import pipeline up to
    the library. Raises ParseError (DecodeError is turned into one)."""
    from ..text import DecodeError, clean, decode

    try:
        text, encoding = decode(data)
    except DecodeError as e:
        raise NotATranscript(str(e)) from None
    t = parse(clean(text), fmt, Options(name=name, ext=ext.lower(), wpm=wpm))
    t.metadata.setdefault("encoding", encoding)
    return t


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def repair_note(t: Transcript) -> str | None:
    """What the parser had to repair, for the import's summary ('1 timing
    line repaired'), from the counts parsers leave in the metadata; None
    when nothing was."""
    notes = []
    broken = t.metadata.get("timing_lines_repaired")
    if isinstance(broken, int) and broken > 0:
        notes.append(_count(broken, "timing line repaired", "timing lines repaired"))
    missing = t.metadata.get("cues_without_timing")
    if isinstance(missing, int) and missing > 0:
        notes.append(_count(missing, "missing timing line filled in", "missing timing lines filled in"))
    return ", ".join(notes) or None


_NAME_SUFFIX = re.compile(r"\.(?:podcast|transcript|captions?|subtitles?|subs|[a-z]{2}(?:[-_][A-Za-z]{2})?)$")
# yt-dlp's default name, "%(title)s [%(id)s].%(ext)s": the video's title, then its id.
_VIDEO_ID = re.compile(r"\s*\[[A-Za-z0-9_-]{11}\]$")


def title_from_name(stem: str) -> str:
    """A title from a file name: 'episode-maps.podcast' -> 'episode-maps',
    'talk.en' -> 'talk' (a second extension says what the file is, not
    what it is about), 'My Talk [dQw4w9WgXcQ].en' -> 'My Talk' (yt-dlp
    names a download by the video's title and id)."""
    name = _NAME_SUFFIX.sub("", stem) or stem
    return _VIDEO_ID.sub("", name) or name


def parse_file(path, *, fmt: str | None = None, wpm: float = DEFAULT_WPM) -> Transcript:
    """parse_bytes on a file on disk (OSError is the caller's to report)."""
    from pathlib import Path

    p = Path(path)
    return parse_bytes(p.read_bytes(), name=title_from_name(p.stem), ext=p.suffix, fmt=fmt, wpm=wpm)

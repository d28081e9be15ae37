"""WebVTT captions (``.vtt``), including what real tools write.

- The ``WEBVTT`` line's own text (``WEBVTT - Translation of ...``) goes to
  metadata ``header`` and is set aside. Header lines ``Kind: captions``,
  ``Language: en`` (metadata ``language``), ``X-TIMESTAMP-MAP=...`` (kept as
  ``x_timestamp_map``; times are not shifted) become metadata; YouTube's
  ``Style:`` header and its CSS are dropped.
- ``NOTE`` blocks are set aside; ``STYLE`` and ``REGION`` blocks (CSS and
  layout) are dropped.
- Cue ids are syntax; an id that reads as words (``spaces``, ``form feed``)
  rather than a number or a code (``12``, ``3c1b6a8e-.../16-0``) is set aside
  so no word of the file is lost. Cue settings are ignored.
- Timestamps with or without hours (mixed in one timing line), without
  milliseconds (``00:01 --> 02:12``, as chapter tracks are written), with any
  whitespace around the arrow; NUL bytes are gone before parsing (text.clean).
  A timing line with a time that cannot be read (``00:07.x00 --> 00:09.000``)
  still starts a cue, never becomes text: the readable time is kept, the
  other comes from the neighbouring cues (metadata ``timing_lines_repaired``).
- ``<v Name>`` voice spans give the speaker (the closing tag is optional); a
  cue with several voices becomes one segment per voice, all with the cue's
  times. ``<c>``, ``<c.class>``, ``<b>``, ``<i>``, ``<u>``, ``<ruby>``, inline
  ``<00:00:01.000>`` timestamps and a tag left open at the end of a cue are
  removed; entities (``&amp;``, ``&lt;``, ``&lrm;``, ``&nbsp;``, and the
  unterminated ``&amp``) are decoded.
- A blank line inside a cue followed by text that is not a block of its own
  continues the cue (sloppy converters write these).
- YouTube auto-captions roll: each cue shows the previous line again above
  the new one, and a ~10 ms cue repeats what was just shown. When a file
  rolls (two cues show the previous cue's last line above a new one, or one
  does in a file with YouTube's word timestamps or ``position:0%``), lines
  repeated from the previous cue are dropped and cues left with nothing new
  go, so every spoken line appears once, timed by the cue where it is new.
  A line with inline word timestamps is always new, so a phrase really said
  twice is kept twice. Files that do not roll keep every cue as it is.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from ..model import Segment, Transcript
from ..names import choose_title
from ..reflow import kind_of
from ..text import clean_line, one_line, strip_tags
from . import Format, Options, ParseError, guarded, safe_detect
from ._cues import CANONICAL, TIMING, canonical_seconds, fill_gaps, loose_arrow_timing, read_timing
from .srt import HEAD, cue_text

_HEADER = re.compile(r"^\s*WEBVTT(?=$|[\s\-:])(?P<text>.*)$")
_KEY = re.compile(r"^(?P<key>[A-Za-z][\w\-]{0,40})\s*:\s*(?P<value>.*)$")
_REMARK = re.compile(r"^[(\[{<].*[)\]}>]$")  # "WEBVTT (a remark)": not a title
_NOTE = re.compile(r"^\s*NOTE(?:\s+(?P<text>.*))?$")
_BLOCK = re.compile(r"^\s*(?:STYLE|REGION)\s*$")
_NUMBER = re.compile(r"^\s*[0-9]{1,9}\s*$")
# An id that is one token with a digit in it: a number, a uuid, 'cue-12'.
_CODE_ID = re.compile(r"^\S*\d\S*$")
_INLINE_TS = re.compile(r"<\d{1,9}(?::\d{1,9}){1,2}[.,]\d{1,9}>")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>")
_OPEN_TAG_AT_END = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*$")


@dataclass
class _Cue:
    start: float | None  # None: the timing line's time cannot be read
    end: float | None
    line: int
    settings: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class _File:
    cues: list[_Cue] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    set_aside: list[str] = field(default_factory=list)


def _is_number(line: str) -> bool:
    """_NUMBER.match(line), told apart from words at C speed first."""
    return line.strip().isdigit() and bool(_NUMBER.match(line))


def _timing_like(line: str) -> bool:
    """A timing line, readable or not (a damaged one still starts a cue)."""
    return bool(TIMING.match(line)) or loose_arrow_timing(line) is not None


def _tidy_read(text: str) -> _File | None:
    """A file written as nearly every one is, read block by block: a bare
    'WEBVTT' line, a blank line, then cues (a timing line, text lines with
    no arrow in them) one blank line apart. None for any other file, which
    _read reads line by line; for this one, it gives these same cues."""
    if not text.startswith("WEBVTT\n\n"):
        return None
    f = _File()
    line = 2  # the 0-based index of the block's first line
    for block in text[8:].rstrip("\n").split("\n\n"):
        parts = block.split("\n")
        timing = CANONICAL.match(parts[0])
        if timing is None:
            return None
        for ln in parts[1:]:
            if not ln.strip() or "->" in ln or "--" in ln or "→" in ln:
                return None
        g = timing.groups()
        f.cues.append(_Cue(canonical_seconds(*g[0:4]), canonical_seconds(*g[4:8]), line + 1, g[8].strip(), parts[1:]))
        line += len(parts) + 1
    return f


def _read(text: str) -> _File:
    tidy = _tidy_read(text)
    if tidy is not None:
        return tidy
    f = _File()
    lines = text.split("\n")
    n = len(lines)
    i = 0
    while i < n and not lines[i].strip():
        i += 1
    if i < n and (m := _HEADER.match(lines[i])):
        head = m.group("text").strip()
        if head:
            f.set_aside.append(head)
            f.meta["header"] = head.lstrip("-–—: \t").strip() or head
        i += 1
        in_style = False
        # Header lines run to the first blank line (or the first cue).
        while i < n and lines[i].strip() and not _timing_like(lines[i]):
            if i + 1 < n and _timing_like(lines[i + 1]):
                break  # a cue id: the cues began with no blank line
            s = lines[i].strip()
            i += 1
            if s.upper().startswith("X-TIMESTAMP-MAP"):
                f.meta["x_timestamp_map"] = s.partition("=")[2].strip()
                continue
            km = _KEY.match(s)
            if km and not s.startswith("::"):
                key, value = km.group("key").lower(), km.group("value").strip()
                in_style = key == "style"
                if not in_style and value:
                    f.meta[key] = value
                continue
            if in_style or s.startswith(("::", "{", "}", "##")) or s.endswith(("{", "}", ";")):
                continue  # CSS
            f.set_aside.append(s)

    block: str | None = None  # "cue", "id", "note", "style", "orphan"
    note: list[str] = []
    cue: _Cue | None = None
    pending_id: str | None = None

    def end_block() -> None:
        nonlocal block, pending_id
        if block == "note" and any(x.strip() for x in note):
            f.set_aside.append(one_line(" ".join(note)))
        note.clear()
        block = None
        pending_id = None

    def add_text(raw: str) -> None:
        if cue is not None:
            cue.lines.append(raw)
        else:  # text before the first cue is not transcript
            f.set_aside.append(raw.strip())

    while i < n:
        raw = lines[i]
        s = raw.strip()
        i += 1
        if not s:
            end_block()
            continue
        t = read_timing(raw)
        if t is not None and block != "style":
            if block == "note":
                end_block()
            if block == "cue" and cue is not None and cue.lines and _is_number(cue.lines[-1]):
                cue.lines.pop()  # a numeric id of the next cue with no blank line before it
            if pending_id is not None and not _CODE_ID.match(pending_id):
                f.set_aside.append(pending_id)
            pending_id = None
            cue = _Cue(t[0], t[1], i, t[2])
            f.cues.append(cue)
            block = "cue"
            continue
        if block == "cue" and cue is not None:
            cue.lines.append(raw)
        elif block == "note":
            note.append(s)
        elif block == "style":
            pass
        elif block == "orphan":
            add_text(raw)
        elif nm := _NOTE.match(raw):
            block = "note"
            note.append(nm.group("text") or "")
        elif _BLOCK.match(raw):
            block = "style"
        elif i < n and _timing_like(lines[i]):
            block = "id"
            pending_id = s
        else:
            # Text after a blank line inside a cue continues it.
            block = "orphan"
            add_text(raw)
    end_block()
    return f


def _drop_open_tag(text: str) -> str:
    """A tag left open at the end removed. Its '<' comes after every '>' and
    is the last '<': checked first, at C speed (most lines close theirs)."""
    if text.rfind("<") > text.rfind(">"):
        return _OPEN_TAG_AT_END.sub("", text)
    return text


def _plain(line: str) -> str:
    return cue_text(_drop_open_tag(line))


def _new_lines(cues: list[_Cue]) -> tuple[list[list[str]], int]:
    """Each cue's lines that the previous cue did not already show (raw lines,
    markup still in), and how many cues showed the previous cue's last lines
    above new ones. Lines carrying inline word timestamps are never repeats."""
    out: list[list[str]] = []
    prev: list[str] = []
    rolls = 0
    for c in cues:
        vis = [(p, x) for x in c.lines if (p := _plain(x))]
        plain = [p for p, _ in vis]
        k = 0
        for size in range(min(len(prev), len(vis)), 0, -1):
            if plain[:size] == prev[-size:] and not any(_INLINE_TS.search(x) for _, x in vis[:size]):
                k = size
                break
        rolls += 0 < k < len(vis)
        out.append([x for _, x in vis[k:]])
        prev = plain
    return out, rolls


def _is_rolling(cues: list[_Cue], rolls: int) -> bool:
    """Rolling captions: cues that repeat the previous line above a new one,
    twice or more, or once in a file with YouTube's marks (word timestamps,
    'align:start position:0%')."""
    if rolls >= 2:
        return True
    if not rolls:
        return False  # (no need to look for the marks)
    youtube = any("position:0%" in c.settings for c in cues) or any(_INLINE_TS.search(x) for c in cues for x in c.lines)
    return rolls >= 1 and youtube


def _voices(raw: str) -> list[tuple[str | None, str]]:
    """Split cue text at <v Name> spans: [(speaker, text), ...]."""
    parts = _VOICE.split(raw)
    out: list[tuple[str | None, str]] = []
    if parts[0].strip():
        out.append((None, parts[0]))
    for k in range(1, len(parts) - 1, 2):
        out.append((_voice_name(parts[k] or ""), parts[k + 1]))
    return out


@functools.lru_cache(maxsize=256)
def _voice_name(raw: str) -> str | None:
    """A <v> span's name as shown (a file names its few voices on every cue)."""
    return clean_line(strip_tags(html.unescape(raw))) or None


def _header_title(header: object) -> str | None:
    """The text after WEBVTT as a title ("WEBVTT - Crumb and Crust, episode
    12"; "WEBVTT Title: ..."), unless it is a remark in brackets or another
    "Key: value"."""
    if not isinstance(header, str) or _REMARK.match(header):
        return None
    km = _KEY.match(header)
    if km:
        return km.group("value") if km.group("key").lower() == "title" else None
    return header


@guarded
def parse(text: str, options: Options) -> Transcript:
    f = _read(text)
    if not f.cues:
        raise ParseError("no WebVTT cue ('00:00:01.000 --> 00:00:02.000')")
    bodies = [c.lines for c in f.cues]
    # A cue of one line shows no earlier line above a new one: nothing rolls.
    rolling = False
    if any(len(c.lines) > 1 for c in f.cues):
        new, rolls = _new_lines(f.cues)
        rolling = _is_rolling(f.cues, rolls)
        if rolling:
            bodies = new
    segs: list[Segment] = []
    repaired = 0
    for c, body in zip(f.cues, bodies, strict=True):
        raw = _drop_open_tag("\n".join(body))
        n = len(segs)
        for speaker, part in _voices(raw):
            words = cue_text(part)
            if words:
                seg = Segment(start=c.start, end=c.end, text=words, speaker=speaker, kind=kind_of(words))  # type: ignore[arg-type]
                segs.append(seg)
        repaired += len(segs) > n and (c.start is None or c.end is None)
    # An unreadable time: the cue fills the gap its neighbours leave.
    fill_gaps(segs, wpm=options.wpm)
    meta = dict(f.meta)
    if "language" in meta:
        meta["language"] = clean_line(str(meta["language"]))
    speakers = list(dict.fromkeys(s.speaker for s in segs if s.speaker))
    if speakers:
        meta["speakers"] = speakers
    if rolling:
        meta["rolling_captions"] = True
    if repaired:
        meta["timing_lines_repaired"] = repaired
    title = choose_title(str(meta.get("title", "")), _header_title(meta.get("header")), fallback=options.name)
    return Transcript(title=title, format="vtt", segments=segs, metadata=meta, set_aside=f.set_aside)


@safe_detect
def detect(text: str, ext: str) -> float:
    head = text[:HEAD]
    first = head.lstrip().split("\n", 1)[0]
    if _HEADER.match(first):
        return 0.98
    timing = sum(1 for ln in head.split("\n") if "-" in ln and TIMING.match(ln))
    if ext in (".vtt", ".webvtt"):
        return 0.8 if timing else 0.3
    # Cue timing lines with no header and no .vtt name: most likely SRT.
    return 0.1 if timing else 0.0


FORMATS = [
    Format(
        name="vtt",
        family="vtt",
        description="WebVTT captions (.vtt): WEBVTT header, '00:01.000 --> 00:02.000' cues, <v Name> voices",
        extensions=(".vtt", ".webvtt"),
        detect=detect,
        parse=parse,
    )
]

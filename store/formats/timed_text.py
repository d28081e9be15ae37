"""Text with timestamps: copied transcript panels and meeting-tool exports.

"timed-text": what you get by copying a video page's transcript panel: a
timestamp on its own line followed by the text, or a timestamp leading each
line (``0:01``, ``00:01:02``, ``[01:02]``, ``(1:02:03)``, ``[0:01 - 0:04]``).

"meeting": exports with speaker-turn headers. Otter and Teams put the name
and time on a line of their own and the turn below it (``Jane Smith  0:03``;
Rev writes ``Jane Smith (00:03):``); Zoom-style and Descript exports lead
each turn with the time and a label (``00:00:03 Jane: text``,
``[00:00:03] Jane: text``). A tool's footer ("Transcribed by
https://otter.ai") is set aside.

Segment ends are left to `Transcript.finish()`: the next segment's start.
"""

from __future__ import annotations

import re

from ..model import EXACT, Segment, Transcript
from ..reflow import kind_of
from ..text import clean_line, one_line, parse_time
from . import Format, Options, ParseError

_T = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"


def _range(i: int) -> str:
    return rf"(?P<t{i}>{_T})(?:\s*[-–—]\s*(?P<e{i}>{_T}))?"


# A timestamp alone on a line (optionally bracketed): the text follows below.
_TS_ONLY = re.compile(rf"^(?:\[{_range(0)}\]|\({_range(1)}\)|{_range(2)})$")
# A timestamp leading a line of text.
_TS_LEAD = re.compile(rf"^(?:\[{_range(0)}\]|\({_range(1)}\)|{_range(2)}(?=\s))\s*(?:[-–—|:]\s+)?(?P<text>\S.*)$")
# YouTube's panel adds an accessible duration under each time ("1 minute, 5 seconds").
_SPOKEN_TIME = re.compile(r"^\d+ (?:hours?|minutes?|seconds?)(?:,? \d+ (?:hours?|minutes?|seconds?))*$", re.I)
_ARROW = re.compile(r"-->|\d\s*->\s*\d")


def _has_arrow(line: str) -> bool:
    """_ARROW.search(line): every arrow has '->' in it, looked for first."""
    return "->" in line and _ARROW.search(line) is not None


_NAME = r"[^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,4}"
# "Jane Smith  0:03", "Speaker 1 0:00", "Jane Smith (00:03):", "Jane | 00:03".
_HEAD_NAME_TIME = re.compile(rf"^\[?(?P<name>{_NAME})\]?\s*(?:[|·•–—-]\s*)?(?:\s[\[(]?|[\[(])(?P<t>{_T})[\])]?\s*:?$")
# "Jane Smith (00:03): text" (Rev, inline).
_HEAD_NAME_TIME_TEXT = re.compile(rf"^(?P<name>{_NAME})\s*[\[(](?P<t>{_T})[\])]\s*:\s*(?P<text>\S.*)$")
# "00:00:03 Jane: text", "[00:00:03] Jane: text", "(0:03) Jane Smith: text".
_HEAD_TIME_NAME = re.compile(rf"^[\[(]?(?P<t>{_T})[\])]?\s+(?:[-–—|]\s+)?(?P<name>{_NAME})\s*:(?:\s+(?P<text>\S.*))?$")

_FOOTER = re.compile(
    r"""^(?:
        transcribed\s+(?:by|with|using)\b
      | (?:this\s+)?transcript(?:ion)?\s+(?:was\s+|is\s+)?(?:auto(?:matically|-)?\s*)?
        (?:generated|created|produced|provided|powered|transcribed|exported)\b
      | (?:auto-?)?generated\s+(?:by|with|using)\b
      | powered\s+by\b
      | created\s+(?:with|by|using)\b
      | exported\s+(?:from|by|with)\b
      | made\s+with\b
    )""",
    re.I | re.X,
)
# A footer names the tool, a link, or transcription itself: "made with a
# sharp knife" at the end of a caption is speech.
_TOOLISH = re.compile(
    r"transcri|https?://|www\.|\.(?:ai|com|io|app)\b|\b(?:otter|zoom|teams|microsoft|google|rev|descript|"
    r"fireflies|sonix|trint|temi|happy\s*scribe|whisper|tactiq|fathom|riverside)\b",
    re.I,
)
_TRANSCRIPTION_EVENT = re.compile(r"\b(?:started|stopped)\s+transcription\b", re.I)


def _time_of(m: re.Match, *groups: str) -> float | None:
    for g in groups:
        v = m.groupdict().get(g)
        if v:
            return parse_time(v.replace(",", "."))
    return None


def _match_ts(regex: re.Pattern, line: str) -> tuple[float, float | None, str] | None:
    m = regex.match(line)
    if not m:
        return None
    start = _time_of(m, "t0", "t1", "t2")
    if start is None:
        return None
    end = _time_of(m, "e0", "e1", "e2")
    return start, end, m.groupdict().get("text") or ""


_PARTICLES = {"van", "von", "de", "der", "den", "da", "del", "della", "di", "du", "la", "le", "bin", "al", "el", "y"}


def _looks_like_name(name: str) -> bool:
    """Speaker labels are short and capitalised ("Jane Smith", "Speaker 1",
    "Ludwig van Beethoven"), or in a script without case."""
    words = name.split()
    if not words or len(name) > 40 or len(words) > 5:
        return False
    if words[0][0].islower():
        return False
    return all(not w[0].islower() or w in _PARTICLES for w in words)


def _header(line: str) -> tuple[str, float, str] | None:
    """(speaker, start, text on the same line) for a speaker-turn header."""
    if ":" not in line:
        return None  # every header has a time, and every time a colon
    for rx in (_HEAD_NAME_TIME, _HEAD_NAME_TIME_TEXT, _HEAD_TIME_NAME):
        m = rx.match(line)
        if m and _looks_like_name(m.group("name")):
            t = parse_time(m.group("t").replace(",", "."))
            if t is not None:
                return clean_line(m.group("name")), t, m.groupdict().get("text") or ""
    return None


def is_footer(line: str) -> bool:
    """A transcription tool's credit line ("Transcribed by https://otter.ai")."""
    s = line.strip()
    return bool(s[:1].isupper() and _FOOTER.match(s) and _TOOLISH.search(s))


def _footer_start(lines: list[str]) -> int:
    """Index where the trailing tool footer begins (len(lines) if none)."""
    i = len(lines)
    while i > 0:
        s = lines[i - 1].strip()
        if s and not (is_footer(s) or re.fullmatch(r"https?://\S+", s)):
            break
        i -= 1
    # A bare URL alone at the end is only footer if a footer line is there too.
    if not any(is_footer(ln) for ln in lines[i:]):
        return len(lines)
    return i


# --- timed-text ----------------------------------------------------------------


def parse_timed_text(text: str, options: Options) -> Transcript:
    lines = text.split("\n")
    foot = _footer_start(lines)
    segs: list[Segment] = []
    parts: list[list[str]] = []  # each segment's lines, joined at the end
    aside: list[str] = []
    after_time = False
    for ln in lines[:foot]:
        s = ln.strip()
        if not s:
            continue
        m = _match_ts(_TS_ONLY, s)
        if m:
            segs.append(Segment(start=m[0], end=m[1], text=""))
            parts.append([])
            after_time = True
            continue
        if after_time and _SPOKEN_TIME.match(s):
            continue  # an accessibility label repeating the time
        after_time = False
        m = _match_ts(_TS_LEAD, s) if not _ARROW.search(s) else None
        if m:
            segs.append(Segment(start=m[0], end=m[1], text=""))
            parts.append([m[2]])
        elif segs:
            parts[-1].append(s)
        else:
            aside.append(s)  # a title or page text above the first time
    aside.extend(ln.strip() for ln in lines[foot:] if ln.strip())
    if not segs:
        raise ParseError("no timestamps found")
    for seg, lines_of in zip(segs, parts, strict=True):
        seg.text = one_line(" ".join(lines_of))
        seg.kind = kind_of(seg.text)
    return Transcript(title=options.name, format="timed-text", segments=segs, timing=EXACT, set_aside=aside)


def _timed_lines(lines: list[str]) -> tuple[int, int]:
    """(lines that carry a timestamp, non-blank lines) in a sample."""
    timed = nonblank = 0
    for ln in lines:
        s = ln.strip()
        if not s:
            continue
        nonblank += 1
        if ":" not in s or _ARROW.search(s):
            continue  # a timestamp has a colon
        if _TS_ONLY.match(s) or (_TS_LEAD.match(s) and not _header(s)):
            timed += 1
    return timed, nonblank


def detect_timed_text(text: str, ext: str) -> float:
    lines = text[:4096].split("\n")[:200]
    if sum(1 for ln in lines if _has_arrow(ln)) >= 2:
        return 0.0  # subtitles or whisper output, not a copied panel
    timed, nonblank = _timed_lines(lines)
    if not nonblank or timed == 0:
        return 0.0
    share = timed / nonblank
    if timed >= 2 and share >= 0.25:
        return min(0.82, 0.7 + share * 0.15)
    return 0.15 if timed >= 1 and share >= 0.2 else 0.0


# --- meeting ---------------------------------------------------------------------


def parse_meeting(text: str, options: Options) -> Transcript:
    lines = text.split("\n")
    foot = _footer_start(lines)
    segs: list[Segment] = []
    parts: list[list[str]] = []
    aside: list[str] = []
    for ln in lines[:foot]:
        s = ln.strip()
        if not s:
            continue
        if _TRANSCRIPTION_EVENT.search(s) and len(s.split()) <= 12:
            aside.append(s)  # Teams: "Jane Smith started transcription"
            continue
        h = _header(s)
        if h:
            speaker, start, rest = h
            segs.append(Segment(start=start, end=None, text="", speaker=speaker))
            parts.append([rest])
        elif segs:
            parts[-1].append(s)
        else:
            aside.append(s)  # a title or meeting details above the first turn
    aside.extend(ln.strip() for ln in lines[foot:] if ln.strip())
    if not segs:
        raise ParseError("no speaker turns found (expected lines like 'Name  0:03')")
    for seg, lines_of in zip(segs, parts, strict=True):
        seg.text = one_line(" ".join(lines_of))
        seg.kind = kind_of(seg.text)
    t = Transcript(title=options.name, format="meeting", segments=segs, timing=EXACT, set_aside=aside)
    t.metadata["speakers"] = t.speakers
    return t


def detect_meeting(text: str, ext: str) -> float:
    lines = [ln.strip() for ln in text[:8192].split("\n")[:300]]
    if sum(1 for ln in lines if _has_arrow(ln)) >= 2:
        return 0.0
    names: dict[str, int] = {}
    for ln in lines:
        if ln:
            h = _header(ln)
            if h:
                names[h[0]] = names.get(h[0], 0) + 1
    n = sum(names.values())
    if n == 0:
        return 0.0
    # A copied panel whose lines happen to start "0:12 So: ..." is timed text.
    timed, _ = _timed_lines(lines)
    if timed > n:
        return 0.1
    recurring = max(names.values()) >= 2
    tail = [ln.strip() for ln in text[-2048:].split("\n")[-10:]]
    footer = any(is_footer(ln) for ln in tail if ln)
    if n >= 2 and (recurring or len(names) <= 3) and len(names) <= max(3, n * 0.6):
        return 0.93 if footer else 0.88
    return 0.3 if footer or n >= 2 else 0.1


FORMATS: list[Format] = [
    Format(
        name="timed-text",
        family="timed_text",
        description="text with timestamps on their own lines or leading each line (a copied transcript panel)",
        extensions=(".txt", ".text"),
        detect=detect_timed_text,
        parse=parse_timed_text,
    ),
    Format(
        name="meeting",
        family="timed_text",
        description="meeting exports with speaker-turn headers (Otter, Teams, Zoom, Rev)",
        extensions=(".txt", ".text"),
        detect=detect_meeting,
        parse=parse_meeting,
    ),
]

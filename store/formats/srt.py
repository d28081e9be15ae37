"""SubRip captions (``.srt``), as they are found rather than as specified.

A cue is an optional number line, a timing line and text lines. What this
parser accepts besides:

- timing lines with ``,`` or ``.`` before the fraction, one to three fraction
  digits (``0:01:00,00`` is one minute), no hours, a ``->`` or ``--`` arrow,
  surrounding whitespace, and anything after the end time (``X1:63 X2:223 ...``
  coordinates, cue settings), which is ignored;
- missing, wrong or repeated cue numbers, and cues with no blank line between
  them: a timing line always starts a cue, and a digits-only line right before
  it is its number;
- a blank line inside a cue: text after it that is not a new cue continues the
  cue. A number line followed by text but no timing line (the number one more
  than the previous cue's) is a cue whose timing line is missing: its text is
  kept, timed from the previous cue's end to the next cue's start;
- a timing line with a time that cannot be read (``00:00:07,x00 -->
  00:00:09,000``) is still a timing line, never text: the time that can be
  read is kept, the other comes from the neighbouring cues (metadata
  ``timing_lines_repaired`` counts them);
- markup: ``<i>``, ``<b>``, ``<u>``, ``<font ...>``, broken and misnested tags
  (``< u>``, ``< /  i >``, ``</xyz>``) and ASS overrides (``{\\an8}``) are
  removed; entities are decoded; lines of a cue are joined with spaces.

Speakers. Podcasting 2.0 SRT (and many hand-made files) mark a speaker change
with ``Name: text`` at the start of a cue, and the name holds for the cues
that follow until the next one. A prefix counts as a name when it is one to
four words, each starting with a capital letter or a digit (``Travis``,
``Dr. Jane Smith``, ``Speaker 2``), at most 40 characters, at the very start of
a cue and followed by ``": "`` and text, and its first word is not a word that
opens prose (``Note``, ``Warning``, ``Example``, ``Chapter``, ...). Names are
used when at least two cues carry one, or when the only one is on the first
cue (a file that opens with a labelled turn, as a Podcasting 2.0 excerpt
does); a single ``Something: ...`` in the middle of a file is left as text.
Before the first name, cues have no speaker.

Text before the first cue that is not a cue number is set aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import NONSPEECH, Segment, Transcript
from ..reflow import kind_of
from ..text import tagless_line
from . import Format, Options, ParseError, guarded, safe_detect
from ._cues import CANONICAL, TIMING, canonical_seconds, fill_gaps, read_timing

HEAD = 4096

# --- shared by the caption families (vtt.py, whisper_console.py) -------------------


def cue_text(raw: str) -> str:
    """Cue text as read: tags and overrides gone, entities decoded, one line."""
    return tagless_line(raw)


# Words that open prose, not a speaker's name ("Note: the ...").
_NOT_NAMES = {
    "note",
    "notes",
    "nb",
    "warning",
    "caution",
    "important",
    "example",
    "remember",
    "tip",
    "hint",
    "update",
    "edit",
    "chapter",
    "part",
    "step",
    "section",
    "episode",
    "season",
    "title",
    "subtitle",
    "subtitles",
    "caption",
    "captions",
    "translation",
    "translated",
    "translator",
    "source",
    "credit",
    "credits",
    "summary",
    "transcript",
    "transcription",
    "lyrics",
    "ps",
    "re",
    "fyi",
    "http",
    "https",
}
_PREFIX = re.compile(r"^(?P<name>[^\s:][^:]{0,39}?):\s+(?P<rest>\S.*)$", re.S)
_NAME_WORD = re.compile(r"^(?:[^\W\d_][\w'’.\-]*|\d+)$")


def name_prefix(text: str) -> tuple[str, str] | None:
    """('Travis', 'When you first get ...') for 'Travis: When you first get ...'."""
    if ":" not in text[:41]:
        return None  # a name is at most 40 characters, then its colon
    m = _PREFIX.match(text)
    if not m:
        return None
    name = m.group("name").strip()
    ws = name.split()
    if not 1 <= len(ws) <= 4:
        return None
    if not all(_NAME_WORD.match(w) and (w[0].isupper() or w[0].isdigit()) for w in ws):
        return None
    if not ws[0][0].isalpha() or ws[0].lower().strip(".") in _NOT_NAMES:
        return None
    return name, m.group("rest")


def apply_name_prefixes(segments: list[Segment]) -> list[str]:
    """Turn 'Name: text' at the start of segments into speakers, carried
    forward to the following segments (rules in the module docstring).
    Returns the speakers in order of appearance."""
    found = [(i, p) for i, s in enumerate(segments) if s.kind != NONSPEECH and (p := name_prefix(s.text))]
    if not found or (len(found) == 1 and found[0][0] != 0):
        return []
    by_index = dict(found)
    speaker: str | None = None
    order: dict[str, None] = {}
    for i, s in enumerate(segments):
        if i in by_index:
            speaker, s.text = by_index[i]
            order.setdefault(speaker, None)
        if s.kind != NONSPEECH:
            s.speaker = speaker
    return list(order)


# --- SRT ------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[0-9]{1,9}\s*$")


@dataclass
class _Cue:
    start: float | None
    end: float | None
    number: int | None
    line: int
    lines: list[str] = field(default_factory=list)
    broken: bool = False  # its timing line is there but a time in it cannot be read


def _split_blank(lines: list[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            groups[-1].append(ln)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g] or [[]]


def _tidy_cues(text: str) -> list[_Cue] | None:
    """The cues of a file written as specified (what nearly every file is),
    read block by block: 'number, timing line, text lines', one blank line
    between blocks, no arrow in the text. None for any other file, which
    _cues reads line by line; for this one, it gives these same cues and
    no preamble (the blank and trailing lines it sees go nowhere)."""
    cues: list[_Cue] = []
    line = 1  # the 1-based number of the block's first line
    for block in text.rstrip("\n").split("\n\n"):
        parts = block.split("\n")
        number = parts[0]
        if len(parts) < 3 or not (number.isdigit() and number.isascii() and len(number) <= 9):
            return None
        timing = CANONICAL.match(parts[1])
        if timing is None:
            return None
        for ln in parts[2:]:
            if not ln.strip() or "->" in ln or "--" in ln or "→" in ln:
                return None
        g = timing.groups()
        cues.append(_Cue(canonical_seconds(*g[0:4]), canonical_seconds(*g[4:8]), int(number), line + 1, parts[2:]))
        line += len(parts) + 1
    return cues


def _cues(text: str) -> tuple[list[_Cue], list[str]]:
    """Timed cues in file order (untimed ones included), and the preamble."""
    tidy = _tidy_cues(text)
    if tidy is not None:
        return tidy, []
    cues: list[_Cue] = []
    preamble: list[str] = []
    for i, raw in enumerate(text.split("\n")):
        t = read_timing(raw)
        if t is None:
            (cues[-1].lines if cues else preamble).append(raw)
            continue
        prev = cues[-1].lines if cues else preamble
        number = None
        if prev and _NUMBER.match(prev[-1]):
            number = int(prev.pop())
        broken = t[0] is None or t[1] is None
        cues.append(_Cue(t[0], t[1], number, i + 1, broken=broken))
    # Blank-line groups inside a cue: a new untimed cue, or a continuation.
    out: list[_Cue] = []
    for cue in cues:
        groups = _split_blank(cue.lines)
        cue.lines = groups[0]
        out.append(cue)
        last = cue
        for g in groups[1:]:
            nxt = last.number + 1 if last.number is not None else None
            if _NUMBER.match(g[0]) and nxt is not None and int(g[0]) == nxt:
                if len(g) > 1:
                    last = _Cue(None, None, nxt, cue.line, g[1:])
                    out.append(last)
                continue  # a lone number with no text: syntax, not words
            last.lines.extend(g)
    return out, [ln.strip() for ln in preamble if ln.strip() and not _NUMBER.match(ln)]


@guarded
def parse(text: str, options: Options) -> Transcript:
    cues, preamble = _cues(text)
    if not cues:
        raise ParseError("no SRT timing line ('00:00:01,000 --> 00:00:02,000')")
    segs: list[Segment] = []
    untimed = repaired = 0
    for c in cues:
        body = cue_text("\n".join(c.lines))
        if not body:
            continue
        untimed += c.start is None and c.end is None and not c.broken
        repaired += c.broken
        segs.append(Segment(start=c.start, end=c.end, text=body, kind=kind_of(body)))  # type: ignore[arg-type]
    # A missing or unreadable time: the cue fills the gap its neighbours leave.
    fill_gaps(segs, wpm=options.wpm)
    speakers = apply_name_prefixes(segs)
    meta: dict = {}
    if speakers:
        meta["speakers"] = speakers
    if untimed:
        meta["cues_without_timing"] = untimed
    if repaired:
        meta["timing_lines_repaired"] = repaired
    return Transcript(title=options.name, format="srt", segments=segs, metadata=meta, set_aside=preamble)


@safe_detect
def detect(text: str, ext: str) -> float:
    head = text[:HEAD]
    if head.lstrip().startswith("WEBVTT"):
        return 0.05
    lines = head.split("\n")
    timing = 0
    numbered = 0
    for i, ln in enumerate(lines):
        if "-" in ln and TIMING.match(ln):
            timing += 1
            if i and _NUMBER.match(lines[i - 1]):
                numbered += 1
    if not timing:
        return 0.2 if ext == ".srt" else 0.0
    score = 0.9 if numbered else 0.75
    if ext == ".srt":
        score += 0.05
    elif ext in (".vtt", ".webvtt"):
        score -= 0.3
    return score


FORMATS = [
    Format(
        name="srt",
        family="srt",
        description="SubRip captions (.srt): numbered cues with '00:00:01,000 --> 00:00:02,000' timing lines",
        extensions=(".srt",),
        detect=detect,
        parse=parse,
    )
]

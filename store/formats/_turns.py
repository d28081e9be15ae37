"""Turn marks in captions: `>>` (YouTube, broadcast captions) and a leading
`- ` (subtitles: "- Are you ready? - Yes.") say the speaker changes there,
without a name. They become speaker changes, so the reader starts a new
passage and the marks are not shown as text.

The marks name nobody, so the voices alternate "Speaker 1" / "Speaker 2" (an
interview, the usual case); the names can be changed like any speaker's
(`hark speakers`). Captions that already carry speakers are left as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import SPEECH, Segment, Transcript
from ..reflow import kind_of

# `>>` at the start or after a space; `- ` at the start of a cue or right
# after a sentence end inside one (joined dialogue lines).
_CHEVRON = re.compile(r"(?:^|(?<=\s))>>+\s*")
_DASH = re.compile(r"(?:^|(?<=[.!?…]\s))[-–]\s+")
VOICES = ("Speaker 1", "Speaker 2")


def _count(segments: list[Segment]) -> tuple[int, int]:
    # A mark needs ">>", or a dash before a space: most files have neither,
    # as one look at their whole text tells (segment by segment is slow).
    whole = "\n".join(s.text for s in segments)
    chevrons = sum(len(_CHEVRON.findall(s.text)) for s in segments) if ">>" in whole else 0
    dashes = sum(len(_DASH.findall(s.text)) for s in segments) if _dash_then_space(whole) else 0
    return chevrons, dashes


def _dash_then_space(text: str) -> bool:
    """A dash followed by a space (as \\s is) anywhere in text: split at the
    dashes, which is faster than a regular expression over the whole text."""
    for dash in "-–":
        if dash in text and any(part[:1].isspace() for part in text.split(dash)[1:]):
            return True
    return False


def _split(seg: Segment, pattern: re.Pattern[str]) -> list[tuple[bool, Segment]]:
    """The parts of a segment between its marks: (starts with a mark, part);
    each part's start is placed by its share of the characters."""
    out: list[tuple[bool, Segment]] = []
    text = seg.text
    cuts = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if not cuts:
        return [(False, seg)]
    bounds = [(0, 0, False)] + [(a, b, True) for a, b in cuts]
    span = (seg.end - seg.start) if seg.end is not None else 0.0
    for n, (a, b, marked) in enumerate(bounds):
        stop = bounds[n + 1][0] if n + 1 < len(bounds) else len(text)
        part = text[b:stop].strip()
        if not part:
            continue
        start = round(seg.start + span * a / max(len(text), 1), 3)
        out.append((marked, replace(seg, start=start, text=part, kind=kind_of(part))))
    for i in range(len(out) - 1):  # each part ends where the next begins
        out[i] = (out[i][0], replace(out[i][1], end=out[i + 1][1].start))
    return out


def mark_turns(t: Transcript) -> int:
    """Turn the transcript's turn marks into speaker changes, in place.
    Returns how many turns were marked (0: nothing changed)."""
    segs = t.segments
    if not segs or any(s.speaker for s in segs):
        return 0
    chevrons, dashes = _count(segs)
    # One mark is as likely a quotation or a list; a file that marks turns
    # marks many. `>>` wins where a file has both.
    if chevrons >= 2:
        pattern = _CHEVRON
    elif dashes >= 2:
        pattern = _DASH
    else:
        return 0
    out: list[Segment] = []
    first_part: list[int] = []  # old index -> new index of its first part
    voice = 0
    turns = 0
    for s in segs:
        first_part.append(len(out))
        for marked, part in _split(s, pattern):
            if marked and out:
                voice = 1 - voice
                turns += 1
            elif marked:
                turns += 1
            out.append(replace(part, speaker=VOICES[voice]) if part.kind == SPEECH else part)
    t.segments = out
    first_part.append(len(out))
    t.chapters = [replace(c, segment=first_part[min(c.segment, len(segs))]) for c in t.chapters]
    t.metadata["speakers"] = [v for v in VOICES if any(s.speaker == v for s in out)]
    t.metadata["turn_marks"] = turns
    return turns


__all__ = ["VOICES", "mark_turns"]

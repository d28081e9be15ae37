"""Grouping segments into passages: the paragraphs a person reads.

A passage ends at a speaker turn, a nonspeech marker, a chapter mark, a
pause, or a sentence end once it is long enough; and it is cut at a bounded
length so a transcript without punctuation still reads as paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import NONSPEECH, Segment
from .reflow import ends_sentence

PAUSE = 2.5  # seconds of silence that start a new paragraph
SOFT_WORDS = 60  # after this many words, a sentence end closes the paragraph
HARD_WORDS = 140  # a paragraph never runs longer than this


@dataclass
class Passage:
    first: int  # index of the first segment
    last: int  # index of the last segment (inclusive)
    speaker: str | None
    nonspeech: bool = False

    @property
    def segments(self) -> range:
        return range(self.first, self.last + 1)


def group(segments: list[Segment], chapter_starts: set[int] | frozenset[int] = frozenset()) -> list[Passage]:
    out: list[Passage] = []
    cur: Passage | None = None
    words = 0
    prev: Segment | None = None
    for i, s in enumerate(segments):
        n = s.text.count(" ") + 1
        start_new = cur is None
        if cur is not None and prev is not None:
            if s.kind == NONSPEECH or cur.nonspeech:
                start_new = True
            elif i in chapter_starts:
                start_new = True
            elif s.speaker != prev.speaker and s.speaker is not None:
                start_new = True
            elif s.start - (prev.end if prev.end is not None else prev.start) >= PAUSE and ends_sentence(prev.text):
                start_new = True
            elif words >= SOFT_WORDS and ends_sentence(prev.text):
                start_new = True
            elif words + n > HARD_WORDS:
                start_new = True
        if start_new:
            speaker = s.speaker if s.speaker is not None else (prev.speaker if prev is not None else None)
            cur = Passage(first=i, last=i, speaker=speaker, nonspeech=s.kind == NONSPEECH)
            out.append(cur)
            words = 0
        else:
            cur.last = i
        words += n
        prev = s
    return out

"""Grouping segments into passages: the paragraphs a person reads.

A passage always ends at a speaker turn, a nonspeech marker or a chapter
mark. Between those, where the text has sentence ends a passage ends only at
one: at a pause, or once it is long enough; a passage that would outgrow the
cap goes back to its last sentence end, so no boundary falls inside a
sentence shorter than the cap. Where the text has none (auto-captions), a
passage ends at a clear pause once it has some length, and at the cap it is
cut at the longest pause it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import NONSPEECH, Segment
from .reflow import DEFAULT_WPM, ends_sentence

PAUSE = 2.5  # seconds of silence that start a new paragraph
SOFT_WORDS = 60  # after this many words, a sentence end closes the paragraph
HARD_WORDS = 140  # a paragraph never runs longer than this (but see above)
# Unpunctuated text: a pause closes a paragraph only past this many words,
# and at the cap the longest pause past it is chosen (no one-line paragraphs).
MIN_WORDS = 20
# A run of text is punctuated when it has a sentence end every this many
# words (as store.reflow.split_untimed judges untimed text).
WORDS_PER_END = 60
# Words that often open a new thought in speech, and words a thought
# cannot end on: hints where unpunctuated speech has no pause to go by.
_OPENERS = frozenset("so and but um uh okay well yeah now then because right alright anyway".split())
_NO_END = frozenset(
    "the a an of to in on at for with from by and or but i i'm i've i'd i'll you're we're they're "
    "he's she's it's is was are were be my your our their his her its this that these those".split()
)


@dataclass
class Passage:
    first: int  # index of the first segment
    last: int  # index of the last segment (inclusive)
    speaker: str | None
    nonspeech: bool = False

    @property
    def segments(self) -> range:
        return range(self.first, self.last + 1)


def _words(s: Segment) -> int:
    return s.text.count(" ") + 1


def _pause_after(segments: list[Segment], k: int, rate: float) -> float:
    """The silence between segment k and the next. Caption files often
    give no end (or end = next start): then the time the words leave
    unspoken at the run's own speaking rate (words a second) stands for it."""
    a, b = segments[k], segments[k + 1]
    gap = b.start - (a.end if a.end is not None else a.start)
    slack = b.start - a.start - _words(a) / rate
    return max(gap, slack, 0.0)


def _cut_score(segments: list[Segment], k: int, rate: float) -> float:
    """How good a place the end of segment k is to end an unpunctuated
    paragraph: its pause, better before a word that opens a thought, worse
    after one that cannot end one (auto-captions cut "I'm / Jacob Efron")."""
    score = _pause_after(segments, k, rate)
    last = segments[k].text.split()[-1:] or [""]
    nxt = segments[k + 1].text.split()[:1] or [""]
    if nxt[0].lower().strip(",") in _OPENERS:
        score += 0.5
    if last[0].lower().strip(",") in _NO_END:
        score -= 1.0
    return score


def _runs(segments: list[Segment], chapter_starts: set[int] | frozenset[int]) -> list[tuple[int, int]]:
    """Stretches that no passage crosses: split at speaker turns,
    nonspeech markers and chapter marks."""
    out: list[tuple[int, int]] = []
    first = 0
    for i in range(1, len(segments)):
        s, prev = segments[i], segments[i - 1]
        if (
            s.kind == NONSPEECH
            or prev.kind == NONSPEECH
            or i in chapter_starts
            or (s.speaker is not None and s.speaker != prev.speaker)
        ):
            out.append((first, i - 1))
            first = i
    if segments:
        out.append((first, len(segments) - 1))
    return out


def _over_cap(segments: list[Segment], first: int, k: int, hi: int, punctuated: bool, rate: float) -> int:
    """Where a passage from `first` ends when segment k would take it over
    the cap: at its last sentence end; in punctuated text with none (long
    segments that run across sentence ends), at the next sentence end if it
    comes before twice the cap; else at the best cut past MIN_WORDS."""
    if punctuated:
        ended = [m for m in range(first, k) if ends_sentence(segments[m].text)]
        if ended:
            return ended[-1]
        n = sum(_words(segments[m]) for m in range(first, k))
        for m in range(k, hi + 1):
            n += _words(segments[m])
            if n > 2 * HARD_WORDS:
                break
            if ends_sentence(segments[m].text):
                return m
    last, best, seen = k - 1, float("-inf"), 0
    for m in range(first, k):
        seen += _words(segments[m])
        # ties go to the later boundary: the longer paragraph
        if seen >= MIN_WORDS and _cut_score(segments, m, rate) >= best:
            last, best = m, _cut_score(segments, m, rate)
    return last


def _cut_run(segments: list[Segment], lo: int, hi: int) -> list[tuple[int, int]]:
    """Cut one run into passages: (first, last) indexes."""
    words = sum(_words(segments[k]) for k in range(lo, hi + 1))
    # sentence ends anywhere in the text, not only at segment ends (whisper
    # segments run across them)
    ends = sum(1 for k in range(lo, hi + 1) for tok in segments[k].text.split() if ends_sentence(tok))
    punctuated = ends * WORDS_PER_END >= words
    span = segments[hi].start - segments[lo].start
    rate = max(words / span, 0.5) if span > 0 else DEFAULT_WPM / 60.0

    def pause(k: int) -> float:
        return _pause_after(segments, k, rate)

    out: list[tuple[int, int]] = []
    first = lo
    while first <= hi:
        n = 0
        last = None
        k = first
        while k <= hi:
            w = _words(segments[k])
            if k > first and n + w > HARD_WORDS:
                break
            n += w
            if k < hi:
                if punctuated and ends_sentence(segments[k].text) and (n >= SOFT_WORDS or pause(k) >= PAUSE):
                    last = k
                    break
                if not punctuated and n >= MIN_WORDS and pause(k) >= PAUSE:
                    last = k
                    break
            k += 1
        if last is None and k > hi:
            last = hi
        if last is None:
            last = _over_cap(segments, first, k, hi, punctuated, rate)
        out.append((first, last))
        first = last + 1
    return out


def group(segments: list[Segment], chapter_starts: set[int] | frozenset[int] = frozenset()) -> list[Passage]:
    out: list[Passage] = []
    for lo, hi in _runs(segments, chapter_starts):
        for first, last in _cut_run(segments, lo, hi):
            s = segments[first]
            speaker = s.speaker
            if speaker is None and first > 0:
                speaker = segments[first - 1].speaker  # an unnamed stretch continues the last voice
            out.append(Passage(first=first, last=last, speaker=speaker, nonspeech=s.kind == NONSPEECH))
    return out

"""Made-up copies of a timed transcript, with the truth kept aside.

Imported as ``from copy_helpers import ...`` by test_copies.py and
test_align.py (and by tests/bench/bench_align.py). A copy is what a user
gets from a web page or a show's notes: no punctuation or case, fillers,
slips (a word replaced or dropped), a repeated word, an intro and an outro
the timed copy lacks, optionally missing its first and last minutes. Each
of the copy's words remembers which word of the original it came from, so
the time at which the original says it is known without asking the aligner.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hark.store.model import NONSPEECH, Segment
from hark.store.reflow import estimate_times, split_untimed

# Timed samples long enough to tell copies apart (the others are a few dozen words).
TALKS = [
    "lecture-tides.srt",
    "podcast-bread.vtt",
    "talk-lighthouses.md",
    "panel-transit.json",
    "interview-gardens.sbv",
    "standup-whisper.txt",
    "notes-design-review.txt",
    "seminar-bees.xml",
    "episode-maps.podcast.json",
    "roundtable-long-night.vtt",
]

_WORD = re.compile(r"\w+(?:['’]\w+)*")
FILLER_SOUNDS = ("um", "uh", "um", "uh", "er", "ah")
INTRO = (
    "welcome back to the show before we start a quick word from our sponsor who makes the best "
    "coffee grinders in town use the code listen for ten percent off and now here is the talk "
    "recorded last spring at the harbour hall thank you for listening and please subscribe"
)
OUTRO = (
    "that was our programme for this week the music was by the night owls and the show is produced "
    "by a small team of volunteers write to us with your questions and see you next time"
)


@dataclass
class Copy:
    segments: list[Segment]  # untimed, times estimated at 150 words a minute
    origin: list[int | None]  # per copy word: the original word it is (None: a slip, filler, intro...)
    place: list[int | None]  # per copy word: the original word said then (None: text the original lacks)
    truth: list[float]  # per original word: the time at which the original says it
    truth_end: list[float]  # per original word: when it ends


def original_words(segments: Sequence[Segment]) -> tuple[list[str], list[float], list[float]]:
    """The original's speech words with their times, interpolated inside each
    cue by character position (independently of hark.store.align)."""
    out: list[str] = []
    starts: list[float] = []
    ends: list[float] = []
    for s in segments:
        if s.kind == NONSPEECH:
            continue
        end = s.end if s.end is not None else s.start
        found = list(_WORD.finditer(s.text))
        n = max(len(s.text), 1)
        for k, m in enumerate(found):
            out.append(m.group())
            starts.append(s.start + (end - s.start) * m.start() / n)
            nxt = found[k + 1].start() if k + 1 < len(found) else n
            ends.append(s.start + (end - s.start) * nxt / n)
    return out, starts, ends


def make_copy(
    segments: Sequence[Segment],
    *,
    seed: int = 0,
    subs: float = 0.05,
    drops: float = 0.05,
    fillers: float = 0.04,
    repeats: float = 0.01,
    intro: str = INTRO,
    outro: str = "",
    cut_head: float = 0.0,
    cut_tail: float = 0.0,
    vocabulary: Sequence[str] = (),
) -> Copy:
    """An untimed copy of `segments`; cut_head / cut_tail drop the words the
    original says in its first / last that many seconds."""
    rng = random.Random(seed)
    words, starts, ends = original_words(segments)
    vocab = list(vocabulary) or sorted({w.lower() for w in words})
    total = max(ends, default=0.0)
    out: list[str] = []
    origin: list[int | None] = []
    place: list[int | None] = []

    def say(w: str, o: int | None, at: int | None) -> None:
        out.append(w)
        origin.append(o)
        place.append(at)

    for w in intro.split():
        say(w, None, None)
    for i, w in enumerate(words):
        if starts[i] < cut_head or starts[i] >= total - cut_tail:
            continue
        r = rng.random()
        if r < fillers:
            say(rng.choice(FILLER_SOUNDS), None, i)  # "um" just before the word
        r = rng.random()
        if r < drops:
            continue
        if r < drops + subs:
            say(rng.choice(vocab), None, i)  # a slip: another word heard in its place
            continue
        say(w.lower(), i, i)
        if rng.random() < repeats:
            say(w.lower(), None, i)  # "the the": said once in the original
    for w in outro.split():
        say(w, None, None)
    chunks = split_untimed(" ".join(out))
    return Copy(estimate_times(chunks), origin, place, starts, ends)


def segment_places(copy: Copy) -> list[list[int | None]]:
    """Per copy segment, the places of its words (see Copy.place)."""
    out = []
    k = 0
    for seg in copy.segments:
        count = len(seg.text.split())
        out.append(copy.place[k : k + count])
        k += count
    assert k == len(copy.place), "copy words and segment words disagree"
    return out


def start_errors(copy: Copy, times: Sequence[tuple[float, float]]) -> tuple[list[float], list[int]]:
    """For each copy segment whose first word the original says: how far its
    new start is from when the original says it. Also the segments none of
    whose words the original says (an intro, an outro)."""
    errors: list[float] = []
    foreign: list[int] = []
    for n, places in enumerate(segment_places(copy)):
        if places and places[0] is not None:
            errors.append(abs(times[n][0] - copy.truth[places[0]]))
        elif all(p is None for p in places):
            foreign.append(n)
    return errors, foreign


def last_said(copy: Copy) -> float:
    """When the original finishes the last of its words the copy has."""
    return copy.truth_end[max(p for p in copy.place if p is not None)]

"""Carrying exact times from one copy of a talk onto another, word by word.

The timed copy's words get times by interpolating inside its cues (by
character position); both copies are reduced to their normalised words
(fillers out, see `copies.norm`) and matched:

1. anchors: word pairs that occur exactly once in each copy, kept in the
   longest run that increases in both (patience diff);
2. between anchors, the same again with single words said once inside the
   gap (or, failing those, said equally often in both, up to REPEATS times,
   paired in order), and, once a gap is small, a longest-common-subsequence
   table (capped at DP_CAP cells, so memory stays linear in the talk's
   length);
3. matches that stand alone, far from any run of three, are dropped: a
   common word matched across text that only one copy has (an intro, an ad,
   page chrome) is a coincidence, not a time.

Each matched word of the untimed copy takes its partner's time; words
between matches are interpolated (by characters); a long stretch with no
match (more than SHORT_RUN words) is interpolated too but flagged
estimated, and so is the text before the first match and after the last,
which is paced at the talk's own speaking rate.

    result = align(timed.segments, untimed.segments)
    result.apply(untimed.segments)     # new Segments with the carried times
    result.words_matched, result.words_total, result.aligned, result.stretches
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from .copies import norm
from .model import NONSPEECH, Segment
from .reflow import DEFAULT_WPM
from .text import WORD

# Largest gap (cells: words x words) filled by the quadratic table.
DP_CAP = 4096
# A run of unmatched words this long or shorter, between two matches, is
# interpolated with confidence (an ASR slip, a rephrased clause); longer
# stretches are flagged estimated.
SHORT_RUN = 8
# A match outside a run of SOLID consecutive matches is kept when it lies
# within NEAR words of one, in both copies, with no more than SKEW words
# inserted or dropped on the way (a word between two slips).
SOLID = 3
NEAR = 6
SKEW = 3
# Words said this many times or fewer, as often in both copies, anchor a gap
# that has no word said once.
REPEATS = 4
# How deep gaps nest inside gaps before what is left stays unmatched (a
# bound on the recursion, never reached by real text).
_MAX_DEPTH = 40


@dataclass
class Alignment:
    """New times for the untimed copy's segments, in their order.

    times: (start, end) per segment; aligned: per segment, True when its
    start comes from matched words, False when it is estimated; words_matched
    of words_total (the untimed copy's speech words, fillers included)."""

    times: list[tuple[float, float]]
    aligned: list[bool]
    words_matched: int
    words_total: int

    @property
    def segments_aligned(self) -> int:
        return sum(self.aligned)

    @property
    def stretches(self) -> list[tuple[int, int]]:
        """Runs of consecutive estimated segments, as (first, last) indexes."""
        out: list[tuple[int, int]] = []
        start = None
        for i, ok in enumerate(self.aligned):
            if not ok and start is None:
                start = i
            elif ok and start is not None:
                out.append((start, i - 1))
                start = None
        if start is not None:
            out.append((start, len(self.aligned) - 1))
        return out

    def apply(self, segments: Sequence[Segment]) -> list[Segment]:
        """Copies of segments with the new times (text and the rest kept)."""
        if len(segments) != len(self.times):
            raise ValueError("the alignment was made for other segments")
        return [replace(s, start=a, end=b) for s, (a, b) in zip(segments, self.times, strict=True)]

    def to_json(self) -> dict:
        return {
            "segments": len(self.times),
            "segments_aligned": self.segments_aligned,
            "words_matched": self.words_matched,
            "words_total": self.words_total,
            "stretches": [list(s) for s in self.stretches],
        }


@dataclass(frozen=True)
class Shared:
    """Words of the shorter copy found in the other, in order (fillers out)."""

    matched: int
    shorter_words: int
    # the first of the two copies given is the shorter (or as long): which
    # way round they were given, not part of the figure
    first_is_shorter: bool = field(default=True, compare=False)

    @property
    def share(self) -> float:
        return self.matched / self.shorter_words if self.shorter_words else 0.0


# --- tokens -----------------------------------------------------------------


class _Tokens:
    """The words of a list of segments: where each sits, its weight in
    characters, and (for speech words that are not fillers) its id."""

    __slots__ = ("seg", "off", "chars", "ids", "at", "speech")

    def __init__(self, segments: Sequence[Segment], vocab: dict[str, int]) -> None:
        self.seg: list[int] = []  # segment of each token
        self.off: list[float] = []  # where in its segment's text it starts (0..1)
        self.chars: list[int] = []
        self.ids: list[int] = []  # the matchable words' ids, in order
        self.at: list[int] = []  # token index of each matchable word
        self.speech = 0  # tokens in speech segments (fillers included)
        for k, s in enumerate(segments):
            text = s.text or ""
            length = max(len(text), 1)
            speech = s.kind != NONSPEECH
            for m in WORD.finditer(text):
                tok = m.group()
                w = norm(tok) if speech else None
                if w is not None:
                    self.at.append(len(self.seg))
                    self.ids.append(vocab.setdefault(w, len(vocab)))
                self.speech += speech
                self.seg.append(k)
                self.off.append(m.start() / length)
                self.chars.append(len(tok) + 1)


def _word_times(segments: Sequence[Segment], toks: _Tokens) -> tuple[list[float], list[float]]:
    """Each token's (start, end) inside its cue, by character position."""
    n = len(toks.seg)
    starts = [0.0] * n
    ends = [0.0] * n
    for t in range(n):
        s = segments[toks.seg[t]]
        end = s.end if s.end is not None and s.end >= s.start else s.start
        starts[t] = s.start + (end - s.start) * toks.off[t]
    for t in range(n):
        s = segments[toks.seg[t]]
        if t + 1 < n and toks.seg[t + 1] == toks.seg[t]:
            ends[t] = starts[t + 1]
        else:
            ends[t] = s.end if s.end is not None and s.end >= starts[t] else starts[t]
    return starts, ends


# --- matching ---------------------------------------------------------------


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest chain of (i, j) pairs, sorted by i, with j increasing."""
    tails: list[int] = []
    tail_at: list[int] = []
    back = [0] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k] = j
            tail_at[k] = n
        back[n] = tail_at[k - 1] if k else -1
    out = []
    n = tail_at[-1] if tail_at else -1
    while n >= 0:
        out.append(pairs[n])
        n = back[n]
    out.reverse()
    return out


def _unique_pairs(keys_a: Sequence, keys_b: Sequence, lo_a: int, lo_b: int, times: int = 1) -> list[tuple[int, int]]:
    """(i, j) for every key that occurs exactly once in each sequence; with
    times > 1, also for keys said equally often in both (at most that many
    times), the n-th time in one paired with the n-th in the other, so a
    text said twice over still has anchors."""
    ca = Counter(keys_a)
    cb = Counter(keys_b)
    if times == 1:
        where_b = {k: j for j, k in enumerate(keys_b) if cb[k] == 1}
        return [(lo_a + i, lo_b + where_b[k]) for i, k in enumerate(keys_a) if ca[k] == 1 and k in where_b]
    spots: dict = {}
    for j, k in enumerate(keys_b):
        if cb[k] <= times and ca[k] == cb[k]:
            spots.setdefault(k, []).append(j)
    seen: Counter = Counter()
    out = []
    for i, k in enumerate(keys_a):
        js = spots.get(k)
        if js is not None:
            out.append((lo_a + i, lo_b + js[seen[k]]))
            seen[k] += 1
    return out


def _lcs(a: Sequence[int], b: Sequence[int], late: bool) -> list[tuple[int, int]]:
    """Longest common subsequence of two short sequences, as index pairs;
    with late=True ties go to the latest matches (for the text before the
    first anchor, whose matches belong next to that anchor)."""
    if not late:
        n, m = len(a), len(b)
        return [(n - 1 - i, m - 1 - j) for i, j in reversed(_lcs(a[::-1], b[::-1], True))]
    m = len(b)
    rows = [[0] * (m + 1)]
    for x in a:
        prev = rows[-1]
        cur = [0] * (m + 1)
        c = 0
        for j, y in enumerate(b):
            if x == y:
                c = prev[j] + 1
            else:
                up = prev[j + 1]
                if up > c:
                    c = up
            cur[j + 1] = c
        rows.append(cur)
    out = []
    i, j = len(a), m
    while i and j:
        if a[i - 1] == b[j - 1]:
            out.append((i - 1, j - 1))
            i -= 1
            j -= 1
        elif rows[i - 1][j] >= rows[i][j - 1]:
            i -= 1
        else:
            j -= 1
    out.reverse()
    return out


def _fill(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int, out: list, depth: int) -> None:
    """Match a[alo:ahi] with b[blo:bhi], appending pairs to out in order."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo += 1
        blo += 1
    tail = []
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
        tail.append((ahi, bhi))
    n, m = ahi - alo, bhi - blo
    if n and m:
        if n * m <= DP_CAP:
            # before the first anchor of the talk, keep matches near the anchor
            late = alo == 0 or blo == 0
            out.extend((alo + i, blo + j) for i, j in _lcs(a[alo:ahi], b[blo:bhi], late))
        elif depth < _MAX_DEPTH:
            chain = _increasing(_unique_pairs(a[alo:ahi], b[blo:bhi], alo, blo))
            if not chain:
                chain = _increasing(_unique_pairs(a[alo:ahi], b[blo:bhi], alo, blo, REPEATS))
            i0, j0 = alo, blo
            for i, j in chain:
                _fill(a, b, i0, i, j0, j, out, depth + 1)
                out.append((i, j))
                i0, j0 = i + 1, j + 1
            if chain:
                _fill(a, b, i0, ahi, j0, bhi, out, depth + 1)
        # a large gap with no anchor at all: text that only one copy has,
        # or a chant; it stays unmatched (estimated)
    out.extend(reversed(tail))


def match_words(a: list[int], b: list[int]) -> list[tuple[int, int]]:
    """Index pairs (i, j), increasing in both, of words a[i] == b[j] that
    are the same word said at the same moment."""
    if not a or not b:
        return []
    # top level: word pairs (bigrams) said once in each copy
    chain = _increasing(_unique_pairs(list(pairwise(a)), list(pairwise(b)), 0, 0))
    out: list[tuple[int, int]] = []
    i0 = j0 = 0
    for i, j in chain:
        _fill(a, b, i0, i, j0, j, out, 0)
        out.append((i, j))
        i0, j0 = i + 1, j + 1
    _fill(a, b, i0, len(a), j0, len(b), out, 0)
    return _keep_supported(out, min(len(a), len(b)))


def _keep_supported(pairs: list[tuple[int, int]], shortest: int) -> list[tuple[int, int]]:
    """Drop matches that stand alone: keep runs of SOLID consecutive matches,
    and shorter runs within NEAR words of such a run, in both copies, with
    no more than SKEW words more on one side than on the other."""
    solid = min(SOLID, shortest)
    n = len(pairs)
    joined = [pairs[k][0] == pairs[k - 1][0] + 1 and pairs[k][1] == pairs[k - 1][1] + 1 for k in range(1, n)]
    run = [1] * n
    for k in range(1, n):
        if joined[k - 1]:
            run[k] = run[k - 1] + 1
    # spread each run's length over all its members
    for k in range(n - 2, -1, -1):
        if joined[k]:
            run[k] = run[k + 1]
    strong = [r >= solid for r in run]
    # the nearest strong match before and after each match
    before: list[tuple[int, int] | None] = [None] * n
    after: list[tuple[int, int] | None] = [None] * n
    last = None
    for k in range(n):
        before[k] = last
        if strong[k]:
            last = pairs[k]
    last = None
    for k in range(n - 1, -1, -1):
        after[k] = last
        if strong[k]:
            last = pairs[k]
    keep = []
    for k, (i, j) in enumerate(pairs):
        if strong[k] or any(
            s is not None and abs(i - s[0]) <= NEAR and abs(j - s[1]) <= NEAR and abs((i - s[0]) - (j - s[1])) <= SKEW
            for s in (before[k], after[k])
        ):
            keep.append((i, j))
    return keep


# --- carrying times ---------------------------------------------------------


def align(timed: Sequence[Segment], untimed: Sequence[Segment]) -> Alignment:
    """Times for `untimed`'s segments, carried from `timed` (the same talk)."""
    vocab: dict[str, int] = {}
    ta = _Tokens(timed, vocab)
    tb = _Tokens(untimed, vocab)
    starts_a, ends_a = _word_times(timed, ta)
    pairs = match_words(ta.ids, tb.ids)
    n_tok = len(tb.seg)
    if not pairs:
        return Alignment(
            [(s.start, s.end if s.end is not None else s.start) for s in untimed],
            [False] * len(untimed),
            0,
            tb.speech,
        )
    start = [0.0] * n_tok
    end = [0.0] * n_tok
    partner = [-1] * n_tok  # the timed token each untimed token matched
    last = 0.0
    for i, j in pairs:
        t = tb.at[j]
        p = partner[t] = ta.at[i]
        # times never run backwards (cues of the timed copy may overlap)
        start[t] = last = max(starts_a[p], last)
        end[t] = max(ends_a[p], start[t])
    confident = _fill_times(tb, start, end, partner, starts_a, ends_a)
    times, aligned = _segment_times(untimed, tb, start, end, confident)
    return Alignment(times, aligned, len(pairs), tb.speech)


def _fill_times(
    tb: _Tokens,
    start: list[float],
    end: list[float],
    partner: list[int],
    starts_a: list[float],
    ends_a: list[float],
) -> list[bool]:
    """Give the unmatched tokens times, in place; return which tokens'
    times are trustworthy (matched, or in a short run between matches)."""
    n = len(start)
    hits = [t for t in range(n) if partner[t] >= 0]
    first, last = hits[0], hits[-1]
    # the talk's own pace, in characters per second, for the ends
    span = end[last] - start[first]
    chars = sum(tb.chars[first : last + 1])
    rate = chars / span if span > 0 and chars else DEFAULT_WPM / 60 * 6
    confident = [p >= 0 for p in partner]
    # before the first match: paced backwards, squeezed in if it would start before 0
    lead = sum(tb.chars[:first])
    if lead:
        scale = min(1.0 / rate, start[first] / lead)  # seconds per character
        _spread(tb.chars, start, end, 0, first, start[first] - lead * scale, start[first])
    # after the last match: paced forwards
    _spread(tb.chars, start, end, last + 1, n, end[last], end[last] + sum(tb.chars[last + 1 :]) / rate)
    matchable = set(tb.at)
    for h0, h1 in pairwise(hits):
        if h1 == h0 + 1:
            continue
        t0, t1 = end[h0], start[h1]
        p0, p1 = partner[h0], partner[h1]
        if p1 - p0 > 1:
            # the timed copy has words here too (a slip, a rephrasing):
            # these words are said when those are
            t0, t1 = max(t0, starts_a[p0 + 1]), min(t1, ends_a[p1 - 1])
        else:
            # words only this copy has ("um", "the the", a missed word): said
            # just before the next match, at the talk's pace, or squeezed in
            need = sum(tb.chars[h0 + 1 : h1]) / rate
            t0 = max(t0, t1 - need)
        _spread(tb.chars, start, end, h0 + 1, h1, t0, max(t0, t1))
        if sum(t in matchable for t in range(h0 + 1, h1)) <= SHORT_RUN:
            for t in range(h0 + 1, h1):
                confident[t] = True
    return confident


def _spread(chars: list[int], start: list[float], end: list[float], lo: int, hi: int, t0: float, t1: float) -> None:
    """Tokens lo..hi-1 share [t0, t1] in proportion to their characters."""
    total = sum(chars[lo:hi])
    if not total:
        return
    per = (t1 - t0) / total
    acc = t0
    for t in range(lo, hi):
        start[t] = acc
        acc += chars[t] * per
        end[t] = acc


def _segment_times(
    segments: Sequence[Segment], tb: _Tokens, start: list[float], end: list[float], confident: list[bool]
) -> tuple[list[tuple[float, float]], list[bool]]:
    """Each segment runs from its first word's start to its last word's end;
    it is aligned when its first real word (not a filler) has a trusted time."""
    n_seg, n_tok = len(segments), len(tb.seg)
    first = [-1] * n_seg
    last = [-1] * n_seg
    for t, k in enumerate(tb.seg):
        if first[k] < 0:
            first[k] = t
        last[k] = t
    first_word = first[:]
    for t in reversed(tb.at):
        first_word[tb.seg[t]] = t
    times: list[tuple[float, float]] = []
    aligned: list[bool] = []
    seen = 0  # tokens in the segments so far: the next token's index
    for k in range(n_seg):
        if first[k] >= 0:
            s, e = start[first[k]], end[last[k]]
            ok = confident[first_word[k]]
            seen = last[k] + 1
        else:
            # no words ("♪"): where the next word starts, trusted when both
            # neighbouring words are
            s = e = start[seen] if seen < n_tok else (end[seen - 1] if seen else segments[k].start)
            ok = 0 < seen < n_tok and confident[seen - 1] and confident[seen]
        s = max(s, times[-1][0] if times else 0.0)
        times.append((round(s, 3), round(max(e, s), 3)))
        aligned.append(ok)
    return times, aligned


def shared_words(a: Sequence[Segment], b: Sequence[Segment]) -> Shared:
    """How many of the shorter copy's words (fillers out) the other holds
    in order: the exact figure behind `copies.similarity`'s estimate."""
    vocab: dict[str, int] = {}
    ta = _Tokens(a, vocab)
    tb = _Tokens(b, vocab)
    pairs = match_words(ta.ids, tb.ids)
    return Shared(len(pairs), min(len(ta.ids), len(tb.ids)), len(ta.ids) <= len(tb.ids))


def counterparts(a: Sequence[Segment], b: Sequence[Segment]) -> list[int] | None:
    """For each segment of copy a, the segment of copy b that says the same
    words: where b says a's first matched word. A segment none of whose
    words are matched (text only a has) takes the counterpart of the last
    matched segment before it (of the first one, at the start). None when
    the copies share no words. Used to jump between copies at one moment."""
    vocab: dict[str, int] = {}
    ta = _Tokens(a, vocab)
    tb = _Tokens(b, vocab)
    pairs = match_words(ta.ids, tb.ids)
    if not pairs:
        return None
    found: list[int | None] = [None] * len(a)
    for i, j in pairs:
        k = ta.seg[ta.at[i]]
        if found[k] is None:
            found[k] = tb.seg[tb.at[j]]
    first = next(x for x in found if x is not None)
    out: list[int] = []
    last = first
    for x in found:
        last = x if x is not None else last
        out.append(last)
    return out


__all__ = ["Alignment", "Shared", "align", "counterparts", "match_words", "shared_words"]

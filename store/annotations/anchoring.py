"""Finding an annotation again in its transcript's current text.

An annotation keeps its span, its times, the exact quote and ~32 characters
of context either side. When the transcript is re-imported with edits (a
word corrected, cues split or merged, every time shifted) it is looked for
first where it was, then by its exact quote elsewhere (context, then
closeness in time, break ties), then by a fuzzy match of the quote. One
that is found nowhere is kept as orphaned, never deleted.

The matching is slow work: `reanchor` does it outside the library's write
lock, on a snapshot, and the library stores the results only if the
transcript did not change meanwhile.
"""

from __future__ import annotations

import difflib
import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property

from ..library import Library, TranscriptInfo
from ..model import ANCHORED, MOVED, ORPHANED, STATUSES, Annotation, Segment

CONTEXT_CHARS = 32
FUZZY_THRESHOLD = 0.75

_WORD = re.compile(r"\S+")
_EDGE_PUNCT = "\"'“”‘’«»()[]{}.,;:!?…—–-"


def _norm_word(w: str) -> str:
    return w.casefold().strip(_EDGE_PUNCT)


class Text:
    """Segments as one string (each segment's text with whitespace folded,
    joined with single spaces) and a char -> segment map."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = list(segments)
        self.parts = [" ".join(s.text.split()) for s in self.segments]
        self.starts: list[int] = []
        pos = 0
        for p in self.parts:
            self.starts.append(pos)
            pos += len(p) + 1
        self.text = " ".join(self.parts)

    def __len__(self) -> int:
        return len(self.segments)

    def range_of(self, first: int, last: int) -> tuple[int, int]:
        return self.starts[first], self.starts[last] + len(self.parts[last])

    def span_of(self, a: int, b: int) -> tuple[int, int]:
        """The segments covering text[a:b]."""
        first = max(0, bisect_right(self.starts, a) - 1)
        last = max(first, bisect_right(self.starts, max(a, b - 1)) - 1)
        return first, last

    def times(self, first: int, last: int) -> tuple[float, float]:
        segs = self.segments[first : last + 1]
        start = segs[0].start
        end = max((s.end if s.end is not None else s.start) for s in segs)
        return start, max(start, end)

    def context(self, a: int, b: int) -> tuple[str, str]:
        return self.text[max(0, a - CONTEXT_CHARS) : a], self.text[b : b + CONTEXT_CHARS]

    def whole_words(self, a: int, b: int) -> bool:
        """text[a:b] does not start or end inside a word ("no." in "piano.")."""
        t = self.text
        return not (a > 0 and t[a - 1].isalnum() and t[a].isalnum()) and not (
            b < len(t) and t[b].isalnum() and t[b - 1].isalnum()
        )

    def agreement(self, a: int, b: int, prefix: str, suffix: str) -> int:
        """How many characters of the remembered context agree with the text
        around text[a:b] (read outwards from the quote)."""
        before = self.text[max(0, a - len(prefix)) : a]
        after = self.text[b : b + len(suffix)]
        n = len(os.path.commonprefix([before[::-1], prefix[::-1]]))
        return n + len(os.path.commonprefix([after, suffix]))

    @cached_property
    def tokens(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), _norm_word(m.group())) for m in _WORD.finditer(self.text)]


def locate(
    tx: Text, quote: str, prefix: str, suffix: str, first: int, last: int, start: float
) -> tuple[str, int, int] | None:
    """Where the quote is in tx, as (how, a, b) with how "place" (where it
    was), "exact" (its exact quote elsewhere) or "fuzzy"; None if nowhere."""
    if not quote or not len(tx):
        return None
    text = tx.text
    n = len(quote)
    # 1. Where it was, if the text there still holds the quote.
    if 0 <= first <= last < len(tx):
        lo, hi = tx.range_of(first, last)
        best: tuple[int, int] | None = None
        i = text.find(quote, lo, hi)
        while i != -1:
            if tx.span_of(i, i + n) == (first, last) and tx.whole_words(i, i + n):
                score = tx.agreement(i, i + n, prefix, suffix)
                if best is None or score > best[0]:
                    best = (score, i)
            i = text.find(quote, i + 1, hi)
        if best is not None:
            return "place", best[1], best[1] + n
    # 2. The exact quote anywhere: context first, then closeness in time.
    cands: list[tuple[int, float, int]] = []
    i = text.find(quote)
    while i != -1:
        if tx.whole_words(i, i + n):
            seg_start = tx.segments[tx.span_of(i, i + n)[0]].start
            cands.append((tx.agreement(i, i + n, prefix, suffix), -abs(seg_start - start), i))
        i = text.find(quote, i + 1)
    if cands:
        i = max(cands)[2]
        return "exact", i, i + n
    # 3. A fuzzy match of the quote.
    found = _fuzzy(tx, quote, prefix, suffix, start)
    if found is not None:
        return "fuzzy", found[0], found[1]
    return None


def _fuzzy(tx: Text, quote: str, prefix: str, suffix: str, start: float) -> tuple[int, int] | None:
    """The best approximate occurrence of quote, as a char range of tx.text.

    Windows of words are compared with difflib: a cheap pass over windows of
    the quote's length that share at least half its words picks a few
    regions; each is refined (start and length) and the best is kept if its
    similarity reaches FUZZY_THRESHOLD."""
    q = [_norm_word(w) for w in quote.split()]
    toks = tx.tokens
    n, total = len(q), len(toks)
    if not n or not total:
        return None
    words = [t[2] for t in toks]
    qset = set(q)
    hits = [0]
    for w in words:
        hits.append(hits[-1] + (w in qset))
    win = min(n, total)
    need = max(1, n // 2)
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(q)
    scored: list[tuple[float, int]] = []
    for i in range(total - win + 1):
        if hits[i + win] - hits[i] < need:
            continue
        sm.set_seq1(words[i : i + win])
        scored.append((sm.ratio(), i))
    if not scored:
        return None
    # A few distinct regions, best first.
    scored.sort(key=lambda x: (-x[0], x[1]))
    picked: list[int] = []
    for _, i in scored:
        if all(abs(i - j) >= max(1, n // 2) for j in picked):
            picked.append(i)
            if len(picked) == 3:
                break
    k = min(6, max(2, n // 4))
    qtext = " ".join(q)
    best: tuple[tuple[float, int, float], int, int] | None = None
    for i0 in picked:
        region: tuple[float, int, int] | None = None
        for s in range(max(0, i0 - k), min(total, i0 + k + 1)):
            for e in range(s + max(1, n - k), min(total, s + n + k) + 1):
                sm.set_seq1(words[s:e])
                if region is not None and sm.real_quick_ratio() <= region[0]:
                    continue
                r = sm.ratio()
                if region is None or r > region[0]:
                    region = (r, s, e)
        if region is None:
            continue
        _, s, e = region
        chars = difflib.SequenceMatcher(None, qtext, " ".join(words[s:e]), autojunk=False).ratio()
        sim = max(region[0], chars)
        a, b = toks[s][0], toks[e - 1][1]
        seg_start = tx.segments[tx.span_of(a, b)[0]].start
        key = (round(sim, 2), tx.agreement(a, b, prefix, suffix), -abs(seg_start - start))
        if sim >= FUZZY_THRESHOLD and (best is None or key > best[0]):
            best = (key, a, b)
    return (best[1], best[2]) if best else None


def place(ann: Annotation, tx: Text, info: TranscriptInfo) -> tuple[Annotation, str | None]:
    """ann placed in a transcript's current text: (new annotation, how)."""
    base = replace(ann, transcript_id=info.id, source_sha256=info.sha256, transcript_title=info.title)
    found = locate(tx, ann.quote, ann.prefix, ann.suffix, ann.first, ann.last, ann.start)
    if found is None:
        return replace(base, status=ORPHANED), None
    how, a, b = found
    first, last = tx.span_of(a, b)
    start, end = tx.times(first, last)
    prefix, suffix = tx.context(a, b)
    # A fuzzy match takes the transcript's new wording, so the quote (and
    # an export's TextQuoteSelector) matches the text it is anchored in.
    quote = tx.text[a:b] if how == "fuzzy" else ann.quote
    in_place = how == "place" or ((first, last) == (ann.first, ann.last) and quote == ann.quote)
    status = ANCHORED if in_place else MOVED
    placed = replace(base, first=first, last=last, start=start, end=end, quote=quote, prefix=prefix, suffix=suffix)
    return replace(placed, status=status), how


# What a re-anchoring may change; anything else is the person's (note, tags).
_ANCHOR_FIELDS = (
    "transcript_id",
    "first",
    "last",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "status",
    "source_sha256",
    "transcript_title",
)


def _anchor_changed(old: Annotation, new: Annotation) -> bool:
    return any(getattr(old, k) != getattr(new, k) for k in _ANCHOR_FIELDS)


def reanchor(lib: Library, transcript_id: int) -> dict[str, int]:
    """Find every annotation of a transcript again in its current text (after
    a re-import with edits). Returns how many are anchored, moved, orphaned.

    The matching runs outside the write lock; the results are written in one
    short transaction, and only if the transcript did not change meanwhile
    (else it starts again on the newer text)."""
    counts = dict.fromkeys(STATUSES, 0)
    for _ in range(10):
        info, segs, anns = lib.annotation_snapshot(transcript_id)
        if info is None or not anns:
            return counts
        tx = Text(segs)
        placed = [(a, place(a, tx, info)[0]) for a in anns]
        moves = [(old, new) for old, new in placed if _anchor_changed(old, new)]
        if lib.write_anchors(transcript_id, info.sha256, moves):
            for _, new in placed:
                counts[new.status] += 1
            return counts
    return counts

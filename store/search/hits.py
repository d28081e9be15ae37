"""Hits: from the passages an engine found to what a person sees -- the
segment where the best match starts, its time, a snippet with the matched
words marked -- read from the library, which is the truth (a passage whose
text changed since it was indexed gives no hit)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .analysis import spans, terms, unit_spans, units
from .documents import NoteSpot, notes_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..library import Library
    from .plan import Plan
    from .words import Surface


@dataclass
class Hit:
    transcript_id: int
    title: str
    segment: int
    start: float
    end: float
    text: str
    snippet: str
    marks: list[tuple[int, int]]  # (start, end) character spans of matched words in snippet
    score: float
    speaker: str | None = None
    timing: str = "exact"
    text_marks: list[tuple[int, int]] = field(default_factory=list)  # matched words in text
    # Every segment of the passage with matched words -> their spans in its
    # stored text (text_marks is the best segment's alone): the reader's
    # find marks and steps through them all.
    segment_marks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    kind: str = "text"  # where it matched: the words said (annotations will add "note")

    def marked(self, left: str = "**", right: str = "**") -> str:
        """The snippet with each matched span wrapped (JSON uses **word**)."""
        out, pos = [], 0
        for a, b in self.marks:
            out.append(self.snippet[pos:a])
            out.append(left + self.snippet[a:b] + right)
            pos = b
        out.append(self.snippet[pos:])
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "transcript_id": self.transcript_id,
            "title": self.title,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.marked(),
            "score": round(self.score, 4),
            "speaker": self.speaker,
        }


@dataclass
class SearchResult:
    query: str
    total: int  # matching passages (one hit each)
    hits: list[Hit] = field(default_factory=list)
    # How the query was read, when not as typed: a malformed query searched
    # as plain words, a cut (query length, a phrase's words, a prefix to its
    # most frequent words), `~3` read as `~2`, the word being typed as a prefix.
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None  # "did you mean", when nothing was found
    partial: bool = False  # a time limit cut the search short (type-ahead)

    @property
    def note(self) -> str | None:
        """The notes in one line (None: the query was read as typed)."""
        return "; ".join(self.notes) or None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "notes": list(self.notes),
            "hits": [h.to_json() for h in self.hits],
        }


EXTRA_SEGMENTS = 6  # segments read after a passage: a phrase's run-on and the snippet's context
AHEAD = 1  # of them, read with the passage (all a hit needs, nearly always)
SNIPPET_MIN = 80  # characters: a shorter hit segment is followed by the next ones
SNIPPET_MAX = 240


def _occurrences(
    toks: list[str], terms: set[str], phrases_: list[tuple[str, ...]]
) -> tuple[list[tuple[int, int]], list[int]]:
    """Phrase matches (start, length) and term matches (index) in a token list."""
    phrases = []
    for ph in phrases_:
        k = len(ph)
        if not k:
            continue
        first = ph[0]
        i = -1
        try:
            while True:  # each place of its first word (list.index scans in C)
                i = toks.index(first, i + 1)
                if k == 1 or tuple(toks[i : i + k]) == ph:
                    phrases.append((i, k))
        except ValueError:
            pass
    singles: list[int] = []
    for t in terms:
        i = -1
        try:
            while True:
                i = toks.index(t, i + 1)
                singles.append(i)
        except ValueError:
            pass
    singles.sort()
    return phrases, singles


@lru_cache(maxsize=8192)
def _spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """Words of a segment with their offsets, as written: the k-th is the
    k-th term of _terms (cached: type-ahead searches show the same
    passages again and again)."""
    return tuple(unit_spans(text))


@lru_cache(maxsize=8192)
def _lower_units(text: str) -> tuple[str, ...]:
    """The words of ASCII text in lower case: folded, as the surface words
    are (cached: type-ahead shows the same passages again and again)."""
    return tuple(units(text.lower()))


TermsOf = Callable[[str], "Sequence[str | None]"]


def query_terms(plan: Plan, surface: Surface | None) -> TermsOf:
    """A segment's words as the query sees them: each word's term if it
    is one of the query's, else None. Through the surface words (the
    index's words as written, folded, with their terms), a passage's words
    are looked up in a dictionary of the query's own -- a few dozen words
    -- not each in the term cache of every word ever read (a passage's
    hits read ~80 words); before warm has indexed them by term, each word's
    term is looked up in them (not stemmed). Text that is not ASCII, or
    without a surface, takes every word's term."""
    if surface is None:
        return _terms
    wanted = set(plan.terms).union(*plan.phrases, *plan.together)
    # (Made by Index.warm in the background: never here, on a search.)
    by_term = surface.by_term(make=False)
    if by_term is None:  # every surface word's term, and whether it is the query's
        term_of = surface.term.get

        def own_term(w: str) -> str | None:
            t = term_of(w)
            return t if t in wanted else None

        get = own_term
    else:
        get = {w: t for t in wanted for w in by_term.get(t, ())}.get

    def of(text: str) -> Sequence[str | None]:
        if not text.isascii():
            return _terms(text)
        return list(map(get, _lower_units(text)))

    return of


@lru_cache(maxsize=8192)
def _terms(text: str) -> tuple[str, ...]:
    """The terms of a segment's words (the same as _spans', without the
    offsets: most words of a passage are never marked)."""
    return tuple(terms(text))


class _Folded:
    """A passage's rows as (segment, its text with whitespace folded), the
    text folded when first asked for. The rows after the passage are read
    from the library when first needed (`more`, once): a snippet or a
    phrase rarely runs past the segment after the passage."""

    __slots__ = ("_rows", "_done", "_more")

    def __init__(self, rows: list[tuple], more: Callable[[], list[tuple]] | None = None) -> None:
        self._rows = rows
        self._done: list[tuple[int, str] | None] = [None] * len(rows)
        self._more = more

    def has(self, k: int) -> bool:
        """Whether there is a row k (reading the rows after, if need be)."""
        if k >= len(self._rows) and self._more is not None:
            more, self._more = self._more, None
            got = more()
            self._rows.extend(got)  # (the caller's list: it sees them too)
            self._done.extend([None] * len(got))
        return k < len(self._rows)

    def raw(self, k: int) -> str:
        """Row k's text as stored (its words are the folded text's)."""
        return self._rows[k][4]

    def __getitem__(self, k: int) -> tuple[int, str]:
        got = self._done[k]
        if got is None:
            r = self._rows[k]
            got = self._done[k] = (r[0], " ".join(r[4].split()))
        return got


_Built = tuple[int, str, list[tuple[int, int]], list[tuple[int, int]], dict[int, list[tuple[int, int]]]]


def _build_hit(
    plan: Plan,
    rows: list[tuple],
    first: int,
    last: int,
    more: Callable[[], list[tuple]] | None = None,
    terms_of: TermsOf = _terms,
) -> _Built | None:
    """From a passage's segments (and a few after it; `more` reads the rest
    of those when they are needed): the segment where the best match
    starts, the snippet and its marks, the best segment's marks and every
    segment's. None when the text no longer holds the match (the library
    changed since indexing). `terms_of` gives a segment's words' terms
    (query_terms: only the query's own matter)."""
    segs = _Folded(rows, more)
    n_own = sum(1 for r in rows if first <= r[0] <= last)
    if not n_own or rows[0][0] != first:
        return None
    toks: list[str | None] = []
    seg_of: list[int] = []  # per token: its position in segs
    first_token: list[int] = []  # per position in segs read: the index of its first token
    done = 0

    def upto(k: int) -> None:
        nonlocal done
        while done <= k and segs.has(done):
            first_token.append(len(toks))
            ts = terms_of(segs.raw(done))
            toks.extend(ts)
            seg_of.extend([done] * len(ts))
            done += 1

    upto(n_own - 1)
    own_count = len(toks)
    # Enough words after the passage for a phrase that starts in it.
    need = max((len(p) for p in plan.phrases), default=1) - 1
    while len(toks) - own_count < need and segs.has(done):
        upto(done)
    phrases, singles = _occurrences(toks, plan.terms, plan.phrases)
    own_phrases = [p for p in phrases if p[0] < own_count]
    if own_phrases or any(i < own_count for i in singles):
        score: dict[int, float] = {}
        seen: dict[int, set[str]] = {}
        for s, _k in own_phrases:
            seg = seg_of[s]
            score[seg] = score.get(seg, 0) + 10
        # The query's plain words said side by side: the hit is where they are.
        together, _ = _occurrences(toks, set(), plan.together)
        for s, _k in together:
            if s < own_count:
                seg = seg_of[s]
                score[seg] = score.get(seg, 0) + 5
        for i in singles:
            if i < own_count:
                seg = seg_of[i]
                if toks[i] not in seen.setdefault(seg, set()):
                    seen[seg].add(toks[i])
                    score[seg] = score.get(seg, 0) + 1
        best = min(score, key=lambda k: (-score[k], k))
    elif plan.metadata_only or not (plan.terms or plan.phrases):
        best = 0
    else:
        return None
    # The snippet: the hit segment, then as many following ones as it takes
    # to finish a phrase that starts in it and to give some context.
    end_k = best
    for s, k in own_phrases:
        if seg_of[s] == best:
            end_k = max(end_k, seg_of[s + k - 1])
    length = sum(len(segs[k][1]) + 1 for k in range(best, end_k + 1))
    while length < SNIPPET_MIN and end_k + 1 - best < 6 and segs.has(end_k + 1):
        end_k += 1
        length += len(segs[end_k][1]) + 1
    if end_k >= done:
        upto(end_k)
        phrases, singles = _occurrences(toks, plan.terms, plan.phrases)
    offsets: dict[int, int] = {}
    parts, pos = [], 0
    for k in range(best, end_k + 1):
        offsets[k] = pos
        parts.append(segs[k][1])
        pos += len(segs[k][1]) + 1
    snippet = " ".join(parts)
    marks: list[tuple[int, int]] = []

    def span_of(i: int) -> tuple[int, int] | None:
        k = seg_of[i]
        if k not in offsets:
            return None
        _t, a, b = _spans(segs[k][1])[i - first_token[k]]
        return offsets[k] + a, offsets[k] + b

    marked: set[int] = set()
    for s, k in phrases:
        a, b = span_of(s), span_of(s + k - 1)
        if a and b:
            marks.append((a[0], b[1]))
            marked.update(range(s, s + k))
    for i in singles:
        if i not in marked:
            sp = span_of(i)
            if sp:
                marks.append(sp)
    marks = _merge_marks(marks)
    snippet, marks = _crop(snippet, marks)
    # The same words in the segment's own text, as stored (not folded).
    own_spans = _spans(rows[best][4])
    mine = range(first_token[best], first_token[best + 1] if best + 1 < len(first_token) else len(toks))
    hit_words = set(singles) | marked
    text_marks = _merge_marks([own_spans[k][1:] for k, i in enumerate(mine) if i in hit_words and k < len(own_spans)])
    # Every word the passage matched: its terms, and its phrases to their
    # last word (which may be in a segment after the passage).
    matched = {i for i in singles if i < own_count}
    for s, k in phrases:
        if s < own_count:
            matched.update(range(s, s + k))
    return rows[best][0], snippet, marks, text_marks, _segment_marks(rows, seg_of, first_token, matched)


def _segment_marks(
    rows: list[tuple], seg_of: list[int], first_token: list[int], matched: set[int]
) -> dict[int, list[tuple[int, int]]]:
    """The matched tokens as spans in each segment's stored text (the
    tokens were read from its whitespace-folded text, so the k-th token of
    a segment is the k-th word of its stored text)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for i in sorted(matched):
        pos = seg_of[i]
        words = _spans(rows[pos][4])
        k = i - first_token[pos]
        if k < len(words):
            found.setdefault(rows[pos][0], []).append(words[k][1:])
    return {seg: _merge_marks(m) for seg, m in found.items()}


def _note_hit(plan: Plan, spots: list[NoteSpot], rows: list[tuple], first: int, last: int) -> Hit | None:
    """A hit on an annotation of the passage whose note or tags have the
    query's words: at the annotation's first segment, its note as the
    snippet (kind "note")."""
    terms_ = plan.terms | plan.note_terms
    phrases = plan.phrases + plan.note_phrases
    for a in spots:
        if not first <= a.first <= last:
            continue
        words = " ".join(a.words.split())
        sp = spans(words)
        toks = [t for t, _a, _b in sp]
        found, singles = _occurrences(toks, terms_, phrases)
        if not found and not singles:
            continue
        marks = [(sp[s][1], sp[s + k - 1][2]) for s, k in found] + [sp[i][1:] for i in singles]
        snippet, marks = _crop(words, _merge_marks(marks))
        row = next((r for r in rows if r[0] == a.first), None)
        return Hit(
            transcript_id=0,
            title="",
            segment=a.first,
            start=row[1] if row else a.start,
            end=row[2] if row else a.start,
            text=row[4] if row else "",
            snippet=snippet,
            marks=marks,
            score=0.0,
            speaker=row[3] if row else None,
            kind="note",
        )
    return None


def _merge_marks(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(marks):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _crop(snippet: str, marks: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """At most SNIPPET_MAX characters around the first mark, cut at spaces."""
    if len(snippet) <= SNIPPET_MAX:
        return snippet, marks
    anchor = marks[0][0] if marks else 0
    start = max(0, anchor - SNIPPET_MAX // 3)
    if start:
        sp = snippet.find(" ", start)
        start = sp + 1 if 0 <= sp < anchor else start
    end = min(len(snippet), start + SNIPPET_MAX)
    if end < len(snippet):
        sp = snippet.rfind(" ", start, end)
        end = sp if sp > start else end
    pre = "…" if start else ""
    post = "…" if end < len(snippet) else ""
    shift = len(pre) - start
    # A mark longer than the snippet (a long phrase) is shown as far as it goes.
    out = [(max(a, start) + shift, min(b, end) + shift) for a, b in marks if b > start and a < end]
    return pre + snippet[start:end] + post, out


def _reader(lib: Library, tid: int, start: int, end: int) -> Callable[[], list[tuple]]:
    """Reads a transcript's rows start..end, the first time it is called."""
    read = False

    def more() -> list[tuple]:
        nonlocal read
        if read or start > end:
            return []
        read = True
        return lib.segment_rows([(tid, start, end)]).get(tid, [])

    return more


def _built(
    plan: Plan, rows: list[tuple], first: int, last: int, more: Callable[[], list[tuple]], terms_of: TermsOf
) -> _Built | None:
    """_build_hit through terms_of; a passage it finds no match in is read
    again with every word's term (its words were not among the surface
    words yet: a reader between another process's commit and its next
    look at the words file)."""
    built = _build_hit(plan, rows, first, last, more, terms_of)
    if built is None and terms_of is not _terms:
        built = _build_hit(plan, rows, first, last, more, _terms)
    return built


def hits_for(
    lib: Library, plan: Plan, wanted: list[tuple[int, int, int, float]], surface: Surface | None = None
) -> list[Hit]:
    """The hits of the passages found, (tid, first, last, score) best
    first: each at the segment where its best match starts, with a snippet
    and its marks; or on an annotation's note. A passage whose text no
    longer holds the match (the library changed since it was indexed), or
    whose transcript is gone, gives none. `surface`, the index's surface
    words, lets the passages' words be read quicker (query_terms)."""
    out: list[Hit] = []
    if not wanted:
        return out
    terms_of = query_terms(plan, surface)
    infos = lib.titles(sorted({w[0] for w in wanted}))
    # One read for every hit's segments and the one after (a snippet or a
    # phrase rarely needs more); a few more after it (for phrases that run
    # on -- as many as a phrase has words, for one-word segments -- and for
    # context) read for the hit that needs them.
    extra = EXTRA_SEGMENTS + max((len(p) for p in plan.phrases), default=0)
    rows = lib.segment_rows([(tid, first, last + AHEAD) for tid, first, last, _score in wanted])
    spots: dict[int, list[NoteSpot]] = {}
    for tid, first, last, score in wanted:
        if tid not in infos:
            continue
        seg_rows = [r for r in rows.get(tid, ()) if first <= r[0] <= last + AHEAD]
        more = _reader(lib, tid, last + AHEAD + 1, last + extra)
        title, timing = infos[tid]
        built = None if (plan.note_terms or plan.note_phrases) else _built(plan, seg_rows, first, last, more, terms_of)
        if built is None:
            # Not in the words said: in an annotation's note or tags?
            if tid not in spots:
                spots[tid] = notes_of(lib, tid)
            note_hit = _note_hit(plan, spots[tid], seg_rows, first, last)
            if note_hit is not None:
                note_hit.transcript_id, note_hit.title, note_hit.timing = tid, title, timing
                note_hit.score = float(score)
                out.append(note_hit)
                continue
            if plan.note_terms or plan.note_phrases:
                built = _built(plan, seg_rows, first, last, more, terms_of)
            if built is None:
                continue
        seg, snippet, marks_, text_marks, segment_marks = built
        row = next(r for r in seg_rows if r[0] == seg)
        out.append(
            Hit(
                transcript_id=tid,
                title=title,
                segment=seg,
                start=row[1],
                end=row[2],
                text=row[4],
                snippet=snippet,
                marks=marks_,
                score=float(score),
                speaker=row[3],
                timing=timing,
                text_marks=text_marks,
                segment_marks=segment_marks,
            )
        )
    # The speaker as the user named it (the file's label otherwise).
    named = lib.speaker_names_of(h.transcript_id for h in out if h.speaker)
    for h in out:
        h.speaker = named.get(h.transcript_id, {}).get(h.speaker or "", h.speaker)
    return out

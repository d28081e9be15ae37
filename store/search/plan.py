"""From a parsed query to what runs: the plan.

`expand` turns the parser's tree into the query that runs against
passages: each unfielded word must be said (the title, speaker and tags
only rank), a prefix or fuzzy word stands for its likeliest terms, and a
phrase becomes an `Adjacent` -- its words at fixed offsets, its common
words found through their indexed pairs or the neighbour marks of the
words beside them (documents.py). Plain words side by side in the query
rank the passages that say them side by side first (a proximity boost
over BM25F). `restrict` limits it to passages (and one transcript).

A phrase of the words said is found where it starts (`said`): in a
passage's text, running on into the first TAIL words of the next passage
(its `tail` field, whose positions continue the text's), or -- a phrase
longer than that -- running on through the next passages: its head is
matched in the passage where it starts (the words to its end and a full
tail), and the rest (`Adjacent.follow`) is checked from the start of the
next passage, and the one after, as far as it goes (whoosh/evaluate.py).
So a quoted phrase of any length (up to rewrite.MAX_PHRASE_WORDS) is found
wherever its words are consecutive, across any number of passage ends,
once.

Every cut of the query here (a prefix cut to its most frequent words, a
fuzzy word to its closest, `~3` read as `~2`) is a note in the plan.

The plan also says what to mark in the hits (hits.py). The engine runs
plan.query (whoosh/evaluate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Protocol

from . import whoosh as _lean  # noqa: F401  first: its __init__ imports Whoosh the lean way

# isort: split
from whoosh import query as wq

from .analysis import common_numbers, fold, pair
from .documents import TAIL

__all__ = ["Adjacent", "Lexicon", "Plan", "expand", "restrict"]

# BM25F field weights at query time: a word in the title says more about a
# passage than the same word once in its text.
BOOSTS = {"text": 1.0, "note": 1.5, "title": 3.0, "speaker": 2.0, "tag": 2.0}
MAX_FUZZY = 2
# A fuzzy word's neighbours weigh this much less per edit, so passages with
# the closer words rank first.
FUZZY_STEP = 0.1
# Plain words of a query side by side in a passage (in the query's order)
# add their phrase's score this many times over: such passages rank above
# those where the words are scattered.
PROXIMITY = 2.0


# -- phrases as they run ---------------------------------------------------------


class Terms(Protocol):
    """What a phrase's layout needs to know of the index's terms."""

    common: frozenset[str]  # the terms with indexed pairs and neighbour marks

    def df(self, field: str, t: str) -> int: ...


class Adjacent(wq.Query):
    """Terms at fixed offsets from each other, each from its own field: a
    phrase (one field), a phrase that runs from a passage's text into its
    tail, or one whose common words are matched by their indexed pairs or
    by the neighbour marks of the words beside them. The engine matches it
    (whoosh/evaluate.py, Evaluator.phrase: the one phrase matcher):
    candidates from the rarest part's posting list, narrowed by the others
    (by their neighbour marks first), then a set lookup per part checks
    the positions -- faster than Whoosh's Phrase, which builds span
    objects for every candidate.

    A part is (field, term, offset) or (field, term, offset, before,
    after): before/after, when not -1, are the numbers of the common words
    its neighbour marks must show (see `common_numbers`). `follow`, when
    not empty, are the terms that must run on from the start of the next
    passage's text (a phrase longer than a passage's end and its tail)."""

    def __init__(self, parts: list[tuple], boost: float = 1.0, follow: tuple[str, ...] = ()) -> None:
        self.parts: list[tuple[str, str, int, int, int]] = [
            (p[0], p[1], p[2], -1, -1) if len(p) == 3 else tuple(p)  # type: ignore[misc]
            for p in parts
        ]
        self.boost = boost
        self.follow = tuple(follow)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Adjacent)
            and self.parts == other.parts
            and self.boost == other.boost
            and self.follow == other.follow
        )

    def __hash__(self) -> int:
        return hash((tuple(self.parts), self.boost, self.follow))

    def __repr__(self) -> str:
        more = f", follow={self.follow!r}" if self.follow else ""
        return f"Adjacent({self.parts!r}, boost={self.boost}{more})"

    def __str__(self) -> str:
        def one(f: str, t: str, o: int, before: int, after: int) -> str:
            marks = f"[{before},{after}]" if before >= 0 or after >= 0 else ""
            return f"{f}:{t!r}@{o}{marks}"

        more = f" then {' '.join(self.follow)!r}" if self.follow else ""
        return " ".join(one(*p) for p in self.parts) + more

    def is_leaf(self) -> bool:
        return True

    def has_terms(self) -> bool:
        return True

    def terms(self, phrases: bool = True) -> Iterator[tuple[str, str]]:
        if phrases:
            for f, t, *_rest in self.parts:
                yield f, t

    def field(self) -> str | None:
        return self.parts[0][0] if self.parts else None

    def estimate_size(self, ixreader) -> int:
        return min((ixreader.doc_frequency(f, t) for f, t, *_rest in self.parts), default=0)

    def matcher(self, searcher, context=None):
        # The phrase matcher is the engine's (whoosh/evaluate.py): a plan
        # runs through its engine, which translates this node (for_whoosh).
        raise NotImplementedError("Adjacent runs through the search engine (whoosh.evaluate.for_whoosh)")


def cover(words: list[str], lex: Terms, fields: list[str]) -> list[tuple] | None:
    """The parts of a phrase whose word j is looked up in fields[j] (text,
    tail0 or tail).

    Plain words are looked up with their neighbour marks: a common word
    beside a plain word is checked by the plain word's mark, not read. A
    common word with only common words beside it is looked up with its
    neighbour as a pair (the `pair` field for a pair starting in the text,
    `tailpair` for one starting in the tail). None when a needed pair is
    nowhere in the index."""
    nums = common_numbers(lex.common)
    k = len(words)
    common = [w in nums for w in words]
    parts: list[tuple] = []
    checked: set[int] = set()
    for j, w in enumerate(words):
        if common[j]:
            continue
        before = nums[words[j - 1]] if j > 0 and common[j - 1] else -1
        after = nums[words[j + 1]] if j + 1 < k and common[j + 1] else -1
        parts.append((fields[j], w, j, before, after))
        checked.update(i for i, m in ((j - 1, before), (j + 1, after)) if m >= 0)
    for j in range(k):
        if not common[j] or j in checked:
            continue
        if j + 1 < k and common[j + 1]:
            at = j
        elif j > 0 and common[j - 1]:
            at = j - 1
        else:
            parts.append((fields[j], words[j], j, -1, -1))
            continue
        p = pair(words[at], words[at + 1])
        field = "pair" if fields[at] == "text" else "tailpair"
        if not lex.df(field, p):
            return None
        parts.append((field, p, at, -1, -1))
        checked.update((at, at + 1))
    return parts


def said(words: list[str], lex: Terms, boost: float = 1.0) -> wq.Query:
    """A phrase of the words said: in a passage's text, or starting in its
    text and running on into the next passage (its tail, then the passages
    after it). A match never starts in the tail, so a phrase is found once,
    where it starts."""
    alts: list[wq.Query] = []
    k = len(words)
    # `cut` words in the passage's text; words[cut] opens the tail (tail0
    # holds only the tail's first word, a far shorter posting list than the
    # word anywhere in a tail).
    for cut in range(k, 0, -1):
        spill = k - cut
        if spill == 0:
            fields, head, follow = ["text"] * k, words, ()
        elif spill <= TAIL:
            fields, head, follow = ["text"] * cut + ["tail0"] + ["tail"] * (spill - 1), words, ()
        else:  # beyond the tail: the rest is checked in the passages after
            fields = ["text"] * cut + ["tail0"] + ["tail"] * (TAIL - 1)
            head, follow = words[: cut + TAIL], tuple(words[cut:])
        parts = cover(head, lex, fields)
        if parts is not None and all(lex.df(f, t) for f, t, *_rest in parts):
            alts.append(Adjacent(parts, boost, follow))
    alts = list(dict.fromkeys(alts))  # a layout whose tail words are all checked by marks repeats the first
    if not alts:
        return wq.NullQuery
    return alts[0] if len(alts) == 1 else wq.Or(alts)


def in_field(fieldname: str, words: list[str], lex: Terms, boost: float) -> wq.Query | None:
    """A phrase in one field of a passage (a title, a note), or None when a
    word of it is not there at all."""
    if all(lex.df(fieldname, w) for w in words):
        return Adjacent([(fieldname, w, j) for j, w in enumerate(words)], boost)
    return None


def side_by_side(words: list[str], lex: Terms, boost: float) -> wq.Query | None:
    """The words side by side in a passage's text (a ranking boost for a
    query of plain words), or None when they are never together."""
    parts = cover(words, lex, ["text"] * len(words))
    if parts is None or not all(lex.df(f, t) for f, t, *_rest in parts):
        return None
    return Adjacent(parts, boost)


# -- expansion --------------------------------------------------------------------


class Lexicon(Protocol):
    """What expansion (and completion, "did you mean") needs to know about
    the index's terms: an engine's lexicon (whoosh/lexicon.py)."""

    common: frozenset[str]  # the terms with indexed pairs and neighbour marks

    def df(self, field: str, t: str) -> int: ...

    def candidates(self, field: str, prefix: str, cap: int) -> list[str]: ...

    def expand_prefix(self, field: str, prefix: str, cap: int) -> tuple[list[str], int]: ...

    def expand_fuzzy(
        self, field: str, word: str, maxdist: int, prefixlen: int, cap: int
    ) -> tuple[list[tuple[str, int]], int]: ...

    def expand_wildcard(self, field: str, pattern: str, cap: int) -> tuple[list[str], int]: ...


PREFIX_CAP = 64
FUZZY_CAP = 32
SEQUENCE_CAP = 16  # a phrase whose last word is a prefix: its most frequent completions
EXPANSION_POSTINGS = 4_000  # bounds a prefix or fuzzy word: a few tens of ms on a large library


@dataclass
class Plan:
    """A query ready to run, and what to mark in the hits."""

    query: wq.Query
    terms: set[str] = field(default_factory=set)  # text terms to mark
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # positive plain text terms (did-you-mean)
    metadata_only: bool = False  # nothing to look for in the text (e.g. speaker:x)
    notes: list[str] = field(default_factory=list)  # e.g. a prefix cut to its likeliest words
    note_terms: set[str] = field(default_factory=set)  # `note:` and `tag:` terms, to find annotations
    note_phrases: list[tuple[str, ...]] = field(default_factory=list)
    together: list[tuple[str, ...]] = field(default_factory=list)  # plain words side by side in the query


_META = ("note", "speaker", "title", "tag")
_MULTI = (wq.Prefix, wq.FuzzyTerm, wq.Wildcard)

Weighted = list[tuple[str, float]]  # (term, boost)


def _shown(q: wq.Query) -> str:
    if isinstance(q, wq.Prefix):
        return f"{q.text}*"
    if isinstance(q, wq.FuzzyTerm):
        d = min(q.maxdist, MAX_FUZZY)
        return f"{q.text}~{d if d > 1 else ''}"
    return getattr(q, "text", "")


def _leaf_terms(
    q: wq.Query, lex: Lexicon, fieldname: str, notes: list[str] | None = None, cap: int | None = None
) -> Weighted | None:
    """The terms a multi-term leaf stands for in one field, each with its
    weight: its completions (prefix, wildcard: most frequent first) or its
    neighbours (fuzzy: closest first, then most frequent; a farther word
    weighs less), at most `cap` and bounded so that their posting lists
    add up to at most EXPANSION_POSTINGS -- a two-letter prefix can stand
    for thousands of words and hundreds of thousands of postings. Every
    cut is noted."""
    said_as = _shown(q)
    if isinstance(q, wq.Prefix):
        words, total = lex.expand_prefix(fieldname, fold(q.text), cap or PREFIX_CAP)
        found = [(t, 1.0) for t in words]
        kind = "most frequent"
    elif isinstance(q, wq.FuzzyTerm):
        d = min(q.maxdist, MAX_FUZZY)
        if q.maxdist > MAX_FUZZY and notes is not None:
            notes.append(f"{q.text}~{q.maxdist}: at most {MAX_FUZZY} edits: searched {q.text}~{MAX_FUZZY}")
        near, total = lex.expand_fuzzy(fieldname, q.text, d, q.prefixlength, cap or FUZZY_CAP)
        found = [(t, FUZZY_STEP**dist) for t, dist in near]
        kind = "closest"
    elif isinstance(q, wq.Wildcard):
        words, total = lex.expand_wildcard(fieldname, fold(q.text), cap or PREFIX_CAP)
        found = [(t, 1.0) for t in words]
        kind = "most frequent"
    else:
        return None
    kept: Weighted = []
    postings = 0
    for t, w in found:
        n = lex.df(fieldname, t)
        if kept and postings + n > EXPANSION_POSTINGS:
            break
        kept.append((t, w))
        postings += n
    if len(kept) < total and notes is not None:
        notes.append(f"{said_as} matches {total:,} words: searched the {len(kept)} {kind}")
    return kept


def _any_of(fieldname: str, ts: Iterable[tuple[str, float]], boost: float = 1.0) -> wq.Query:
    qs = [wq.Term(fieldname, t, boost=boost * w) for t, w in ts]
    if not qs:
        return wq.NullQuery
    return qs[0] if len(qs) == 1 else wq.Or(qs)


def _sequence_options(
    node: wq.Sequence, lex: Lexicon, fieldname: str, notes: list[str] | None
) -> list[tuple[list[str], float]]:
    """The phrases a Sequence stands for (words, weight): its terms side by
    side, its prefix (or fuzzy) part standing for its SEQUENCE_CAP likeliest
    words -- at most SEQUENCE_CAP phrases in all."""
    options: list[Weighted] = []
    for sub in node.subqueries:
        if isinstance(sub, wq.Term):
            options.append([(sub.text, 1.0)])
        elif isinstance(sub, _MULTI):
            head = " ".join(s.text for s in node.subqueries if isinstance(s, wq.Term))
            local: list[str] = []
            got = _leaf_terms(sub, lex, fieldname, local, SEQUENCE_CAP) or []
            if notes is not None:
                notes.extend(f"{head} {n}" for n in local)
            options.append(got)
        else:
            return []
    out = []
    for combo in product(*options):
        weight = 1.0
        for _t, w in combo:
            weight *= w
        out.append(([t for t, _w in combo], weight))
        if len(out) == SEQUENCE_CAP:
            break
    return out


def _together(q: wq.Query) -> list[tuple[str, ...]]:
    """Runs of two or more plain words side by side at the top of a query
    (`it's going`, `scaling laws held`): a passage that says them side by
    side, in this order, should rank first."""
    subs = q.subqueries if isinstance(q, wq.And) else []
    runs: list[tuple[str, ...]] = []
    run: list[str] = []
    for sub in [*subs, None]:
        if isinstance(sub, wq.Term) and sub.fieldname == "text" and sub.boost == 1.0:
            run.append(sub.text)
            continue
        if len(run) >= 2:
            runs.append(tuple(run))
        run = []
    return runs


def expand(q: wq.Query, lex: Lexicon) -> Plan:
    """Turn a parsed query into the query that runs against passages.

    An unfielded word must be said (in a passage's text, or in a note); a
    passage whose title, speaker or tags also have it ranks higher (BM25F
    with those fields boosted). So a word of a title does not return every
    passage of that transcript; `title:word` does that."""
    plan = Plan(query=wq.NullQuery)
    text_alts: list[wq.Query] = []  # positive unfielded leaves

    def leaf_text(leaf: wq.Query, positive: bool) -> tuple[wq.Query, list[wq.Query]]:
        """(text-or-note query, metadata alternatives) of an unfielded leaf."""
        if isinstance(leaf, wq.Term):
            t = leaf.text
            if positive:
                plan.terms.add(t)
                plan.words.append(t)
            own = [wq.Term("text", t)] + ([wq.Term("note", t, boost=BOOSTS["note"])] if lex.df("note", t) else [])
            meta = [wq.Term(f, t, boost=BOOSTS[f]) for f in ("speaker", "title", "tag") if lex.df(f, t)]
        elif isinstance(leaf, wq.Phrase):
            words = [w for w in leaf.words if w]
            if positive:
                plan.phrases.append(tuple(words))
                plan.words.extend(words)
            own = [said(words, lex)]
            note = in_field("note", words, lex, BOOSTS["note"])
            own += [note] if note is not None else []
            meta = [q for f in ("speaker", "title", "tag") if (q := in_field(f, words, lex, BOOSTS[f])) is not None]
        elif isinstance(leaf, wq.Sequence):
            options = _sequence_options(leaf, lex, "text", plan.notes)
            if positive:
                plan.phrases.extend(tuple(words) for words, _w in options)
            alts = [said(words, lex, weight) for words, weight in options]
            alts = [a for a in alts if a is not wq.NullQuery]
            own = [wq.Or(alts) if len(alts) > 1 else alts[0] if alts else wq.NullQuery]
            meta = []
        else:
            expanded = _leaf_terms(leaf, lex, "text", plan.notes) or []
            if positive:
                plan.terms.update(t for t, _w in expanded)
            own = [_any_of("text", expanded)]
            notes = _leaf_terms(leaf, lex, "note")
            if notes:
                own.append(_any_of("note", notes, BOOSTS["note"]))
            meta = []
            for f in ("speaker", "title", "tag"):
                more = _leaf_terms(leaf, lex, f)
                if more:
                    meta.append(_any_of(f, more, BOOSTS[f]))
        return (own[0] if len(own) == 1 else wq.Or(own)), meta

    def walk(node: wq.Query, positive: bool) -> wq.Query:
        if isinstance(node, wq.Not):
            return wq.Not(walk(node.query, not positive))
        if isinstance(node, wq.AndNot):
            return wq.AndNot(walk(node.a, positive), walk(node.b, not positive))
        fieldname = getattr(node, "fieldname", None)
        if isinstance(node, wq.Sequence):
            fieldname = node.subqueries[0].fieldname if node.subqueries else None
        elif isinstance(node, (wq.CompoundQuery, wq.BinaryQuery, wq.WrappingQuery)):
            return node.apply(lambda child: walk(child, positive))
        if fieldname == "text":
            own, meta = leaf_text(node, positive)
            if positive:
                text_alts.append(own)
            if not positive or not meta:
                return own
            # Required: said; optional: the metadata, for the ranking.
            return wq.AndMaybe(own, meta[0] if len(meta) == 1 else wq.Or(meta))
        if fieldname == "format":
            return _field_leaf(node, lex, plan.notes, lower=True)
        if fieldname in _META:
            if fieldname in ("note", "tag") and positive:
                # Annotations carry notes and tags: a hit on one shows it.
                if isinstance(node, wq.Phrase):
                    plan.note_phrases.append(tuple(w for w in node.words if w))
                elif isinstance(node, wq.Term):
                    plan.note_terms.add(node.text)
                elif isinstance(node, wq.Sequence):
                    opts = _sequence_options(node, lex, fieldname, None)
                    plan.note_phrases.extend(tuple(words) for words, _w in opts)
                else:
                    plan.note_terms.update(t for t, _w in _leaf_terms(node, lex, fieldname) or [])
            return _field_leaf(node, lex, plan.notes)
        return node

    out = walk(q, True)
    plan.metadata_only = not text_alts
    plan.together = _together(q)
    boosts = [b for run in plan.together if (b := side_by_side(list(run), lex, PROXIMITY)) is not None]
    if boosts:
        out = wq.AndMaybe(out, boosts[0] if len(boosts) == 1 else wq.Or(boosts))
    plan.query = out
    return plan


def _field_leaf(node: wq.Query, lex: Lexicon, notes: list[str], lower: bool = False) -> wq.Query:
    fieldname = node.subqueries[0].fieldname if isinstance(node, wq.Sequence) else node.fieldname  # type: ignore[attr-defined]
    boost = BOOSTS.get(fieldname, 1.0)
    if isinstance(node, wq.Term):
        return wq.Term(fieldname, node.text.lower() if lower else node.text, boost=boost)
    if isinstance(node, wq.Phrase):
        return in_field(fieldname, [w for w in node.words if w], lex, boost) or wq.NullQuery
    if isinstance(node, wq.Sequence):
        options = _sequence_options(node, lex, fieldname, notes)
        alts = [a for words, w in options if (a := in_field(fieldname, words, lex, boost * w)) is not None]
        return wq.Or(alts) if len(alts) > 1 else alts[0] if alts else wq.NullQuery
    expanded = _leaf_terms(node, lex, fieldname, notes)
    if expanded is not None:
        return _any_of(fieldname, expanded, boost)
    return node


def _has_positive(q: wq.Query, positive: bool = True) -> bool:
    """Whether a query has a leaf that must match (not only NOTs)."""
    if isinstance(q, wq.Not):
        return False
    if isinstance(q, wq.AndNot):
        return _has_positive(q.a, positive)
    if isinstance(q, wq.Sequence):
        return positive
    if isinstance(q, (wq.CompoundQuery, wq.BinaryQuery, wq.WrappingQuery)):
        return any(_has_positive(c, positive) for c in q.children())
    return positive


def restrict(plan: Plan, parsed: wq.Query, in_id: int | None) -> Plan:
    """Limit the plan's query to passages (a query of only NOTs would also
    match the manifest documents), and to one transcript when asked."""
    q = plan.query
    if not _has_positive(parsed):
        q = wq.And([wq.Term("kind", "p"), q])
    if in_id is not None:
        q = wq.And([q, wq.Term("tid", str(in_id))])
    plan.query = q
    return plan

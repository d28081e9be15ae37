"""From a parsed query to what runs: the plan.

`expand` turns the parser's tree into the query that runs against
passages: each unfielded word must be said (the title, speaker and tags
only rank), a prefix or fuzzy word stands for its likeliest terms, and a
phrase becomes an `Adjacent` -- its words at fixed offsets, in the text or
running on into the next passage's tail, its common words found through
their indexed pairs or the neighbour marks of the words beside them
(documents.py). `restrict` limits it to passages (and one transcript).

The plan also says what to mark in the hits (hits.py). The engine runs
plan.query (whoosh/evaluate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from . import whoosh as _lean  # noqa: F401  first: its __init__ imports Whoosh the lean way

# isort: split
from whoosh import query as wq

from .analysis import common_numbers, fold, pair

# BM25F field weights at query time: a word in the title says more about a
# passage than the same word once in its text.
BOOSTS = {"text": 1.0, "note": 1.5, "title": 3.0, "speaker": 2.0, "tag": 2.0}
MAX_FUZZY = 2


class Lexicon(Protocol):
    """What expansion (and completion, "did you mean") needs to know about
    the index's terms: an engine's lexicon (whoosh/lexicon.py)."""

    common: frozenset[str]  # the terms with indexed pairs and neighbour marks

    def df(self, field: str, t: str) -> int: ...

    def candidates(self, field: str, prefix: str, cap: int) -> list[str]: ...

    def expand_prefix(self, field: str, prefix: str, cap: int) -> list[str]: ...

    def expand_fuzzy(self, field: str, t: str, maxdist: int, prefixlen: int, cap: int) -> list[str]: ...

    def expand_wildcard(self, field: str, pattern: str, cap: int) -> list[str]: ...


PREFIX_CAP = 64
FUZZY_CAP = 32
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


_META = ("note", "speaker", "title", "tag")


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
    its neighbour marks must show (see `common_numbers`)."""

    def __init__(self, parts: list[tuple], boost: float = 1.0) -> None:
        self.parts: list[tuple[str, str, int, int, int]] = [
            (p[0], p[1], p[2], -1, -1) if len(p) == 3 else tuple(p)  # type: ignore[misc]
            for p in parts
        ]
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Adjacent) and self.parts == other.parts and self.boost == other.boost

    def __hash__(self) -> int:
        return hash((tuple(self.parts), self.boost))

    def __repr__(self) -> str:
        return f"Adjacent({self.parts!r}, boost={self.boost})"

    def __str__(self) -> str:
        def one(f: str, t: str, o: int, before: int, after: int) -> str:
            marks = f"[{before},{after}]" if before >= 0 or after >= 0 else ""
            return f"{f}:{t!r}@{o}{marks}"

        return " ".join(one(*p) for p in self.parts)

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


def _cover(words: list[str], lex: Lexicon, fields: list[str]) -> list[tuple] | None:
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


def _cross_phrase(words: list[str], lex: Lexicon, boost: float = 1.0) -> wq.Query:
    """A phrase in a passage's text, or starting in its text and running on
    into the first words of the next passage (its `tail` field, whose
    positions continue the text's). A match never starts in the tail, so a
    phrase is found once, where it starts."""
    alts: list[wq.Query] = []
    k = len(words)
    # words[cut] opens the tail: tail0 holds only the tail's first word, a
    # far shorter posting list than the word anywhere in a tail.
    layouts = [["text"] * k] + [["text"] * cut + ["tail0"] + ["tail"] * (k - cut - 1) for cut in range(k - 1, 0, -1)]
    for fields in layouts:
        parts = _cover(words, lex, fields)
        if parts is not None and all(lex.df(f, t) for f, t, *_rest in parts):
            alts.append(Adjacent(parts, boost))
    alts = list(dict.fromkeys(alts))  # a layout whose tail words are all checked by marks repeats the first
    if not alts:
        return wq.NullQuery
    return alts[0] if len(alts) == 1 else wq.Or(alts)


def _phrase(fieldname: str, words: list[str], lex: Lexicon, boost: float) -> wq.Query | None:
    if all(lex.df(fieldname, w) for w in words):
        return Adjacent([(fieldname, w, j) for j, w in enumerate(words)], boost)
    return None


def _leaf_terms(q: wq.Query, lex: Lexicon, fieldname: str, notes: list[str] | None = None) -> list[str] | None:
    """The terms a multi-term leaf stands for in one field: its completions
    (prefix, wildcard: most frequent first) or its neighbours (fuzzy:
    closest first), bounded so that their posting lists add up to at most
    EXPANSION_POSTINGS -- a two-letter prefix can stand for thousands of
    words and hundreds of thousands of postings. Cuts are noted."""
    if isinstance(q, wq.Prefix):
        found, shown = lex.expand_prefix(fieldname, fold(q.text), PREFIX_CAP), f"{q.text}*"
    elif isinstance(q, wq.FuzzyTerm):
        d = min(q.maxdist, MAX_FUZZY)
        found = lex.expand_fuzzy(fieldname, q.text, d, max(q.prefixlength, 1), FUZZY_CAP)
        shown = f"{q.text}~{d if d > 1 else ''}"
    elif isinstance(q, wq.Wildcard):
        found, shown = lex.expand_wildcard(fieldname, fold(q.text), PREFIX_CAP), q.text
    else:
        return None
    kept, total = [], 0
    for t in found:
        n = lex.df(fieldname, t)
        if kept and total + n > EXPANSION_POSTINGS:
            break
        kept.append(t)
        total += n
    if len(kept) < len(found) and notes is not None:
        more = "+" if len(found) >= PREFIX_CAP else ""
        notes.append(f"{shown} matches {len(found)}{more} words: searched the {len(kept)} most likely")
    return kept


def _any_of(fieldname: str, ts: Iterable[str], boost: float = 1.0) -> wq.Query:
    qs = [wq.Term(fieldname, t, boost=boost) for t in ts]
    if not qs:
        return wq.NullQuery
    return qs[0] if len(qs) == 1 else wq.Or(qs)


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
            own = [_cross_phrase(words, lex)]
            note = _phrase("note", words, lex, BOOSTS["note"])
            own += [note] if note is not None else []
            meta = [q for f in ("speaker", "title", "tag") if (q := _phrase(f, words, lex, BOOSTS[f])) is not None]
        else:
            expanded = _leaf_terms(leaf, lex, "text", plan.notes if positive else None) or []
            if positive:
                plan.terms.update(expanded)
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
        if isinstance(node, (wq.CompoundQuery, wq.BinaryQuery, wq.WrappingQuery)):
            return node.apply(lambda child: walk(child, positive))
        fieldname = getattr(node, "fieldname", None)
        if fieldname == "text":
            own, meta = leaf_text(node, positive)
            if positive:
                text_alts.append(own)
            if not positive or not meta:
                return own
            # Required: said; optional: the metadata, for the ranking.
            return wq.AndMaybe(own, meta[0] if len(meta) == 1 else wq.Or(meta))
        if fieldname == "format":
            return _field_leaf(node, lex, lower=True)
        if fieldname in _META:
            if fieldname in ("note", "tag") and positive:
                # Annotations carry notes and tags: a hit on one shows it.
                if isinstance(node, wq.Phrase):
                    plan.note_phrases.append(tuple(w for w in node.words if w))
                elif isinstance(node, wq.Term):
                    plan.note_terms.add(node.text)
                else:
                    plan.note_terms.update(_leaf_terms(node, lex, fieldname) or [])
            return _field_leaf(node, lex)
        return node

    out = walk(q, True)
    plan.metadata_only = not text_alts
    plan.query = out
    return plan


def _field_leaf(node: wq.Query, lex: Lexicon, lower: bool = False) -> wq.Query:
    fieldname = node.fieldname  # type: ignore[attr-defined]
    boost = BOOSTS.get(fieldname, 1.0)
    if isinstance(node, wq.Term):
        return wq.Term(fieldname, node.text.lower() if lower else node.text, boost=boost)
    if isinstance(node, wq.Phrase):
        return _phrase(fieldname, [w for w in node.words if w], lex, boost) or wq.NullQuery
    expanded = _leaf_terms(node, lex, fieldname)
    if expanded is not None:
        return _any_of(fieldname, expanded, boost)
    return node


def _has_positive(q: wq.Query, positive: bool = True) -> bool:
    """Whether a query has a leaf that must match (not only NOTs)."""
    if isinstance(q, wq.Not):
        return False
    if isinstance(q, wq.AndNot):
        return _has_positive(q.a, positive)
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

"""Query evaluation over whole posting lists, for the shapes hark's plans
take (terms, phrases, AND, OR, NOT, AND-MAYBE, AND-NOT); and the one
phrase matcher, which Whoosh's own evaluation uses too (`for_whoosh`).

Whoosh evaluates a query one posting at a time through a tree of Python
matcher objects: an AND of two words of a few thousand passages each
makes tens of thousands of method calls, and an exact total means
scoring every match the same way. Here each posting list is decoded
into arrays (straight from the memory map), an AND narrows its rarest
part's documents by the others' lists (numpy's searchsorted) before any
scoring, and only matches are scored -- with the searcher's own BM25F
constants, so the scores are Whoosh's. A very long list met by a few
candidates (a rare word AND a common one) is not decoded whole: its block
headers say which blocks can hold the candidates, and only those are read.

A phrase longer than a passage's end and its tail (plan.Adjacent.follow)
is matched by its head, then its rest is checked in the documents after
(a transcript's passages are consecutive documents of one segment), at
the few candidates the head leaves.

Decoded lists are kept in a bounded cache per index segment: typing a
query repeats its words, and the next keystroke finds them decoded.

A query this module does not know (a shape hark's planner does not make)
raises Unsupported; the caller runs it through Whoosh instead, with its
phrases (plan.Adjacent) still matched here (`for_whoosh`). Nothing here
changes what matches or how it scores: tests/store/search/test_search_evaluate.py
checks it against Whoosh on the same index, and every phrase against a
scan of the text. Posting lists are hark's blocks (blocks.py), read
whole or by the blocks that can hold the candidates (postlists.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from whoosh import query as wq

from ..plan import Adjacent
from . import privates
from .postings import has_neighbours, phrase_at, plain_at, positions
from .postlists import LazyNumpy, ListCache, PostingList, preload, use_numpy
from .scoring import fast_constants, length_array, length_table

__all__ = ["Evaluator", "SearcherEvaluator", "Segment", "Unsupported", "for_whoosh", "preload"]

np: Any = LazyNumpy(globals())

# A value of one position below 256: its length -> its code (b"B" + the
# position; b"b" + the position and its two neighbour marks).
_ONE = {2: ord("B"), 4: ord("b")}
LEAD_POSTINGS = 1_000  # a word in this many passages is ranked by numpy, its best passages alone scored exactly


class Unsupported(Exception):
    """A query shape this evaluator leaves to Whoosh."""


Scores = dict[int, float]


class Segment:
    """One index segment (a leaf reader) and its searcher."""

    def __init__(
        self,
        searcher: Any,
        reader: Any,
        cache: ListCache | None = None,
        number: int = 0,
        constants: dict[tuple[str, str], Any] | None = None,
        df: Callable[[str, str], int | None] | None = None,
    ) -> None:
        self.searcher = searcher
        self._df = df  # a term's document frequency in the whole index, where known (None: ask Whoosh)
        self.reader = reader
        self.cache = cache if cache is not None else ListCache()
        self.number = number
        self._scorers: dict[tuple[str, str], Any] = {}
        # A term's BM25F constants, the same in every segment of a searcher
        # (shared by them): worked out once, not once a segment.
        self._constants = constants if constants is not None else {}
        deleted = reader.deleted_docs_set if reader.has_deletions() else None
        self.deleted = frozenset(deleted) if deleted else None
        try:  # the fields this segment has terms in (None: unknown)
            self.fields: frozenset[str] | None = frozenset(reader.indexed_field_names())
        except Exception:
            self.fields = None

    def plist(self, field: str, text: str) -> PostingList | None:
        def make() -> PostingList | None:
            r = self.reader
            got = privates.posting_list(r, field, text)
            if got is not None:
                df, m = got
                return PostingList(m, df, self.deleted) if df else None
            df = r.doc_frequency(field, text)  # 0 for a term the segment does not have
            if not df:
                return None
            return PostingList(privates.unfiltered(r.postings(field, text)), df, self.deleted)

        return self.cache.get((self.number, field, text), make)

    def scorer(self, field: str, text: str) -> Any:
        key = (field, text)
        sc = self._scorers.get(key)
        if sc is None:
            sc = self._scorers[key] = self.searcher.weighting.scorer(self.searcher, field, text)
        return sc

    def fast(self, field: str, text: str) -> tuple[float, float, float, list[int]] | None:
        """(numerator, the two length constants, this segment's length
        table) of a term's BM25F scorer, as fast_constants gives them, or
        None where the scorer is another."""
        key = (field, text)
        got = self._constants.get(key, False)
        if got is False:
            make = getattr(self.searcher.weighting, "constants", None)
            if make is None:
                got = None
            elif self._df is not None:
                got = make(self.searcher, field, text, self._df(field, text))
            else:
                got = make(self.searcher, field, text)
            self._constants[key] = got
        if got is None:
            return fast_constants(self.scorer(field, text))
        table = length_table(self.reader, field)
        if table is None:
            return fast_constants(self.scorer(field, text))
        return (*got, table)

    def scores(self, field: str, text: str, ids: Any, weights: Any, boost: float) -> list[float]:
        """BM25F scores of postings, as the searcher's scorer gives them."""
        fast = self.fast(field, text)
        if fast is not None:
            num, c1, c2, table = fast
            num *= boost
            return [num * w / (w + c1 + c2 * table[d]) for d, w in zip(ids, weights, strict=True)]
        sc = self.scorer(field, text)
        if type(sc).__name__ == "WeightScorer":
            return [w * boost for w in weights]
        if _weight_length(sc):  # BM25F without a length table (another codec): Whoosh's own formula
            return [sc.score(_At(d, w)) * boost for d, w in zip(ids, weights, strict=True)]
        raise Unsupported(f"scorer {type(sc).__name__}")


class Evaluator:
    """Evaluates a query on one index segment: {docnum: score}."""

    def __init__(self, seg: Segment) -> None:
        self.seg = seg

    def run(self, q: wq.Query) -> Scores:
        return self.eval(q, None)

    def top(self, q: wq.Query, limit: int) -> tuple[Scores, int]:
        """Scores of a set of documents that holds the best `limit`, and the
        number of matches. A query led by one word of many passages ("like",
        "the": tens of thousands), alone or with a few other words that only
        add to the score (a title word, a note), is not scored passage by
        passage: the word's best `limit` passages (its whole list scored at
        once by numpy) and the passages of the other words are the
        candidates, scored exactly, and the count comes from the word's
        list."""
        shape = self._led(q)
        best = None
        if shape is not None:
            lead, alts, optional = shape
            pl = self.seg.plist(lead.fieldname, lead.text)
            fast = self.seg.fast(lead.fieldname, lead.text)
            if pl is not None and fast is not None and use_numpy(pl.df):
                num, c1, c2, table = fast
                best = pl.top(limit, (num, c1, c2, length_array(self.seg.reader, lead.fieldname, table)))
        if best is None:  # any other query, or a list not in blocks: score it whole
            scores = self.run(q)
            return scores, len(scores)
        either: set[int] = set()  # passages of the OR's other words
        for other in alts:
            either.update(self.eval(other, None))
        extra = set(either)
        for other in optional:
            extra.update(self.eval(other, None))
        scores = self.eval(q, sorted(extra.union(best)))
        # Matches: the word's passages, and the OR's other words' outside them.
        total = pl.count()
        if either:
            ids, _w, _v = pl.at(sorted(either), values=False)
            total += len(either) - len(ids)
        return scores, total

    def _led(self, q: Any) -> tuple[wq.Term, list, list] | None:
        """(the leading word, the OR's other words, the AND-MAYBE's optional
        part) of a query whose matches are a very common word's passages,
        plus (OR) or scored by (AND-MAYBE) a few other words; None for any
        other query."""
        optional: list = []
        node = q
        if isinstance(node, wq.AndMaybe):
            optional.append(node.b)
            node = node.a
        alts = node.subqueries if isinstance(node, wq.Or) and not node.minmatch and node.scale is None else [node]
        if not all(isinstance(a, wq.Term) for a in alts):
            return None
        lead = max(alts, key=self._size)
        if self._size(lead) < LEAD_POSTINGS or lead.boost != 1.0:
            return None
        return lead, [a for a in alts if a is not lead], optional

    # `within`: sorted candidate documents the result must come from (or None).

    def eval(self, q: Any, within: list[int] | None) -> Scores:
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return {}
        if isinstance(q, wq.Term):
            return self._term(q.fieldname, q.text, q.boost, within)
        if isinstance(q, Adjacent):
            return self.phrase(q, within)
        if isinstance(q, wq.And):
            return self._and(q.subqueries, within, q.boost)
        if isinstance(q, wq.Or):
            if q.minmatch or q.scale is not None:
                raise Unsupported("Or with minmatch or scale")
            out: Scores = {}
            for sub in q.subqueries:
                for d, s in self.eval(sub, within).items():
                    out[d] = out.get(d, 0.0) + s
            return _boosted(out, q.boost)
        if isinstance(q, wq.AndMaybe):
            a = self.eval(q.a, within)
            if a:
                b = self.eval(q.b, sorted(a))
                for d, s in b.items():
                    if d in a:
                        a[d] += s
            return _boosted(a, q.boost)
        if isinstance(q, wq.AndNot):
            a = self.eval(q.a, within)
            if a:
                for d in self.eval(q.b, sorted(a)):
                    a.pop(d, None)
            return _boosted(a, q.boost)
        if isinstance(q, wq.Not):
            raise Unsupported("a lone Not")
        raise Unsupported(type(q).__name__)

    def _size(self, q: Any) -> int:
        """An upper bound on a query's matches, to order an AND's parts."""
        if isinstance(q, wq.Term):
            pl = self.seg.plist(q.fieldname, q.text)
            return pl.df if pl is not None else 0
        if isinstance(q, Adjacent):
            return min((self._size(wq.Term(p[0], p[1])) for p in q.parts), default=0)
        if isinstance(q, wq.And):
            return min((self._size(s) for s in q.subqueries if not isinstance(s, wq.Not)), default=0)
        if isinstance(q, (wq.AndMaybe, wq.AndNot)):
            return self._size(q.a)
        if isinstance(q, wq.Or):
            return sum(self._size(s) for s in q.subqueries)
        return 1 << 40

    def _and(self, subs: list, within: list[int] | None, boost: float) -> Scores:
        pos = [s for s in subs if not isinstance(s, wq.Not)]
        neg = [s.query for s in subs if isinstance(s, wq.Not)]
        if not pos:
            raise Unsupported("an AND of NOTs")
        pos.sort(key=self._size)
        if not neg:
            words = self._and_words(pos, within, boost)
            if words is not None:
                return words
        # Narrow first, score after: a word's postings are scored only
        # where every other part matches too (its rarest part's list is
        # mostly documents the others do not have).
        cand: Any = within
        kept: list[Scores | None] = []
        for sub in pos:
            lead = sub.a if isinstance(sub, wq.AndMaybe) else sub  # an AND-MAYBE's optional part only scores
            if isinstance(lead, wq.Term):
                cand = self._docs(lead, cand)
                kept.append(None)
            else:
                got = self.eval(sub, cand)
                kept.append(got)
                cand = sorted(got)
            if not len(cand):
                return {}
        for sub in neg:
            gone = self.eval(sub, cand)
            if gone:
                cand = [d for d in cand if d not in gone]
                if not cand:
                    return {}
        out: Scores = dict.fromkeys(cand, 0.0)
        for sub, got in zip(pos, kept, strict=True):
            if got is None:
                got = self.eval(sub, cand)
            for d in out:
                out[d] += got[d]
        if neg:  # Whoosh scores a NOT inside an AND as 1.0 (its inverse matcher's weight)
            for d in out:
                out[d] += len(neg)
        return _boosted(out, boost)

    def _and_words(self, pos: list, within: list[int] | None, boost: float) -> Scores | None:
        """An AND of words (each alone, or with parts that only add to its
        score: AND-MAYBE, as plan.expand makes for a word that may also be
        in the title) -- what most queries are -- in arrays: the words'
        lists narrowed from the rarest, then every word scored at once over
        the documents left (numpy, the same float operations, in the same
        order, as Segment.scores and _and: the same scores). None for any
        other shape, or a list not in blocks."""
        leads = []
        for sub in pos:
            lead = sub.a if isinstance(sub, wq.AndMaybe) else sub
            if not isinstance(lead, wq.Term):
                return None
            pl = self.seg.plist(lead.fieldname, lead.text)
            if pl is None:
                return {}
            fast = self.seg.fast(lead.fieldname, lead.text)
            if fast is None or not pl._blocked():
                return None
            leads.append((sub, lead, pl, fast))
        if not use_numpy(leads[0][2].df):  # (the rarest: what the plain AND reads whole)
            return None
        cand: Any = None if within is None else np.array(within, dtype=np.uint32)
        for _sub, _lead, pl, _fast in leads:
            cand = pl.pick(cand)[0]
            if not len(cand):
                return {}
        out: Any = None
        listed: list[int] | None = None
        for sub, lead, pl, (num, c1, c2, table) in leads:
            _ids, w = pl.pick(cand)
            w = w.astype(np.float64)
            lengths = length_array(self.seg.reader, lead.fieldname, table)
            s = (num * lead.boost * w) / ((w + c1) + c2 * lengths[cand])
            if sub is not lead:  # AND-MAYBE: its optional part adds where it matches
                if listed is None:
                    listed = cand.tolist()
                more = self.eval(sub.b, listed)
                if more:
                    keys = np.fromiter(more, dtype=np.int64, count=len(more))
                    at = np.minimum(np.searchsorted(cand, keys), len(cand) - 1)
                    hit = cand[at] == keys  # (within `listed`, as every part keeps to)
                    s[at[hit]] += np.fromiter(more.values(), dtype=np.float64, count=len(more))[hit]
                if sub.boost != 1.0:
                    s *= sub.boost
            out = s if out is None else out + s
        if boost != 1.0:
            out *= boost
        return dict(zip(listed if listed is not None else cand.tolist(), out.tolist(), strict=True))

    def _docs(self, q: wq.Term, within: Any) -> Any:
        """The documents (sorted) of a word, among `within` if given."""
        pl = self.seg.plist(q.fieldname, q.text)
        if pl is None:
            return []
        return pl.all()[0] if within is None else pl.at(within, values=False)[0]

    def _term(self, field: str, text: str, boost: float, within: list[int] | None) -> Scores:
        pl = self.seg.plist(field, text)
        if pl is None:
            return {}
        if within is None:
            ids, weights, _v = pl.all()
        else:
            ids, weights, _v = pl.at(within, values=False)
        return dict(zip(ids, self.seg.scores(field, text, ids, weights, boost), strict=True))

    def phrase(self, q: Adjacent, within: list[int] | None) -> Scores:
        """The phrase matcher (plan.Adjacent): every part at its offset from
        the first. Candidates from the rarest part, narrowed by each next
        one (by its neighbour marks first), then positions checked."""
        parts = []
        for part in q.parts:
            pl = self.seg.plist(part[0], part[1])
            if pl is None:
                return {}
            parts.append((pl.df, part, pl))
        parts.sort(key=lambda p: p[0])
        if len(parts) == 1:
            got = self._marked(parts[0][1], parts[0][2], within, q.boost)
            return {d: s for d, s in got.items() if self._follows(d, q.follow)} if q.follow else got
        found: list[tuple[tuple, dict[int, int], Any, Any]] = []
        cand = within
        has = has_neighbours
        for _df, part, pl in parts:
            ids, weights, values = pl.all() if cand is None else pl.at(cand)
            before, after = part[3], part[4]
            last = found[-1][1] if found else None
            # Marks narrow a part at once (a word followed by "of" is far
            # rarer than the word), before the next part is read.
            if before >= 0 or after >= 0:
                if last is None:
                    got = {d: i for i, (d, v) in enumerate(zip(ids, values, strict=True)) if has(v, before, after)}
                else:
                    got = {d: i for i, d in enumerate(ids) if d in last and has(values[i], before, after)}
            elif last is None:
                got = {d: i for i, d in enumerate(ids)}
            else:
                got = {d: i for i, d in enumerate(ids) if d in last}
            if not got:
                return {}
            found.append((part, got, weights, values))
            cand = sorted(got)
        docs = cand or []
        ordered = [part for part, *_x in found]
        if len(found) == 2 and all(p[3] < 0 and p[4] < 0 for p in ordered):
            # Two words side by side (a proximity boost's phrase, mostly):
            # each said once in a passage, usually -- its one position is
            # the value's second byte.
            step = ordered[1][2] - ordered[0][2]
            (_p0, g0, _w0, v0), (_p1, g1, _w1, v1) = found
            kept = []
            for d in docs:
                a, b = v0[g0[d]], v1[g1[d]]
                if _ONE.get(len(a)) == a[0] and _ONE.get(len(b)) == b[0]:
                    if a[1] + step == b[1]:
                        kept.append(d)
                elif plain_at([a, b], [step]):
                    kept.append(d)
            docs = kept
        elif all(p[3] < 0 and p[4] < 0 for p in ordered):  # no marks: positions alone
            steps = [p[2] - ordered[0][2] for p in ordered[1:]]
            docs = [d for d in docs if plain_at([v[g[d]] for _p, g, _w, v in found], steps)]
        else:
            docs = [d for d in docs if phrase_at([v[g[d]] for _p, g, _w, v in found], ordered)]
        if q.follow:
            docs = [d for d in docs if self._follows(d, q.follow)]
        out: Scores = dict.fromkeys(docs, 0.0)
        for part, g, weights, _v in found:
            ws = [weights[g[d]] for d in docs]
            for d, s in zip(docs, self.seg.scores(part[0], part[1], docs, ws, q.boost), strict=True):
                out[d] += s
        return out

    def _at(self, field: str, t: str, doc: int) -> Any:
        """The positions of a term in one document's field (empty if none)."""
        pl = self.seg.plist(field, t)
        if pl is None:
            return ()
        ids, _w, values = pl.at([doc])
        return positions(values[0]) if ids else ()

    def _follows(self, doc: int, words: tuple[str, ...]) -> bool:
        """Whether `words` run on from the start of the passage after `doc`,
        and on through the passages after that as far as they go. A
        transcript's passages are consecutive documents of one index
        segment (they are added, and merged, in order); the stored fields
        confirm it. Where a passage's text ends, its tail's first word
        (tail0, at the position just past the text) says so, and the rest
        runs on in the next one."""
        reader = self.seg.reader
        gone = self.seg.deleted or ()
        here = reader.stored_fields(doc)
        while words:
            nxt = doc + 1
            if nxt >= reader.doc_count_all() or nxt in gone:
                return False
            there = reader.stored_fields(nxt)
            if there.get("tid") != here.get("tid") or there.get("first") != here.get("last", -2) + 1:
                return False
            for i, t in enumerate(words):
                if i in self._at("text", t, nxt):
                    continue
                if i in self._at("tail0", t, nxt):
                    break  # the passage ends here (at 0: it says nothing): the rest starts the one after
                return False
            else:
                return True
            words = words[i:]
            doc, here = nxt, there
        return True

    def _marked(self, part: tuple, pl: PostingList, within: list[int] | None, boost: float) -> Scores:
        """A one-part phrase: a word whose neighbour marks show the common
        words beside it ("the model", "reasoning just")."""
        f, t, _o, before, after = part
        ids, weights, values = pl.all() if within is None else pl.at(within)
        if before < 0 and after < 0:
            keep = range(len(ids))
        else:
            has = has_neighbours
            keep = [i for i, v in enumerate(values) if has(v, before, after)]
        docs = [ids[i] for i in keep]
        ws = [weights[i] for i in keep]
        return dict(zip(docs, self.seg.scores(f, t, docs, ws, boost), strict=True))


class _At:
    """One posting, as a Whoosh scorer reads it from a matcher."""

    __slots__ = ("_d", "_w")

    def __init__(self, d: int, w: float) -> None:
        self._d, self._w = d, w

    def id(self) -> int:
        return self._d

    def weight(self) -> float:
        return self._w


def _weight_length(sc: Any) -> bool:
    from whoosh.scoring import WeightLengthScorer

    return isinstance(sc, WeightLengthScorer)


def fields_of(q: Any) -> set[str] | None:
    """The fields a query's matches need terms in (a segment with none of
    them has no match); None where that is not known (a query whose
    matches may lack every term it names: a NOT not under an AND)."""
    if isinstance(q, wq.Term):
        return {q.fieldname}
    if isinstance(q, Adjacent):
        return {p[0] for p in q.parts}
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return set()
    if isinstance(q, wq.And):
        parts = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        if not parts:
            return None
    elif isinstance(q, wq.Or):
        parts = list(q.subqueries)
    elif isinstance(q, (wq.AndMaybe, wq.AndNot)):
        parts = [q.a]  # (its matches are the first part's)
    else:
        return None
    out: set[str] = set()
    for part in parts:
        got = fields_of(part)
        if got is None:
            return None
        out |= got
    return out


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost != 1.0:
        for d in scores:
            scores[d] *= boost
    return scores


class SearcherEvaluator:
    """The evaluator for one searcher: its segments' caches live as long as
    the searcher does (a refreshed searcher gets a new one)."""

    def __init__(self, searcher: Any, df: Callable[[str, str], int | None] | None = None) -> None:
        """`df` gives a term's document frequency in the whole index where
        it is known (the term table warm built: no look-up in every
        segment for its idf), else None."""
        self.searcher = searcher
        cache = ListCache()
        constants: dict[tuple[str, str], Any] = {}
        self.segments = [
            (Segment(ss, ss.reader(), cache, n, constants, df), offset)
            for n, (ss, offset) in enumerate(searcher.leaf_searchers())
        ]

    def search(self, q: wq.Query, limit: int) -> tuple[list[tuple[int, float]], int]:
        """The best `limit` documents (global docnum, score), best first
        (ties: the earlier document), and the exact number of matches.
        Raises Unsupported for a query it leaves to Whoosh."""
        total = 0
        best: list[tuple[float, int]] = []
        wanted = fields_of(q)
        for seg, offset in self.segments:
            if wanted is not None and seg.fields is not None and wanted.isdisjoint(seg.fields):
                continue  # (the index's state document's own segment, for most queries)
            scores, n = Evaluator(seg).top(q, limit)
            total += n
            top = heapq.nlargest(limit, ((s, -(d + offset)) for d, s in scores.items()))
            best = heapq.nlargest(limit, best + top)
        return [(-nd, s) for s, nd in best], total


# -- the phrase matcher, for Whoosh's own evaluation ------------------------------------


class _WhooshPhrase(Adjacent):
    """plan.Adjacent as Whoosh runs it: its matches and scores in one
    segment come from Evaluator.phrase (the one phrase matcher), handed
    to Whoosh as a list of documents whose weights are their scores."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        from whoosh.matching import ListMatcher, NullMatcher

        scores = Evaluator(Segment(searcher, searcher.reader())).phrase(self, None)
        if not scores:
            return NullMatcher()
        ids = sorted(scores)
        return ListMatcher(ids, weights=[scores[d] for d in ids])


def for_whoosh(q: wq.Query) -> wq.Query:
    """The query with its phrases (plan.Adjacent) made runnable by Whoosh."""
    if isinstance(q, Adjacent):
        return _WhooshPhrase(q.parts, q.boost, q.follow)
    # The plan's own nodes were made with apply() (plan.expand): nothing is lost here.
    return q if q.is_leaf() else q.apply(for_whoosh)

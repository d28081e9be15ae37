"""The index's terms, for the plan (prefixes, fuzzy words, wildcards),
completion and "did you mean": a plan.Lexicon over one Whoosh searcher,
and the text field's term table, built in memory by `warm` (prefix
expansion without walking Whoosh's term index). Fuzzy words are looked up
among the surface words as written (spelling.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..analysis import COMMON, fold
from ..spelling import Spelling
from ..words import Surface, starting_with

PREFIX_WORDS = 200_000  # the surface words a prefix is looked up in (all, in practice)
OWN_TERMS = 20_000  # a metadata field's terms a fuzzy word is compared with


# The fields every plain word of a query is looked up in (plan.expand: may
# it also rank by the title, a speaker, a tag, a note?). Their vocabularies
# are small (a library's titles and names, not its words said): kept whole
# in memory, a look-up is a dict's, not one in each index segment's term
# table (~5 us each, per segment, per field, per word).
SMALL_FIELDS = ("title", "speaker", "tag", "note")


class TermTable:
    """The text field's terms and document frequencies, in memory (built in
    the background by `warm`): prefix and fuzzy expansion without walking
    Whoosh's term index, and the frequencies completion ranks by; and the
    document frequencies of the small fields' terms."""

    def __init__(self, reader: Any) -> None:
        terms: list[str] = []
        df: dict[str, int] = {}
        for tb, ti in reader.iter_field("text"):
            t = tb.decode("utf-8")
            terms.append(t)
            df[t] = ti.doc_frequency()
        self.terms = terms  # sorted (Whoosh keeps terms in byte order; these are the same for UTF-8)
        self.df = df
        self.small: dict[str, dict[str, int]] = {}
        for field in SMALL_FIELDS:
            if field in reader.schema:
                self.small[field] = {tb.decode("utf-8"): ti.doc_frequency() for tb, ti in reader.iter_field(field)}

    def prefix(self, p: str, cap: int = 20000) -> list[str]:
        return starting_with(self.terms, p, cap)


class Lexicon:
    """plan.Lexicon over one searcher (cached per searcher generation): the
    index's terms, with the surface words (words.py) for prefixes and
    fuzzy words as written."""

    def __init__(
        self,
        searcher: Any,
        table: TermTable | None,
        surface: Callable[[], Surface | None],
        common: frozenset[str] = COMMON,
    ) -> None:
        self.s = searcher
        self.common = common
        self.reader = searcher.reader()
        self.table = table
        self._surface = surface
        self._df: dict[tuple[str, str], int] = {}
        self._spellings: dict[str, Spelling] = {}
        self._near: dict[tuple[str, int, int], list[tuple[str, int]]] = {}

    def df(self, fieldname: str, t: str) -> int:
        key = (fieldname, t)
        n = self._df.get(key)
        if n is None:
            known = None
            if self.table is not None:
                known = self.table.df if fieldname == "text" else self.table.small.get(fieldname)
            if known is not None:
                n = known.get(t, 0)
            else:
                try:
                    n = self.reader.doc_frequency(fieldname, t)
                except Exception:
                    n = 0
            self._df[key] = n
        return n

    def candidates(self, fieldname: str, prefix: str, cap: int = 20000) -> list[str]:
        if fieldname == "text" and self.table is not None:
            return self.table.prefix(prefix, cap)
        out = []
        try:
            for tb in self.reader.expand_prefix(fieldname, prefix):
                out.append(tb.decode("utf-8") if isinstance(tb, bytes) else tb)
                if len(out) >= cap:
                    break
        except Exception:
            pass
        return out

    def _top(self, fieldname: str, cands: Iterable[str], cap: int) -> tuple[list[str], int]:
        """The `cap` most frequent of the candidates that are in the field,
        and how many are."""
        ranked = [(self.df(fieldname, t), t) for t in dict.fromkeys(cands)]
        ranked = [x for x in ranked if x[0] > 0]
        ranked.sort(key=lambda x: (-x[0], x[1]))
        return [t for _n, t in ranked[:cap]], len(ranked)

    def expand_prefix(self, fieldname: str, prefix: str, cap: int) -> tuple[list[str], int]:
        if not prefix:
            return [], 0
        cands = self.candidates(fieldname, prefix)
        if fieldname in ("text", "note", "title", "speaker", "tag"):
            surface = self._surface()
            if surface is not None:
                cands += [surface.term[w] for w in surface.prefix(prefix, PREFIX_WORDS)]
        return self._top(fieldname, cands, cap)

    def expand_fuzzy(
        self, fieldname: str, word: str, maxdist: int, prefixlen: int, cap: int
    ) -> tuple[list[tuple[str, int]], int]:
        """The terms of the words within maxdist edits of `word` as written
        (spelling.py: the library's surface words), closest first, then most
        frequent: (term, distance), and how many terms there are. A field
        other than the text also looks at its own terms (titles, names and
        notes may hold words nobody says)."""
        w = fold(word)
        best: dict[str, int] = {}
        surface = self._surface()
        if surface is not None and surface.words:
            key = (w, maxdist, prefixlen)
            near = self._near.get(key)
            if near is None:  # asked again for each field of an unfielded word
                if len(self._near) > 1000:
                    self._near.clear()
                near = self._near[key] = surface.spelling().near(w, maxdist, prefixlen)
            for c, d in near:
                t = surface.term[c]
                if d < best.get(t, maxdist + 1):
                    best[t] = d
        if fieldname != "text" or surface is None or not surface.words:
            for c, d in self._own(fieldname).near(w, maxdist, prefixlen):
                if d < best.get(c, maxdist + 1):
                    best[c] = d
        ranked = [(d, -self.df(fieldname, t), t) for t, d in best.items()]
        ranked = [x for x in ranked if x[1] < 0]
        ranked.sort()
        return [(t, d) for d, _n, t in ranked[:cap]], len(ranked)

    def _own(self, fieldname: str) -> Spelling:
        """A field's own terms, for fuzzy lookups (made at the first use)."""
        got = self._spellings.get(fieldname)
        if got is None:
            got = self._spellings[fieldname] = Spelling(sorted(self.candidates(fieldname, "", OWN_TERMS)))
        return got

    def expand_wildcard(self, fieldname: str, pattern: str, cap: int) -> tuple[list[str], int]:
        lit = re.split(r"[*?]", pattern, maxsplit=1)[0]
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")
        cands = [c for c in self.candidates(fieldname, lit) if rx.match(c)]
        surface = self._surface()
        if surface is not None and fieldname == "text":
            cands += [surface.term[w] for w in surface.prefix(lit, PREFIX_WORDS) if rx.match(w)]
        return self._top(fieldname, cands, cap)

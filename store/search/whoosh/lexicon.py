"""The index's terms, for the plan (prefixes, fuzzy words, wildcards),
completion and "did you mean": a plan.Lexicon over one Whoosh searcher,
and the text field's term table, built in memory by `warm` (prefix and
fuzzy expansion without walking Whoosh's term index)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..analysis import COMMON, distance, term
from ..words import Surface, starting_with


class TermTable:
    """The text field's terms and document frequencies, in memory (built in
    the background by `warm`): prefix and fuzzy expansion without walking
    Whoosh's term index, and the frequencies completion ranks by."""

    def __init__(self, reader: Any) -> None:
        terms: list[str] = []
        df: dict[str, int] = {}
        for tb, ti in reader.iter_field("text"):
            t = tb.decode("utf-8")
            terms.append(t)
            df[t] = ti.doc_frequency()
        self.terms = terms  # sorted (Whoosh keeps terms in byte order; these are the same for UTF-8)
        self.df = df

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

    def df(self, fieldname: str, t: str) -> int:
        key = (fieldname, t)
        n = self._df.get(key)
        if n is None:
            if fieldname == "text" and self.table is not None:
                n = self.table.df.get(t, 0)
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

    def _top(self, fieldname: str, cands: Iterable[str], cap: int) -> list[str]:
        ranked = [(self.df(fieldname, t), t) for t in dict.fromkeys(cands)]
        ranked = [x for x in ranked if x[0] > 0]
        ranked.sort(key=lambda x: (-x[0], x[1]))
        return [t for _n, t in ranked[:cap]]

    def expand_prefix(self, fieldname: str, prefix: str, cap: int) -> list[str]:
        if not prefix:
            return []
        cands = self.candidates(fieldname, prefix)
        if fieldname in ("text", "note", "title", "speaker", "tag"):
            surface = self._surface()
            if surface is not None:
                cands += [surface.term[w] for w in surface.prefix(prefix)]
        return self._top(fieldname, cands, cap)

    def expand_fuzzy(self, fieldname: str, t: str, maxdist: int, prefixlen: int, cap: int) -> list[str]:
        """Terms within maxdist edits of the word t: compared both as
        written (with the surface words: "lighthuose" ~ "lighthouse") and
        as a term (with the index terms: "scallings" ~ "scaling")."""
        best: dict[str, int] = {}

        def consider(word: str, target: str, term_of: Callable[[str], str], cands: Iterable[str]) -> None:
            for c in cands:
                if abs(len(c) - len(target)) <= maxdist:
                    d = distance(c, target, maxdist)
                    if d <= maxdist:
                        tt = term_of(c)
                        if d < best.get(tt, maxdist + 1):
                            best[tt] = d

        stem = term(t)
        consider(t, stem, lambda c: c, self.candidates(fieldname, stem[:prefixlen], 200000))
        surface = self._surface()
        if surface is not None and fieldname in ("text", "note", "title", "speaker", "tag"):
            consider(t, t, lambda c: surface.term[c], surface.prefix(t[:prefixlen], 200000))
        ranked = [(d, -self.df(fieldname, c), c) for c, d in best.items()]
        ranked = [x for x in ranked if x[1] < 0]
        ranked.sort()
        return [c for _d, _n, c in ranked[:cap]]

    def expand_wildcard(self, fieldname: str, pattern: str, cap: int) -> list[str]:
        lit = re.split(r"[*?]", pattern, maxsplit=1)[0]
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")
        cands = [c for c in self.candidates(fieldname, lit) if rx.match(c)]
        surface = self._surface()
        if surface is not None and fieldname == "text":
            cands += [surface.term[w] for w in surface.prefix(lit) if rx.match(w)]
        return self._top(fieldname, cands, cap)

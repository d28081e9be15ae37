"""Surface words: the words of the library as written (folded), each with
its term, kept in a file beside the index (WORDS_FILE). What a prefix such
as "runni" should find ("running" is indexed as "run"), what completion
shows, what fuzzy words and "did you mean" look among (spelling.py). A
superset is harmless (terms without postings are dropped), so words of
removed transcripts stay until the next rebuild."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..paths import write_private
from .analysis import fold, term, units
from .spelling import Spelling

if TYPE_CHECKING:
    from ..library import StoredTranscript

WORDS_FILE = "words"  # surface word -> term, for prefixes, completion, did-you-mean
PAUSE_EVERY = 500  # words between a background build's pauses (a few milliseconds of work)


class Surface:
    """The surface words (sorted) and their terms."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self.words = sorted(pairs)
        self.term = pairs
        self._spelling: Spelling | None = None
        self._by_term: dict[str, list[str]] | None = None

    def by_term(self, make: bool = True) -> dict[str, list[str]] | None:
        """term -> its surface words (made at the first use; None if not
        made yet and not `make`)."""
        if self._by_term is None and make:
            inverse: dict[str, list[str]] = {}
            for w, t in self.term.items():
                got = inverse.get(t)
                if got is None:
                    inverse[t] = [w]
                else:
                    got.append(w)
            self._by_term = inverse
        return self._by_term

    def spelling(self) -> Spelling:
        """The words for fuzzy lookups (made at the first use)."""
        if self._spelling is None:
            self._spelling = Spelling(self.words)
        return self._spelling

    @classmethod
    def load(cls, path: Path) -> Surface:
        pairs: dict[str, str] = {}
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    w, _, t = line.rstrip("\n").partition("\t")
                    if w and t:
                        pairs[w] = t
        except (OSError, UnicodeDecodeError):
            pass
        return cls(pairs)

    def prefix(self, p: str, cap: int = 5000) -> list[str]:
        return starting_with(self.words, p, cap)


def starting_with(words: list[str], p: str, cap: int) -> list[str]:
    """The first `cap` of sorted `words` that start with p."""
    out = []
    i = bisect_left(words, p)
    while i < len(words) and words[i].startswith(p) and len(out) < cap:
        out.append(words[i])
        i += 1
    return out


def save_surface(path: Path, new: dict[str, str], replace: bool = False) -> None:
    """Merge the surface words of newly indexed text into the file (under
    the write lock). Words of transcripts removed since stay until the next
    rebuild: their terms have no postings, so nothing uses them."""
    old = {} if replace else Surface.load(path).term
    fresh = {w: t for w, t in new.items() if old.get(w) != t}
    if not fresh and not replace:
        return
    old.update(fresh)
    data = "".join(f"{w}\t{t}\n" for w, t in sorted(old.items()) if "\t" not in w and "\n" not in w)
    write_private(path, data.encode("utf-8"))


def words_of(st: StoredTranscript, into: set[str]) -> None:
    """The distinct words of a transcript's text, as written (CJK text as
    its pairs of characters: analysis.units)."""
    for seg in st.segments:
        into.update(units(seg.text))


def surface_of(words: set[str]) -> dict[str, str]:
    """Surface words (folded) -> their terms."""
    return {fold(w): term(w) for w in words}


def one_per_stem(ranked: list[tuple[int, str]], term_of: dict[str, str], limit: int) -> list[str]:
    """Completions, most frequent first, one word per stem: "lighthouse"
    and "lighthouses" are one completion, not two (the first in order)."""
    out: list[str] = []
    stems: set[str] = set()
    for _n, w in sorted(ranked, key=lambda x: (-x[0], x[1])):
        stem = term_of.get(w, w)
        if stem not in stems:
            stems.add(stem)
            out.append(w)
            if len(out) == limit:
                break
    return out


def short_completions(
    surface: Surface | None, df: Callable[[str], int], pause: Callable[[], None] | None = None
) -> dict[str, list[str]]:
    """The completions of every one- and two-letter prefix, computed once
    (`df`: a term's document frequency in the text; `pause`, if given, is
    called every few hundred words: a background build's breath)."""
    if surface is None:
        return {}
    short: dict[str, list[tuple[int, str]]] = {}
    for i, w in enumerate(surface.words):
        if pause is not None and i % PAUSE_EVERY == 0:
            pause()
        n = df(surface.term[w])
        if n:
            for k in (1, 2):
                if len(w) > k:
                    short.setdefault(w[:k], []).append((n, w))
    return {p: one_per_stem(v, surface.term, 16) for p, v in short.items()}

"""Words within a few edits of a word as written: fuzzy words (`w~`) and
"did you mean".

The distance is Damerau-Levenshtein (optimal string alignment,
analysis.distance): a swap of two letters side by side is one edit, and the
first letter may be wrong like any other. It is measured on the words as
written (folded), never on their stems: `tued~` is "tuned", not every word
whose stem is near "tu". The words are the library's distinct surface
words (words.py); the caller searches the found words by their terms.

One edit: an edit touches one letter, or two side by side (a swap), so a
word one edit from q keeps q's first (L-1)//2 letters or its last
L-1-(L-1)//2 (together they leave a gap of one letter). The candidates are
the words, of a length within one, that start with the first part or end
with the last: two bisections, in the sorted words and in the sorted
reversed words. A few dozen candidates, checked letter by letter.

Two edits: an edit breaks at most three of q's letter pairs (with ^ and $
at its ends), so a word two edits away shares all but six of them. The
words are counted by shared pairs over an index of letter pairs (built at
the first use, a fifth of a second for 60,000 words); a candidate's letter
set must also differ from q's by at most four letters before the distance
is computed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable

from .analysis import distance


def within_one(a: str, b: str) -> int:
    """0 if a == b, 1 if one edit apart (a swap counts as one), else 2."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if la > lb:
        a, b, la, lb = b, a, lb, la
    if lb - la > 1:
        return 2
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return 1  # one letter replaced
        swapped = i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return 1 if swapped else 2
    return 1 if a[i:] == b[i + 1 :] else 2  # one letter more in b


def _starting(words: list[str], p: str, lo: int, hi: int) -> list[str]:
    """The words (sorted) that start with p, of a length from lo to hi."""
    out = []
    i = bisect_left(words, p)
    n = len(words)
    while i < n:
        w = words[i]
        if not w.startswith(p):
            break
        if lo <= len(w) <= hi:
            out.append(w)
        i += 1
    return out


class Spelling:
    """The library's distinct words as written (folded), for fuzzy lookups."""

    def __init__(self, words: list[str]) -> None:
        self.words = words  # sorted
        self._reversed = sorted(w[::-1] for w in words)
        # The letter-pair index (word numbers by pair) and the words' lengths.
        self._built: tuple[dict[str, array], array] | None = None

    def near(self, word: str, maxdist: int, prefixlen: int = 0) -> list[tuple[str, int]]:
        """(word, distance) of the words within maxdist edits of `word`
        (itself included, at 0), closest first; with prefixlen, only those
        that share its first prefixlen letters."""
        found = self._one(word) if maxdist <= 1 else self._two(word, maxdist)
        if prefixlen:
            head = word[:prefixlen]
            found = [(w, d) for w, d in found if w.startswith(head)]
        return sorted(found, key=lambda x: (x[1], x[0]))

    def _one(self, q: str) -> list[tuple[str, int]]:
        n = len(q)
        a = (n - 1) // 2
        b = n - 1 - a
        cands = set(_starting(self.words, q[:a], n - 1, n + 1))
        if b:
            cands.update(w[::-1] for w in _starting(self._reversed, q[::-1][:b], n - 1, n + 1))
        out = []
        for w in cands:
            d = within_one(q, w)
            if d <= 1:
                out.append((w, d))
        return out

    def prepare(self, pause: Callable[[], None] | None = None) -> None:
        """Build the letter-pair index now (else at the first two-edit
        lookup): a fifth of a second for 60,000 words. `pause`, if given,
        is called every few hundred words (a background build's breath)."""
        self._index(pause)

    def _index(self, pause: Callable[[], None] | None = None) -> tuple[dict[str, array], array]:
        # Another thread may build it at the same time (a warm-up beside a
        # search): each builds a whole one of its own; either may stay.
        built = self._built
        if built is not None:
            return built
        pairs: dict[str, array] = {}
        for i, w in enumerate(self.words):
            if pause is not None and i % 500 == 0:
                pause()
            padded = f"^{w}$"
            for bg in {padded[k : k + 2] for k in range(len(padded) - 1)}:
                ids = pairs.get(bg)
                if ids is None:
                    ids = pairs[bg] = array("I")
                ids.append(i)
        built = self._built = (pairs, array("H", (min(len(w), 65535) for w in self.words)))
        return built

    def _two(self, q: str, maxdist: int) -> list[tuple[str, int]]:
        pairs, lengths = self._index()
        padded = f"^{q}$"
        mine = {padded[k : k + 2] for k in range(len(padded) - 1)}
        need = len(mine) - 3 * maxdist  # an edit breaks at most three letter pairs
        n = len(q)
        if need <= 0:  # a short word: every word of about its length
            cands: list[int] = [i for i, m in enumerate(lengths) if abs(m - n) <= maxdist]
        else:
            shared: Counter[int] = Counter()
            for bg in mine:
                ids = pairs.get(bg)
                if ids is not None:
                    shared.update(ids)
            cands = [i for i, c in shared.items() if c >= need and abs(lengths[i] - n) <= maxdist]
        letters = set(q)
        most = 2 * maxdist  # an edit changes the set of letters by at most two
        out = []
        words = self.words
        for i in cands:
            w = words[i]
            if len(letters.symmetric_difference(w)) <= most:
                d = distance(q, w, maxdist)
                if d <= maxdist:
                    out.append((w, d))
        return out

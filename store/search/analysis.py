"""Words -> index terms: one function for indexing and querying alike.

Words are found with one regular expression (letters, digits, inner
apostrophes), case-folded (``ß`` -> ``ss``), accent-folded (before
stemming: ``brûlée`` and ``brulee`` both become ``brulee``), stemmed with
the Snowball English stemmer (``running`` -> ``run``, ``scaling`` ->
``scale``) and stripped of apostrophes (``don't`` = ``dont``). No stop
words: "going to" is a phrase like any other. Text in CJK scripts
(Chinese, Japanese, Korean), written without spaces, is cut into
overlapping pairs of characters, as Lucene's CJK bigram filter does:
``宇宙守护神`` is ``宇宙 宙守 守护 护神``, so any two-character word is found
(a lone character between others stays one unit). Indexing and querying
share this one function, cached per distinct word, so they can never
disagree.

Also here: the library's common words and their numbers (pairs and
neighbour marks, see documents.py and plan.py) and the edit distance of
fuzzy words and "did you mean". Nothing here knows an index engine (the
stemmer is Whoosh's, used as a plain library: it imports no index code).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.lang.snowball.english import EnglishStemmer

TOKEN = re.compile(r"\w+(?:['’]\w+)*")
MAX_TERM = 64  # longer tokens (URLs, hashes) are cut: a term is a word
# Scripts written without spaces between words: Han, kana, Hangul (with
# their compatibility and half-width forms).
_CJK_CHARS = (
    "\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
_stem = EnglishStemmer().stem
_CACHE: dict[str, str] = {}
_CACHE_MAX = 500_000


def fold(word: str) -> str:
    """Case- and accent-fold one word ('Café' -> 'cafe', 'Grüß' -> 'gruss').
    CJK text keeps its marks (a voiced kana is another sound): only its
    compatibility forms fold (half-width to full-width)."""
    w = word.casefold()
    if not w.isascii():
        if CJK.search(w):
            return unicodedata.normalize("NFKC", w)
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w.replace("’", "'")


def term(word: str) -> str:
    """The index term of one word, as `units` finds it."""
    t = _CACHE.get(word)
    if t is None:
        if word.isascii():
            # Folded, an ASCII word is its lower case: known so, it needs no
            # stemming ("The", "Market" at a sentence's start).
            low = word.lower()[:MAX_TERM]
            t = _CACHE.get(low)
            if t is None:
                t = _stem(low).replace("'", "") or "_"
        elif not CJK.search(word):
            t = _stem(fold(word)[:MAX_TERM]).replace("'", "") or "_"
        else:  # a CJK pair (or lone character): folded, never stemmed
            t = fold(word)[:MAX_TERM]
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[word] = t
    return t


def prime(pairs: dict[str, str]) -> None:
    """Teach the term cache known (folded word -> term) pairs -- the index's
    surface words (words.py), in the background once the index is open: a
    hit's words are then looked up, not stemmed (~5 us a word not seen
    before). A folded word is its own most common spelling."""
    room = _CACHE_MAX - len(_CACHE)
    if room <= 0:
        return
    if len(pairs) > room:
        pairs = dict(zip(list(pairs)[:room], list(pairs.values())[:room], strict=True))
    _CACHE.update(pairs)


def _split(word: str, at: int) -> list[tuple[str, int, int]]:
    """A token with CJK characters as units: its other runs as words, each
    CJK run as its overlapping pairs (a run of one character as itself)."""
    out: list[tuple[str, int, int]] = []
    pos = 0
    for m in _CJK_RUN.finditer(word):
        a, b = m.start(), m.end()
        for o in TOKEN.finditer(word, pos, a):
            out.append((o.group(), at + o.start(), at + o.end()))
        if b - a == 1:
            out.append((m.group(), at + a, at + b))
        else:
            out.extend((word[i : i + 2], at + i, at + i + 2) for i in range(a, b - 1))
        pos = b
    for o in TOKEN.finditer(word, pos):
        out.append((o.group(), at + o.start(), at + o.end()))
    return out


# ASCII text's words by bytes.translate and split: ~5x faster than TOKEN's
# regex (hits read every word of the passages they show). Every byte that
# is not a word character or an apostrophe becomes a space.
_NOT_WORD = bytes(c for c in range(256) if not (c < 128 and (chr(c).isalnum() or chr(c) in "_'")))
_BREAKS = bytes.maketrans(_NOT_WORD, b" " * len(_NOT_WORD))


def unit_spans(text: str) -> list[tuple[str, int, int]]:
    """(unit, start, end) of each unit of text: its words as written, CJK
    runs as pairs of characters."""
    if text.isascii():  # each word found in turn after the one before it
        flat = text.encode("ascii").translate(_BREAKS).decode("ascii")
        spans_: list[tuple[str, int, int]] = []
        pos = 0
        find = flat.find
        for w in units(text):
            a = find(w, pos)
            pos = a + len(w)
            spans_.append((w, a, pos))
        return spans_
    out: list[tuple[str, int, int]] = []
    for m in TOKEN.finditer(text):
        w = m.group()
        if w.isascii() or not CJK.search(w):
            out.append((w, m.start(), m.end()))
        else:
            out.extend(_split(w, m.start()))
    return out


def units(text: str) -> list[str]:
    """The units of a text as written, in order (see `unit_spans`)."""
    if text.isascii():
        words = text.encode("ascii").translate(_BREAKS).decode("ascii").split()
        if "'" not in text:
            return words
        # An apostrophe joins two words ("don't"); anywhere else it splits.
        out: list[str] = []
        for w in words:
            if "'" in w:
                out.extend(TOKEN.findall(w))
            else:
                out.append(w)
        return out
    if not CJK.search(text):
        return TOKEN.findall(text)
    return [u for u, _a, _b in unit_spans(text)]


def terms(text: str) -> list[str]:
    """The index terms of a text, in order."""
    return unit_terms(units(text))


def unit_terms(words: list[str]) -> list[str]:
    """The index terms of units (as `units` gives them), in order: `terms`
    for text already split (a build keeps the units as its surface words)."""
    out = list(map(_CACHE.get, words))  # known words (most) looked up in C
    if None in out:
        out = [t if t is not None else term(w) for t, w in zip(out, words, strict=True)]
    return out


def spans(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for each unit of text (offsets into text)."""
    return [(term(u), a, b) for u, a, b in unit_spans(text)]


# Words so frequent that a phrase with them ("of the", "student of
# running") would read through most of the index. Adjacent pairs of them
# are indexed as one term (the `pair` and `tailpair` fields), and every
# other word records which of them stands just before and after it (its
# neighbour marks): a phrase is found without reading their posting lists.
# The index takes the most frequent terms of its own library
# (documents.common_terms); this English list stands in for a library too
# small to tell.
COMMON = frozenset(
    terms(
        "the of and to a in is it you that i was for on are with as be at this have not but what "
        "we they so if do my me just like know um uh go an he there think kind right mean"
    )
)


def pair(a: str, b: str) -> str:
    """The pair term of two adjacent common terms (a space never occurs in a term)."""
    return f"{a} {b}"


# Neighbour marks: in the text fields every position of a word also
# records which common word (if any) comes just before it and just after
# it -- one byte each, the common word's number in `common_numbers`, or
# NO_NEIGHBOUR. A phrase such as "student of running" is then found from
# `student` (followed by `of`) and `running` (preceded by `of`): the posting
# list of `of`, which spans most passages, is never read.
NO_NEIGHBOUR = 255


@lru_cache(maxsize=8)
def common_numbers(common: frozenset[str]) -> dict[str, int]:
    """Each common term's number in the neighbour marks."""
    return {t: i for i, t in enumerate(sorted(common)[:NO_NEIGHBOUR])}


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit + 1
    as soon as it must exceed limit."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ca = a[i - 1]
        lowest = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < lowest:
                lowest = v
        if lowest > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[lb], limit + 1)

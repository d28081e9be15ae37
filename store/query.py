"""The search language: how words become index terms, and how a QUERY
string becomes a Whoosh query.

Words are found with one regular expression (letters, digits, inner
apostrophes), lower-cased, accent-folded (before stemming: ``brûlée`` and
``brulee`` both become ``brulee``), stemmed with the Snowball English
stemmer (``running`` -> ``run``, ``scaling`` -> ``scale``) and stripped of
apostrophes (``don't`` = ``dont``). No stop words: "going to" is a phrase
like any other. Indexing and querying share this one function, cached per
distinct word, so they can never disagree.

The language (see the README)::

    scaling laws            all words must match (each may also match the
                            title, speaker or tags; at least one must be said)
    "scaling laws"          an exact phrase, also across caption lines
    agents OR tools         either
    NOT horizon, -horizon   without
    agent*                  a prefix (its 64 most frequent completions)
    scalling~  scalling~2   fuzzy: within 1 (or 2) edits
    title:  speaker:  tag:  format:  note:     one field
    ( )                     grouping

A malformed query (an unbalanced quote or parenthesis, a lone operator, an
empty or unknown field, a lone wildcard) is searched as plain words, with a
note saying so; it never raises.
"""

from __future__ import annotations

import re
import struct
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol


def _lean_whoosh_import() -> None:
    """whoosh.reading imports the `cached_property` package only for one
    decorator, and that package imports asyncio (a tenth of a second at
    every start). Lend Whoosh the standard library's equivalent while it
    loads, then step aside so anyone else still gets the real package."""
    if "whoosh.reading" in sys.modules or "cached_property" in sys.modules:
        return
    import functools
    import types

    shim = types.ModuleType("cached_property")
    shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
    sys.modules["cached_property"] = shim
    try:
        import whoosh.reading  # noqa: F401
    finally:
        if sys.modules.get("cached_property") is shim:
            del sys.modules["cached_property"]


_lean_whoosh_import()

from whoosh import qparser  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.analysis import Token, Tokenizer  # noqa: E402
from whoosh.lang.snowball.english import EnglishStemmer  # noqa: E402

# -- words -> terms ------------------------------------------------------------

TOKEN = re.compile(r"\w+(?:['’]\w+)*")
MAX_TERM = 64  # longer tokens (URLs, hashes) are cut: a term is a word
_stem = EnglishStemmer().stem
_CACHE: dict[str, str] = {}
_CACHE_MAX = 500_000


def fold(word: str) -> str:
    """Lower-case and accent-fold one word ('Café' -> 'cafe')."""
    w = word.lower()
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w.replace("’", "'")


def term(word: str) -> str:
    """The index term of one word, as TOKEN finds it."""
    t = _CACHE.get(word)
    if t is None:
        t = _stem(fold(word)[:MAX_TERM]).replace("'", "") or "_"
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[word] = t
    return t


def terms(text: str) -> list[str]:
    """The index terms of a text, in order."""
    cache = _CACHE
    out = []
    for w in TOKEN.findall(text):
        t = cache.get(w)
        out.append(t if t is not None else term(w))
    return out


def spans(text: str) -> list[tuple[str, int, int]]:
    """(term, start, end) for each word of text (offsets into text)."""
    return [(term(m.group()), m.start(), m.end()) for m in TOKEN.finditer(text)]


# Words so frequent that a phrase with them ("of the", "student of
# running") would read through most of the index. Adjacent pairs of them
# are indexed as one term (the `pair` and `tailpair` fields), and every
# other word records which of them stands just before and after it (its
# neighbour marks): a phrase is found without reading their posting lists.
# The index takes the most frequent terms of its own library
# (store.index); this English list stands in for a library too small to
# tell.
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


class HarkAnalyzer(Tokenizer):
    """The Whoosh face of `term`: what the query parser uses, so a query
    word becomes exactly the term it was indexed as."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HarkAnalyzer)

    def __hash__(self) -> int:
        return hash(HarkAnalyzer)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # wildcards and prefixes: fold only, never stem
            t.original = value
            t.text = fold(value)
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for pos, m in enumerate(TOKEN.finditer(value)):
            t.text = term(m.group())
            if keeporiginal:
                t.original = m.group()
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + m.start()
                t.endchar = start_char + m.end()
            yield t


# -- edit distance (fuzzy terms, "did you mean") ---------------------------------


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


# -- checking and parsing ------------------------------------------------------

FIELDS = ("title", "speaker", "tag", "format", "note")
# BM25F field weights at query time: a word in the title says more about a
# passage than the same word once in its text.
BOOSTS = {"text": 1.0, "note": 1.5, "title": 3.0, "speaker": 2.0, "tag": 2.0}
BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
MAX_FUZZY = 2

_LEX = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_FIELD = re.compile(r"^[+-]?([A-Za-z_]\w*):(.*)$", re.S)


def problem(text: str) -> str | None:
    """What is wrong with a query, in a few words, or None if it parses."""
    if text.count('"') % 2:
        return "unbalanced quote"
    items = [(m.group(), m.start(), m.end()) for m in _LEX.finditer(text)]
    depth = 0
    for i, (tok, _start, end) in enumerate(items):
        prev = items[i - 1][0] if i else None
        nxt = items[i + 1][0] if i + 1 < len(items) else None
        glued_next = i + 1 < len(items) and items[i + 1][1] == end
        if tok == "(":
            depth += 1
            if nxt == ")":
                return "empty parentheses"
            continue
        if tok == ")":
            depth -= 1
            if depth < 0:
                return "unbalanced parenthesis"
            continue
        if tok.startswith('"'):
            if not TOKEN.search(tok):
                return "an empty phrase"
            continue
        if tok in BINARY:
            if prev is None or prev == "(" or prev in BINARY or prev == "NOT":
                return f"a lone operator {tok}"
            if nxt is None or nxt == ")" or nxt in BINARY:
                return f"a lone operator {tok}"
            continue
        if tok == "NOT":
            if nxt is None or nxt == ")" or nxt in BINARY or nxt == "NOT":
                return "a lone operator NOT"
            continue
        m = _FIELD.match(tok)
        if m:
            name, rest = m.group(1), m.group(2)
            if name not in FIELDS:
                return f"unknown field '{name}:' (fields: {', '.join(FIELDS)})"
            if not rest and not (glued_next and nxt is not None and (nxt.startswith('"') or nxt == "(")):
                return f"empty field '{name}:'"
            tok = rest
            if not tok:
                continue
        bare = tok.lstrip("+-")
        if not bare:
            if glued_next and nxt is not None and (nxt.startswith('"') or nxt == "("):
                continue  # -"long horizon", -(a OR b)
            return f"a lone {tok[0]}"
        if bare[0] in "*?~":
            return f"a leading {bare[0]}"
        if not TOKEN.search(bare):
            if any(c in bare for c in "*?~:"):
                return f"no words in {tok!r}"
            continue  # punctuation alone: nothing to search, nothing wrong
        if "~" in bare:
            word, _, rest = bare.partition("~")
            if not TOKEN.fullmatch(word) or not re.fullmatch(r"(\d+(/\d+)?)?", rest):
                return f"a misplaced ~ in {tok!r}"
    if depth:
        return "unbalanced parenthesis"
    return None


def plain_words(text: str) -> list[str]:
    """The words of a query, in order, each once."""
    return list(dict.fromkeys(TOKEN.findall(text)))


def fallback_words(text: str) -> list[str]:
    """What a malformed query is searched as: its words, without operators
    (AND, OR, NOT...) and empty field names ("title:"), unless nothing else
    is left."""
    kept = []
    for tok in text.split():
        m = _FIELD.match(tok)
        if tok.strip("()") in BINARY | {"NOT"} or (m and m.group(1) in FIELDS and not m.group(2)):
            continue
        kept.append(tok)
    return plain_words(" ".join(kept)) or plain_words(text)


_PARSERS: dict[int, qparser.QueryParser] = {}


def _parser(schema) -> qparser.QueryParser:
    p = _PARSERS.get(id(schema))
    if p is None:
        p = qparser.QueryParser("text", schema)
        for cls in (qparser.SingleQuotePlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin):
            p.remove_plugin_class(cls)
        p.add_plugin(qparser.FuzzyTermPlugin())
        p.add_plugin(qparser.PlusMinusPlugin())
        _PARSERS.clear()
        _PARSERS[id(schema)] = p
    return p


@dataclass
class ParsedQuery:
    text: str
    query: wq.Query | None  # None: nothing to search for
    note: str | None = None  # e.g. "unbalanced quote: searched as plain words"
    plain: bool = False  # malformed: searched as its plain words


def parse(text: str, schema) -> ParsedQuery:
    """Parse a QUERY string; never raises. Unfielded words are on "text"."""
    text = text.strip()
    why = problem(text)
    q: wq.Query | None = None
    if why is None:
        try:
            q = _parser(schema).parse(text)
        except Exception as e:  # Whoosh's parser on something we did not foresee
            why = f"could not read the query ({type(e).__name__})"
        else:
            if q is wq.NullQuery or isinstance(q, wq.Every):
                q = None
    if why is not None:
        words = [term(w) for w in fallback_words(text)]
        if words:
            q = (
                wq.And([wq.Term("text", t) for t in dict.fromkeys(words)])
                if len(words) > 1
                else wq.Term("text", words[0])
            )
        note = f"{why}: searched as plain words" if words else f"{why}: nothing to search for"
        return ParsedQuery(text, q, note, plain=True)
    return ParsedQuery(text, q, None if q is not None else "nothing to search for")


# -- expansion: from the parsed query to what runs --------------------------------


class Lexicon(Protocol):
    """What expansion needs to know about the index's terms."""

    common: frozenset[str]  # the terms with indexed pairs and neighbour marks

    def df(self, field: str, t: str) -> int: ...

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
    by the neighbour marks of the words beside them. Faster than Whoosh's
    Phrase (which builds span objects for every candidate): candidates come
    from intersecting the posting lists, rarest first, then a set lookup
    per part checks the positions. Block-quality skipping stays on: the
    phrase matches a subset of the intersection, so the intersection's
    score bounds still hold.

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
        from whoosh.matching import IntersectionMatcher, NullMatcher

        reader = searcher.reader()
        order = []
        for k, (f, t, *_rest) in enumerate(self.parts):
            if (f, t) not in reader:
                return NullMatcher()
            order.append((reader.doc_frequency(f, t), k))
        order.sort()
        leaves = [wq.Term(self.parts[k][0], self.parts[k][1]).matcher(searcher, context) for _n, k in order]
        parts = [self.parts[k] for _n, k in order]
        m = leaves[0]
        for other in leaves[1:]:
            m = IntersectionMatcher(m, other)
        if len(leaves) == 1 and parts[0][3] < 0 and parts[0][4] < 0:
            return m if self.boost == 1.0 else _wrap_boost(m, self.boost)
        return _AdjacentMatcher(m, leaves, parts, self.boost)


def has_neighbours(v: bytes, before: int, after: int) -> bool:
    """Whether some position of a posting value has the neighbours asked
    for (-1: any); the one-position value (code, position, marks) inline."""
    if len(v) == 4 and v[0] == 98:
        return (before < 0 or v[2] == before) and (after < 0 or v[3] == after)
    return bool(marked_positions(v, before, after))


def phrase_at(values: list[bytes], parts: list[tuple[str, str, int, int, int]]) -> bool:
    """Whether a passage's posting values (one per part, in the order of
    `parts`) hold the parts at their offsets, with the neighbours asked for."""
    o0 = parts[0][2]
    first = marked_positions(values[0], parts[0][3], parts[0][4])
    if len(parts) == 1:
        return bool(first)
    rest = [
        (set(marked_positions(v, before, after)), o - o0)
        for v, (_f, _t, o, before, after) in zip(values[1:], parts[1:], strict=True)
    ]
    return any(all(p + d in ps for ps, d in rest) for p in first)


def _wrap_boost(m, boost: float):
    from whoosh.matching.wrappers import WrappingMatcher

    return WrappingMatcher(m, boost=boost)


_SIZES = {ord(c): struct.calcsize(c) for c in "BHIbhi"}


def _positions(v: bytes):
    """The positions of a posting value (store.index.PackedPositions): for
    the usual one-byte code, the bytes themselves are the positions. A
    lower-case code means neighbour marks follow (two bytes a position)."""
    c = v[0]
    if c == 66:  # b"B"
        return v[1:]
    if c == 98:  # b"b"
        return v[1 : 1 + (len(v) - 1) // 3]
    size = _SIZES[c]
    n = (len(v) - 1) // (size if c < 97 else size + 2)
    return struct.unpack_from(f"<{n}{chr(c).upper()}", v, 1)


def marked_positions(v: bytes, before: int, after: int) -> list[int]:
    """The positions of a posting value whose neighbour marks say the
    common word numbered `before` comes just before (-1: any) and the one
    numbered `after` just after (-1: any)."""
    ps = _positions(v)
    if before < 0 and after < 0:
        return list(ps)
    if v[0] < 97:  # no marks in this field
        return []
    n = len(ps)
    marks = v[len(v) - 2 * n :]
    return [
        p
        for i, p in enumerate(ps)
        if (before < 0 or marks[2 * i] == before) and (after < 0 or marks[2 * i + 1] == after)
    ]


def _adjacent_matcher_class():
    from whoosh.matching import NullMatcher
    from whoosh.matching.wrappers import WrappingMatcher

    class _AdjacentMatcher(WrappingMatcher):
        def __init__(self, child, leaves: list, parts: list[tuple], boost: float = 1.0) -> None:
            super().__init__(child, boost)
            self.leaves = leaves
            self.parts = parts
            self._find()

        def _ok(self) -> bool:
            return phrase_at([m.value() for m in self.leaves], self.parts)

        def _find(self) -> None:
            c = self.child
            while c.is_active() and not self._ok():
                c.next()

        def next(self) -> bool:
            self.child.next()
            self._find()
            return True

        def skip_to(self, id: int) -> None:
            self.child.skip_to(id)
            self._find()

        def skip_to_quality(self, minquality: float) -> int:
            n = self.child.skip_to_quality(minquality / self.boost)
            self._find()
            return n

        def replace(self, minquality: float = 0):
            # The leaves must stay the ones the intersection moves.
            return self if self.is_active() else NullMatcher()

        def copy(self):
            raise NotImplementedError("Adjacent matchers are not copied")

        def all_ids(self):
            while self.is_active():
                yield self.id()
                self.next()

        def spans(self):
            return []

    return _AdjacentMatcher


_AdjacentMatcher = _adjacent_matcher_class()


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

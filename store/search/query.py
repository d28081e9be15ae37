"""The search language: how a QUERY string becomes a query tree.

The language (see the README)::

    scaling laws            all words must match (each may also match the
                            title, speaker or tags; at least one must be said)
    "scaling laws"          an exact phrase, also across caption lines
    all-female, GPT-4       a word with a hyphen: its parts as a phrase
    agents OR tools         either
    NOT horizon, -horizon   without (the same; alone: every passage without)
    agent*                  a prefix (its 64 most frequent completions)
    scalling~  scalling~2   fuzzy: within 1 (or 2) edits
    title:  speaker:  tag:  format:  note:     one field
    ( )                     grouping

A query is first bounded and its signs read (rewrite.py: every cut says so
in a note). A malformed query (an unbalanced quote or parenthesis, a lone
operator, an empty or unknown field, a lone wildcard) is searched as plain
words, with a note saying so; it never raises.

The tree is Whoosh's (whoosh.query), read by Whoosh's parser over the
index's fields, whose analyzer is analysis.term: hark's query language is
Whoosh's, with some of its syntax taken out. A prefix or fuzzy word with a
hyphen (`long-hor*`), or a phrase whose last word is a prefix (`"long
hor*"`, what typing makes), becomes a `Sequence`: its parts side by side,
the last one standing for its completions. plan.py turns the tree into
what runs; an engine other than Whoosh would take the plan's tree as its
input (engine.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .whoosh.schema import make_schema  # first: Whoosh imported the lean way (whoosh/__init__.py)

# isort: split
from whoosh import query as wq

if TYPE_CHECKING:
    from whoosh import qparser

from .analysis import TOKEN, fold, term, units
from .rewrite import FIELDS, LEX, bound, signs

BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}

_LEX = LEX
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
            if not TOKEN.search(word) or "*" in word or "?" in word or not re.fullmatch(r"(\d+(/\d+)?)?", rest):
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
_SCHEMA: list[Any] = []  # the index's schema, made once


def _schema(schema: Any = None) -> Any:
    if schema is None:
        if not _SCHEMA:
            _SCHEMA.append(make_schema())
        schema = _SCHEMA[0]
    return schema


def _parser(schema: Any = None) -> qparser.QueryParser:
    """Whoosh's query parser over the index's fields (their analyzers turn
    words into terms), without the syntax hark does not offer. (Its module
    is imported here, at the first query that needs it: ~18 ms that plain
    words -- and a new process's first search -- do without.)"""
    from whoosh import qparser

    schema = _schema(schema)
    p = _PARSERS.get(id(schema))
    if p is None:
        p = qparser.QueryParser("text", schema)
        for cls in (qparser.SingleQuotePlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin):
            p.remove_plugin_class(cls)
        p.add_plugin(qparser.FuzzyTermPlugin())
        # No PlusMinusPlugin: a sign inside a word joins its parts, and one
        # at the start of a term is read by rewrite.signs.
        _PARSERS.clear()
        _PARSERS[id(schema)] = p
    return p


@dataclass
class ParsedQuery:
    text: str
    query: wq.Query | None  # None: nothing to search for
    notes: list[str] = field(default_factory=list)  # e.g. "unbalanced quote: searched as plain words"
    plain: bool = False  # malformed: searched as its plain words

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


def parse(text: str, schema: Any = None) -> ParsedQuery:
    """Parse a QUERY string; never raises. Unfielded words are on "text".
    The schema is the index's (schema.make_schema) unless another is given."""
    text, notes = bound(text.strip())
    if not notes:
        quick = _plain(text, schema)
        if quick is not None:
            return ParsedQuery(text, quick, notes)
    why = problem(text)
    q: wq.Query | None = None
    if why is None:
        readable = signs(text)
        try:
            q = _parser(schema).parse(readable)
        except Exception as e:  # Whoosh's parser on something we did not foresee
            why = f"could not read the query ({type(e).__name__})"
        else:
            if q is wq.NullQuery or isinstance(q, wq.Every):
                q = None
            else:
                q = refine(q, readable)
    if why is not None:
        words = [term(w) for w in fallback_words(text)]
        if words:
            q = (
                wq.And([wq.Term("text", t) for t in dict.fromkeys(words)])
                if len(words) > 1
                else wq.Term("text", words[0])
            )
        notes.append(f"{why}: searched as plain words" if words else f"{why}: nothing to search for")
        return ParsedQuery(text, q, notes, plain=True)
    if q is None:
        notes.append("nothing to search for")
    return ParsedQuery(text, q, notes)


# Plain ASCII words and single spaces: most queries people type. Whoosh's
# parser tries each of its taggers at every character (~100 us for two
# words); these need none of it.
_PLAIN = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")


def _plain(text: str, schema: Any = None) -> wq.Query | None:
    """The tree Whoosh's parser makes of plain words (each word's term
    on "text", all of them ANDed), or of one quoted phrase of them, made
    directly; None for any other text, or a word the analyzer does not make
    exactly one term of. test_search_query checks it against the parser."""
    if len(text) > 2 and text[0] == text[-1] == '"' and _PLAIN.fullmatch(text, 1, len(text) - 1):
        field = _schema(schema)["text"]
        # As Whoosh's PhrasePlugin reads it: the words' terms, and where each is in the query.
        words, ranges = [], []
        for t in field.tokenize(text[1:-1], mode="query", chars=True):  # (one token object, reused)
            words.append(t.text)
            ranges.append((1 + t.startchar, 1 + t.endchar))
        phrase = wq.Phrase("text", words, slop=1, boost=1.0, char_ranges=ranges)
        return phrase.normalize()
    # The last word may end in `*` (a prefix: what the app searches while a
    # word is being typed).
    prefix = text.endswith("*")
    if not _PLAIN.fullmatch(text, 0, len(text) - prefix):
        return None
    words = text[: len(text) - prefix].split(" ")
    if any(w in BINARY or w == "NOT" for w in words):
        return None
    field = _schema(schema)["text"]
    out: list[wq.Query] = []
    at = 0
    for k, w in enumerate(words):
        if prefix and k == len(words) - 1:
            t = wq.Prefix("text", w.lower())
            t.startchar, t.endchar = at + len(w), at + len(w) + 1  # (the parser's: the `*`)
            out.append(t)
            break
        got = list(field.process_text(w, mode="query", tokenize=True, removestops=True))
        if len(got) != 1:
            return None
        t = wq.Term("text", got[0])
        t.startchar, t.endchar = at, at + len(w)  # where the parser says the word is
        at += len(w) + 1
        out.append(t)
    return (out[0] if len(out) == 1 else wq.And(out)).normalize()


_MULTI = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm)


def refine(q: wq.Query, text: str) -> wq.Query:
    """Whoosh's tree with hark's two readings Whoosh has no syntax for: a
    prefix, wildcard or fuzzy word with joined parts (`long-hor*`), and a
    phrase whose last word is followed by `*` (`"long hor*"`): each a
    Sequence of its parts, the last one a prefix (or fuzzy, or wildcard)."""
    if isinstance(q, _MULTI):
        return _joined(q)
    if isinstance(q, wq.Phrase):
        ranges = getattr(q, "char_ranges", None) or []
        end = ranges[-1][1] if ranges and ranges[-1][1] is not None else None
        if end is not None and text[end : end + 1] == "*" and q.words:
            start = ranges[-1][0]
            last = wq.Prefix(q.fieldname, fold(text[start:end]))
            return wq.Sequence([wq.Term(q.fieldname, w) for w in q.words[:-1]] + [last], boost=q.boost)
        return q
    if q.is_leaf():
        return q
    return q.apply(lambda child: refine(child, text))


def _joined(q: wq.Query) -> wq.Query:
    """A prefix, wildcard or fuzzy word whose text has several parts: the
    parts side by side, the last one keeping the operator."""
    raw = q.text  # type: ignore[attr-defined]
    pieces = [p for p in re.split(r"[^\w*?'’]+", raw) if p]
    last = pieces[-1] if pieces else ""
    head = [t for p in pieces[:-1] for t in (term(u) for u in units(p))]
    if not head:
        return q
    f = q.fieldname  # type: ignore[attr-defined]
    if isinstance(q, wq.FuzzyTerm):
        tail: wq.Query = wq.FuzzyTerm(f, fold(last), maxdist=q.maxdist, prefixlength=q.prefixlength)
    elif isinstance(q, wq.Prefix) or (last.endswith("*") and not any(c in last[:-1] for c in "*?")):
        tail = wq.Prefix(f, fold(last.rstrip("*")))
    else:
        tail = wq.Wildcard(f, fold(last))
    return wq.Sequence([wq.Term(f, t) for t in head] + [tail], boost=q.boost)

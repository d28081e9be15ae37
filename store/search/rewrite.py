"""What people type, made ready for the query parser (query.py): bounds,
signs, and the word being typed.

bound     caps on what one query may ask, each cut said in a note: the
          query's length (MAX_QUERY_CHARS), one word's length (a word is
          cut at analysis.MAX_TERM letters anyway), a phrase's words
          (MAX_PHRASE_WORDS), the number of terms (MAX_TERMS) and how deep
          parentheses nest (MAX_DEPTH). A query of a thousand words or a
          phrase of five thousand costs no more than these.
signs     `-` and `+` are operators only at the start of a term (at the
          start, after a space or a parenthesis): `-word` is `NOT word`, so
          the two mean the same, alone or not, and `+word` is `word`
          (every word is required anyway). Anywhere else they join the
          parts of a word, which the parser makes a phrase: `all-female`
          is "all female", `GPT-4` is "gpt 4".
as_prefix the last word of a query being typed, as a prefix: `long hor`
          is `long hor*`, an open phrase `"scaling la` is `"scaling la*"`
          (a phrase whose last word is a prefix).
"""

from __future__ import annotations

import re

from .analysis import CJK, MAX_TERM, unit_spans

MAX_QUERY_CHARS = 1_000
MAX_TERMS = 32  # words, phrases, prefixes... of one query
MAX_PHRASE_WORDS = 64
MAX_DEPTH = 16  # parentheses in parentheses
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
FIELDS = ("title", "speaker", "tag", "format", "note")

LEX = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_LONG_RUN = re.compile(rf"\w{{{MAX_TERM + 1},}}")
_SIGNED = re.compile(r"^([+-]*)(?:([A-Za-z_]\w*):)?([+-]*)(.*)$", re.S)


def _cut_runs(text: str, notes: list[str]) -> str:
    """Cut every run of letters longer than a word can be (MAX_TERM; a CJK
    run, whose pairs are its words, at MAX_PHRASE_WORDS + 1)."""

    def cut(m: re.Match[str]) -> str:
        run = m.group()
        limit = MAX_PHRASE_WORDS + 1 if CJK.search(run) else MAX_TERM
        if len(run) <= limit:
            return run
        notes.append(f"a word of {len(run):,} characters: searched its first {limit}")
        return run[:limit]

    return _LONG_RUN.sub(cut, text)


def _cut_phrase(tok: str, notes: list[str]) -> str:
    """A quoted phrase (or a joined word: its parts are a phrase) of at most
    MAX_PHRASE_WORDS words."""
    quoted = tok.startswith('"')
    inner = tok[1:-1] if quoted and len(tok) > 1 and tok.endswith('"') else tok[1:] if quoted else tok
    found = unit_spans(inner)
    if len(found) <= MAX_PHRASE_WORDS:
        return tok
    notes.append(f"a phrase of {len(found):,} words: searched its first {MAX_PHRASE_WORDS}")
    end = found[MAX_PHRASE_WORDS - 1][2]
    if quoted:
        return '"' + inner[:end] + '"'
    return inner[:end]


def _is_term(tok: str) -> bool:
    """Whether a token is a term of the query (a word, a phrase, a field
    word), not an operator or a parenthesis."""
    return tok not in OPERATORS and tok not in "()" and bool(unit_spans(tok))


def bound(text: str) -> tuple[str, list[str]]:
    """The query within the bounds, and a note for each cut: long words
    first, then the number of terms and each phrase's words, then the
    length of what is left."""
    notes: list[str] = []
    text = _cut_runs(text, notes)
    size = len(text)
    if size > 20 * MAX_QUERY_CHARS:  # a pasted book: no need to read it all to cut it
        text = text[: 20 * MAX_QUERY_CHARS]
    out: list[str] = []
    pos = 0
    depth = 0
    deepest = 0
    skipped = 0  # parentheses deeper than MAX_DEPTH, left out
    count = 0
    toks = list(LEX.finditer(text))
    terms = sum(1 for m in toks if _is_term(m.group()))
    for m in toks:
        tok = m.group()
        out.append(text[pos : m.start()])
        pos = m.end()
        if tok == "(":
            if depth >= MAX_DEPTH:
                skipped += 1
                deepest = max(deepest, depth + skipped)
                continue
            depth += 1
        elif tok == ")":
            if skipped:
                skipped -= 1
                continue
            depth = max(0, depth - 1)
        elif _is_term(tok):
            tok = _cut_phrase(tok, notes)
            count += 1
        out.append(tok)
        if count == MAX_TERMS and terms > MAX_TERMS:
            more = "more than " if len(text) < size else ""
            notes.append(f"the query has {more}{terms:,} terms: searched the first {MAX_TERMS}")
            out.append(")" * depth)
            pos = len(text)
            break
    out.append(text[pos:])
    text = "".join(out)
    if deepest:
        notes.append(f"parentheses {deepest} deep: searched {MAX_DEPTH} deep")
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS + 1)
        cut = cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS
        notes.append(f"the query is {size:,} characters long: searched its first {cut:,}")
        text = text[:cut].rstrip()
    return text, notes


def signs(text: str) -> str:
    """`-word` at the start of a term as `NOT word`, `+word` as `word`; a
    sign glued to the end of a phrase or a parenthesis is a joiner (a
    space). Inside a word, signs are left to the parser's analyzer, which
    splits the word into a phrase of its parts."""
    out: list[str] = []
    pos = 0
    for m in LEX.finditer(text):
        tok = m.group()
        out.append(text[pos : m.start()])
        pos = m.end()
        if tok.startswith('"') or tok in "()" or tok[0] not in "+-" and ":" not in tok:
            out.append(tok)
            continue
        s = _SIGNED.match(tok)
        assert s is not None  # the pattern matches any string
        lead, field, inner, rest = s.group(1), s.group(2), s.group(3), s.group(4)
        if field is not None and field not in FIELDS:
            out.append(tok)  # not a field: the parser says so (query.problem)
            continue
        sign = lead + inner
        if not sign:
            out.append(tok)
            continue
        at_start = m.start() == 0 or text[m.start() - 1].isspace() or text[m.start() - 1] == "("
        body = (f"{field}:" if field is not None else "") + rest
        if not at_start:
            out.append(" " + body)
        elif "-" in sign:
            out.append("NOT " + body)
        else:
            out.append(body)
    out.append(text[pos:])
    return "".join(out)


def as_prefix(text: str) -> str | None:
    """The query with its last word, still being typed, as a prefix; None
    when the query does not end in a word (a space, a closed phrase, an
    operator, a prefix or fuzzy word already)."""
    if not text or not re.match(r"\w", text[-1]):
        return None
    if text.count('"') % 2:
        return text + '*"'  # an open phrase: its last word is a prefix
    toks = LEX.findall(text)
    last = toks[-1] if toks else ""
    if last in OPERATORS or last.startswith('"') or any(c in last for c in "*?~"):
        return None
    return text + "*"

"""The search language (store/search/query.py): checking and parsing
queries. What they find is in test_search_found.py."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from hark.store.search import query as hq
from hark.store.search.whoosh.schema import make_schema

SCHEMA = make_schema()


# -- checking ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, why",
    [
        ('"scaling laws', "unbalanced quote"),
        ('scaling "laws" "', "unbalanced quote"),
        ("(agents OR tools", "unbalanced parenthesis"),
        ("agents)", "unbalanced parenthesis"),
        ("()", "empty parentheses"),
        ('""', "an empty phrase"),
        ("OR agents", "a lone operator OR"),
        ("agents OR", "a lone operator OR"),
        ("agents AND OR tools", "a lone operator AND"),
        ("agents NOT", "a lone operator NOT"),
        ("NOT", "a lone operator NOT"),
        ("title:", "empty field 'title:'"),
        ("title: lighthouse", "empty field 'title:'"),
        ("colour:blue", "unknown field 'colour:'"),
        ("-", "a lone -"),
        ("agents -", "a lone -"),
        ("*", "a leading *"),
        ("*gent", "a leading *"),
        ("~", "a leading ~"),
        ("agent~x", "a misplaced ~"),
    ],
)
def test_malformed_queries_are_named(text, why):
    assert hq.problem(text).startswith(why)


@pytest.mark.parametrize(
    "text",
    [
        "scaling laws",
        '"scaling laws"',
        'agent* -"long horizon"',
        "agents OR tools",
        "agents NOT tools",
        "agents AND NOT tools",
        "NOT tools agents",
        "(agents OR tools) reliability",
        "scalling~ scalling~2 scaling~2/3",
        'title:"keepers of the light"',
        "speaker:efron format:srt tag:startup note:todo",
        "-(agents OR tools) horizon",
        "10:30 don't C++ e.g.",
        "ag*nt",
    ],
)
def test_well_formed_queries_pass(text):
    assert hq.problem(text) is None


# -- parsing -----------------------------------------------------------------------


def test_parse_forms():
    # The parser's schema is the index's, by default.
    assert hq.parse("title:lighthouse keepers").query == hq.parse("title:lighthouse keepers", SCHEMA).query
    p = hq.parse('"scaling laws"', SCHEMA)
    assert p.query == wq.Phrase("text", ["scale", "law"])
    assert p.note is None and not p.plain
    assert hq.parse("scaling laws", SCHEMA).query == wq.And([wq.Term("text", "scale"), wq.Term("text", "law")])
    assert hq.parse("agents OR tools", SCHEMA).query == wq.Or([wq.Term("text", "agent"), wq.Term("text", "tool")])
    # `-word` and `NOT word` are one and the same, alone or not.
    q = hq.parse("reliability NOT horizon", SCHEMA).query
    assert q == wq.And([wq.Term("text", "reliabl"), wq.Not(wq.Term("text", "horizon"))])
    assert hq.parse("reliability -horizon", SCHEMA).query == q
    assert (
        hq.parse("-horizon", SCHEMA).query
        == hq.parse("NOT horizon", SCHEMA).query
        == wq.Not(wq.Term("text", "horizon"))
    )
    assert hq.parse("Agen*", SCHEMA).query == wq.Prefix("text", "agen")
    q = hq.parse("scalling~", SCHEMA).query
    assert isinstance(q, wq.FuzzyTerm) and (q.fieldname, q.text, q.maxdist) == ("text", "scalling", 1)
    q = hq.parse("scalling~2", SCHEMA).query
    assert isinstance(q, wq.FuzzyTerm) and q.maxdist == 2
    q = hq.parse("speaker:efron reliability", SCHEMA).query
    assert q == wq.And([wq.Term("speaker", "efron"), wq.Term("text", "reliabl")])
    assert hq.parse('title:"the light"', SCHEMA).query == wq.Phrase("title", ["the", "light"])
    assert hq.parse("format:srt", SCHEMA).query == wq.Term("format", "srt")


@pytest.mark.parametrize(
    "text, note, terms",
    [
        ('"scaling laws', "unbalanced quote: searched as plain words", ["scale", "law"]),
        ("(agents OR tools", "unbalanced parenthesis: searched as plain words", ["agent", "tool"]),
        ("title:", "empty field 'title:': searched as plain words", ["titl"]),
        ("OR", "a lone operator OR: searched as plain words", ["or"]),
        ("agents -", "a lone -: searched as plain words", ["agent"]),
        (
            "colour:blue",
            "unknown field 'colour:' (fields: title, speaker, tag, format, note): searched as plain words",
            ["colour", "blue"],
        ),
    ],
)
def test_malformed_queries_fall_back_to_plain_words(text, note, terms):
    p = hq.parse(text, SCHEMA)
    assert p.plain and p.note == note
    got = [q.text for q in (p.query.subqueries if isinstance(p.query, wq.And) else [p.query])]
    assert got == terms


@pytest.mark.parametrize("text", ["", "   ", "*", '""', "()", "- + ~", "!!! ???"])
def test_nothing_to_search_for(text):
    p = hq.parse(text, SCHEMA)
    assert p.query is None
    assert p.note is not None and p.note.endswith("nothing to search for")


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "((((",
        "))))",
        "AND AND",
        "title:title:",
        '"a" "b',
        "NOT NOT NOT",
        "a~~",
        "x:y:z",
        "~2",
        "-*",
        "\x00\x1b[31m",
        "a" * 5000,
    ],
)
def test_parse_never_raises(text):
    p = hq.parse(text, SCHEMA)
    assert p.query is None or isinstance(p.query, wq.Query)


# -- plain words, without Whoosh's parser -------------------------------------------


def _through_parser(text: str) -> wq.Query | None:
    """What Whoosh's parser makes of a query (parse's way for any other)."""
    readable = hq.signs(hq.bound(text)[0])
    q = hq._parser(SCHEMA).parse(readable)
    return None if q is wq.NullQuery else hq.refine(q, readable)


PLAIN = [
    "market",
    "market share",
    "Scaling Laws",
    "the",
    "the of and a",
    "data data",
    "running runs ran",
    "NASA GPT 4 2024",
    "x1 b2b 10x",
    "I",
    "a",
    "TO be or not",
    "to and or",
    "Reasoning models reasoning",
    "q" * 70 + " lighthouse",
    "caf cafe",
    "0 00 007",
]


@pytest.mark.parametrize("text", PLAIN + [f'"{t}"' for t in PLAIN] + [f"{t}*" for t in PLAIN])
def test_plain_words_parse_as_whoosh_does(text: str) -> None:
    assert hq._plain(text, SCHEMA) is not None
    mine, theirs = hq.parse(text, SCHEMA).query, _through_parser(text)
    assert mine == theirs
    # Where each word is in the query (a phrase ending in `*` is read by them).
    assert getattr(mine, "char_ranges", None) == getattr(theirs, "char_ranges", None)
    for a, b in zip(
        [mine, *getattr(mine, "subqueries", [])], [theirs, *getattr(theirs, "subqueries", [])], strict=True
    ):
        assert (getattr(a, "startchar", None), getattr(a, "endchar", None)) == (
            getattr(b, "startchar", None),
            getattr(b, "endchar", None),
        )


@pytest.mark.parametrize(
    "text",
    [
        "agents OR tools",
        "NOT horizon",
        "a AND b",
        "don't stop",
        "all-female",
        "agent**",
        "*agent",
        "age*nt",
        "agent* tools",
        "AND*",
        "NOT*",
        "title:x",
        "café",
        "two  spaces",
    ],
)
def test_other_queries_go_through_the_parser(text: str) -> None:
    assert hq._plain(text, SCHEMA) is None


def test_plain_words_drawn_from_text_parse_as_whoosh_does() -> None:
    """Random word pairs and triples of a varied text (mixed case, digits,
    short and long words): the quick way and the parser agree on each."""
    import random

    words = (
        "Scaling laws in 2023 were the talk of every lab I visited and GPT 4 was "
        "trained on 13 trillion tokens The Reasoning Models of OpenAI DeepMind and "
        "Anthropic think longer before answering which is something I think is "
        "underrated people said Its about compute efficiency x86 ARM64 M2 vs RTX4090"
    ).split()
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        roll = rng.random()
        if roll < 0.3:
            text = f'"{text}"'
        elif roll < 0.5:
            text += "*"  # the last word being typed
        assert hq.parse(text, SCHEMA).query == _through_parser(text), text

"""Words -> terms (store/search/analysis.py): one function for indexing
and querying, the Whoosh analyzer that agrees with it, and the edit
distance of fuzzy words and "did you mean"."""

from __future__ import annotations

import pytest

from hark.store.search import analysis as ha
from hark.store.search.whoosh.fileformat import HarkAnalyzer


@pytest.mark.parametrize(
    "words, term",
    [
        (["run", "running", "runs", "Running"], "run"),  # Porter would give "runn" for running
        (["scale", "scaling", "scaled", "scales"], "scale"),
        (["café", "cafe", "CAFÉ", "Cafe"], "cafe"),
        (["brûlée", "brulee"], "brule"),  # folded before stemming: both stem alike
        (["naïve", "naive"], "naiv"),
        (["Zürich", "zurich"], "zurich"),
        (["don't", "dont", "don’t"], "dont"),  # apostrophes: curly or straight, or none
        (["Kaplan's", "kaplan", "Kaplan’s"], "kaplan"),
        (["reliability", "reliable"], "reliabl"),
        (["agents", "agent"], "agent"),
        (["ＡＢＣ", "abc"], "abc"),  # full-width folds to ASCII
    ],
)
def test_words_that_must_meet(words, term):
    assert {ha.term(w) for w in words} == {term}


def test_no_stop_words_so_phrases_like_going_to_survive():
    assert ha.terms("We are going to scale these models.") == ["we", "are", "go", "to", "scale", "these", "model"]
    assert ha.terms("to be or not to be") == ["to", "be", "or", "not", "to", "be"]


def test_tokens_and_offsets():
    text = "Crème brûlée, don't—stop! 3.5 e.g."
    assert ha.spans(text) == [
        ("creme", 0, 5),
        ("brule", 6, 12),
        ("dont", 14, 19),
        ("stop", 20, 24),
        ("3", 26, 27),
        ("5", 28, 29),
        ("e", 30, 31),
        ("g", 32, 33),
    ]


def test_long_tokens_are_cut_not_dropped():
    blob = "x" * 200
    assert ha.term(blob) == "x" * ha.MAX_TERM
    assert ha.terms(f"see {blob} here") == ["see", "x" * ha.MAX_TERM, "here"]


def test_the_whoosh_analyzer_agrees_with_terms():
    text = "Ünïcode CAFÉ running, scaling: l'été à Zürich — 42 don’t Kaplan's"
    ana = HarkAnalyzer()
    toks = [(t.text, t.pos, t.startchar, t.endchar) for t in ana(text, positions=True, chars=True)]
    assert [t[0] for t in toks] == ha.terms(text)
    assert [t[1] for t in toks] == list(range(len(toks)))
    assert [(a, b) for _t, _p, a, b in toks] == [(a, b) for _t, a, b in ha.spans(text)]
    # Prefixes and wildcards are folded, never stemmed.
    assert [t.text for t in ana("Runni", tokenize=False)] == ["runni"]


def test_distance():
    assert ha.distance("scaling", "scaling", 2) == 0
    assert ha.distance("scalling", "scaling", 2) == 1
    assert ha.distance("lighthuose", "lighthouse", 2) == 1  # a transposition is one edit
    assert ha.distance("cat", "dog", 2) == 3  # limit + 1: further than we look
    assert ha.distance("a", "abcd", 2) == 3


def test_ascii_words_are_the_regex_words() -> None:
    """units() splits ASCII text its own (faster) way: the words are
    TOKEN's, apostrophes and underscores, control characters and all."""
    import random
    import string

    from hark.store.search.analysis import TOKEN, unit_spans, units

    rng = random.Random(5)
    alphabet = string.printable + "'''__\x00\x1c\x7f"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert units(text) == TOKEN.findall(text) == [u for u, _a, _b in unit_spans(text)], repr(text)


def test_a_word_known_in_lower_case_is_not_stemmed_again() -> None:
    """term() finds "The" through "the" when it has seen that: the same
    term as stemming it, for any mix of case, digits and apostrophes,
    whatever was seen first."""
    import random
    import string

    from hark.store.search import analysis as ha

    rng = random.Random(4)
    words = [
        "".join(rng.choice(string.ascii_letters + "'" + string.digits) for _ in range(rng.randint(1, 70)))
        for _ in range(3000)
    ]
    words += [w.capitalize() for w in words[:1000]] + [w.upper() for w in words[:1000]]
    want = {w: ha._stem(ha.fold(w)[: ha.MAX_TERM]).replace("'", "") or "_" for w in words}
    ha._CACHE.clear()
    rng.shuffle(words)
    for w in words:
        assert ha.term(w) == want[w], w

"""Hits read a passage's words through the query's own surface words
(hits.query_terms): the same hits as reading every word's term, and the
same when the surface words lag behind the index."""

from __future__ import annotations

import pytest

from hark.store.search.hits import _terms, hits_for, query_terms
from hark.store.search.words import Surface

QUERIES = [
    "tide",
    "the",
    "bread starter",
    "Tides moon",
    '"the tide"',
    '"you know what"',
    "tide OR bread",
    "tid*",
    "harbr~",
    "speaker:maya tide",
    "title:tides",
    "tide -harbour",
    "all-female",
    "don't",
]


def _hits(idx, lib, text, surface):
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return None
    docs, _total, _partial = idx.engine.run(plan.query, 50, exact_total=True, time_limit=None)
    return hits_for(lib, plan, idx.engine.passages(docs), surface)


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("indexed", [True, False], ids=["by-term", "loaded"])
def test_hits_through_the_surface_words_are_the_same(sample_index, text, indexed):
    """The surface words as Index.warm leaves them (indexed by term), or
    only loaded (a new process's first search that expanded a prefix):
    the same hits as reading every word's term."""
    idx, lib, _names = sample_index
    surface = Surface(dict(idx._surface_words().term))
    assert surface.term
    if indexed:
        surface.by_term()
    _parsed, plan = idx._plan(text, None)
    if plan is not None:
        assert query_terms(plan, surface) is not _terms  # the quick way is taken
    assert _hits(idx, lib, text, surface) == _hits(idx, lib, text, None)


def test_surface_words_not_indexed_are_not_indexed_on_a_search(sample_index):
    """Before warm has indexed the surface words by term (a new process's
    first search), hits look each word's term up: nothing slow is made on
    the search's way."""
    idx, lib, _names = sample_index
    fresh = Surface(dict(idx._surface_words().term))
    assert _hits(idx, lib, "tide", fresh)
    assert fresh.by_term(make=False) is None


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("indexed", [True, False], ids=["by-term", "loaded"])
def test_surface_words_that_lag_behind_lose_no_hit(sample_index, text, indexed):
    """A surface that lacks the query's own words (another process saved
    them a moment after its commit) still gives every hit."""
    idx, lib, _names = sample_index
    full = idx._surface_words()
    _parsed, plan = idx._plan(text, None)
    if plan is None:
        return
    wanted = set(plan.terms).union(*plan.phrases, *plan.together)
    stale = Surface({w: t for w, t in full.term.items() if t not in wanted})
    if indexed:
        stale.by_term()
    assert _hits(idx, lib, text, stale) == _hits(idx, lib, text, None)

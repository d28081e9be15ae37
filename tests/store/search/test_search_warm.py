"""Index.warm builds its tables beside searches: a search started while
they are built does not wait for them, and they are used once built."""

from __future__ import annotations

import threading


def test_a_search_does_not_wait_for_the_tables(small):
    idx = small[0]
    idx.ensure()
    started, release = threading.Event(), threading.Event()

    def slow_builder():
        # The term table's build held up until the search below is done.
        token, build = real()
        return token, lambda: (started.set(), release.wait(10), build())[2]

    real = idx.engine.table_builder
    idx.engine.table_builder = slow_builder
    warm = threading.Thread(target=idx.warm)
    warm.start()
    try:
        assert started.wait(10)
        got: dict = {}
        searching = threading.Thread(target=lambda: got.update(r=idx.search("lighthouse")))
        searching.start()
        searching.join(5)
        # The search finished while the tables were still being built.
        assert not searching.is_alive() and got["r"].total >= 1
        assert idx._short is None and idx.engine._table is None
    finally:
        release.set()
        warm.join(10)
    assert not warm.is_alive()
    assert idx.engine._table is not None and idx._short is not None
    assert idx.complete("ligh") == ["lighthouse"] and idx.complete("li")[0] == "lighthouse"


def test_tables_built_for_an_index_refreshed_meanwhile_are_not_used(small):
    idx = small[0]
    idx.ensure()
    token, build = idx.engine.table_builder()
    table = build()
    assert idx.engine.adopt_table(object(), table) is None  # another searcher's
    assert idx.engine._table is None
    df = idx.engine.adopt_table(token, table)
    assert df is not None and df("lighthous") >= 1 and idx.engine._table is table


def test_a_search_cancelled_while_it_waited_is_not_run(small):
    idx = small[0]
    dropped = idx.search("lighthouse", cancelled=lambda: True)
    assert dropped.total == 0 and dropped.partial and not dropped.hits
    assert idx.search("lighthouse", cancelled=lambda: False).total >= 1


def test_warm_teaches_the_term_cache_the_index_words(small, monkeypatch):
    """After warm, the words of the index are looked up, not stemmed (a
    search's hits read every word of their passages)."""
    from hark.store.search import analysis

    idx = small[0]
    idx.ensure()
    analysis._CACHE.clear()
    idx.warm()
    surface = idx._surface_words()
    assert surface is not None and surface.term
    monkeypatch.setattr(analysis, "_stem", lambda w: (_ for _ in ()).throw(AssertionError(f"stemmed {w!r}")))
    words = sorted(surface.term)[:50]
    assert analysis.terms(" ".join(words)) == [surface.term[w] for w in words]


def test_warm_keeps_the_small_fields_terms_with_their_frequencies(small):
    """After warm, a title, speaker, tag or note word is looked up in
    memory, with the index's own document frequency (0 for none)."""
    from hark.store.search.whoosh.lexicon import SMALL_FIELDS

    idx = small[0]
    idx.ensure()
    idx.warm()
    lex = idx.engine.lexicon()
    assert lex.table is not None
    reader = idx.engine.searcher().reader()
    seen = 0
    for field in SMALL_FIELDS:
        assert field in lex.table.small
        for tb, ti in reader.iter_field(field):
            t = tb.decode("utf-8")
            assert lex.df(field, t) == reader.doc_frequency(field, t) == ti.doc_frequency() > 0
            seen += 1
        assert lex.df(field, "zzzznotaword") == 0
    assert seen > 0


def test_opening_the_search_code_does_not_import_numpy():
    """numpy (~75 ms to import) is loaded by the searches and builds that
    use it, or in the background once the app's index is open: importing
    the search code, as `hark search` and the app's first search do, does
    not load it."""
    import subprocess
    import sys

    code = "import sys, hark.store.search, hark.store.search.whoosh.engine; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""Searching the project's samples and the shared corpus: every passage
that says a word or a phrase is found once, at the segment where it
starts, checked against a scan of the text."""

from __future__ import annotations

from search_helpers import expected_phrase_hits

from hark.store.search.analysis import terms


def test_samples_phrase_and_times(sample_index):
    idx, lib, by_name = sample_index
    tides = by_name["lecture-tides.srt"]
    r = idx.search('"the tide"', in_id=tides)
    got = sorted((h.segment, h.start) for h in r.hits)
    segs = lib.segments(tides)
    expected = sorted((i, s.start) for i, s in enumerate(segs) if "the tide" in s.text.lower())
    assert got == expected
    for h in r.hits:
        assert "**the tide" in h.marked().lower()  # "the tide" and "the tides"


def test_samples_every_passage_that_says_it_once(sample_index):
    idx, lib, _by_name = sample_index
    for q in ("river", "lighthouse", "starter", "bees"):
        stem = terms(q)[0]
        r = idx.search(q, limit=200)
        expected = {(t, seg) for t in lib.ids() for seg in expected_phrase_hits(lib, t, [stem])}
        assert expected, q
        assert {(h.transcript_id, h.segment) for h in r.hits} == expected
        assert r.total == len(expected)
        for h in r.hits:
            assert stem in terms(h.text)


def test_seed_004_phrases_across_three_word_captions(corpus_index):
    idx, lib, seeds = corpus_index
    tid = seeds["004"]
    segs = lib.segments(tid)
    # "we going to get exceptionally good at" / "coding and math but still not be able to" /
    # "like tell a joke or something this is a": one phrase over three captions.
    r = idx.search('"good at coding and math but still not be able to like tell a joke"')
    assert [(h.transcript_id, h.segment, h.start) for h in r.hits] == [(tid, 3, 5.0)]
    assert segs[3].text == "we going to get exceptionally good at"
    r = idx.search('"exceptionally good at coding"')
    assert sorted((h.segment, h.start) for h in r.hits) == [(3, 5.0), (207, 396.0)]  # 0:05 and 6:36
    assert {h.segment for h in r.hits} == expected_phrase_hits(lib, tid, terms("exceptionally good at coding"))
    r = idx.search('"agent space"', limit=50)
    assert {h.segment for h in r.hits} == expected_phrase_hits(lib, tid, ["agent", "space"])


def test_seed_004_metadata_fields(corpus_index):
    idx, lib, seeds = corpus_index
    tid = seeds["004"]
    r = idx.search("reliability speaker:efron", limit=50)
    assert r.hits and {h.transcript_id for h in r.hits} == {tid}
    for h in r.hits:
        assert "reliabl" in terms(h.snippet)
    assert {h.transcript_id for h in idx.search("tag:startup agents", limit=50).hits} == {tid}
    r = idx.search("speaker:kaplan reliability")  # seed 003 names no speaker
    assert (r.total, r.hits) == (0, [])


def test_seed_003_scaling_laws_every_moment(corpus_index):
    idx, lib, seeds = corpus_index
    tid = seeds["003"]
    r = idx.search('"scaling laws"', in_id=tid, limit=100)
    expected = expected_phrase_hits(lib, tid, ["scale", "law"])
    assert len(expected) >= 10
    assert {h.segment for h in r.hits} == expected
    assert r.total == len(expected)
    segs = lib.segments(tid)
    for h in r.hits:
        assert h.start == segs[h.segment].start
        assert "**scaling laws**" in h.marked().lower()


def test_seed_003_phrase_over_hard_wrapped_lines(corpus_index, corpus):
    idx, lib, seeds = corpus_index
    tid = seeds["003"]
    raw = (corpus / "seeds").glob("003_*.txt").__next__().read_text()
    assert "I'm\ngoing to talk briefly" in raw  # wrapped in the file
    r = idx.search('"I\'m going to talk briefly about scaling"', in_id=tid)
    assert len(r.hits) == 1
    h = r.hits[0]
    assert "going to talk briefly about scaling" in " ".join(
        s.text for s in lib.segments(tid)[h.segment : h.segment + 2]
    )


def test_seed_stemming_fuzzy_and_did_you_mean(corpus_index):
    idx, lib, seeds = corpus_index
    r = idx.search("scaling", in_id=seeds["003"], limit=100)
    assert any("scale" in terms(h.text) for h in r.hits)  # "scale" and "scaling" meet
    r = idx.search("horizon", limit=100)
    assert {h.transcript_id for h in r.hits} >= {seeds["001"]}
    assert idx.search("horizonz~").total >= idx.search("horizons").total > 0
    # Stemming forgives some slips ("reinforcment" stems like "reinforcement")...
    assert idx.search("reinforcment learning").total == idx.search("reinforcement learning").total > 0
    # ...for the others, "did you mean".
    r = idx.search("antropic physisist")
    assert r.total == 0 and r.suggestion == "anthropic physicist"
    r = idx.search('"scalling laws"')
    assert r.total == 0 and r.suggestion == '"scaling laws"'

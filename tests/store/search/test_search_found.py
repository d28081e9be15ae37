"""Searching (store/search/): what is found, where, and how it is shown --
stemming, accents, phrases across caption lines and passages, fields,
operators, prefixes, fuzzy words, "did you mean", completion."""

from __future__ import annotations

import threading

import pytest
from search_helpers import save, where

from hark.store.library import Library
from hark.store.search import Index
from hark.store.search.analysis import terms
from hark.store.search.documents import passages


def test_passages_cut_at_turns_sentences_and_length():
    texts = ["One two three four."] * 17 + ["five six seven"] * 30
    speakers = ["A"] * 5 + ["B"] * 42
    cuts = passages([terms(t) for t in texts], speakers, texts)
    assert cuts == [
        (0, 4),  # A's turn
        (5, 14),  # B: ten 4-word sentences, 40 words, end on a full stop
        (15, 40),  # two sentences, then captions without punctuation up to 80 words
        (41, 46),  # the rest
    ]


def test_single_word_with_stemming(fx):
    idx, ids = fx
    assert where(idx.search("run")) == [(ids["talk"], 1, 4.0)]
    r = idx.search("running")
    assert where(r) == [(ids["talk"], 1, 4.0)]
    h = r.hits[0]
    # A short segment is followed by the next ones, for context.
    assert (
        h.snippet
        == "The model keeps running faster at the café. I think the scaling laws are going to hold for agents."
    )
    assert h.marks == [(16, 23)]
    assert h.marked().startswith("The model keeps **running** faster")
    assert h.text_marks == [(16, 23)]  # the same word in the segment's own text
    assert h.kind == "text"
    assert (h.title, h.end, h.text, h.speaker) == (
        "Scaling and agents",
        8.5,
        "The model keeps running faster at the café.",
        "Alice",
    )


def test_accent_folding(fx):
    idx, ids = fx
    assert where(idx.search("cafe")) == [(ids["talk"], 1, 4.0)]
    assert where(idx.search("café")) == [(ids["talk"], 1, 4.0)]
    assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]
    r = idx.search('"creme brulee"')
    assert where(r) == [(ids["talk"], 4, 15.0)]
    assert r.hits[0].marked().startswith("**Crème brûlée** is my reward")


def test_phrase_with_common_words(fx):
    idx, ids = fx
    r = idx.search('"going to"')
    # Also across the captions "we are going" / "to get exceptionally".
    assert sorted(where(r)) == [(ids["talk"], 3, 12.0), (ids["chunks"], 25, 50.0)]
    talk = next(h for h in r.hits if h.transcript_id == ids["talk"])
    assert talk.marked() == "laws are **going to** hold for agents. Crème brûlée is my reward for long horizon work."
    chunks = next(h for h in r.hits if h.transcript_id == ids["chunks"])
    assert chunks.marked().startswith("we are **going to** get exceptionally good at coding")


def test_phrase_across_caption_lines_maps_to_the_segment_where_it_starts(fx):
    idx, ids = fx
    r = idx.search('"scaling laws"')
    # Once at the end of segment 0; once split over segments 2 and 3.
    assert sorted(where(r)) == [(ids["talk"], 0, 0.0), (ids["talk"], 2, 8.5)]
    split = next(h for h in r.hits if h.segment == 2)
    assert split.text_marks == [(12, 19)]  # "scaling": the phrase goes on in the next segment
    assert split.marked() == (
        "I think the **scaling laws** are going to hold for agents. Crème brûlée is my reward for long horizon work."
    )


def test_phrase_across_three_chunks(fx):
    idx, ids = fx
    r = idx.search('"main milestone I am looking for"')
    assert where(r) == [(ids["chunks"], 5, 10.0)]
    assert r.hits[0].marked().startswith("the **main milestone i am looking for** in agents")


def test_phrase_across_a_passage_boundary_is_found_once(fx):
    idx, ids = fx
    # Captions 25-28; the passage ends after caption 26, so the phrase runs
    # into the next passage's tail.
    r = idx.search('"going to get exceptionally good at coding and math"')
    assert where(r) == [(ids["chunks"], 25, 50.0)]
    assert r.total == 1
    assert r.hits[0].marked().startswith("we are **going to get exceptionally good at coding and math** too")
    # Starting in the next passage: found there only.
    assert where(idx.search('"good at coding"')) == [(ids["chunks"], 27, 54.0)]
    # A phrase across the turn from Alice to Bob (two passages).
    assert where(idx.search('"the cafe I think"')) == [(ids["talk"], 1, 4.0)]


def test_phrases_of_common_words_across_a_turn(tmp_path):
    """Common words ("it is and so") are matched through their indexed
    pairs; a pair that straddles two passages counts for the first."""
    lib = Library(tmp_path / "library.sqlite3")
    tid = save(
        lib,
        "Turns",
        "vtt",
        [(0.0, 2.0, "Ann", "this is what it is"), (2.0, 4.0, "Ben", "and so on we go"), (4.0, 6.0, "Ann", "you know")],
    )
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    assert where(idx.search('"it is and so"')) == [(tid, 0, 0.0)]
    assert where(idx.search('"is and"')) == [(tid, 0, 0.0)]
    assert where(idx.search('"and so on"')) == [(tid, 1, 2.0)]
    assert where(idx.search('"we go you know"')) == [(tid, 1, 2.0)]
    assert where(idx.search('"you know"')) == [(tid, 2, 4.0)]
    assert where(idx.search('"know you"')) == []
    idx.close()
    lib.close()


def test_all_words_must_match(fx):
    idx, ids = fx
    assert where(idx.search("laws hold")) == [(ids["talk"], 3, 12.0)]
    assert where(idx.search("reward horizon")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("reward reliability")) == []


def test_or_not_minus(fx):
    idx, ids = fx
    assert sorted(where(idx.search("brulee OR handbook"))) == [(ids["talk"], 4, 15.0), (ids["handbook"], 0, 0.0)]
    assert where(idx.search("reliability -handbook")) == [(ids["talk"], 5, 20.0)]
    assert where(idx.search("reliability NOT handbook")) == [(ids["talk"], 5, 20.0)]
    r = idx.search('agents -"long horizon"')
    assert where(r) == [(ids["chunks"], 7, 14.0)]
    # Only NOTs: every passage that lacks the word (never the manifest documents).
    r = idx.search("NOT lighthouse")
    assert {h.transcript_id for h in r.hits} == {ids["talk"], ids["chunks"], ids["handbook"]}
    assert r.total == 6  # talk: 3 passages (Alice, Bob, Alice); chunks: 2; handbook: 1


def test_prefix(fx):
    idx, ids = fx
    assert where(idx.search("reliab*")) == [(ids["talk"], 5, 20.0), (ids["handbook"], 0, 0.0)]
    # "runni" is no prefix of the indexed term "run": the surface words know.
    assert where(idx.search("runni*")) == [(ids["talk"], 1, 4.0)]
    assert where(idx.search("Bru*")) == [(ids["talk"], 4, 15.0)]


def test_fuzzy(fx):
    idx, ids = fx
    assert where(idx.search("lighthuose~"))[0][1:] == (0, 0.0)
    assert {h.transcript_id for h in idx.search("lighthuose~").hits} == {ids["keepers"], ids["rocks"]}
    assert where(idx.search("brulle~")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("relaibilty~")) == []  # two edits: needs ~2
    assert sorted(where(idx.search("relaibilty~2"))) == sorted([(ids["handbook"], 0, 0.0), (ids["talk"], 5, 20.0)])


def test_fields(fx):
    idx, ids = fx
    # speaker: the segment's own speaker...
    assert where(idx.search("speaker:bob reward")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("speaker:alice reward")) == []
    # ...or, where segments have none, the transcript's ("Jacob Efron": tokenised).
    r = idx.search("speaker:efron")
    assert [h.transcript_id for h in r.hits] == [ids["chunks"], ids["chunks"]]
    assert r.total == 2  # its two passages, each at its first segment
    assert sorted(h.segment for h in r.hits) == [0, 27]
    assert where(idx.search('speaker:"jacob efron" agents')) == [(ids["chunks"], 7, 14.0)]
    assert where(idx.search("title:handbook reliability")) == [(ids["handbook"], 0, 0.0)]
    assert where(idx.search('title:"short chunks" milestone')) == [(ids["chunks"], 5, 10.0)]
    assert where(idx.search("tag:startup agents")) == [(ids["chunks"], 7, 14.0)]
    assert where(idx.search("tag:research agents")) == [(ids["talk"], 3, 12.0)]
    assert {h.transcript_id for h in idx.search("format:srt lighthouse").hits} == {ids["keepers"], ids["rocks"]}
    assert where(idx.search("format:SRT reward")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("format:vtt reward")) == []


def test_a_title_word_alone_does_not_return_every_passage(fx):
    idx, ids = fx
    # "agent" is in the handbook's title but never said there.
    r = idx.search("agent")
    assert {h.transcript_id for h in r.hits} == {ids["talk"], ids["chunks"]}
    assert ids["handbook"] not in {h.transcript_id for h in r.hits}
    # Words must be said; the title only ranks (see test_title_matches_rank_higher).
    assert where(idx.search("agent reliability")) == []
    assert where(idx.search("title:agent reliability")) == [(ids["handbook"], 0, 0.0), (ids["talk"], 5, 20.0)]
    # A field query alone returns each passage of the transcripts it names,
    # the shorter title (a closer match) first.
    r = idx.search("title:agent")
    assert where(r)[0] == (ids["handbook"], 0, 0.0)
    assert sorted(where(r)[1:]) == [(ids["talk"], 0, 0.0), (ids["talk"], 2, 8.5), (ids["talk"], 5, 20.0)]


def test_title_matches_rank_higher(fx):
    idx, ids = fx
    r = idx.search("lighthouse")
    assert [h.transcript_id for h in r.hits] == [ids["keepers"], ids["rocks"]]
    assert r.hits[0].score > r.hits[1].score


def test_in_one_transcript(fx):
    idx, ids = fx
    assert where(idx.search("lighthouse", in_id=ids["rocks"])) == [(ids["rocks"], 0, 0.0)]
    assert where(idx.search("reliability", in_id=ids["handbook"])) == [(ids["handbook"], 0, 0.0)]
    assert where(idx.search("reliability", in_id=9999)) == []


def test_limit_and_total(fx):
    idx, ids = fx
    r = idx.search("alpha OR bravo OR agents OR lighthouse", limit=2)
    assert len(r.hits) == 2
    assert r.total == 5  # chunks' 2 passages, Bob's passage, keepers, rocks
    scores = [h.score for h in r.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "text, note",
    [
        ('"scaling laws', "unbalanced quote: searched as plain words"),
        ("(scaling laws", "unbalanced parenthesis: searched as plain words"),
        ("scaling laws OR", "a lone operator OR: searched as plain words"),
        ("title: scaling laws", "empty field 'title:': searched as plain words"),
    ],
)
def test_malformed_query_searches_plain_words_with_a_note(fx, text, note):
    idx, ids = fx
    r = idx.search(text)
    assert r.note == note
    hits = where(r)
    assert (ids["talk"], 0, 0.0) in hits
    if "OR" not in text and "title" not in text:
        assert sorted(hits) == [(ids["talk"], 0, 0.0), (ids["talk"], 2, 8.5)]


def test_did_you_mean(fx):
    idx, ids = fx
    r = idx.search("scalling laws")
    assert r.hits == [] and r.total == 0
    assert r.suggestion == "scaling laws"
    # Only a correction that finds something is proposed.
    assert idx.search('"lighthuose keeper"').suggestion is None  # nobody says "lighthouse keeper"
    assert idx.search('"lighthuose stood"').suggestion == '"lighthouse stood"'
    r = idx.search("reliabilty")
    assert r.suggestion == "reliability"
    assert idx.search("reliability").suggestion is None  # found: nothing to suggest
    assert idx.search("zzyzx").suggestion is None  # nothing close
    r = idx.search('"scalling laws')  # malformed and misspelt: suggest the words
    assert r.suggestion == "scaling laws"


def test_nothing_to_search(fx):
    idx, _ids = fx
    for text in ("", "   ", "*", "!!!"):
        r = idx.search(text)
        assert (r.total, r.hits) == (0, [])
        assert r.note.endswith("nothing to search for")


def test_json_shape(fx):
    idx, ids = fx
    r = idx.search('"scaling laws"', limit=1)
    d = r.to_json()
    assert list(d) == ["query", "total", "notes", "hits"]
    assert d["query"] == '"scaling laws"' and d["total"] == 2 and d["notes"] == []
    assert list(d["hits"][0]) == [
        "transcript_id",
        "title",
        "segment",
        "start",
        "end",
        "text",
        "snippet",
        "score",
        "speaker",
    ]
    assert "**scaling laws**" in d["hits"][0]["snippet"]


def test_complete(fx):
    idx, _ids = fx
    idx.warm()
    assert idx.complete("ligh") == ["lighthouse"]
    assert idx.complete("run") == ["running"]
    assert "reliability" in idx.complete("re")
    # Short prefixes come from the precomputed table, one word per stem too.
    assert idx.complete("ru") == ["running"]
    assert idx.complete("li") == ["lighthouse", "lima"]
    assert idx.complete("") == []
    assert idx.complete("zzz") == []
    assert len(idx.complete("a", limit=3)) == 3


def test_search_from_another_thread_and_time_limit(fx):
    idx, ids = fx
    out = {}

    def worker():
        out["r"] = idx.search("lighthouse", time_limit=5.0)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert [h.transcript_id for h in out["r"].hits] == [ids["keepers"], ids["rocks"]]
    assert out["r"].partial is False


def test_more_than_a_hundred_hits_each_show_their_own_segments(tmp_path):
    """The segments of many hits are read a hundred passages at a time; a
    segment that two reads share (one passage's run-on, the next one's
    start) is still shown once."""
    lib = Library(tmp_path / "library.sqlite3")
    segs = [(i * 2.0, i * 2.0 + 2, "AB"[i % 2], f"alpha word{i} beta") for i in range(300)]
    tid = save(lib, "Many", "srt", segs)
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    r = idx.search("alpha", limit=250)
    assert (r.total, len(r.hits)) == (300, 250)
    for h in r.hits:
        i = h.segment
        assert h.transcript_id == tid
        assert h.snippet.startswith(f"alpha word{i} beta alpha word{i + 1} beta"), h.snippet
    few = {h.segment: h.snippet for h in idx.search("alpha", limit=5).hits}
    assert {h.segment: h.snippet for h in r.hits if h.segment in few} == few
    idx.close()
    lib.close()

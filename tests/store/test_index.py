"""The search index (store/index.py): what is found, where, and how the
index keeps in step with the library through damage and concurrency."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from hark.store import index as sindex
from hark.store.index import Index, passages
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.query import terms

ROOT = Path(__file__).resolve().parent.parent.parent

FILLER = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def _save(lib: Library, title: str, fmt: str, segs: list[tuple], metadata: dict | None = None, source: str = "") -> int:
    t = Transcript(
        title=title,
        format=fmt,
        segments=[Segment(start=a, end=b, speaker=spk, text=text) for a, b, spk, text in segs],
        metadata=metadata or {},
    ).finish()
    tid, _ = lib.save(t, source=source or f"/fixtures/{title}", sha256=str(abs(hash((title, tuple(segs))))))
    return tid


def _chunks() -> list[tuple]:
    """40 three-word captions without punctuation (seed 004's shape): 120
    words, so the passage is cut at 80 words, between captions 26 and 27."""
    words = [FILLER[i % len(FILLER)] for i in range(120)]
    planted = {
        5: "the main milestone",
        6: "i am looking",
        7: "for in agents",
        25: "we are going",
        26: "to get exceptionally",
        27: "good at coding",
        28: "and math too",
    }
    out = []
    for i in range(40):
        text = planted.get(i, " ".join(words[3 * i : 3 * i + 3]))
        out.append((i * 2.0, i * 2.0 + 2.0, None, text))
    return out


def build_fixture(lib: Library) -> dict[str, int]:
    ids = {}
    ids["talk"] = _save(
        lib,
        "Scaling and agents",
        "srt",
        [
            (0.0, 4.0, "Alice", "Welcome back. Today we talk about scaling laws."),
            (4.0, 8.5, "Alice", "The model keeps running faster at the café."),
            (8.5, 12.0, "Bob", "I think the scaling"),
            (12.0, 15.0, "Bob", "laws are going to hold for agents."),
            (15.0, 20.0, "Bob", "Crème brûlée is my reward for long horizon work."),
            (20.0, 24.0, "Alice", "Reliability matters more than raw speed."),
        ],
        {"tags": ["AI", "Research"]},
    )
    ids["chunks"] = _save(
        lib, "Short chunks", "markdown", _chunks(), {"speakers": ["Jacob Efron"], "tags": ["AI Agent", "Startup"]}
    )
    ids["handbook"] = _save(
        lib,
        "Agent handbook",
        "vtt",
        [
            (0.0, 3.0, None, "This handbook covers the basics of reliability."),
            (3.0, 6.0, None, "Read it slowly, one chapter a week."),
        ],
    )
    ids["keepers"] = _save(lib, "Lighthouse keepers", "srt", [(0.0, 3.0, None, "A lighthouse stood on the rock.")])
    ids["rocks"] = _save(lib, "Coastal rocks", "srt", [(0.0, 3.0, None, "A lighthouse stood on the rock.")])
    return ids


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    # The surface words an index keeps for completion are the ones this
    # process has seen; start clean so other tests' words do not count.
    from hark.store import query

    query._CACHE.clear()
    d = tmp_path_factory.mktemp("fx")
    lib = Library(d / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, ids
    idx.close()
    lib.close()


def where(result) -> list[tuple[int, int, float]]:
    return [(h.transcript_id, h.segment, h.start) for h in result.hits]


# -- what is found ---------------------------------------------------------------------


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
    tid = _save(
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
    assert list(d) == ["query", "total", "hits"]
    assert d["query"] == '"scaling laws"' and d["total"] == 2
    assert list(d["hits"][0]) == ["transcript_id", "title", "segment", "start", "end", "text", "snippet", "score"]
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


# -- keeping in step ---------------------------------------------------------------------


@pytest.fixture
def small(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(tmp_path / "index", lib)
    report = idx.sync()
    assert report.rebuilt is not None and report.rebuilt.why == "new"
    yield idx, lib, ids, tmp_path
    idx.close()
    lib.close()


def test_private_files(small):
    idx, _lib, _ids, tmp = small
    assert (tmp / "index").stat().st_mode & 0o777 == 0o700
    for p in (tmp / "index").iterdir():
        if p.is_file():
            assert p.stat().st_mode & 0o077 == 0, p
    assert (tmp / "index.lock").stat().st_mode & 0o777 == 0o600


def test_sync_adds_changes_and_removes(small):
    idx, lib, ids, _tmp = small
    assert idx.in_sync()
    assert idx.sync().changed is False
    new = _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance points to flowers.")])
    assert not idx.in_sync()
    r = idx.sync()
    assert (r.added, r.removed, r.rebuilt) == (1, 0, None)
    assert where(idx.search("waggle")) == [(new, 0, 0.0)]
    # Re-import with changed text: same id, old words gone.
    _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The round dance points to flowers.")], source="/fixtures/Bees")
    r = idx.sync()
    assert (r.added, r.removed) == (1, 0)
    assert where(idx.search("waggle")) == []
    assert where(idx.search("round dance")) == [(new, 0, 0.0)]
    lib.remove(ids["keepers"])
    r = idx.sync()
    assert (r.added, r.removed) == (0, 1)
    assert [h.transcript_id for h in idx.search("lighthouse").hits] == [ids["rocks"]]
    assert idx.in_sync()


def test_catching_up_most_of_the_library_rebuilds_instead(small, monkeypatch):
    idx, lib, ids, _tmp = small
    monkeypatch.setattr(sindex, "PARALLEL_SEGMENTS", 10)
    segs = [(j * 1.0, j + 1.0, None, f"bulk line {j} about harbours") for j in range(200)]
    new = _save(lib, "Bulk", "srt", segs)
    seen = []
    r = idx.sync(progress=lambda done, total: seen.append((done, total)))
    assert (r.added, r.removed, r.rebuilt) == (1, 0, None)
    assert seen[-1] == (sum(len(lib.segments(t)) for t in lib.ids()),) * 2  # progress of a whole build
    assert idx.search("harbours").hits[0].transcript_id == new
    assert idx.in_sync()


def test_annotation_notes_and_tags_are_searched(small):
    from hark.store import annotations

    idx, lib, ids, _tmp = small
    a = annotations.create(lib, ids["talk"], 4, 4, note="Ask the chef about caramel", tags=["dessert"])
    assert not idx.in_sync()  # an annotation with a note changes what the index must hold
    r = idx.sync()
    assert (r.added, r.removed) == (1, 0)
    # A word of the note only: a hit on the annotation, its note as snippet.
    r = idx.search("caramel")
    assert [(h.transcript_id, h.segment, h.start, h.kind) for h in r.hits] == [(ids["talk"], 4, 15.0, "note")]
    h = r.hits[0]
    assert h.marked() == "Ask the chef about **caramel** ; dessert"
    assert h.text == "Crème brûlée is my reward for long horizon work."
    assert where(idx.search("note:chef")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search('note:"the chef"')) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("tag:dessert")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("dessert")) == [(ids["talk"], 4, 15.0)]  # tags are words of the note too
    # Said and noted: the hit is on what was said.
    r = idx.search("reward caramel")
    assert [(h.segment, h.kind) for h in r.hits] == [(4, "text")]
    annotations.update(lib, a.id, note="Ask the chef about toffee")
    assert idx.sync().added == 1
    assert idx.search("caramel").total == 0 and idx.search("toffee").total == 1
    annotations.delete(lib, a.id)
    assert idx.sync().added == 1
    assert idx.search("toffee").total == 0
    assert idx.in_sync()


def test_many_small_commits_merge_small_segments(small, monkeypatch):
    idx, lib, _ids, tmp = small
    for i in range(9):
        _save(lib, f"Note {i}", "srt", [(0.0, 1.0, None, f"memo number{i} about gardens")])
        idx.sync()
    stats = idx.stats()
    assert stats["segments"] <= 5  # merged as they piled up
    assert len(idx.search("gardens", limit=50).hits) == 9
    assert where(idx.search("number7")) != []


def test_missing_index_is_rebuilt_with_a_message(small):
    idx, _lib, ids, tmp = small
    shutil.rmtree(tmp / "index")
    assert idx.health() == "missing"
    said = []
    report = sindex.sync(idx.lib, tmp / "index", message=said.append)
    assert report.rebuilt.why == "missing"
    assert len(said) == 1 and said[0].startswith(
        "the search index was missing: rebuilt from the library (5 transcripts"
    )
    assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]


def test_deleted_toc_is_rebuilt(small):
    idx, _lib, ids, tmp = small
    idx.close()
    for p in (tmp / "index").glob("*.toc"):
        p.unlink()
    idx2 = Index(tmp / "index", idx.lib)
    assert idx2.health() == "missing"
    said = []
    idx2.ensure(message=said.append)
    assert said[0].startswith("the search index was missing: rebuilt")
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]


@pytest.mark.parametrize("damage", ["truncate", "garbage-toc", "empty-toc", "delete-segment"])
def test_corrupt_index_is_rebuilt(small, damage):
    idx, lib, ids, tmp = small
    idx.close()
    ixdir = tmp / "index"
    if damage == "truncate":
        seg = max(ixdir.glob("*.seg"), key=lambda p: p.stat().st_size)
        with open(seg, "r+b") as f:
            f.truncate(seg.stat().st_size // 2)
    elif damage == "garbage-toc":
        toc = next(ixdir.glob("*.toc"))
        toc.write_bytes(os.urandom(300))
    elif damage == "empty-toc":
        next(ixdir.glob("*.toc")).write_bytes(b"")
    else:
        for seg in ixdir.glob("*.seg"):
            seg.unlink()
    idx2 = Index(ixdir, lib)
    assert idx2.health() == "corrupt"
    said = []
    report = idx2.ensure(message=said.append)
    assert report.rebuilt.why == "corrupt"
    assert said == [said[0]] and said[0].startswith("the search index was damaged: rebuilt from the library")
    assert idx2.health() is None
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]
    idx2.close()


def test_stale_schema_version_is_rebuilt(small, monkeypatch):
    idx, lib, ids, tmp = small
    idx.close()
    # An index written by a hark whose schema version differs.
    monkeypatch.setattr(sindex, "SCHEMA_VERSION", sindex.SCHEMA_VERSION + 1)
    idx2 = Index(tmp / "index", lib)
    assert idx2.health() == "stale"
    said = []
    idx2.ensure(message=said.append)
    assert said[0].startswith("the search index was from another version: rebuilt")
    assert idx2.health() is None
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]
    idx2.close()


def test_index_of_another_name_is_stale(small):
    idx, lib, _ids, tmp = small
    idx.close()
    tocs = list((tmp / "index").glob(f"_{sindex.INDEX_NAME}_*.toc"))
    assert tocs
    for p in tocs:
        p.rename(p.with_name(p.name.replace(f"_{sindex.INDEX_NAME}_", "_hark0_")))
    idx2 = Index(tmp / "index", lib)
    assert idx2.health() == "stale"
    assert idx2.ensure().rebuilt.why == "stale"
    assert not list((tmp / "index").glob("_hark0_*"))  # the old one is cleared away
    idx2.close()


def test_sync_quietly_never_raises(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    blocker = tmp_path / "index"
    blocker.write_text("not a folder")  # the index path is taken by a file
    said = []
    sindex.sync_quietly(lib, blocker, message=said.append)
    assert len(said) == 1 and said[0].startswith("the search index was not updated")
    lib.close()


def test_parallel_build_matches_single(small):
    idx, lib, ids, tmp = small
    single = {q: where(idx.search(q)) for q in ("lighthouse", '"scaling laws"', "agents", "speaker:efron")}
    report = idx.rebuild(procs=2)
    assert report.procs == 2 and report.transcripts == 5
    assert report.peak_mb > 0  # each build process reports its memory
    assert {q: where(idx.search(q)) for q in single} == single


# -- several processes ---------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.library import Library
    from hark.store.model import Segment, Transcript
    from hark.store import index
    home, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    lib = Library(home / "library.sqlite3")
    while not go.exists():
        time.sleep(0.005)
    for i in range(5):
        t = Transcript(title=f"{{tag}} {{i}}", format="srt",
                       segments=[Segment(0.0, 1.0, f"marker{{tag}} item{{i}} words")]).finish()
        lib.save(t, source=f"/{{tag}}/{{i}}", sha256=f"{{tag}}{{i}}")
        index.sync(lib, home / "index")
    print("ok")
    """
)


def test_two_processes_writing_at_once_both_land(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    build_fixture(lib)
    Index(tmp_path / "index", lib).sync()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(root=str(ROOT)))
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), tag, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for tag in ("aaa", "bbb")
    ]
    time.sleep(0.5)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        assert out.decode().strip() == "ok"
    idx = Index(tmp_path / "index", lib)
    assert idx.in_sync()
    for tag in ("aaa", "bbb"):
        r = idx.search(f"marker{tag}", limit=50)
        assert r.total == 5 and len({h.transcript_id for h in r.hits}) == 5
    idx.close()
    lib.close()


_HOLDER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.index import _Lock
    lock = _Lock(Path(sys.argv[1]))
    assert lock.acquire(1)
    print("held", flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), 9)
    time.sleep(float(sys.argv[2]))
    """
)


def _holder(tmp_path, arg):
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER.format(root=str(ROOT)))
    p = subprocess.Popen([sys.executable, str(script), str(tmp_path / "index.lock"), arg], stdout=subprocess.PIPE)
    assert p.stdout.readline().decode().strip() == "held"
    return p


def test_a_writer_waits_for_the_lock(small):
    idx, lib, _ids, tmp = small
    _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "1.5")
    t0 = time.monotonic()
    r = idx.sync()
    waited = time.monotonic() - t0
    p.wait(timeout=10)
    assert r.added == 1
    assert waited >= 1.0
    assert idx.search("waggle").total == 1


def test_a_dead_writers_lock_is_released(small):
    idx, lib, _ids, tmp = small
    _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "die")
    p.wait(timeout=10)
    assert p.returncode == -signal.SIGKILL
    assert (tmp / "index.lock").exists()  # the file stays; the lock went with the process
    t0 = time.monotonic()
    assert idx.sync().added == 1
    assert time.monotonic() - t0 < 5


def test_the_lock_times_out_and_search_goes_on(small, monkeypatch):
    idx, lib, _ids, tmp = small
    _save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "6")
    monkeypatch.setattr(sindex, "LOCK_SECONDS", 0.3)
    # A writer gives up after LOCK_SECONDS: the index is usable, only behind.
    assert idx.sync().busy
    said = []
    sindex.sync(lib, tmp / "index", message=said.append)
    assert said == ["another hark is writing the search index: it will catch up at the next search"]
    # Before a search, ensure() waits two seconds at most, then searches as it is.
    said = []
    t0 = time.monotonic()
    assert idx.ensure(message=said.append).busy
    assert 1.5 < time.monotonic() - t0 < 5
    assert said == ["another hark is updating the search index: searching it as it is"]
    # Readers are never blocked.
    assert where(idx.search("reward"))[0][1:] == (4, 15.0)
    assert idx.search("waggle").total == 0
    p.kill()
    p.wait()
    assert idx.sync().added == 1
    assert idx.search("waggle").total == 1


_CRASHER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.library import Library
    from hark.store import index
    home = Path(sys.argv[1])
    index.sync(Library(home / "library.sqlite3"), home / "index")
    """
)


def test_a_writer_killed_mid_write_leaves_a_usable_index(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    rng = random.Random(7)
    words = FILLER + "river tide harbour lantern keeper storm beacon".split()
    for i in range(60):
        segs = [(j * 2.0, j * 2.0 + 2, None, " ".join(rng.choice(words) for _ in range(12))) for j in range(300)]
        _save(lib, f"Bulk {i}", "srt", segs)
    script = tmp_path / "crasher.py"
    script.write_text(_CRASHER.format(root=str(ROOT)))
    before = set(os.listdir(tmp_path / "index"))
    p = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(os.listdir(tmp_path / "index")) <= before:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.3))
    p.send_signal(signal.SIGKILL)
    p.wait()
    # Whatever the moment: the index opens, and holds at least what it held.
    fresh = Index(tmp_path / "index", lib)
    assert fresh.health() is None
    assert where(fresh.search("brulee")) == [(ids["talk"], 4, 15.0)]
    # The next writer is not blocked, cleans up and catches up.
    r = fresh.sync()
    assert r.rebuilt is None
    assert fresh.in_sync()
    assert fresh.search("lantern", limit=5).total >= 60
    fresh.close()
    idx.close()
    lib.close()


# -- the project's samples and the shared corpus ---------------------------------------------


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory, samples):
    from hark.store.importer import import_paths

    d = tmp_path_factory.mktemp("samples")
    lib = Library(d / "library.sqlite3")
    report = import_paths(lib, [samples])
    assert not report.failed
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, lib, {Path(lib.info(t).source).name: t for t in lib.ids()}
    idx.close()
    lib.close()


@pytest.fixture(scope="module")
def samples():
    return ROOT / "store" / "samples"


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
        expected = {(t, seg) for t in lib.ids() for seg in _expected_phrase_hits(lib, t, [stem])}
        assert expected, q
        assert {(h.transcript_id, h.segment) for h in r.hits} == expected
        assert r.total == len(expected)
        for h in r.hits:
            assert stem in terms(h.text)


def _corpus_dir() -> Path | None:
    env = os.environ.get("HARK_CORPUS")
    for c in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "corpus"]:
        if (c / "seeds").is_dir():
            return c
    return None


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    from hark.store.importer import import_paths

    corpus = _corpus_dir()
    if corpus is None:
        pytest.skip("../shared/corpus is not here")
    d = tmp_path_factory.mktemp("corpus")
    lib = Library(d / "library.sqlite3")
    report = import_paths(lib, [corpus / "seeds"])
    assert not report.failed, report.failed
    idx = Index(d / "index", lib)
    idx.sync()
    yield idx, lib, {Path(lib.info(t).source).name[:3]: t for t in lib.ids()}
    idx.close()
    lib.close()


def _expected_phrase_hits(lib: Library, tid: int, phrase: list[str]) -> set[int]:
    """Per passage, the first segment where the phrase starts (reading the
    transcript's words in order, across segment boundaries)."""
    segs = lib.segments(tid)
    toks: list[tuple[str, int]] = []
    for i, s in enumerate(segs):
        toks += [(t, i) for t in terms(s.text)]
    starts = [toks[k][1] for k in range(len(toks)) if [t for t, _ in toks[k : k + len(phrase)]] == phrase]
    cuts = passages([terms(s.text) for s in segs], [s.speaker for s in segs], [s.text for s in segs])
    out = set()
    for a, b in cuts:
        inside = [s for s in starts if a <= s <= b]
        if inside:
            out.add(inside[0])
    return out


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
    assert {h.segment for h in r.hits} == _expected_phrase_hits(lib, tid, terms("exceptionally good at coding"))
    r = idx.search('"agent space"', limit=50)
    assert {h.segment for h in r.hits} == _expected_phrase_hits(lib, tid, ["agent", "space"])


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
    expected = _expected_phrase_hits(lib, tid, ["scale", "law"])
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

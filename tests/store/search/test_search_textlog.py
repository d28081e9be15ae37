"""A build's marked text gathered flat (store/search/whoosh/textlog.py):
the same postings, byte for byte, as gather_marked gathers them one at a
time, and the same posting lists once written -- whatever the words'
repeats, positions (past 255), frequencies (past 255), block sizes (values
past 64 KB) and however the flush cuts them into ranges; and when a writer
merges segments in after gathering some (an incremental commit)."""

from __future__ import annotations

import random

import pytest
from whoosh import index as windex

from hark.store.search import analysis as ha
from hark.store.search import documents
from hark.store.search.whoosh import patches, postings, privates, textlog
from hark.store.search.whoosh.schema import INDEX_NAME, make_schema
from hark.store.search.whoosh.writer import LeanWriter

COMMON = ["the", "of", "and", "to", "a", "in", "is", "it", "you", "that"]
PLAIN = ["river", "stone", "lamp", "harbour", "violin", "orchard", "kettle", "meadow", "café", "宇宙"]
NUMBERS = ha.common_numbers(ha.COMMON)


def _passages(seed: int, count: int) -> list[tuple[int, list[str], bytes]]:
    """(start, terms, marks) of `count` passages: short and long (past
    position 255), with a word said hundreds of times in some."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        n = rng.choice([1, 2, 12, 40, 80, 300]) if i % 5 else 1000
        start = rng.choice([0, 0, 0, 60, 250])
        words = [rng.choice(COMMON + PLAIN + [f"w{rng.randrange(400)}"]) for _ in range(n)]
        if i % 5 == 0:
            words = ["river" if k % 2 else "the" for k in range(n)]  # each said 500 times
        toks = [ha.term(w) for w in words]
        out.append((start, toks, documents.neighbour_marks(toks, NUMBERS)))
    return out


def _bytes(entry) -> tuple:
    docs, weights, blob, ends = entry
    return (list(docs), [float(w) for w in weights], bytes(blob), list(ends))


@pytest.mark.parametrize("chunk", [3, 50, 1 << 19])
def test_flat_postings_are_gather_marked_ones(monkeypatch, chunk):
    monkeypatch.setattr(textlog, "CHUNK", chunk)
    want: dict = {}
    log = textlog.MarkedLog(NUMBERS)
    total = 0
    for docnum, (start, toks, marks) in enumerate(_passages(1, 120)):
        added = postings.gather_marked(want, docnum, start, toks, marks, NUMBERS)
        assert log.add(docnum, start, toks, marks) == added
        total += added
    assert len(log) == total
    got = dict(log.gathered())
    assert list(got) == sorted(want)  # in term order
    assert {tb: _bytes(e) for tb, e in got.items()} == {tb: _bytes(e) for tb, e in want.items()}


def _lists(path) -> dict:
    ix = windex.open_dir(str(path), indexname=INDEX_NAME)
    out = {}
    with ix.searcher() as s:
        r = s.reader()
        for name in ("text", "tail"):
            for tb, ti in r.iter_field(name):
                m = r.postings(name, tb)
                got = []
                while m.is_active():
                    got.append((m.id(), m.weight(), bytes(m.value())))
                    m.next()
                stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
                out[(name, tb)] = (stats, ti.min_id(), ti.max_id(), got)
    return out


def _build(path, docs, merge_first: list | None = None) -> None:
    """Index docs (text and tail fields) into a new index at path; with
    merge_first, first commit those as a segment, then merge it into the
    commit of docs."""
    patches.apply_all()
    path.mkdir()
    ix = windex.create_in(str(path), make_schema(), indexname=INDEX_NAME)
    if merge_first:
        w = LeanWriter(ix)
        for doc in merge_first:
            w.add_document(**doc)
        w.commit()
    w = LeanWriter(ix)
    for doc in docs:
        w.add_document(**doc)
    if merge_first:
        from whoosh.writing import CLEAR

        w.commit(mergetype=lambda writer, segments: _merge_all(writer, segments) or CLEAR(writer, []))
    else:
        w.commit()


def _merge_all(writer, segments) -> None:
    from whoosh.reading import SegmentReader

    for s in segments:
        r = SegmentReader(writer.storage, writer.schema, s)
        try:
            writer.add_reader(r)
        finally:
            r.close()


def _docs(seed: int, count: int) -> list[dict]:
    out = []
    for start, toks, marks in _passages(seed, count):
        doc = {"kind": "p", "text": (start, toks, marks, NUMBERS)}
        if len(toks) > 2:  # a tail: the last words, as if of the next passage
            doc["tail"] = (start + len(toks), toks[:12], marks[:24], NUMBERS)
        out.append(doc)
    return out


def test_written_lists_are_the_ones_written_term_by_term(tmp_path, monkeypatch):
    """The flush writes the flat postings a range of terms at a time
    (MarkedLog.write); term by term (the writer's lists, as for another
    codec) gives the same lists: blocks of 128, values past 64 KB a
    block, frequencies past 255."""
    docs = _docs(2, 400)
    monkeypatch.setattr(textlog, "CHUNK", 40)
    _build(tmp_path / "flat", docs)
    monkeypatch.setattr(privates, "term_table", lambda fw: None)
    _build(tmp_path / "slow", docs)
    flat, slow = _lists(tmp_path / "flat"), _lists(tmp_path / "slow")
    assert flat == slow and len(flat) > 400
    river = flat[("text", b"river")]
    assert max(w for _d, w, _v in river[3]) == 500 and len(river[3]) > 128
    assert sum(len(v) for _d, _w, v in river[3][:128]) > 65536  # a block's values past two-byte ends


def test_a_merge_after_gathering_keeps_every_posting(tmp_path):
    """An incremental commit gathers its documents' text flat, then merges
    older segments in (their postings arrive one at a time): every posting
    of both is in the merged segment, as postings_of gives it."""
    old, new = _docs(3, 60), _docs(4, 50)
    _build(tmp_path / "merged", new, merge_first=old)
    got = _lists(tmp_path / "merged")
    want: dict = {}
    for docnum, doc in enumerate(new + old):  # the commit's own documents first, then the merged ones
        for name in ("text", "tail"):
            if name in doc:
                for tb, _f, weight, value in postings.postings_of(doc[name]):
                    want.setdefault((name, tb), []).append((docnum, weight, value))
    assert {k: v[3] for k, v in got.items()} == want


def test_a_build_gathers_the_surface_words_as_words_of_does(tmp_path):
    """transcript_docs adds the words of a transcript's text as written to
    the build's surface words (words.words_of: the same set), from the
    units it splits for the terms anyway; and its passages' marks and
    pairs, cut from the whole transcript's, are neighbour_marks' and the
    pairs of the passage's own words and tail."""
    from pathlib import Path

    from hark.store.importer import import_paths
    from hark.store.library import Library
    from hark.store.search.words import words_of

    samples = Path(__file__).resolve().parents[3] / "store" / "samples"
    lib = Library(tmp_path / "library.sqlite3")
    import_paths(lib, [samples])
    checked = 0
    for tid in lib.ids():
        st = lib.get(tid)
        got: set[str] = set()
        docs = list(documents.transcript_docs(st, lib, ha.COMMON, got))
        want: set[str] = set()
        words_of(st, want)
        assert got == want and got
        for doc in docs[:-1]:
            own = doc["text"][1] if "text" in doc else []
            tail = doc["tail"][1] if "tail" in doc else []
            seq = own + tail
            marks = documents.neighbour_marks(seq, NUMBERS)
            if own:
                assert doc["text"][2] == marks[: 2 * len(own)]
            if tail:
                assert doc["tail"][2] == marks[2 * len(own) :]
            pairs = [
                (ha.pair(seq[i], seq[i + 1]), i)
                for i in range(len(seq) - 1)
                if seq[i] in ha.COMMON and seq[i + 1] in ha.COMMON
            ]
            assert doc.get("pair", (None, []))[1] + doc.get("tailpair", (None, []))[1] == pairs
            checked += bool(pairs)
    assert checked > 10
    lib.close()

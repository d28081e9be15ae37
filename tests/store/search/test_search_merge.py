"""A build's segments merged into one (whoosh/merge.py): the same
documents, lengths and posting lists as the segments had, and the same
search results."""

from __future__ import annotations

import pytest

from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.search import Index
from hark.store.search.whoosh import build, engine

QUERIES = [
    "tide",
    "the",
    "tide moon",
    '"the tide"',
    '"you know what"',
    "tid*",
    "harbr~",
    "speaker:maya tide",
    "title:tides",
    "tide -harbour",
    "bread OR starter",
]


def _index(lib: Library, path, monkeypatch, merge: bool) -> Index:
    """The library indexed by one process writing a segment every few
    hundred postings (as a large library's build does every few million)."""
    monkeypatch.setattr(build, "FLUSH_POSTINGS", 400)
    if not merge:
        monkeypatch.setattr(engine, "merge_built", lambda _ix, segments, _progress=None: segments)
    idx = Index(path, lib)
    idx.rebuild(procs=1)
    monkeypatch.undo()
    return idx


@pytest.fixture(scope="module")
def both(tmp_path_factory, samples_dir):
    tmp = tmp_path_factory.mktemp("merge")
    lib = Library(tmp / "library.sqlite3")
    import_paths(lib, [samples_dir])
    mp = pytest.MonkeyPatch()
    apart = _index(lib, tmp / "apart", mp, merge=False)
    merged = _index(lib, tmp / "merged", mp, merge=True)
    yield apart, merged
    apart.close()
    merged.close()
    lib.close()


def _reader(idx):
    idx._ready()
    return idx.engine.searcher().reader()


def _postings(reader, field, tb):
    m = reader.postings(field, tb)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value()))
        m.next()
    return out


def test_the_build_is_one_segment(both):
    apart, merged = both
    assert apart.stats()["segments"] > 3  # the build wrote several
    assert merged.stats()["segments"] == 2  # one, and the state's own
    assert merged.stats()["documents"] == apart.stats()["documents"]


def test_documents_lengths_and_lists_are_the_segments(both):
    apart, merged = both
    a, m = _reader(apart), _reader(merged)
    assert a.doc_count_all() == m.doc_count_all()
    fields = [n for n in a.schema.names() if a.schema[n].scorable]
    for d in range(a.doc_count_all()):
        assert a.stored_fields(d) == m.stored_fields(d)
        for f in fields:
            # (Whoosh says None for a zero length in a column, 0 without one.)
            assert (a.doc_field_length(d, f) or 0) == (m.doc_field_length(d, f) or 0), (d, f)
    for f in fields:
        assert a.field_length(f) == m.field_length(f)
    terms = 0
    for f in a.indexed_field_names():
        theirs = dict(a.iter_field(f))
        mine = dict(m.iter_field(f))
        assert set(theirs) == set(mine), f
        for tb in theirs:
            assert _postings(a, f, tb) == _postings(m, f, tb), (f, tb)
            ti, mi = theirs[tb], mine[tb]
            assert (ti.doc_frequency(), ti.min_id(), ti.max_id()) == (mi.doc_frequency(), mi.min_id(), mi.max_id())
            assert (ti.max_weight(), ti.min_length(), ti.max_length()) == (
                mi.max_weight(),
                mi.min_length(),
                mi.max_length(),
            )
            terms += 1
    assert terms > 1000


@pytest.mark.parametrize("text", QUERIES)
def test_the_same_search_results(both, text):
    apart, merged = both
    r1, r2 = apart.search(text), merged.search(text)
    assert r1.total == r2.total
    assert [(h.transcript_id, h.segment, h.snippet, h.marks) for h in r1.hits] == [
        (h.transcript_id, h.segment, h.snippet, h.marks) for h in r2.hits
    ]
    # (A phrase's words are scored in the order of their frequency in a
    # segment: a sum in another order may differ in its last bit.)
    assert [h.score for h in r1.hits] == pytest.approx([h.score for h in r2.hits], rel=1e-12)


def test_a_merge_leaves_segments_with_deletions_apart(both):
    """Only a build's fresh segments are merged: one with deleted
    documents is left as it is."""
    from hark.store.search.whoosh.merge import merge_built

    merged = both[1]
    merged._ready()
    ix = merged.engine._ix

    class Deleted:
        def has_deletions(self):
            return True

    segments = [Deleted(), Deleted()]
    assert merge_built(ix, segments) is segments


def test_a_merge_the_disk_cannot_take_keeps_the_build(tmp_path, samples_dir, monkeypatch):
    """A disk too full for the merged copy: the build's segments are
    committed as they are (searchable, the same results), and nothing the
    merge began is left in the index folder."""
    import errno

    from hark.store.search.whoosh import merge

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    lib = Library(tmp_path / "library.sqlite3")
    import_paths(lib, [samples_dir])
    monkeypatch.setattr(build, "FLUSH_POSTINGS", 400)
    monkeypatch.setattr(merge, "moved", full)
    idx = Index(tmp_path / "index", lib)
    try:
        idx.rebuild(procs=1)
        assert idx.stats()["segments"] > 3  # not merged
        assert idx.search("tide moon").total > 0
        segments = {p.name.split(".")[0] for p in (tmp_path / "index").iterdir() if p.suffix == ".seg"}
        leftovers = [
            p.name
            for p in (tmp_path / "index").iterdir()
            if p.name.startswith("hark") and p.suffix != ".seg" and p.name.split(".")[0] not in segments
        ]
        assert not [n for n in leftovers if not n.endswith(("WRITELOCK", ".toc"))], leftovers
    finally:
        idx.close()
        lib.close()


def test_a_parallel_build_tells_its_progress_through_its_merge(tmp_path, samples_dir):
    """The merge is the last part of a parallel build's progress: told
    from the build's share to the whole, never backwards."""
    lib = Library(tmp_path / "library.sqlite3")
    import_paths(lib, [samples_dir])
    told: list[tuple[int, int]] = []
    idx = Index(tmp_path / "index", lib)
    try:
        idx.rebuild(progress=lambda done, total: told.append((done, total)), procs=2)
        assert idx.stats()["segments"] == 2
    finally:
        idx.close()
        lib.close()
    total = told[-1][1]
    assert all(t == total for _d, t in told)
    dones = [d for d, _t in told]
    assert dones == sorted(dones) and dones[-1] == total
    assert any(d <= 0.8 * total for d in dones[:-1])  # the build's share came first


def test_a_merge_that_cannot_read_fails_the_build(tmp_path, samples_dir, monkeypatch):
    """Only a full disk is worked around: another error (a segment just
    written that cannot be read) fails the build, which says so, and the
    index it replaced is kept."""
    import errno

    from hark.store.search import IndexUnavailable
    from hark.store.search.whoosh import merge

    def unreadable(*_a, **_k):
        raise OSError(errno.EIO, "Input/output error")

    lib = Library(tmp_path / "library.sqlite3")
    import_paths(lib, [samples_dir])
    idx = Index(tmp_path / "index", lib)
    try:
        idx.rebuild(procs=1)
        before = idx.search("tide moon").total
        monkeypatch.setattr(build, "FLUSH_POSTINGS", 400)
        monkeypatch.setattr(merge, "moved", unreadable)
        with pytest.raises((OSError, IndexUnavailable)):
            idx.rebuild(procs=1)
        monkeypatch.undo()
        assert idx.search("tide moon").total == before > 0
    finally:
        idx.close()
        lib.close()

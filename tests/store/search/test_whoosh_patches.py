"""The Whoosh engine's patches and private reads (store/search/whoosh/
patches.py, privates.py) on the pinned Whoosh: every patch takes, applying
again changes nothing, what each patch changes is in effect on a real
index, and every private attribute the fast paths read is there."""

from __future__ import annotations

import pickle
import zlib
from array import array

import pytest
from whoosh.codec import whoosh3
from whoosh.filedb import structfile

from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.search import Index
from hark.store.search.whoosh import evaluate, fileformat, patches, privates, scoring

PATCHES = ["leaf_skip", "blocks", "buffer_file", "unpickle", "block_tag"]


def test_the_pinned_whoosh_is_the_one_patched():
    import whoosh

    assert whoosh.__version__ == (2, 7, 5)


def test_every_patch_takes_and_applying_again_changes_nothing():
    first = patches.apply_all()
    assert [r.name for r in first] == PATCHES
    assert all(r.took for r in first), [r for r in first if not r.took]
    skip_to, read_ids = whoosh3.W3LeafMatcher.skip_to, whoosh3.W3LeafMatcher._read_ids
    init, loads = structfile.BufferFile.__init__, whoosh3.loads
    header = whoosh3.W3LeafMatcher._read_header
    assert all(r.took for r in patches.apply_all())
    assert whoosh3.W3LeafMatcher._read_header is header
    assert whoosh3.W3LeafMatcher.skip_to is skip_to and whoosh3.W3LeafMatcher._read_ids is read_ids
    assert structfile.BufferFile.__init__ is init and whoosh3.loads is loads


def test_a_patch_steps_aside_from_a_structure_it_does_not_know(monkeypatch):
    monkeypatch.setattr(whoosh3, "loads", lambda data: None)  # another Whoosh's reader
    report = patches.unpickle()
    assert not report.took and "pickle.loads" in report.why
    assert whoosh3.loads(b"anything") is None  # left alone


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """An index where "alpha" is in 300 passages (three posting blocks of
    at most 128): a speaker turn at every segment cuts a passage."""
    d = tmp_path_factory.mktemp("many")
    lib = Library(d / "library.sqlite3")
    segs = [Segment(i * 2.0, i * 2.0 + 2, f"alpha word{i} beta", speaker="AB"[i % 2]) for i in range(300)]
    lib.save(Transcript(title="Many", format="srt", segments=segs).finish(), source="/many", sha256="m")
    idx = Index(d / "index", lib)
    idx.sync()
    idx._ready()
    yield idx.engine.searcher()
    idx.close()
    lib.close()


def _leaf(searcher, field: str, term: str):
    reader = searcher.leaf_searchers()[0][0].reader()
    m = privates.unfiltered(reader.postings(field, term))
    assert isinstance(m, whoosh3.W3LeafMatcher)
    return m


def test_skipping_inside_a_block_bisects(many, monkeypatch):
    ids = list(_leaf(many, "text", "alpha").all_ids())
    assert len(ids) == 300
    steps = []
    plain_next = whoosh3.W3LeafMatcher.next
    monkeypatch.setattr(whoosh3.W3LeafMatcher, "next", lambda self: steps.append(1) or plain_next(self))
    for target in (ids[5], ids[100] + 0, ids[200], ids[299]):
        m = _leaf(many, "text", "alpha")
        m.skip_to(target)
        assert m.id() == target
    # Whoosh's own skip_to steps one posting at a time: a hundred next() calls here.
    assert steps == []


def test_blocks_hold_arrays_and_packed_values(many):
    m = _leaf(many, "text", "alpha")
    data, n, fixed = privates.block_data(m)
    assert n == 128 and fixed is None
    assert isinstance(data[0], array) and isinstance(data[2], fileformat.PackedValues)
    assert len(data[2]) == 128 and data[2][0][:1] == b"b"  # packed positions with neighbour marks
    # The block as stored names the file format's module (a promise: see fileformat.py).
    raw = zlib.decompress(m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset))
    assert b"hark.store.search.whoosh.fileformat" in raw
    assert b"unpack_array" in raw and b"PackedValues" in raw
    # Ids come back as a running sum of the stored gaps.
    assert m.id() == data[0][0] and list(m.all_ids())[:3] == list(_leaf(many, "text", "alpha").all_ids())[:3]


def test_segment_files_are_read_through_a_view_not_copied(many):
    m = _leaf(many, "text", "alpha")
    f = m._postfile
    assert isinstance(f, structfile.BufferFile)
    assert isinstance(f.file, patches.ViewFile)
    assert isinstance(f.file.buf, memoryview)  # the mapping itself, not a copy of it


def test_an_unpicklable_file_is_damage():
    gone_module = b"\x80\x02chark_gone_module\nthing\nq\x00."
    gone_name = b"\x80\x02chark.store.search.whoosh.fileformat\nGone\nq\x00."
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(gone_module)
    for data in (gone_module, gone_name):
        with pytest.raises(pickle.UnpicklingError):
            whoosh3.loads(data)
    assert whoosh3.loads(pickle.dumps((1, 2.0, b"x"), 2)) == (1, 2.0, b"x")


def test_every_private_attribute_is_there(many):
    reads = privates.check(many)
    assert reads.missing == ()
    assert reads.blocks and reads.lengths
    assert privates.writer_ok()


def test_the_fast_paths_are_in_use(many):
    # The evaluator walks posting lists by blocks...
    ev = evaluate.SearcherEvaluator(many)
    seg, _offset = ev.segments[0]
    plist = seg.plist("text", "alpha")
    assert plist._blocked()
    assert len(plist.heads()[0]) == 3  # three blocks, from their headers alone
    # ...and scores with lengths from the segment's length column.
    constants = scoring.fast_constants(seg.scorer("text", "alpha"))
    assert constants is not None
    table = constants[3]
    reader = many.leaf_searchers()[0][0].reader()
    assert [table[d] for d in range(5)] == [reader.doc_field_length(d, "text", 1) for d in range(5)]


def test_a_posting_list_without_its_header_tag_is_damage():
    """Whoosh's bare Exception("Block tag error") becomes DamagedPostings
    (engine.DAMAGE); other errors from reading the header pass unchanged."""
    from io import BytesIO

    from hark.store.search.whoosh.engine import DAMAGE

    patches.apply_all()
    leaf = object.__new__(whoosh3.W3LeafMatcher)
    leaf._postfile, leaf._startoffset = BytesIO(b"\0\0\0\0rest"), 0
    with pytest.raises(patches.DamagedPostings, match="posting list of the index is damaged") as caught:
        leaf._read_header()
    assert isinstance(caught.value, DAMAGE)
    leaf._postfile = BytesIO(whoosh3.WHOOSH3_HEADER_MAGIC + b"rest")
    leaf._read_header()  # a good header reads as before
    assert leaf._baseoffset == 4
    leaf._postfile = None
    with pytest.raises(AttributeError):
        leaf._read_header()

"""The Whoosh engine's patches and private reads (store/search/whoosh/
patches.py, privates.py) on the pinned Whoosh: every patch takes, applying
again changes nothing, what each patch changes is in effect on a real
index, and every private attribute the fast paths read is there."""

from __future__ import annotations

import pickle
from array import array

import pytest
from whoosh.codec import whoosh3
from whoosh.filedb import structfile

from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.search import Index
from hark.store.search.whoosh import blocks, evaluate, patches, privates, scoring

PATCHES = ["leaf_skip", "buffer_file", "unpickle", "block_tag"]


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


def test_blocks_are_raw_arrays_read_from_the_map(many):
    m = _leaf(many, "text", "alpha")
    assert isinstance(m, blocks.HarkLeafMatcher)
    buf = m._postfile._buf
    length, n, maxid, _w, _mn, _mx, wcode, vcode, vlen = blocks.HEAD.unpack_from(buf, m._baseoffset)
    assert n == 128 and length > 0 and maxid == m.block_max_id()
    start = m._baseoffset + blocks.HEAD.size
    ids = array("I", bytes(buf[start : start + 4 * n]))  # absolute ids as they are stored
    assert list(ids) == list(m.all_ids())[:128]
    assert wcode == blocks.W_ONES  # every passage says "alpha" once
    assert chr(vcode) in "HIhi" and vlen > 0
    # The values (packed positions with neighbour marks) decode when asked for.
    got_ids, weights, values = m.block(m._baseoffset)
    assert list(got_ids) == list(ids) and list(weights) == [1.0] * 128
    assert isinstance(values, blocks.LazyValues) and values._packed is None
    assert values[0][:1] == b"b" and values._packed is not None
    # Whoosh's own matcher logic reads the same postings through these blocks.
    whole_ids, _w, starts, parts = m.whole()
    assert list(whole_ids) == list(_leaf(many, "text", "alpha").all_ids()) and len(whole_ids) == 300
    assert starts == [0, 128, 256] and [len(p) for p in parts] == [128, 128, 44]
    # Nothing in a block is pickled: no module path is part of it.
    assert b"hark.store" not in bytes(buf[m._startoffset : m._startoffset + m.extent_length()])


def test_a_damaged_block_is_damage_not_garbage(many):
    m = _leaf(many, "text", "alpha")
    data = bytearray(m._postfile._buf)
    second = m._baseoffset + 4 + blocks.HEAD.unpack_from(data, m._baseoffset)[0]
    data[second : second + 64] = bytes(64)  # a zero-filled stretch where the second block starts
    m._hark_view = (bytes(data), 0)
    with pytest.raises(patches.DamagedPostings):
        m.heads()
    with pytest.raises(patches.DamagedPostings):
        m.whole()


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


def test_blocks_read_from_a_file_without_a_memory_map(many):
    mapped = _leaf(many, "text", "alpha")

    class PlainFile:  # a posting file read with seek and read (no mapping to view)
        def __init__(self, data: bytes) -> None:
            self.data = data

        def get(self, position: int, length: int) -> bytes:
            return self.data[position : position + length]

    m = _leaf(many, "text", "alpha")
    m._postfile = PlainFile(bytes(mapped._postfile._buf))
    m._hark_view = None
    ids, weights, starts, parts = m.whole()
    assert m._hark_view[1] == m._startoffset  # only this list's bytes were read
    assert list(ids) == list(mapped.whole()[0]) and [p[0] for p in parts] == [p[0] for p in mapped.whole()[3]]
    assert m.heads() == mapped.heads()


def _lists(path):
    """Every term's info and postings in an index (one segment)."""
    from whoosh import index as windex

    from hark.store.search.whoosh.schema import INDEX_NAME

    ix = windex.open_dir(str(path), indexname=INDEX_NAME)
    out = {}
    with ix.searcher() as s:
        for k, (sub, _o) in enumerate(s.leaf_searchers()):
            reader = sub.reader()
            for field, text in reader.all_terms():
                ti = reader.term_info(field, text)
                m = reader.postings(field, text)
                postings = []
                while m.is_active():
                    postings.append((m.id(), m.weight(), m.value()))
                    m.next()
                stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
                out[(k, field, text)] = (stats, ti.min_id(), ti.max_id(), postings)
    return out


def test_whole_lists_are_written_as_posting_by_posting(tmp_path, monkeypatch):
    """A build writes each term's list in one call (HarkPostingsWriter.
    write_list): the same term infos and postings as W3's writer fed one
    posting at a time."""
    lib = Library(tmp_path / "library.sqlite3")
    segs = [
        Segment(i * 2.0, i * 2.0 + 2, f"alpha word{i % 40} beta {'gamma ' * (i % 3)}", "AB"[i % 2]) for i in range(400)
    ]
    lib.save(Transcript(title="Lists", format="srt", segments=segs).finish(), source="/lists", sha256="l")
    Index(tmp_path / "fast", lib).rebuild(procs=1)
    monkeypatch.setattr(privates, "term_table", lambda fw: None)
    Index(tmp_path / "slow", lib).rebuild(procs=1)
    fast, slow = _lists(tmp_path / "fast"), _lists(tmp_path / "slow")
    assert fast.keys() == slow.keys() and len(fast) > 50
    assert len(fast[(0, "text", b"alpha")][3]) == 400  # four blocks
    assert fast == slow
    lib.close()


@pytest.mark.parametrize(
    "weights",
    [
        [2.0] * 128 + [float(1 + i % 3) for i in range(128)] + [1.0] * 44,  # same, bytes, ones
        [1.0] * 128 + [2.5] * 128 + [float(1 + i % 3) for i in range(44)],  # ones, same, bytes
        [0.5 + i for i in range(128)] + [1.0] * 128 + [3.0] * 44,  # floats, ones, same
    ],
)
def test_a_whole_list_reads_blocks_of_every_kind_of_weights(weights):
    """A list's blocks each keep their weights their own way (all 1.0, all
    the same, whole numbers, floats): read whole, they are the weights
    written, in order, whatever the mix (a merged list joins blocks of
    several segments)."""
    from io import BytesIO

    from whoosh.filedb.structfile import BufferFile, StructFile

    from hark.store.search.whoosh.blocks import HarkLeafMatcher, HarkPostingsWriter
    from hark.store.search.whoosh.schema import make_schema

    fmt = make_schema()["text"].format
    out = BytesIO()
    pw = HarkPostingsWriter(StructFile(out), blocklimit=128)
    docs = list(range(0, 2 * len(weights), 2))
    info = pw.write_list(fmt, docs, weights, b"", [0] * len(docs), [5] * len(docs))
    data = out.getvalue()
    from whoosh.codec.whoosh3 import W3TermInfo

    offset, length = W3TermInfo.from_bytes(info).extent()
    m = HarkLeafMatcher(BufferFile(memoryview(data)), offset, length[0] if isinstance(length, tuple) else length, fmt)
    ids, got, _starts, _parts = m.whole()
    assert list(ids) == docs
    assert [float(w) for w in got] == weights

"""The search index: Whoosh, derived from the library, rebuildable at will.

What is indexed
    One Whoosh document per *passage*: consecutive segments of one
    transcript, cut at speaker turns, at sentence ends past PASSAGE_MIN
    words, and at PASSAGE_MAX words. Captions split sentences anywhere
    (seed 004's three-word chunks, seed 003's 40-column lines); inside a
    passage the words sit at consecutive positions, so a phrase across
    caption lines is an ordinary phrase. The first TAIL words after a
    passage are indexed in its `tail` field, at positions that continue its
    text, so a phrase that starts at the end of one passage and runs into
    the next is found too -- once, in the passage where it starts. A hit
    is mapped back to the segment where the match starts (and its time) by
    re-reading the passage's segments from the library.

    Why passages, not one document per segment: Whoosh is pure Python and
    its cost is per posting (one per distinct word per document) and per
    document. Per segment, a 1,000-transcript library (8M words) is
    ~650,000 documents; passages of 40-80 words make it ~117,000, with
    fewer postings, and answer a query with fewer, denser documents (see
    tests/bench/bench_search.py for the figures).

    Fields: text, tail, tail0 (the tail's first word alone, to start a
    cross-passage phrase's search), pair (adjacent pairs of the library's
    48 most frequent terms, at the first one's position, starting in the
    text: a phrase of common words -- "of the", "you know" -- is looked up
    by its pairs instead of intersecting posting lists that span most
    passages), tailpair (the same, starting in the tail), title, speaker
    (the passage's speaker, else the transcript's), tag (metadata["tags"]),
    note (annotation notes: empty until annotations exist, see
    `annotations_for`), format, tid, kind. One document per transcript
    (kind "t") holds the manifest entry (sha256, updated, segment count),
    and one (kind "s") the schema version, the common terms and the digest
    of the whole manifest: they commit with the postings, so the index
    always knows which library state it reflects.
    Neighbour marks: in text, tail and tail0 each position of a word also
    records which common word comes just before and just after it (two
    bytes; store.query.common_numbers). A phrase such as "student of
    running" is found from `student` followed by `of` and `running`
    preceded by `of`, and the posting list of `of` is never read.
Keeping in step
    `sync` compares the manifest with the library and indexes what is new
    or changed and deletes what is gone; a missing, stale (schema version)
    or corrupt index is rebuilt. The library is the truth: nothing here
    ever needs the index to be right. Whoosh never calls fsync, so after a
    power loss the index may need that rebuild.

Writers and readers
    One writer at a time, across processes: an flock on HOME/index.lock
    (released by the kernel if the process dies); a second writer waits
    and retries for up to LOCK_SECONDS. Readers take no lock. Whoosh writes
    new segment files and then swaps in the table of contents (a rename),
    so a writer killed mid-commit leaves the previous index intact.

Speed
    Words are analysed once per distinct word (a cache), documents are
    given pre-analysed terms, and bulk builds use a leaner writer (postings
    gathered per term in memory instead of Whoosh's external sort, field
    lengths remembered instead of read back, positions packed instead of
    pickled) spread over two processes on large libraries. Posting blocks
    hold arrays and one packed byte string of values (PackedValues) instead
    of three tuples of Python objects: reading a block is a third of the
    work, in the same file format. Incremental commits merge only small
    segments, a bounded amount at a time, so an import never waits for a
    big merge; `hark reindex` rebuilds everything. Queries are evaluated by
    store/evaluate.py over whole decoded posting lists (set operations, an
    exact total, only matches scored, a very common word ranked block by
    block) with BM25F from a per-segment length table; a query shape it
    does not know goes through Whoosh's matchers, helped by three guarded
    fixes to its reading path (each checks the structure it patches and
    steps aside if it differs): skipping inside a posting block by
    bisection, reading memory-mapped segment files without copying them
    whole into memory, and importing without the `cached_property`
    package's asyncio (store/query.py).
"""

from __future__ import annotations

import gc
import hashlib
import operator
import os
import pickle
import re
import shutil
import sqlite3
import struct
import threading
import time
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from . import query as hq  # first: it imports Whoosh the lean way

# isort: split
from whoosh import fields, formats
from whoosh import index as windex
from whoosh import query as wq
from whoosh.writing import SegmentWriter

from . import evaluate as hev
from .library import Library, StoredTranscript
from .paths import private_dir, write_private
from .reflow import ends_sentence

SCHEMA_VERSION = 4
INDEX_NAME = f"hark{SCHEMA_VERSION}"
PASSAGE_MIN = 40  # words: a sentence end past this closes a passage
PASSAGE_MAX = 80  # words: a passage closes at this length in any case
TAIL = 12  # words of the next passage indexed in the tail field
LOCK_SECONDS = 60.0
SMALL_SEGMENT = 2_000  # documents (passages): an import's segment; merged with its like
MERGE_AT = 6  # small segments that trigger a merge
MAX_SEGMENTS = 24
MERGE_BUDGET = 6_000  # documents merged at most per incremental commit (about a second)
FLUSH_POSTINGS = 8_000_000  # a bulk writer writes a segment past this many postings (~16 bytes each)
PARALLEL_SEGMENTS = 40_000  # libraries this large are built by two processes
WORDS_FILE = "words"  # surface word -> term, for prefixes, completion, did-you-mean

Message = Callable[[str], None]
Progress = Callable[[int, int], None]


class IndexUnavailable(Exception):
    """The index is missing, stale or corrupt (rebuild it), or busy; `why`
    says which, the message says it to a person."""

    def __init__(self, message: str, why: str = "corrupt") -> None:
        super().__init__(message)
        self.why = why


# What reading a damaged index raises (truncated or garbled files); other
# errors are bugs and must not send anyone into a rebuild.
_DAMAGE = (OSError, EOFError, IndexError, struct.error, zlib.error, pickle.UnpicklingError)


# -- field types ---------------------------------------------------------------

_CODES = ((255, "B"), (65535, "H"), (2**32 - 1, "I"))


class PackedPositions(formats.Positions):
    """Positions packed as a byte/short/int array (Whoosh's own format
    pickles a list per posting, a third of the indexing time). The value is
    one code byte and the positions; the frequency is its length. In the
    text fields the code is lower-case and each position's neighbour marks
    follow, two bytes a position (store.query.common_numbers)."""

    def encode(self, poslist: list[int]) -> bytes:
        return _pack(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(hq._positions(valuestring))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(hq._positions(valuestring))

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(p, 1.0) for p in self.decode_positions(valuestring)]

    def combine(self, vs: Iterable[bytes]) -> bytes:
        s: set[int] = set()
        for v in vs:
            s.update(self.decode_positions(v))
        return self.encode(sorted(s))


def _pack(poslist: list[int], marks: bytes | None = None) -> bytes:
    top = poslist[-1]
    for limit, code in _CODES:
        if top <= limit:
            packed = struct.pack(f"<{len(poslist)}{code}", *poslist)
            if marks is None:
                return code.encode() + packed
            return code.lower().encode() + packed + marks
    raise ValueError("position out of range")


class Words(fields.TEXT):
    """A text field whose documents arrive as ``(first_position, [terms])``
    (analysed once by the caller), ``(first_position, [terms], marks)``
    (with two neighbour-mark bytes a term), ``(None, [(term, position),
    ...])``, or as a string (analysed here)."""

    def __init__(self) -> None:
        super().__init__(analyzer=hq.HarkAnalyzer(), phrase=True, multitoken_query="phrase")
        self.format = PackedPositions(field_boost=1.0)

    def index(self, value: Any, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:  # type: ignore[override]
        if isinstance(value, str):
            value = (0, hq.terms(value))
        if len(value) == 4:
            return _index_marked(*value)
        start, toks = value
        placed = enumerate(toks, start) if start is not None else ((i, t) for t, i in toks)
        poses: dict[str, list[int]] = {}
        for i, t in placed:
            p = poses.get(t)
            if p is None:
                poses[t] = [i]
            else:
                p.append(i)
        one = _ONE_POSITION
        return [
            (t.encode("utf-8"), 1, 1.0, one[p[0]])
            if len(p) == 1 and p[0] < 256
            else (t.encode(), len(p), float(len(p)), _pack(p))
            for t, p in poses.items()
        ]


# The value of a posting with one position below 256 (most of them): shared
# objects, built once, instead of one small bytes object per posting.
_ONE_POSITION = [b"B" + bytes([i]) for i in range(256)]


_ONE_MARKED: dict[bytes, bytes] = {}  # the one-position marked values met so far, shared


def _index_marked(
    start: int, toks: list[str], marks: bytes, common: dict[str, int]
) -> list[tuple[bytes, int, float, bytes]]:
    """Postings with neighbour marks, for the words that are not common
    (a common word's own marks are never asked for: a phrase checks it by
    its neighbours' marks or its pair)."""
    at: dict[str, list[int]] = {}
    for k, t in enumerate(toks):
        ks = at.get(t)
        if ks is None:
            at[t] = [k]
        else:
            ks.append(k)
    n = len(toks)
    one = None
    if start + n <= 256:
        # Every word's one-position value (code, position, marks) laid out
        # in one string: a word said once (most) takes a slice of it.
        buf = bytearray(4 * n)
        buf[0::4] = b"b" * n
        buf[1::4] = bytes(range(start, start + n))
        buf[2::4] = marks[0::2]
        buf[3::4] = marks[1::2]
        one = bytes(buf)
    out = []
    shared = _ONE_MARKED
    plain = _ONE_POSITION
    for t, ks in at.items():
        if t in common:
            if len(ks) == 1 and start + ks[0] < 256:
                out.append((t.encode("utf-8"), 1, 1.0, plain[start + ks[0]]))
            else:
                out.append((t.encode("utf-8"), len(ks), float(len(ks)), _pack([start + k for k in ks])))
        elif len(ks) == 1:
            k = ks[0]
            if one is not None:
                v = one[4 * k : 4 * k + 4]
                # One object per distinct value (a build holds millions of postings).
                v = shared.setdefault(v, v)
            else:
                v = _pack([start + k], marks[2 * k : 2 * k + 2])
            out.append((t.encode("utf-8"), 1, 1.0, v))
        else:
            v = _pack([start + k for k in ks], b"".join(marks[2 * k : 2 * k + 2] for k in ks))
            out.append((t.encode("utf-8"), len(ks), float(len(ks)), v))
    return out


def neighbour_marks(seq: list[str], numbers: dict[str, int]) -> bytes:
    """Two bytes a word of seq: the number of the common word just before
    it and of the one just after it (NO_NEIGHBOUR: none, or not common).
    The first word's `before` is always NO_NEIGHBOUR: a phrase that starts
    before a passage belongs to the passage before."""
    none = hq.NO_NEIGHBOUR
    ids = [numbers.get(t, none) for t in seq]
    out = bytearray(2 * len(seq))
    out[2::2] = bytes(ids[:-1])
    out[1:-1:2] = bytes(ids[1:])
    if seq:
        out[-1] = none
        out[0] = none
    return bytes(out)


def make_schema() -> fields.Schema:
    return fields.Schema(
        kind=fields.ID(),  # "p" passage, "t" transcript (manifest), "s" state
        tid=fields.ID(stored=True),
        first=fields.STORED(),
        last=fields.STORED(),
        text=Words(),
        tail=Words(),
        tail0=Words(),  # the first word of the tail alone: cross-passage phrases start their search here
        pair=Words(),  # adjacent pairs of very common words, at the first word's position
        tailpair=Words(),  # the same, starting in the tail
        title=Words(),
        speaker=Words(),
        tag=Words(),
        note=Words(),
        format=fields.ID(),
        meta=fields.STORED(),
    )


# -- documents -------------------------------------------------------------------


@dataclass
class NoteSpot:
    """An annotation as the index sees it."""

    id: str
    first: int  # its first segment
    start: float
    note: str
    tags: list[str]

    @property
    def words(self) -> str:
        return " ; ".join([self.note, *self.tags])


def annotations_for(lib: Library, tid: int) -> list[NoteSpot]:
    """The annotations of one transcript that have a note or tags: indexed
    in the `note` field (note and tags as words) and the `tag` field (the
    tags) of the passage where each one starts."""
    try:
        from .annotations import iter_for_index
    except ImportError:  # pragma: no cover - a store without annotations
        return []
    try:
        return [
            NoteSpot(aid, first, start, note or "", list(tags or []))
            for aid, _tid, first, start, note, tags in iter_for_index(lib, tid)
            if (note or "").strip() or tags
        ]
    except sqlite3.Error:
        return []


def _annotation_stamps(lib: Library, tid: int | None = None) -> dict[int, str]:
    """tid -> a stamp of its indexed annotations (changes when one with a
    note or tags is added, edited, moved or deleted: a hash of their
    content, as edits within one second share a timestamp)."""
    sql = (
        "SELECT transcript_id, id, first_segment, note, tags FROM annotations "
        "WHERE transcript_id IS NOT NULL AND (note != '' OR tags != '[]')"
    )
    args: tuple = ()
    if tid is not None:
        sql += " AND transcript_id = ?"
        args = (tid,)
    parts: dict[int, list[str]] = {}
    try:
        for t, aid, first, note, tags in lib.db.execute(sql + " ORDER BY transcript_id, id", args):
            parts.setdefault(t, []).append(f"{aid}\x1f{first}\x1f{note}\x1f{tags}")
    except sqlite3.Error:  # a library without annotations
        return {}
    return {t: hashlib.sha1(",".join(v).encode()).hexdigest()[:12] for t, v in parts.items()}


def _listish(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, (list, tuple)):
        return [x for x in v if isinstance(x, str)]
    return []


def passages(seg_terms: list[list[str]], speakers: list[str | None], texts: list[str]) -> list[tuple[int, int]]:
    """Cut a transcript's segments into passages: (first, last) indexes."""
    out: list[tuple[int, int]] = []
    start, n = 0, 0
    speaker: str | None = None
    for i in range(len(seg_terms)):
        if i > start:
            turn = speakers[i] is not None and speaker is not None and speakers[i] != speaker
            if turn or n >= PASSAGE_MAX or (n >= PASSAGE_MIN and ends_sentence(texts[i - 1])):
                out.append((start, i - 1))
                start, n, speaker = i, 0, None
        if speaker is None:
            speaker = speakers[i]
        n += len(seg_terms[i])
    if seg_terms:
        out.append((start, len(seg_terms) - 1))
    return out


def fingerprint(sha256: str, updated: str, segments: int, notes: str | None = None) -> str:
    """A transcript's state as the index needs it: its content, and the
    stamp of its annotations with notes or tags."""
    return f"{sha256}|{updated}|{segments}" + (f"|{notes}" if notes else "")


def transcript_docs(
    st: StoredTranscript, lib: Library | None = None, common: frozenset[str] = hq.COMMON
) -> Iterator[dict[str, Any]]:
    """The Whoosh documents of one transcript: its passages, then its
    manifest entry. Adjacent pairs of `common` terms go to the pair field."""
    info = st.info
    tid = str(info.id)
    segs = st.segments
    texts = [s.text for s in segs]
    seg_terms = [hq.terms(t) for t in texts]
    speakers = [s.speaker for s in segs]
    spots = annotations_for(lib, info.id) if lib is not None else []
    stamp = _annotation_stamps(lib, info.id).get(info.id) if spots and lib is not None else None
    meta = info.metadata or {}
    title = hq.terms(info.title)
    tags = hq.terms(" ; ".join(_listish(meta.get("tags"))))
    names = _listish(meta.get("speakers")) + _listish(meta.get("speaker"))
    default_speaker = hq.terms(" ; ".join(dict.fromkeys(names)))
    fmt = info.format.lower()
    numbers = hq.common_numbers(common)
    cuts = passages(seg_terms, speakers, texts)
    for first, last in cuts:
        own: list[str] = []
        for i in range(first, last + 1):
            own.extend(seg_terms[i])
        tail: list[str] = []
        j = last + 1
        while len(tail) < TAIL and j < len(segs):
            tail.extend(seg_terms[j])
            j += 1
        spk = next((speakers[i] for i in range(first, last + 1) if speakers[i]), None)
        doc: dict[str, Any] = {"kind": "p", "tid": tid, "first": first, "last": last, "format": fmt}
        tail = tail[:TAIL]
        marks = neighbour_marks(own + tail, numbers)
        n = len(own)
        if own:
            doc["text"] = (0, own, marks[: 2 * n], numbers)
        if tail:
            doc["tail"] = (n, tail, marks[2 * n :], numbers)
            doc["tail0"] = (n, tail[:1], marks[2 * n : 2 * n + 2], numbers)
        seq = own + tail
        pairs = [
            (hq.pair(seq[i], seq[i + 1]), i) for i in range(len(seq) - 1) if seq[i] in common and seq[i + 1] in common
        ]
        if pairs:
            # A pair that starts in the text (it may end on the tail's first
            # word), and one that starts in the tail.
            head = [p for p in pairs if p[1] < n]
            if head:
                doc["pair"] = (None, head)
            if len(head) < len(pairs):
                doc["tailpair"] = (None, pairs[len(head) :])
        if title:
            doc["title"] = (0, title)
        speaker_terms = hq.terms(spk) if spk else default_speaker
        if speaker_terms:
            doc["speaker"] = (0, speaker_terms)
        here = [a for a in spots if first <= a.first <= last]
        passage_tags = tags + hq.terms(" ; ".join(t for a in here for t in a.tags)) if here else tags
        if passage_tags:
            doc["tag"] = (0, passage_tags)
        if here:
            doc["note"] = " ; ".join(a.words for a in here)
        yield doc
    yield {
        "kind": "t",
        "tid": tid,
        "meta": {
            "fp": fingerprint(info.sha256, info.updated, info.segment_count, stamp),
            "passages": len(cuts),
            "segments": len(segs),
        },
    }


# -- a leaner writer for our documents --------------------------------------------


class _Pool:
    """Stands in for Whoosh's PostingPool when segments are merged into a
    _Writer (add_reader): postings go to the writer's per-term table."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        name, tb, docnum, weight, vb = item
        self.writer._merged = True
        self.writer._add_posting(name, tb, docnum, weight, vb or b"")

    def save(self) -> None:
        pass

    def cleanup(self) -> None:
        pass

    def iter_postings(self) -> Iterator[tuple]:
        w = self.writer
        for name, tb in sorted(w._post):
            docs, weights, values = w._post[(name, tb)]
            for docnum, weight, vb in zip(docs, weights, values, strict=True):
                yield name, tb, docnum, weight, vb


class _Writer(SegmentWriter):
    """A SegmentWriter for hark's documents. Documents arrive in docnum
    order, so each term's postings are gathered already sorted in a dict
    (Whoosh sorts every posting through an external merge sort), compactly
    (document numbers and weights in arrays: ~16 bytes a posting, not
    ~130), and field lengths are remembered as documents arrive (Whoosh
    reads each one back from disk per posting while writing). Same files,
    same format."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._post: dict[tuple[str, bytes], tuple[array, array, list[bytes]]] = {}
        self._lens: dict[str, dict[int, int]] = {}
        self._merged = False
        self.pending = 0
        self.pool = _Pool(self)  # type: ignore[assignment]

    def _add_posting(self, name: str, tb: bytes, docnum: int, weight: float, vb: bytes) -> None:
        key = (name, tb)
        entry = self._post.get(key)
        if entry is None:
            entry = self._post[key] = (array("I"), array("f"), [])
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(vb)
        self.pending += 1

    def add_document(self, **fields_: Any) -> None:  # type: ignore[override]
        self._check_state()
        docnum = self.docnum
        schema = self.schema
        pdw = self.perdocwriter
        post = self._post
        pdw.start_doc(docnum)
        n = 0
        try:
            for name, value in fields_.items():
                if value is None:
                    continue
                f = schema[name]
                length = 0
                if f.indexed:
                    for tb, freq, weight, vb in f.index(value):
                        key = (name, tb)
                        entry = post.get(key)
                        if entry is None:
                            entry = post[key] = (array("I"), array("f"), [])
                        entry[0].append(docnum)
                        entry[1].append(weight)
                        entry[2].append(vb)
                        length += freq
                        n += 1
                    if f.scorable and length:
                        lens = self._lens.get(name)
                        if lens is None:
                            lens = self._lens[name] = {}
                        lens[docnum] = length
                    else:
                        length = 0
                pdw.add_field(name, f, value if f.stored else None, length)
        except BaseException:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self.pending += n
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self._merged else None
        fw = self.fieldwriter
        schema = self.schema
        last = None
        lens: dict[int, int] = {}
        scorable = False
        try:
            for key in sorted(self._post):
                name, tb = key
                if name != last:
                    if last is not None:
                        fw.finish_field()
                    fobj = schema[name]
                    fw.start_field(name, fobj)
                    last = name
                    lens = self._lens.get(name, {})
                    scorable = fobj.scorable
                fw.start_term(tb)
                docs, weights, values = self._post[key]
                if scorable:
                    get = lens.get
                    lengths = [get(d) for d in docs]
                    if None in lengths:  # merged in from another segment: read them back
                        lengths = [
                            n if n is not None else (pdr.doc_field_length(d, name) if pdr is not None else 0)
                            for d, n in zip(docs, lengths, strict=True)
                        ]
                else:
                    lengths = [0] * len(docs)
                pw = getattr(fw, "_postwriter", None)
                if _BULK and pw is not None:
                    _add_postings(pw, docs, weights, values, lengths)
                else:
                    add = fw.add
                    for posting in zip(docs, weights, values, lengths, strict=True):
                        add(*posting)
                fw.finish_term()
            if last is not None:
                fw.finish_field()
            fw.close()
        finally:
            if pdr is not None:
                pdr.close()
        self._post = {}
        self._lens = {}


def _bulk_ok() -> bool:
    from whoosh.codec import whoosh3

    w = whoosh3.W3PostingsWriter
    return all(hasattr(w, a) for a in ("_write_block", "_new_block", "add_posting", "finish_postings"))


_BULK = _bulk_ok()


def _add_postings(pw: Any, docs: array, weights: array, values: list[bytes], lengths: list[int]) -> None:
    """A term's postings into Whoosh's W3 postings writer a block at a
    time: what its add_posting does one posting at a time (a few
    microseconds each, millions of times in a build), with the block's
    statistics taken by min/max over the block."""
    limit = pw._blocklimit
    for i in range(0, len(docs), limit):
        if i:  # a full block is buffered: write it, as add_posting would on the next posting
            pw._write_block()
        ws = weights[i : i + limit]
        pw._ids = docs[i : i + limit]
        pw._weights = ws
        pw._values = [v for v in values[i : i + limit] if v]
        pw._maxweight = max(0, max(ws))
        ls = [n for n in lengths[i : i + limit] if n]
        pw._minlength = min(ls) if ls else None
        pw._maxlength = max(ls) if ls else 0


def _tighten(folder: Path) -> None:
    """Whoosh creates files with the process umask; hark's are private
    (the folder already is; this keeps each file so too)."""
    try:
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o077:
                os.chmod(entry.path, 0o600)
    except OSError:
        pass


def _merge_small(writer: SegmentWriter, segments: list) -> list:
    """The merge policy of incremental commits (imports, removals): merge
    only small segments, a bounded number of documents at a time, once a
    few have piled up, so an import never waits for a big merge; the
    segments of a build are rewritten only by the next build."""
    from whoosh.reading import SegmentReader

    by_size = sorted(segments, key=lambda s: s.doc_count_all())
    small = [s for s in by_size if s.doc_count_all() <= SMALL_SEGMENT]
    if len(segments) > MAX_SEGMENTS:  # rare: many imports since the last build
        small, limit = by_size, 4 * MERGE_BUDGET
    elif len(small) >= MERGE_AT:
        limit = MERGE_BUDGET
    else:
        return segments
    chosen, budget = [], 0
    for s in small:
        if budget + s.doc_count_all() > limit:
            break
        chosen.append(s)
        budget += s.doc_count_all()
    if len(chosen) < 2:
        return segments
    for s in chosen:
        r = SegmentReader(writer.storage, writer.schema, s)
        try:
            writer.add_reader(r)
        finally:
            r.close()
    ids = {s.segment_id() for s in chosen}
    return [s for s in segments if s.segment_id() not in ids]


# -- the lock ------------------------------------------------------------------------


class _Lock:
    """An exclusive flock on a file beside the index: held while writing,
    released by the kernel if the holder dies (a stale file is harmless)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, timeout: float | None = None) -> bool:
        timeout = LOCK_SECONDS if timeout is None else timeout
        try:
            import fcntl
        except ImportError:  # no flock here: Whoosh's own lock still guards commits
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(delay)
                delay = min(delay * 2, 0.25)

    def release(self) -> None:
        if self.fd is not None:
            import fcntl

            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None

    def __enter__(self) -> _Lock:
        if not self.acquire():
            raise IndexUnavailable("the search index is busy (another hark is writing it); try again", "busy")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- the library's side ------------------------------------------------------------


def _library_manifest(lib: Library) -> dict[int, str]:
    """tid -> fingerprint of what the library holds now."""
    rows = lib.db.execute("SELECT id, sha256, updated, segment_count FROM transcripts").fetchall()
    stamps = _annotation_stamps(lib)
    return {r[0]: fingerprint(r[1], r[2], r[3], stamps.get(r[0])) for r in rows}


COMMON_TERMS = 48  # how many of a library's most frequent terms get pairs
COMMON_SAMPLE = 20_000  # words: below this, the library is too small to tell


def common_terms(lib: Library) -> frozenset[str]:
    """The library's most frequent terms, from a sample spread over its
    transcripts (a fraction of a second on a large library); the English
    list of store.query when there is too little text to tell."""
    ids = lib.ids()
    step = max(1, len(ids) // 40)
    counts: dict[str, int] = {}
    words = 0
    for tid in ids[::step]:
        for (text,) in lib.db.execute(
            "SELECT text FROM segments WHERE transcript_id = ? AND idx < 300 ORDER BY idx", (tid,)
        ):
            for t in hq.terms(text):
                counts[t] = counts.get(t, 0) + 1
                words += 1
    if words < COMMON_SAMPLE:
        return hq.COMMON
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:COMMON_TERMS]
    return frozenset(t for t, _n in top)


def _digest(manifest: dict[int, str]) -> str:
    h = hashlib.sha1(f"v{SCHEMA_VERSION}".encode())
    for tid in sorted(manifest):
        h.update(f"\n{tid}:{manifest[tid]}".encode())
    return h.hexdigest()


# -- building -----------------------------------------------------------------------


def _build_segments(
    ix: Any,
    lib: Library,
    tids: list[int],
    report: Callable[[int, int], None] | None = None,
    common: frozenset[str] = hq.COMMON,
    surface: set[str] | None = None,
) -> tuple[list, dict[int, str], int]:
    """Index the given transcripts into new segments (not yet committed).
    Returns (segments, manifest of what was indexed, passages); adds the
    words of their text to `surface`."""
    segments: list = []
    manifest: dict[int, str] = {}
    npass = 0
    w: _Writer | None = None
    try:
        for tid in tids:
            st = lib.get(tid)
            if st is None:
                continue
            if w is None:
                w = _Writer(ix, _lk=False)
            for doc in transcript_docs(st, lib, common):
                w.add_document(**doc)
                if doc["kind"] == "t":
                    manifest[tid] = doc["meta"]["fp"]
                    npass += doc["meta"]["passages"]
            if surface is not None:
                _words_of(st, surface)
            if report:
                report(1, len(st.segments))
            if w.pending >= FLUSH_POSTINGS:
                segments.append(w._finalize_segment())
                w = None
        if w is not None and w._added:
            segments.append(w._finalize_segment())
            w = None
    finally:
        if w is not None:
            try:
                w._close_segment()
            except Exception:
                pass
    return segments, manifest, npass


def _worker(lib_path: str, index_path: str, tids: list[int], q: Any, wid: int, common: frozenset[str]) -> None:
    """A build process: index some transcripts into segments of its own."""
    os.umask(0o077)
    gc.disable()  # millions of long-lived tuples: the cycle collector only slows this down
    try:
        ix = windex.open_dir(index_path, indexname=INDEX_NAME)
        with Library(lib_path) as lib:
            done = [0]

            def report(n: int, segs: int) -> None:
                done[0] += segs
                if done[0] >= 2000:
                    q.put(("progress", wid, done[0]))
                    done[0] = 0

            words: set[str] = set()
            segments, manifest, npass = _build_segments(ix, lib, tids, report, common, words)
            if done[0]:
                q.put(("progress", wid, done[0]))
        q.put(("done", wid, (segments, manifest, npass, _surface_of(words), _peak_mb())))
    except BaseException as e:  # reported to the parent, which cleans up
        q.put(("error", wid, f"{type(e).__name__}: {e}"))


def _peak_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    except Exception:
        return 0.0


def _words_of(st: StoredTranscript, into: set[str]) -> None:
    """The distinct words of a transcript's text, as written."""
    findall = hq.TOKEN.findall
    for seg in st.segments:
        into.update(findall(seg.text))


def _surface_of(words: set[str]) -> dict[str, str]:
    """Surface words (folded) -> their terms."""
    return {hq.fold(w): hq.term(w) for w in words}


@dataclass
class BuildReport:
    transcripts: int = 0
    passages: int = 0
    segments: int = 0
    seconds: float = 0.0
    procs: int = 1
    why: str | None = None  # "missing", "stale", "corrupt" when it was a repair
    peak_mb: float = 0.0  # the largest build process's peak memory (parallel builds)


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    rebuilt: BuildReport | None = None
    busy: bool = False  # usable but behind; another process was writing it

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.rebuilt)


# -- hits ------------------------------------------------------------------------------


@dataclass
class Hit:
    transcript_id: int
    title: str
    segment: int
    start: float
    end: float
    text: str
    snippet: str
    marks: list[tuple[int, int]]  # (start, end) character spans of matched words in snippet
    score: float
    speaker: str | None = None
    timing: str = "exact"
    text_marks: list[tuple[int, int]] = field(default_factory=list)  # matched words in text
    kind: str = "text"  # where it matched: the words said (annotations will add "note")

    def marked(self, left: str = "**", right: str = "**") -> str:
        """The snippet with each matched span wrapped (JSON uses **word**)."""
        out, pos = [], 0
        for a, b in self.marks:
            out.append(self.snippet[pos:a])
            out.append(left + self.snippet[a:b] + right)
            pos = b
        out.append(self.snippet[pos:])
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "transcript_id": self.transcript_id,
            "title": self.title,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.marked(),
            "score": round(self.score, 4),
        }


@dataclass
class SearchResult:
    query: str
    total: int  # matching passages (one hit each)
    hits: list[Hit] = field(default_factory=list)
    note: str | None = None  # e.g. "unbalanced quote: searched as plain words"
    suggestion: str | None = None  # "did you mean", when nothing was found
    partial: bool = False  # a time limit cut the search short (type-ahead)

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [h.to_json() for h in self.hits]}


EXTRA_SEGMENTS = 6  # segments read after a passage: a phrase's run-on and the snippet's context
SNIPPET_MIN = 80  # characters: a shorter hit segment is followed by the next ones
SNIPPET_MAX = 240


def _occurrences(toks: list[str], plan: hq.Plan) -> tuple[list[tuple[int, int]], list[int]]:
    """Phrase matches (start, length) and term matches (index) in a token list."""
    phrases = []
    for ph in plan.phrases:
        k = len(ph)
        if not k:
            continue
        first = ph[0]
        for i, t in enumerate(toks):
            if t == first and tuple(toks[i : i + k]) == ph:
                phrases.append((i, k))
    singles = [i for i, t in enumerate(toks) if t in plan.terms] if plan.terms else []
    return phrases, singles


@lru_cache(maxsize=8192)
def _spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """Words of a segment with their offsets (cached: type-ahead searches
    show the same passages again and again)."""
    return tuple(hq.spans(text))


def _build_hit(
    plan: hq.Plan, rows: list[tuple], first: int, last: int
) -> tuple[int, str, list[tuple[int, int]], list[tuple[int, int]]] | None:
    """From a passage's segments (and a few after it): the segment where the
    best match starts, the snippet and its marks. None when the text no
    longer holds the match (the library changed since indexing)."""
    segs = [(r[0], " ".join(r[4].split())) for r in rows]
    n_own = sum(1 for i, _t in segs if first <= i <= last)
    if not n_own or segs[0][0] != first:
        return None
    toks: list[str] = []
    where: list[tuple[int, int, int]] = []  # per token: (position in segs, start, end)
    done = 0

    def upto(k: int) -> None:
        nonlocal done
        while done <= k and done < len(segs):
            for t, a, b in _spans(segs[done][1]):
                toks.append(t)
                where.append((done, a, b))
            done += 1

    upto(n_own - 1)
    own_count = len(toks)
    # Enough words after the passage for a phrase that starts in it.
    need = max((len(p) for p in plan.phrases), default=1) - 1
    while len(toks) - own_count < need and done < len(segs):
        upto(done)
    phrases, singles = _occurrences(toks, plan)
    own_phrases = [p for p in phrases if p[0] < own_count]
    if own_phrases or any(i < own_count for i in singles):
        score: dict[int, float] = {}
        seen: dict[int, set[str]] = {}
        for s, _k in own_phrases:
            seg = where[s][0]
            score[seg] = score.get(seg, 0) + 10
        for i in singles:
            if i < own_count:
                seg = where[i][0]
                if toks[i] not in seen.setdefault(seg, set()):
                    seen[seg].add(toks[i])
                    score[seg] = score.get(seg, 0) + 1
        best = min(score, key=lambda k: (-score[k], k))
    elif plan.metadata_only or not (plan.terms or plan.phrases):
        best = 0
    else:
        return None
    # The snippet: the hit segment, then as many following ones as it takes
    # to finish a phrase that starts in it and to give some context.
    end_k = best
    for s, k in own_phrases:
        if where[s][0] == best:
            end_k = max(end_k, where[s + k - 1][0])
    length = sum(len(segs[k][1]) + 1 for k in range(best, end_k + 1))
    while length < SNIPPET_MIN and end_k + 1 < len(segs) and end_k + 1 - best < 6:
        end_k += 1
        length += len(segs[end_k][1]) + 1
    if end_k >= done:
        upto(end_k)
        phrases, singles = _occurrences(toks, plan)
    offsets: dict[int, int] = {}
    parts, pos = [], 0
    for k in range(best, end_k + 1):
        offsets[k] = pos
        parts.append(segs[k][1])
        pos += len(segs[k][1]) + 1
    snippet = " ".join(parts)
    marks: list[tuple[int, int]] = []

    def span_of(i: int) -> tuple[int, int] | None:
        k, a, b = where[i]
        if k not in offsets:
            return None
        return offsets[k] + a, offsets[k] + b

    marked: set[int] = set()
    for s, k in phrases:
        a, b = span_of(s), span_of(s + k - 1)
        if a and b:
            marks.append((a[0], b[1]))
            marked.update(range(s, s + k))
    for i in singles:
        if i not in marked:
            sp = span_of(i)
            if sp:
                marks.append(sp)
    marks = _merge_marks(marks)
    snippet, marks = _crop(snippet, marks)
    # The same words in the segment's own text, as stored (not folded).
    own_spans = _spans(rows[best][4])
    mine = [i for i in range(len(toks)) if where[i][0] == best]
    hit_words = set(singles) | marked
    text_marks = _merge_marks([own_spans[k][1:] for k, i in enumerate(mine) if i in hit_words and k < len(own_spans)])
    return segs[best][0], snippet, marks, text_marks


def _note_hit(plan: hq.Plan, spots: list[NoteSpot], rows: list[tuple], first: int, last: int) -> Hit | None:
    """A hit on an annotation of the passage whose note or tags have the
    query's words: at the annotation's first segment, its note as the
    snippet (kind "note")."""
    terms_ = plan.terms | plan.note_terms
    phrases = plan.phrases + plan.note_phrases
    for a in spots:
        if not first <= a.first <= last:
            continue
        words = " ".join(a.words.split())
        sp = hq.spans(words)
        toks = [t for t, _a, _b in sp]
        found, singles = _occurrences(toks, hq.Plan(query=wq.NullQuery, terms=terms_, phrases=phrases))
        if not found and not singles:
            continue
        marks = [(sp[s][1], sp[s + k - 1][2]) for s, k in found] + [sp[i][1:] for i in singles]
        snippet, marks = _crop(words, _merge_marks(marks))
        row = next((r for r in rows if r[0] == a.first), None)
        return Hit(
            transcript_id=0,
            title="",
            segment=a.first,
            start=row[1] if row else a.start,
            end=row[2] if row else a.start,
            text=row[4] if row else "",
            snippet=snippet,
            marks=marks,
            score=0.0,
            speaker=row[3] if row else None,
            kind="note",
        )
    return None


def _merge_marks(marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(marks):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _crop(snippet: str, marks: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """At most SNIPPET_MAX characters around the first mark, cut at spaces."""
    if len(snippet) <= SNIPPET_MAX:
        return snippet, marks
    anchor = marks[0][0] if marks else 0
    start = max(0, anchor - SNIPPET_MAX // 3)
    if start:
        sp = snippet.find(" ", start)
        start = sp + 1 if 0 <= sp < anchor else start
    end = min(len(snippet), start + SNIPPET_MAX)
    if end < len(snippet):
        sp = snippet.rfind(" ", start, end)
        end = sp if sp > start else end
    pre = "…" if start else ""
    post = "…" if end < len(snippet) else ""
    shift = len(pre) - start
    out = [(a + shift, b + shift) for a, b in marks if a >= start and b <= end]
    return pre + snippet[start:end] + post, out


# -- term tables: prefixes, fuzzy terms, completion, spelling ----------------------------


class _Surface:
    """Surface words (folded) and their terms: what a prefix such as
    "runni" should find ("running" is indexed as "run"), what completion
    shows, what "did you mean" proposes. A superset is harmless (terms
    without postings are dropped), so it is kept beside the index."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self.words = sorted(pairs)
        self.term = pairs

    @classmethod
    def load(cls, path: Path) -> _Surface:
        pairs: dict[str, str] = {}
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    w, _, t = line.rstrip("\n").partition("\t")
                    if w and t:
                        pairs[w] = t
        except (OSError, UnicodeDecodeError):
            pass
        return cls(pairs)

    def prefix(self, p: str, cap: int = 5000) -> list[str]:
        return _starting_with(self.words, p, cap)


def _starting_with(words: list[str], p: str, cap: int) -> list[str]:
    """The first `cap` of sorted `words` that start with p."""
    out = []
    i = bisect_left(words, p)
    while i < len(words) and words[i].startswith(p) and len(out) < cap:
        out.append(words[i])
        i += 1
    return out


def _save_surface(path: Path, new: dict[str, str], replace: bool = False) -> None:
    """Merge the surface words of newly indexed text into the file (under
    the write lock). Words of transcripts removed since stay until the next
    rebuild: their terms have no postings, so nothing uses them."""
    old = {} if replace else _Surface.load(path).term
    fresh = {w: t for w, t in new.items() if old.get(w) != t}
    if not fresh and not replace:
        return
    old.update(fresh)
    data = "".join(f"{w}\t{t}\n" for w, t in sorted(old.items()) if "\t" not in w and "\n" not in w)
    write_private(path, data.encode("utf-8"))


class _Table:
    """The text field's terms and document frequencies, in memory (built in
    the background by `warm`): prefix and fuzzy expansion without walking
    Whoosh's term index, and completion of short prefixes from a
    precomputed top list."""

    def __init__(self, reader: Any) -> None:
        terms: list[str] = []
        df: dict[str, int] = {}
        for tb, ti in reader.iter_field("text"):
            t = tb.decode("utf-8")
            terms.append(t)
            df[t] = ti.doc_frequency()
        self.terms = terms  # sorted (Whoosh keeps terms in byte order; these are the same for UTF-8)
        self.df = df
        self.short: dict[str, list[str]] | None = None

    def prefix(self, p: str, cap: int = 20000) -> list[str]:
        return _starting_with(self.terms, p, cap)


class _Lexicon:
    """hq.Lexicon over one searcher (cached per searcher generation)."""

    def __init__(
        self,
        searcher: Any,
        table: _Table | None,
        surface: Callable[[], _Surface | None],
        common: frozenset[str] = hq.COMMON,
    ) -> None:
        self.s = searcher
        self.common = common
        self.reader = searcher.reader()
        self.table = table
        self._surface = surface
        self._df: dict[tuple[str, str], int] = {}

    def df(self, fieldname: str, t: str) -> int:
        key = (fieldname, t)
        n = self._df.get(key)
        if n is None:
            if fieldname == "text" and self.table is not None:
                n = self.table.df.get(t, 0)
            else:
                try:
                    n = self.reader.doc_frequency(fieldname, t)
                except Exception:
                    n = 0
            self._df[key] = n
        return n

    def _candidates(self, fieldname: str, prefix: str, cap: int = 20000) -> list[str]:
        if fieldname == "text" and self.table is not None:
            return self.table.prefix(prefix, cap)
        out = []
        try:
            for tb in self.reader.expand_prefix(fieldname, prefix):
                out.append(tb.decode("utf-8") if isinstance(tb, bytes) else tb)
                if len(out) >= cap:
                    break
        except Exception:
            pass
        return out

    def _top(self, fieldname: str, cands: Iterable[str], cap: int) -> list[str]:
        ranked = [(self.df(fieldname, t), t) for t in dict.fromkeys(cands)]
        ranked = [x for x in ranked if x[0] > 0]
        ranked.sort(key=lambda x: (-x[0], x[1]))
        return [t for _n, t in ranked[:cap]]

    def expand_prefix(self, fieldname: str, prefix: str, cap: int) -> list[str]:
        if not prefix:
            return []
        cands = self._candidates(fieldname, prefix)
        if fieldname in ("text", "note", "title", "speaker", "tag"):
            surface = self._surface()
            if surface is not None:
                cands += [surface.term[w] for w in surface.prefix(prefix)]
        return self._top(fieldname, cands, cap)

    def expand_fuzzy(self, fieldname: str, t: str, maxdist: int, prefixlen: int, cap: int) -> list[str]:
        """Terms within maxdist edits of the word t: compared both as
        written (with the surface words: "lighthuose" ~ "lighthouse") and
        as a term (with the index terms: "scallings" ~ "scaling")."""
        best: dict[str, int] = {}

        def consider(word: str, target: str, term_of: Callable[[str], str], cands: Iterable[str]) -> None:
            for c in cands:
                if abs(len(c) - len(target)) <= maxdist:
                    d = hq.distance(c, target, maxdist)
                    if d <= maxdist:
                        tt = term_of(c)
                        if d < best.get(tt, maxdist + 1):
                            best[tt] = d

        stem = hq.term(t)
        consider(t, stem, lambda c: c, self._candidates(fieldname, stem[:prefixlen], 200000))
        surface = self._surface()
        if surface is not None and fieldname in ("text", "note", "title", "speaker", "tag"):
            consider(t, t, lambda c: surface.term[c], surface.prefix(t[:prefixlen], 200000))
        ranked = [(d, -self.df(fieldname, c), c) for c, d in best.items()]
        ranked = [x for x in ranked if x[1] < 0]
        ranked.sort()
        return [c for _d, _n, c in ranked[:cap]]

    def expand_wildcard(self, fieldname: str, pattern: str, cap: int) -> list[str]:
        lit = re.split(r"[*?]", pattern, maxsplit=1)[0]
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z")
        cands = [c for c in self._candidates(fieldname, lit) if rx.match(c)]
        surface = self._surface()
        if surface is not None and fieldname == "text":
            cands += [surface.term[w] for w in surface.prefix(lit) if rx.match(w)]
        return self._top(fieldname, cands, cap)


# -- scoring --------------------------------------------------------------------------


def _length_table(reader: Any, fieldname: str) -> list[int] | None:
    """Every document's length in a field, read once from the segment's
    length column (Whoosh looks it up through four layers per scored
    document: half the time of a common-word query)."""
    cache = reader.__dict__.setdefault("_hark_lengths", {})
    if fieldname in cache:
        return cache[fieldname]
    table = None
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        col = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        n = reader.doc_count_all()
        if col is not None:
            raw = col._dbfile.get(col._basepos, col._count)
            lengths = [1] + [byte_to_length(b) for b in range(1, 256)]
            table = [lengths[b] for b in raw] + [1] * max(0, n - len(raw))
    except Exception:  # another codec: fall back to Whoosh's own lookups
        table = None
    cache[fieldname] = table
    return table


def _weighting() -> Any:
    from whoosh.scoring import BM25F, BM25FScorer

    class FastBM25FScorer(BM25FScorer):
        """BM25F, the same formula, with lengths from a table."""

        def __init__(self, searcher: Any, fieldname: str, text: bytes, B: float, K1: float, qf: int = 1) -> None:
            super().__init__(searcher, fieldname, text, B, K1, qf=qf)
            table = _length_table(searcher.reader(), fieldname)
            self._num = self.idf * (K1 + 1)
            self._c1 = K1 * (1 - B)
            self._c2 = K1 * B / self.avgfl
            if table is not None:
                self._table = table
                self.score = self._fast_score  # type: ignore[method-assign]

        def _fast_score(self, matcher: Any) -> float:
            w = matcher.weight()
            return self._num * w / (w + self._c1 + self._c2 * self._table[matcher.id()])

    class FastBM25F(BM25F):
        def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
            if not searcher.schema[fieldname].scorable:
                return super().scorer(searcher, fieldname, text, qf=qf)
            B = self._field_B.get(fieldname, self.B)
            return FastBM25FScorer(searcher, fieldname, text, B, self.K1, qf=qf)

    return FastBM25F()


def _patch_leaf_skip() -> None:
    """Whoosh moves a posting cursor to a target document inside a block
    one posting at a time, three method calls each; intersecting a rare
    word with a common one spends most of its time there. Same result by
    bisection (block ids are sorted). Applied once, to the W3 codec only."""
    from whoosh.codec import whoosh3
    from whoosh.matching import ReadTooFar

    cls = whoosh3.W3LeafMatcher
    if getattr(cls, "_hark_bisect", False) or not all(
        hasattr(cls, a) for a in ("_skip_to_block", "block_max_id", "_read_ids", "is_active", "id")
    ):
        return

    def skip_to(self: Any, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        block_max_id = self.block_max_id
        if targetid > block_max_id():
            self._skip_to_block(lambda: targetid > block_max_id())
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i, self._blocklength)
        if self._i >= self._blocklength:  # cannot happen (target <= block max); stay safe
            self._i = self._blocklength - 1
            while self.is_active() and self.id() < targetid:
                self.next()

    cls.skip_to = skip_to
    cls._hark_bisect = True


class PackedValues:
    """A posting block's values as one byte string and the end of each:
    unpickling it makes two objects, where a tuple of values makes one per
    posting (a third of the time of reading a block). Indexable like the
    tuple Whoosh's reader expects; a value is cut out when asked for."""

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, code: str, ends: bytes) -> None:
        self.blob = blob
        self.ends = array(code)
        self.ends.frombytes(ends)

    @classmethod
    def of(cls, values: list[bytes]) -> PackedValues:
        ends = array("I", accumulate(map(len, values)))
        code = "H" if not ends or ends[-1] < 65536 else "I"
        return cls(b"".join(values), code, array(code, ends).tobytes())

    def __reduce__(self) -> tuple:
        return (PackedValues, (self.blob, self.ends.typecode, self.ends.tobytes()))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        if i < 0:
            i += len(self.ends)
        return self.blob[self.ends[i - 1] if i else 0 : self.ends[i]]

    def __iter__(self) -> Iterator[bytes]:
        blob, start = self.blob, 0
        for end in self.ends:
            yield blob[start:end]
            start = end


class _Packed(array):
    """An array that pickles as its bytes: Whoosh pickles blocks with
    protocol 2, where a plain array pickles as a list of Python numbers.
    Unpickles as a plain array."""

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (_unpack_array, (self.typecode, self.tobytes()))


def _unpack_array(code: str, data: bytes) -> array:
    a = array(code)
    a.frombytes(data)
    return a


def _patch_blocks() -> None:
    """Whoosh writes a posting block as a pickled tuple of three tuples
    (ids, weights, values): reading one makes ~400 Python objects, the
    bulk of every query's time on a large library. Write arrays and
    PackedValues instead (the same pickle-in-zlib block, which Whoosh's own
    reader also reads: it indexes and iterates them like the tuples), and
    read ids back with a C-level running sum. Applied once, to the W3
    codec only; steps aside if its block methods are not the ones known."""
    from whoosh.codec import whoosh3

    w, r = whoosh3.W3PostingsWriter, whoosh3.W3LeafMatcher
    if getattr(w, "_hark_blocks", False) or not all(
        hasattr(w, a) for a in ("_mini_ids", "_mini_weights", "_mini_values", "_write_block")
    ):
        return
    if not hasattr(r, "_read_ids") or not hasattr(r, "_read_data"):
        return

    def _mini_ids(self: Any) -> Any:
        ids = self._ids
        if self._byteids:
            return tuple(ids)
        deltas = list(map(operator.sub, ids, [0, *ids[:-1]]))
        return _Packed("H" if max(deltas, default=0) < 65536 else "I", deltas)

    def _mini_weights(self: Any) -> Any:
        weights = self._weights
        if not weights:
            return None
        top = max(weights)
        if top == min(weights):
            return None if top == 1.0 else top
        return _Packed("f", weights)

    def _mini_values(self: Any) -> Any:
        fixedsize = self._format.fixed_value_size()
        if fixedsize is None or fixedsize < 0:
            return PackedValues.of(self._values)
        return None if fixedsize == 0 else b"".join(self._values)

    def _read_ids(self: Any) -> None:
        if self._data is None:
            self._read_data()
        ids = self._data[0]
        self._ids = ids if self._byteids else tuple(accumulate(ids))

    w._mini_ids, w._mini_weights, w._mini_values = _mini_ids, _mini_weights, _mini_values
    r._read_ids = _read_ids
    w._hark_blocks = True


class _ViewFile:
    """A read-only file over a memoryview, without copying it."""

    __slots__ = ("buf", "pos")

    def __init__(self, buf: Any) -> None:
        self.buf = buf
        self.pos = 0

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.pos + pos if whence == 1 else len(self.buf) + pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, n: int | None = -1) -> bytes:
        start = self.pos
        end = len(self.buf) if n is None or n < 0 else min(len(self.buf), start + n)
        self.pos = max(start, end)
        return bytes(self.buf[start:end])

    def peek(self, n: int = 0) -> bytes:
        # The C unpickler prefetches through peek: one call per pickle
        # instead of one per opcode.
        return bytes(self.buf[self.pos : self.pos + max(n, 4096)])

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        buf, start = self.buf, self.pos
        end = len(buf) if size is None or size < 0 else min(len(buf), start + size)
        i = start
        while i < end and buf[i] != 10:
            i += 1
        self.pos = min(end, i + 1)
        return bytes(buf[start : self.pos])

    def __iter__(self) -> Iterator[bytes]:
        while self.pos < len(self.buf):
            yield self.readline()

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def _patch_buffer_file() -> None:
    """Whoosh opens each file inside a segment (memory-mapped) by copying
    it whole into a BytesIO: a large index's postings (~100 MB) copied into
    memory at the first search. Read the mapping through a view instead."""
    from whoosh.filedb import structfile

    cls = structfile.BufferFile
    if getattr(cls, "_hark_view", False):
        return
    try:
        probe = cls.__new__(cls)
        cls.__init__(probe, b"x")
        if set(vars(probe)) != {"_buf", "_name", "file", "onclose", "is_real", "is_closed"}:
            return  # another Whoosh: leave it alone
    except Exception:
        return

    def __init__(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.file = _ViewFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    cls.__init__ = __init__
    cls._hark_view = True


_patch_leaf_skip()
_patch_buffer_file()
_patch_blocks()


# -- the index ---------------------------------------------------------------------------


class Index:
    """The search index of one library. Thread-safe (one operation at a
    time); the app calls it from a worker thread. Keep one open: its
    searcher and term tables stay warm, and `refresh()` (also done at each
    search) picks up commits from any process."""

    def __init__(self, path: Path | str, library: Library | Path | str) -> None:
        self.path = Path(path)
        if isinstance(library, Library):
            self.lib, self._own_lib = library, False
        else:
            self.lib, self._own_lib = Library(library), True
        self._ix: Any = None
        self._searcher: Any = None
        self._evaluator: hev.Engine | None = None
        self._lexicon: _Lexicon | None = None
        self._table: _Table | None = None
        self._surface: _Surface | None = None
        self._mutex = threading.RLock()
        self._peak = 0.0

    # -- plumbing ----------------------------------------------------------------------

    def close(self) -> None:
        with self._mutex:
            self._drop()
            if self._own_lib:
                self.lib.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _drop(self) -> None:
        if self._searcher is not None:
            try:
                self._searcher.close()
            except Exception:
                pass
        self._searcher = None
        self._evaluator = None
        self._ix = None
        self._lexicon = None
        self._table = None
        self._surface = None

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _write_lock(self) -> _Lock:
        private_dir(self.path.parent)
        return _Lock(self._lock_path)

    def health(self) -> str | None:
        """None when the index opens and is current; else "missing",
        "stale" (another schema version) or "corrupt"."""
        with self._mutex:
            try:
                self._open()
            except IndexUnavailable as e:
                return e.why
            return None

    def _open(self) -> Any:
        """The current searcher, opening the index if needed."""
        if self._searcher is not None:
            return self._searcher
        if not self.path.is_dir():
            raise IndexUnavailable("the search index is missing", "missing")
        names = os.listdir(self.path)
        if not any(n.startswith(f"_{INDEX_NAME}_") and n.endswith(".toc") for n in names):
            stale = any(n.endswith(".toc") for n in names)
            raise IndexUnavailable(
                "the search index is from another version" if stale else "the search index is missing",
                "stale" if stale else "missing",
            )
        try:
            ix = windex.open_dir(str(self.path), indexname=INDEX_NAME)
            s = ix.searcher(weighting=_weighting())
            state = s.document(kind="s")
        except IndexUnavailable:
            raise
        except Exception as e:
            raise IndexUnavailable(f"the search index is corrupt ({type(e).__name__})", "corrupt") from None
        if not state or (state.get("meta") or {}).get("version") != SCHEMA_VERSION:
            s.close()
            raise IndexUnavailable("the search index is from another version", "stale")
        self._ix, self._searcher = ix, s
        self._lexicon = None
        return s

    def refresh(self) -> bool:
        """Pick up commits made since the searcher was opened (by anyone).
        Returns True if the searcher changed."""
        with self._mutex:
            if self._searcher is None:
                return False
            try:
                if self._searcher.up_to_date():
                    return False
                new = self._searcher.refresh()
            except Exception:
                self._drop()
                return True
            self._searcher = new
            self._lexicon = None
            self._table = None
            self._surface = None
            return True

    def _searcher_now(self) -> Any:
        s = self._open()
        if self.refresh():
            s = self._open()
        return s

    def _state(self) -> dict[str, Any]:
        doc = self._open().document(kind="s")
        return (doc or {}).get("meta") or {}

    @staticmethod
    def _common(s: Any) -> frozenset[str]:
        state = (s.document(kind="s") or {}).get("meta") or {}
        common = state.get("common")
        return frozenset(common) if isinstance(common, list) else hq.COMMON

    def _surface_words(self) -> _Surface | None:
        if self._surface is None:
            self._surface = _Surface.load(self.path / WORDS_FILE)
        return self._surface

    def _lex(self, s: Any) -> _Lexicon:
        if self._lexicon is None or self._lexicon.s is not s:
            self._lexicon = _Lexicon(s, self._table, self._surface_words, self._common(s))
        return self._lexicon

    def warm(self) -> None:
        """Open the searcher and build the in-memory term tables (call it
        from a background thread at start: it takes a fraction of a second
        on a large library and makes prefixes and completion instant)."""
        with self._mutex:
            s = self._searcher_now()
            if self._table is None:
                self._table = _Table(s.reader())
                self._lexicon = None
            surface = self._surface_words()
            table = self._table
            if table.short is None:
                short: dict[str, list[tuple[int, str]]] = {}
                for w in surface.words if surface else ():
                    n = table.df.get(surface.term[w], 0) if surface else 0
                    if n:
                        for k in (1, 2):
                            if len(w) > k:
                                short.setdefault(w[:k], []).append((n, w))
                table.short = {p: _one_per_stem(v, surface.term, 16) for p, v in short.items()} if surface else {}

    # -- keeping in step ---------------------------------------------------------------

    def in_sync(self) -> bool:
        """True when the index reflects the library exactly (a cheap check)."""
        with self._mutex:
            return self._state().get("digest") == _digest(_library_manifest(self.lib))

    def ensure(self, message: Message | None = None, progress: Progress | None = None) -> SyncReport:
        """Make the index usable and current before searching: rebuild it if
        missing, stale or corrupt, catch it up if the library moved on
        without it; say so in one line through message. An index that is
        usable but behind while another process writes it is searched as
        it is (readers never wait long)."""
        with self._mutex:
            report = self.sync(progress=progress, wait=2.0)
            if message is not None:
                if report.rebuilt is not None:
                    if report.rebuilt.why != "new":
                        message(_rebuilt_message(report.rebuilt))
                elif report.changed:
                    message(
                        f"the search index was behind the library: caught up "
                        f"({report.added} indexed, {report.removed} removed)"
                    )
                elif report.busy:
                    message("another hark is updating the search index: searching it as it is")
            return report

    def _current(self) -> bool:
        try:
            return self.in_sync()
        except IndexUnavailable:
            raise
        except Exception:  # an unreadable state document
            raise IndexUnavailable("the search index is corrupt", "corrupt") from None

    def sync(self, progress: Progress | None = None, wait: float | None = None) -> SyncReport:
        """Bring the index in line with the library: index new and changed
        transcripts, delete removed ones; rebuild a missing, stale or
        corrupt index. Waits for another writer up to LOCK_SECONDS (up to
        `wait` seconds when the index is usable, then gives up: busy)."""
        with self._mutex:
            first_time = not self.path.exists() and not self._lock_path.exists()
            why = self.health()
            if why is None:
                try:
                    if self._current():
                        return SyncReport()
                except IndexUnavailable:
                    why = "corrupt"
            lock = self._write_lock()
            if not lock.acquire(wait if why is None and wait is not None else None):
                if why is None:
                    return SyncReport(busy=True)
                raise IndexUnavailable("the search index is busy (another hark is writing it); try again", "busy")
            try:
                self._drop()
                # Look again under the lock: another process may have
                # rebuilt, caught up or broken it meanwhile.
                why = self.health()
                if why == "missing" and first_time:
                    why = "new"  # a new home: nothing to report
                if why is None:
                    try:
                        if self._current():
                            return SyncReport()
                    except IndexUnavailable:
                        why = "corrupt"
                if why is not None:
                    return SyncReport(rebuilt=self._rebuild_locked(progress, why=why))
                return self._catch_up(progress)
            finally:
                lock.release()

    def _catch_up(self, progress: Progress | None) -> SyncReport:
        ix = self._ix
        w = _Writer(ix, timeout=10.0, delay=0.05)
        try:
            indexed: dict[int, str] = {}
            with w.searcher() as s:
                for d in s.documents(kind="t"):
                    indexed[int(d["tid"])] = (d.get("meta") or {}).get("fp", "")
                common = self._common(s)  # pairs must be those the index was built with
            current = _library_manifest(self.lib)
            gone = [t for t in indexed if current.get(t) != indexed[t]]
            todo = sorted(t for t in current if indexed.get(t) != current[t])
            removed = len([t for t in gone if t not in current])
            segments = {t: int(fp.split("|")[2]) for t, fp in current.items()}
            work = sum(segments[t] for t in todo)
            if work >= PARALLEL_SEGMENTS and 2 * work >= sum(segments.values()):
                # Most of the library is new to the index (a first import of
                # a big folder): a rebuild is faster than catching up.
                w.cancel()
                self._rebuild_locked(progress)
                return SyncReport(added=len(todo), removed=removed)
            for t in gone:
                w.delete_by_term("tid", str(t))
                del indexed[t]
            total = len(todo)
            added = 0
            new_words: set[str] = set()
            for n, t in enumerate(todo):
                st = self.lib.get(t)
                if st is not None:
                    for doc in transcript_docs(st, self.lib, common):
                        w.add_document(**doc)
                        if doc["kind"] == "t":
                            indexed[t] = doc["meta"]["fp"]
                    _words_of(st, new_words)
                    added += 1
                if progress:
                    progress(n + 1, total)
            w.delete_by_term("kind", "s")
            w.add_document(kind="s", meta=self._state_meta(indexed, common))
            surface = _surface_of(new_words)
            w.commit(mergetype=_merge_small)
        except BaseException:
            try:
                w.cancel()
            except Exception:
                pass
            raise
        self._drop()
        if surface:
            _save_surface(self.path / WORDS_FILE, surface)
        _tighten(self.path)
        return SyncReport(added=added, removed=removed)

    @staticmethod
    def _state_meta(manifest: dict[int, str], common: frozenset[str]) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "digest": _digest(manifest),
            "transcripts": len(manifest),
            "common": sorted(common),
        }

    def rebuild(
        self, progress: Progress | None = None, procs: int | None = None, why: str | None = None
    ) -> BuildReport:
        """Rebuild the whole index from the library (`hark reindex`).
        Readers keep the old index until the new one is committed."""
        with self._mutex, self._write_lock():
            return self._rebuild_locked(progress, procs=procs, why=why)

    def _rebuild_locked(
        self, progress: Progress | None, procs: int | None = None, why: str | None = None
    ) -> BuildReport:
        t0 = time.perf_counter()
        self._drop()
        private_dir(self.path)
        ix = self._fresh_ix(why)
        rows = self.lib.db.execute("SELECT id, segment_count FROM transcripts ORDER BY id").fetchall()
        total = sum(r[1] for r in rows)
        common = common_terms(self.lib)
        if procs is None:
            procs = 2 if total >= PARALLEL_SEGMENTS and (os.cpu_count() or 1) >= 2 else 1
        procs = max(1, min(procs, len(rows) or 1))
        self._peak = 0.0
        if procs > 1:
            segments, manifest, npass, surface = self._build_parallel(ix, rows, procs, total, progress, common)
        else:
            done = [0]

            def report(_n: int, segs: int) -> None:
                done[0] += segs
                if progress:
                    progress(done[0], total)

            was = gc.isenabled()
            gc.disable()
            try:
                words: set[str] = set()
                segments, manifest, npass = _build_segments(ix, self.lib, [r[0] for r in rows], report, common, words)
            finally:
                if was:
                    gc.enable()
            surface = _surface_of(words)
        w = _Writer(ix, timeout=10.0, delay=0.05)
        try:
            w.add_document(kind="s", meta=self._state_meta(manifest, common))
            w.commit(mergetype=lambda _w, _old: list(segments))
        except BaseException:
            try:
                w.cancel()
            except Exception:
                pass
            raise
        self._drop()
        _save_surface(self.path / WORDS_FILE, surface, replace=True)
        _tighten(self.path)
        if progress:
            progress(total, total)
        return BuildReport(
            transcripts=len(manifest),
            passages=npass,
            segments=total,
            seconds=time.perf_counter() - t0,
            procs=procs,
            why=why,
            peak_mb=self._peak,
        )

    def _fresh_ix(self, why: str | None) -> Any:
        """The index to build into: the existing one if it opens (its old
        segments are replaced at commit, readers keep them until then), else
        a new one in an emptied folder."""
        if why is None or why == "new":
            try:
                ix = windex.open_dir(str(self.path), indexname=INDEX_NAME)
                if sorted(ix.schema.names()) == sorted(make_schema().names()):
                    return ix
            except Exception:
                pass
        for name in os.listdir(self.path):
            p = self.path / name
            try:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
            except OSError:
                pass
        return windex.create_in(str(self.path), make_schema(), indexname=INDEX_NAME)

    def _build_parallel(
        self, ix: Any, rows: list, procs: int, total: int, progress: Progress | None, common: frozenset[str]
    ) -> tuple[list, dict[int, str], int, dict[str, str]]:
        import multiprocessing as mp

        # Balance the work by segments, biggest transcripts first.
        groups: list[list[int]] = [[] for _ in range(procs)]
        loads = [0] * procs
        for tid, n in sorted(rows, key=lambda r: -r[1]):
            k = loads.index(min(loads))
            groups[k].append(tid)
            loads[k] += n
        for g in groups:
            g.sort()
        # spawn, not fork: the app calls this from a thread, and forking a
        # threaded process is unsafe.
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        workers = [
            ctx.Process(target=_worker, args=(str(self.lib.path), str(self.path), g, q, k, common), daemon=True)
            for k, g in enumerate(groups)
        ]
        for p in workers:
            p.start()
        segments: list = []
        manifest: dict[int, str] = {}
        surface: dict[str, str] = {}
        npass = 0
        done = 0
        finished: set[int] = set()
        error = None
        try:
            while len(finished) < len(workers) and error is None:
                try:
                    kind, wid, payload = q.get(timeout=0.5)
                except Exception:
                    dead = [k for k, p in enumerate(workers) if k not in finished and not p.is_alive()]
                    if dead:
                        # It may have finished just now: drain before declaring it lost.
                        time.sleep(0.2)
                        if q.empty():
                            error = f"an indexing process stopped (exit code {workers[dead[0]].exitcode})"
                    continue
                if kind == "progress":
                    done += payload
                    if progress:
                        progress(min(done, total), total)
                elif kind == "done":
                    segs, man, n, surf, mb = payload
                    self._peak = max(self._peak, mb)
                    segments += segs
                    manifest.update(man)
                    npass += n
                    surface.update(surf)
                    finished.add(wid)
                else:
                    error = payload
        finally:
            for p in workers:
                if error is not None and p.is_alive():
                    p.terminate()
                p.join(timeout=5)
            q.close()
        if error is not None:
            raise IndexUnavailable(f"indexing failed: {error}", "failed")
        return segments, manifest, npass, surface

    # -- searching ---------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        limit: int = 20,
        in_id: int | None = None,
        exact_total: bool = True,
        time_limit: float | None = None,
        suggest: bool = True,
    ) -> SearchResult:
        """Search the library. Hits are passages (one per passage, at the
        segment where the best match starts), best first.

        Queries are evaluated by store.evaluate (the total is then always
        exact); a shape it leaves to Whoosh runs there, where
        exact_total=False gives Whoosh's estimate of the total (cheaper for
        very common words) and time_limit (seconds) bounds the search for
        type-ahead and marks the result partial. Raises IndexUnavailable if
        the index cannot be read (rebuild it and search again)."""
        with self._mutex:
            s = self._searcher_now()
            try:
                return self._search(s, text, limit, in_id, exact_total, time_limit, suggest)
            except _DAMAGE as e:  # a damaged segment discovered while reading
                self._drop()
                raise IndexUnavailable(f"the search index is corrupt ({type(e).__name__})", "corrupt") from e

    def _plan(self, s: Any, text: str, in_id: int | None) -> tuple[hq.ParsedQuery, hq.Plan | None]:
        parsed = hq.parse(text, s.schema)
        if parsed.query is None:
            return parsed, None
        plan = hq.expand(parsed.query, self._lex(s))
        q = plan.query
        if not _has_positive(parsed.query):
            q = wq.And([wq.Term("kind", "p"), q])
        if in_id is not None:
            q = wq.And([q, wq.Term("tid", str(in_id))])
        plan.query = q
        return parsed, plan

    def _search(
        self,
        s: Any,
        text: str,
        limit: int,
        in_id: int | None,
        exact_total: bool,
        time_limit: float | None,
        suggest: bool,
    ) -> SearchResult:
        parsed, plan = self._plan(s, text, in_id)
        if plan is None:
            return SearchResult(query=text, total=0, note=parsed.note)
        limit = max(1, int(limit))
        partial = False
        try:
            docs, total = self._engine(s).search(plan.query, limit)
        except hev.Unsupported:
            docs, total, partial = self._whoosh_search(s, plan.query, limit, exact_total, time_limit)
        hits = self._hits(s, plan, docs)
        note = "; ".join(n for n in [parsed.note, *plan.notes] if n) or None
        # The total counts passages; a stale passage (library changed since) is dropped.
        total = max(total - (len(docs) - len(hits)), len(hits))
        result = SearchResult(query=text, total=total, hits=hits, note=note, partial=partial)
        if total == 0 and suggest and not partial:
            result.suggestion = self._suggest(s, parsed, plan, in_id)
        return result

    def forget_postings(self) -> None:
        """Drop the posting lists decoded by earlier searches (memory, or a
        benchmark's cold figures); the searcher stays open."""
        with self._mutex:
            self._evaluator = None

    def _engine(self, s: Any) -> hev.Engine:
        """The evaluator of the current searcher (its decoded-list cache
        lives as long as the searcher)."""
        if self._evaluator is None or self._evaluator.searcher is not s:
            self._evaluator = hev.Engine(s)
        return self._evaluator

    @staticmethod
    def _whoosh_search(
        s: Any, q: wq.Query, limit: int, exact_total: bool, time_limit: float | None
    ) -> tuple[list[tuple[int, float]], int, bool]:
        """Whoosh's own evaluation, for a query shape store.evaluate leaves
        to it: (docs, total, partial)."""
        from whoosh.collectors import TopCollector

        partial = False
        # An exact total needs every match visited: do it in the same pass
        # (block-quality skipping off) rather than a second, counting pass.
        collector = TopCollector(limit=limit, usequality=not exact_total or time_limit is not None)
        if time_limit is not None:
            from whoosh.collectors import TimeLimit, TimeLimitCollector

            tlc = TimeLimitCollector(collector, time_limit, use_alarm=False)
            try:
                s.search_with_collector(q, tlc)
            except TimeLimit:
                partial = True
        else:
            s.search_with_collector(q, collector)
        results = collector.results()
        docs = [(hit.docnum, hit.score) for hit in results]
        if partial or not exact_total:
            total = results.estimated_length() if not partial else max(len(docs), collector.total)
        else:
            total = len(results)
        return docs, total, partial

    def _hits(self, s: Any, plan: hq.Plan, docs: list[tuple[int, float]]) -> list[Hit]:
        out: list[Hit] = []
        stored = [(s.stored_fields(d), score) for d, score in docs]
        wanted = [(int(f["tid"]), int(f["first"]), int(f["last"]), score) for f, score in stored if "first" in f]
        if not wanted:
            return out
        tids = sorted({w[0] for w in wanted})
        infos: dict[int, tuple[str, str]] = {}
        marks = ",".join("?" * len(tids))
        for r in self.lib.db.execute(f"SELECT id, title, timing FROM transcripts WHERE id IN ({marks})", tids):
            infos[r[0]] = (r[1], r[2])
        # One query for every hit's segments (and a few after each, for
        # phrases that run on and for context).
        rows: dict[int, list[tuple]] = {}
        for k in range(0, len(wanted), 100):
            chunk = wanted[k : k + 100]
            cond = " OR ".join("(transcript_id = ? AND idx BETWEEN ? AND ?)" for _ in chunk)
            args: list[int] = []
            for tid, first, last, _score in chunk:
                args += [tid, first, last + EXTRA_SEGMENTS]
            for r in self.lib.db.execute(
                f"SELECT transcript_id, idx, start, end, speaker, text FROM segments WHERE {cond}", args
            ):
                rows.setdefault(r[0], []).append(r[1:])
        for v in rows.values():
            v.sort()
        spots: dict[int, list[NoteSpot]] = {}
        for tid, first, last, score in wanted:
            if tid not in infos:
                continue
            seg_rows = [r for r in rows.get(tid, ()) if first <= r[0] <= last + EXTRA_SEGMENTS]
            title, timing = infos[tid]
            built = None if (plan.note_terms or plan.note_phrases) else _build_hit(plan, seg_rows, first, last)
            if built is None:
                # Not in the words said: in an annotation's note or tags?
                if tid not in spots:
                    spots[tid] = annotations_for(self.lib, tid)
                note_hit = _note_hit(plan, spots[tid], seg_rows, first, last)
                if note_hit is not None:
                    note_hit.transcript_id, note_hit.title, note_hit.timing = tid, title, timing
                    note_hit.score = float(score)
                    out.append(note_hit)
                    continue
                if plan.note_terms or plan.note_phrases:
                    built = _build_hit(plan, seg_rows, first, last)
                if built is None:
                    continue
            seg, snippet, marks_, text_marks = built
            row = next(r for r in seg_rows if r[0] == seg)
            out.append(
                Hit(
                    transcript_id=tid,
                    title=title,
                    segment=seg,
                    start=row[1],
                    end=row[2],
                    text=row[4],
                    snippet=snippet,
                    marks=marks_,
                    score=float(score),
                    speaker=row[3],
                    timing=timing,
                    text_marks=text_marks,
                )
            )
        return out

    def _suggest(self, s: Any, parsed: hq.ParsedQuery, plan: hq.Plan, in_id: int | None) -> str | None:
        """ "Did you mean": replace each query word the index does not know
        by the closest known word (at most two edits, the most frequent
        among the closest), if the result then finds something."""
        lex = self._lex(s)
        surface = self._surface_words()
        text = parsed.text
        words = hq.fallback_words(text) if parsed.plain else hq.plain_words(text)
        fixed = list(words)
        for k, raw in enumerate(words):
            t = hq.term(raw)
            if t not in plan.words or lex.df("text", t):
                continue
            best = self._closest(lex, surface, hq.fold(raw))
            if best is not None:
                fixed[k] = best
                text = re.sub(rf"(?<!\w){re.escape(raw)}(?!\w)", best, text)
        if fixed == words:
            return None
        if parsed.plain:  # a malformed query was searched as its words: suggest words
            text = " ".join(fixed)
        _parsed, plan2 = self._plan(s, text, in_id)
        if plan2 is None:
            return None
        found = s.search(plan2.query, limit=1)
        return text if found.scored_length() else None

    @staticmethod
    def _closest(lex: _Lexicon, surface: _Surface | None, word: str) -> str | None:
        maxd = 1 if len(word) <= 4 else 2
        best: tuple[int, int, str] | None = None
        if surface is not None and surface.words:
            cands = surface.prefix(word[:1], 200000)
            pairs = ((w, surface.term[w]) for w in cands)
        else:
            pairs = ((t, t) for t in lex._candidates("text", word[:1], 200000))
        for w, t in pairs:
            if abs(len(w) - len(word)) > maxd:
                continue
            d = hq.distance(w, word, maxd)
            if d > maxd or d == 0:
                continue
            n = lex.df("text", t)
            if n and (best is None or (d, -n, w) < best):
                best = (d, -n, w)
        return best[2] if best else None

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Words of the library that start with prefix, most frequent first
        (for type-ahead). Short prefixes come from a precomputed table."""
        p = hq.fold(prefix.strip())
        if not p:
            return []
        with self._mutex:
            try:
                s = self._searcher_now()
            except IndexUnavailable:
                return []
            table = self._table
            if len(p) <= 2 and table is not None and table.short is not None:
                return table.short.get(p, [])[:limit]
            surface = self._surface_words()
            lex = self._lex(s)
            if surface is not None and surface.words:
                words = surface.prefix(p, 5000)
                ranked = [(lex.df("text", surface.term[w]), w) for w in words]
            else:
                ranked = [(lex.df("text", t), t) for t in lex._candidates("text", p, 5000)]
            ranked = [x for x in ranked if x[0] > 0]
            return _one_per_stem(ranked, surface.term if surface is not None else {}, limit)

    def stats(self) -> dict[str, Any]:
        """Document count, size on disk (bytes), segments: for `hark reindex` and benchmarks."""
        with self._mutex:
            s = self._open()
            size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
            return {"documents": s.doc_count(), "bytes": size, "segments": len(self._ix._segments())}


def _one_per_stem(ranked: list[tuple[int, str]], term_of: dict[str, str], limit: int) -> list[str]:
    """Completions, most frequent first, one word per stem: "lighthouse"
    and "lighthouses" are one completion, not two (the first in order)."""
    out: list[str] = []
    stems: set[str] = set()
    for _n, w in sorted(ranked, key=lambda x: (-x[0], x[1])):
        stem = term_of.get(w, w)
        if stem not in stems:
            stems.add(stem)
            out.append(w)
            if len(out) == limit:
                break
    return out


def _has_positive(q: wq.Query, positive: bool = True) -> bool:
    """Whether a query has a leaf that must match (not only NOTs)."""
    if isinstance(q, wq.Not):
        return False
    if isinstance(q, wq.AndNot):
        return _has_positive(q.a, positive)
    if isinstance(q, (wq.CompoundQuery, wq.BinaryQuery, wq.WrappingQuery)):
        return any(_has_positive(c, positive) for c in q.children())
    return positive


def _rebuilt_message(r: BuildReport) -> str:
    why = {"missing": "was missing", "stale": "was from another version", "corrupt": "was damaged"}.get(
        r.why or "", "needed rebuilding"
    )
    n = r.transcripts
    return f"the search index {why}: rebuilt from the library ({n} transcript{'s' if n != 1 else ''}, {r.seconds:.1f}s)"


def sync(
    lib: Library, path: Path | str, message: Message | None = None, progress: Progress | None = None
) -> SyncReport:
    """Bring the index at path in line with the library (see Index.sync);
    says one line through message when it had to rebuild."""
    with Index(path, lib) as idx:
        report = idx.sync(progress=progress)
    if message is not None:
        if report.rebuilt is not None and report.rebuilt.why != "new":
            message(_rebuilt_message(report.rebuilt))
        elif report.busy:
            message("another hark is writing the search index: it will catch up at the next search")
    return report


def sync_quietly(lib: Library, path: Path | str, message: Message | None = None) -> None:
    """What the CLI calls after import and remove: sync, and never raise
    for an index problem (the library is the truth; search repairs the
    index later). One line through message if it rebuilt or failed."""
    try:
        sync(lib, path, message)
    except Exception as e:
        if message is not None:
            detail = str(e) if isinstance(e, IndexUnavailable) else f"{type(e).__name__}: {e}"
            message(f"the search index was not updated ({detail}); `hark search` will catch it up")

"""Writing: a leaner SegmentWriter for hark's documents, the merge policy
of incremental commits, and private files.

Bulk builds and imports go through LeanWriter: postings gathered per term
in memory instead of Whoosh's external sort, field lengths remembered
instead of read back, positions packed (postings.py) and written a block
at a time (privates.add_postings). Incremental commits merge only small
segments, a bounded amount at a time, so an import never waits for a big
merge; `hark reindex` rebuilds everything. Whoosh never calls fsync, so
after a power loss the index may need a rebuild (the library is the
truth).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.writing import SegmentWriter

from . import privates
from .blocks import HarkPostingsWriter
from .fileformat import HarkCodec, Words
from .postings import Gathered, gather_marked, gathered

SMALL_SEGMENT = 2_000  # documents (passages): an import's segment; merged with its like
MERGE_AT = 6  # small segments that trigger a merge
MAX_SEGMENTS = 24
MERGE_BUDGET = 6_000  # documents merged at most per incremental commit (about a second)


class MergePool:
    """Stands in for Whoosh's PostingPool when segments are merged into a
    LeanWriter (add_reader): postings go to the writer's per-term table."""

    def __init__(self, writer: LeanWriter) -> None:
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
        for name, tb in w.terms():
            docs, weights, values = w.postings(name, tb)
            for docnum, weight, vb in zip(docs, weights, values, strict=True):
                yield name, tb, docnum, weight, vb


class LeanWriter(SegmentWriter):
    """A SegmentWriter for hark's documents. Documents arrive in docnum
    order, so each term's postings are gathered already sorted in a dict
    (Whoosh sorts every posting through an external merge sort), compactly
    (document numbers, weights and the end of each value in arrays, the
    values in one byte string: ~12 bytes and the value a posting, no
    object each), and field lengths are remembered as documents arrive
    (Whoosh reads each one back from disk per posting while writing).
    Same files, same format."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", HarkCodec())  # hark's posting blocks (blocks.py)
        super().__init__(ix, **kwargs)
        # field -> term -> (documents, weights, values, their ends): a dict
        # a field, so a posting costs one lookup by the term's bytes.
        self._post: dict[str, dict[bytes, Gathered]] = {}
        self._lens: dict[str, dict[int, int]] = {}
        self._merged = False
        self.pending = 0
        self.pool = MergePool(self)  # type: ignore[assignment]

    def _add_posting(self, name: str, tb: bytes, docnum: int, weight: float, vb: bytes) -> None:
        field = self._post.get(name)
        if field is None:
            field = self._post[name] = {}
        entry = field.get(tb)
        if entry is None:
            entry = field[tb] = gathered()
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].extend(vb)
        entry[3].append(len(entry[2]))
        self.pending += 1

    def postings(self, name: str, tb: bytes) -> tuple[array, array, list[bytes]]:
        """A gathered list's documents, weights and values (cut out)."""
        docs, weights, blob, ends = self._post[name][tb]
        values = [bytes(blob[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        return docs, weights, values

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
                    field = post.get(name)
                    if field is None:
                        field = post[name] = {}
                    if type(value) is tuple and len(value) == 4 and isinstance(f, Words):
                        # Marked text: straight into the gathered lists.
                        n += gather_marked(field, docnum, *value)
                        length = len(value[1])
                    else:
                        get = field.get
                        postings = f.index(value)
                        if not isinstance(postings, list):  # Whoosh's own fields give an iterator
                            postings = list(postings)
                        for tb, freq, weight, vb in postings:
                            entry = get(tb)
                            if entry is None:
                                entry = field[tb] = gathered()
                            entry[0].append(docnum)
                            entry[1].append(weight)
                            blob = entry[2]
                            blob += vb
                            entry[3].append(len(blob))
                            length += freq
                        n += len(postings)
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

    def terms(self) -> Iterator[tuple[str, bytes]]:
        """(field, term) of every posting list gathered, in order."""
        for name in sorted(self._post):
            for tb in sorted(self._post[name]):
                yield name, tb

    @property
    def has_documents(self) -> bool:
        return bool(self._added)

    def finish_segment(self) -> Any:
        """Write the documents added so far as a new segment, not committed
        (a build commits all its segments at once)."""
        return self._finalize_segment()

    def abandon(self) -> None:
        """Let go of an unfinished segment (a build that failed)."""
        self._close_segment()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self._merged else None
        fw = self.fieldwriter
        schema = self.schema
        last = None
        lens: dict[int, int] = {}
        scorable = False
        bulk = privates.writer_ok()
        table = None
        fobj = None
        try:
            for name, tb in self.terms():
                if name != last:
                    if last is not None:
                        fw.finish_field()
                    fobj = schema[name]
                    fw.start_field(name, fobj)
                    table = privates.term_table(fw)
                    last = name
                    lens = self._lens.get(name, {})
                    scorable = fobj.scorable
                docs, weights, blob, ends = self._post[name][tb]
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
                pw = privates.postings_writer(fw)
                if table is not None and isinstance(pw, HarkPostingsWriter):
                    # The whole list in one call, its term info straight into the table.
                    info = pw.write_list(fobj.format, docs, weights, blob, ends, lengths)
                    table[0](table[1] + tb, info.to_bytes())
                    continue
                values = self.postings(name, tb)[2]
                fw.start_term(tb)
                if bulk and pw is not None:
                    privates.add_postings(pw, docs, weights, values, lengths)
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


def tighten(folder: Path) -> None:
    """Whoosh creates files with the process umask; hark's are private
    (the folder already is; this keeps each file so too)."""
    try:
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mode & 0o077:
                os.chmod(entry.path, 0o600)
    except OSError:
        pass


def merge_small(writer: SegmentWriter, segments: list) -> list:
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

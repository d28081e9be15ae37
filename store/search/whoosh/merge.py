"""A build's segments merged into one, list by list.

A build writes several segments (one a process, and a new one each time a
process has gathered FLUSH_POSTINGS): every query then looks each of its
words up, and reads and narrows its lists, once a segment -- a good part
of a short query's time. Whoosh merges segments a posting at a time
(~50 s for 1,000 transcripts). Here the segments, fresh from the build and
without deletions, are laid end to end: each document's stored fields and
field lengths copied, each term's lists from every segment copied as
bytes (blocks.moved: the document numbers of a later segment moved up by
the documents before it). Document numbers, lengths, frequencies and the
fields' total lengths are the same as the segments': every score is too.
"""

from __future__ import annotations

import errno
import heapq
from collections.abc import Callable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from . import privates
from .blocks import HarkPostingsWriter, moved, term_info
from .writer import LeanWriter


def merge_built(ix: Any, segments: list, progress: Callable[[float], None] | None = None) -> list:
    """The segments one build wrote (not yet committed), in document
    order, as one segment: [it]. Left as they are where a merge cannot be
    made this way (deletions, lists not in hark's blocks, a Whoosh without
    the attributes it reads), or cannot be written (a disk too full for a
    second copy of the index: the build is kept, its searches a little
    slower; the next build merges). What a merge left half-written goes
    at the commit, with every file no segment holds. `progress` is told
    the share done (0 to 1) as it goes."""
    if len(segments) < 2 or any(s.has_deletions() for s in segments):
        return segments
    from whoosh.reading import SegmentReader

    readers = [SegmentReader(ix.storage, ix.schema, s) for s in segments]
    try:
        w = LeanWriter(ix, _lk=False)
        try:
            pw = HarkPostingsWriter(None, 128)
            if any(privates.merge_missing(r, w.perdocwriter, pw) for r in readers):
                w.abandon()
                return segments
            pages = _Pages(readers, progress)
            bases = _copy_documents(w, readers, pages)
            if not bases or not _copy_postings(w, readers, bases, pages):
                w.abandon()
                return segments
            merged = w.finish_segment()
        except OSError as e:
            w.abandon()
            if e.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise
            return segments
        except BaseException:
            w.abandon()
            raise
    finally:
        for r in readers:
            r.close()
    return [merged]


RELEASE_EVERY = 64 << 20  # bytes read from the segments between letting go of their mapped pages


class _Pages:
    """The segments' memory maps, their pages let go of every
    RELEASE_EVERY bytes read: a merge reads every segment whole, and the
    pages it touched would otherwise stay resident (counted in the
    process's memory) until it ends -- ~600 MB at 5,000 transcripts.
    (The kernel keeps them cached; a page touched again is mapped again.)"""

    def __init__(self, readers: list, progress: Callable[[float], None] | None = None) -> None:
        import mmap

        advice = getattr(mmap, "MADV_DONTNEED", None)
        maps = [privates.segment_map(r) for r in readers]
        # (Their sizes measure the work: a segment is mostly its lists.)
        self._size = sum(len(m) for m in maps if m is not None) or 1
        self._maps = [m for m in maps if m is not None and hasattr(m, "madvise")] if advice is not None else []
        self._advice = advice
        self._read = 0
        self._done = 0
        self._progress = progress

    def read(self, n: int) -> None:
        self._read += n
        if self._read >= RELEASE_EVERY:
            self._done += self._read
            self.release()
            if self._progress is not None:  # the documents were a fifth of the work
                self._progress(0.2 + 0.8 * min(1.0, self._done / self._size))

    def tell(self, share: float) -> None:
        if self._progress is not None:
            self._progress(share)

    def release(self) -> None:
        self._read = 0
        for m in self._maps:
            try:
                m.madvise(self._advice)
            except (OSError, ValueError):
                pass


def _copy_documents(w: LeanWriter, readers: list, pages: _Pages) -> list[int]:
    """Every document's stored fields and field lengths, in order; the
    fields' total lengths summed as the segments have them (a length
    column keeps a byte a document, the totals the exact sum). Returns the
    first document number of each segment in the merged one."""
    schema = w.schema
    pdw = w.perdocwriter
    scorable = [name for name in schema.names() if schema[name].scorable]
    bases = []
    for r in readers:
        base = w.docnum
        bases.append(base)
        start, add_field, finish = pdw.start_doc, pdw.add_field, pdw.finish_doc
        for _docnum, stored in r.iter_docs():
            start(w.docnum)
            for name, value in stored.items():
                add_field(name, schema[name], value, 0)
            finish()
            w.docnum += 1
        # Each field's length bytes, the segment's run at once.
        for name in scorable:
            lengths = privates.length_bytes(r, name)
            if lengths and not privates.put_lengths(pdw, name, base, lengths):
                return []
        pages.release()  # (its stored fields and lengths were read whole)
        pages.tell(0.2 * len(bases) / len(readers))
    totals = privates.field_totals(pdw)
    for name in scorable:
        total = sum(r.field_length(name) for r in readers)
        if total:
            totals[name] = total
    w.mark_added()
    return bases


def _copy_postings(w: LeanWriter, readers: list, bases: list[int], pages: _Pages) -> bool:
    """Every term's lists from every segment, in term order, as one list
    each (False, nothing usable written, if a list is not in hark's
    blocks: inlined by Whoosh's own writer)."""
    fw = w.fieldwriter
    schema = w.schema
    files = [privates.postings_file(r) for r in readers]
    names = sorted({n for r in readers for n in r.indexed_field_names() if n in schema})
    for name in names:
        fw.start_field(name, schema[name])
        table = privates.term_table(fw)
        pw = privates.postings_writer(fw)
        if table is None or not isinstance(pw, HarkPostingsWriter):
            return False
        add, prefix = table
        terms = [_terms_of(r, name, k) for k, r in enumerate(readers)]
        for tb, group in groupby(heapq.merge(*terms, key=itemgetter(0)), key=itemgetter(0)):
            parts = [(k, info) for _tb, k, info in group]
            if any(info.is_inlined() for _k, info in parts):
                return False
            add(prefix + tb, _joined(pw, parts, files, bases, pages))
        fw.finish_field()
    return True


def _terms_of(reader: Any, name: str, k: int) -> Iterator[tuple[bytes, int, Any]]:
    """(term, k, its term info) of a segment's field, in term order."""
    for tb, info in reader.iter_field(name):
        yield tb, k, info


def _joined(
    pw: HarkPostingsWriter, parts: list[tuple[int, Any]], files: list, bases: list[int], pages: _Pages
) -> bytes:
    """One term's lists (segment, term info), in segment order, written as
    one list; its term info's bytes."""
    chunks = []
    weight = 0.0
    df = 0
    minlength: int | None = None
    maxlength = 0
    maxweight = 0.0
    last = len(parts) - 1
    for i, (k, info) in enumerate(parts):
        offset, length = info.extent()
        if isinstance(length, tuple):  # (W3's term info reads it as a one-tuple)
            length = length[0]
        raw = files[k].get(offset, length)
        pages.read(length)
        chunks.append(moved(raw, bases[k], i == last, tag=i == 0))
        weight += info.weight()
        df += info.doc_frequency()
        low = info.min_length()
        if low:
            minlength = low if minlength is None else min(minlength, low)
        maxlength = max(maxlength, info.max_length())
        maxweight = max(maxweight, info.max_weight())
    data = b"".join(chunks)
    start = pw.write_raw(data)
    first_k, first = parts[0]
    last_k, final = parts[-1]
    return term_info(
        weight,
        df,
        minlength,
        maxlength,
        maxweight,
        first.min_id() + bases[first_k],
        final.max_id() + bases[last_k],
        start,
        len(data),
    )

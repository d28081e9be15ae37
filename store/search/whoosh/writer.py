"""Writing: a leaner SegmentWriter for hark's documents, the merge policy
of incremental commits, and private files.

Bulk builds and imports go through LeanWriter: postings gathered in
memory instead of Whoosh's external sort -- the marked text (most of
them) flat and sorted by numpy at the flush (textlog.py), the other
fields per term, a transcript's repeated values (title, tid, speaker,
tags) once for all its passages -- field lengths remembered instead of
read back, positions packed (postings.py) and each list written in one
call (blocks.HarkPostingsWriter.write_list). Incremental commits merge only small
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
from typing import TYPE_CHECKING, Any

from whoosh.writing import SegmentWriter

from . import privates
from .blocks import HarkPostingsWriter
from .fileformat import HarkCodec, Words
from .postings import Gathered, gather_marked, gathered

if TYPE_CHECKING:
    from .textlog import MarkedLog

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
    The text fields' marked words are gathered flat instead (textlog.py),
    and a value that repeats from one document to the next (a
    transcript's title, tid, speaker, tags) is indexed once for the run
    of documents. Same files, same format, the same bytes."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", HarkCodec())  # hark's posting blocks (blocks.py)
        super().__init__(ix, **kwargs)
        # field -> term -> (documents, weights, values, their ends): a dict
        # a field, so a posting costs one lookup by the term's bytes.
        self._post: dict[str, dict[bytes, Gathered]] = {}
        self._lens: dict[str, dict[int, int]] = {}
        # field -> the run of consecutive documents with the same value
        # (a transcript's passages share its title, tid, speaker, tags):
        # [value, its postings, first document, last document, length,
        # postings a document]. Its postings go to the lists once, for the
        # whole run (_close_runs), not once a document.
        self._runs: dict[str, list] = {}
        # field -> its marked text gathered flat (textlog.py), while the
        # field has no postings gathered per term (merged ones).
        self._logs: dict[str, MarkedLog] = {}
        self._merged = False
        self.pending = 0
        self.pool = MergePool(self)  # type: ignore[assignment]

    def _add_posting(self, name: str, tb: bytes, docnum: int, weight: float, vb: bytes) -> None:
        if self._runs:
            self._close_runs()
        if self._logs:
            self._unlog()
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
        self._close_runs()
        self._unlog()
        docs, weights, blob, ends = self._post[name][tb]
        values = [bytes(blob[a:b]) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        return docs, weights, values

    def add_document(self, **fields_: Any) -> None:  # type: ignore[override]
        self._check_state()
        docnum = self.docnum
        schema = self.schema
        pdw = self.perdocwriter
        post = self._post
        runs = self._runs
        logs = self._logs
        pdw.start_doc(docnum)
        n = 0
        try:
            for name, value in fields_.items():
                if value is None:
                    continue
                f = schema[name]
                length = 0
                if f.indexed:
                    if type(value) is tuple and len(value) == 4 and isinstance(f, Words):
                        # Marked text: straight into the gathered lists.
                        if name in runs:
                            self._close_run(name)
                        log = logs.get(name)
                        if log is not None and log.numbers is not value[3] and log.numbers != value[3]:
                            self._unlog(name)  # other common words (never in one build)
                            log = None
                        if log is None and not post.get(name):
                            # (numpy, loaded by a writer: a search, or the app's start, never loads it here)
                            from .textlog import MarkedLog

                            log = logs[name] = MarkedLog(value[3])
                        if log is not None:
                            n += log.add(docnum, value[0], value[1], value[2])  # the log keeps its lengths
                            pdw.add_field(name, f, value if f.stored else None, len(value[1]) if f.scorable else 0)
                            continue
                        else:
                            field = post.get(name)
                            if field is None:
                                field = post[name] = {}
                            n += gather_marked(field, docnum, *value)
                        length = len(value[1])
                    elif type(value) is tuple and value and value[0] is None:
                        # Positioned terms (pairs): a passage's own, never a run.
                        if name in runs:
                            self._close_run(name)
                        field = post.get(name)
                        if field is None:
                            field = post[name] = {}
                        get = field.get
                        postings = f.index(value)
                        if not isinstance(postings, list):
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
                    else:
                        run = runs.get(name)
                        if run is not None and run[3] == docnum - 1 and run[0] == value:
                            run[3] = docnum
                        else:
                            if run is not None:
                                self._close_run(name)
                            postings = f.index(value)
                            if not isinstance(postings, list):  # Whoosh's own fields give an iterator
                                postings = list(postings)
                            run = runs[name] = [
                                value,
                                postings,
                                docnum,
                                docnum,
                                sum(p[1] for p in postings),
                                len(postings),
                            ]
                        length = run[4]
                        n += run[5]
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

    def _close_run(self, name: str) -> None:
        """A field's run of documents into its gathered lists: each
        posting's documents, weights, values and their ends added at once."""
        value, postings, first, last, _length, _n = self._runs.pop(name)
        field = self._post.get(name)
        if field is None:
            field = self._post[name] = {}
        k = last - first + 1
        if k == 1:  # a value of its own (pairs): as _add_posting
            for tb, _freq, weight, vb in postings:
                entry = field.get(tb)
                if entry is None:
                    entry = field[tb] = gathered()
                entry[0].append(first)
                entry[1].append(weight)
                blob = entry[2]
                blob += vb
                entry[3].append(len(blob))
            return
        docs = range(first, last + 1)
        for tb, _freq, weight, vb in postings:
            entry = field.get(tb)
            if entry is None:
                entry = field[tb] = gathered()
            entry[0].extend(docs)
            entry[1].extend(array("f", [weight]) * k)
            blob = entry[2]
            size = len(vb)
            base = len(blob)
            if size:
                blob += vb * k
                entry[3].extend(range(base + size, base + size * k + 1, size))
            else:
                entry[3].extend(array("I", [base]) * k)

    def _unlog(self, name: str | None = None) -> None:
        """A field's flat marked text (all fields': None) into its
        per-term lists, for postings merged in after it (rare: a merge of
        small segments into an incremental commit)."""
        for field_name in [name] if name is not None else list(self._logs):
            log = self._logs.pop(field_name, None)
            if log is None:
                continue
            field = self._post.setdefault(field_name, {})
            if self.schema[field_name].scorable:
                lens = self._lens.setdefault(field_name, {})
                lens.update((d, n) for d, n in zip(log.doc, log.length, strict=True) if n)
            for tb, (docs, weights, blob, ends) in log.gathered():
                entry = field.get(tb)
                if entry is None:
                    field[tb] = (docs, weights, blob, ends)
                    continue
                base = len(entry[2])
                entry[0].extend(docs)
                entry[1].extend(weights)
                entry[2].extend(blob)
                entry[3].extend(e + base for e in ends)
            log.clear()

    def _close_runs(self) -> None:
        for name in list(self._runs):
            self._close_run(name)

    def terms(self) -> Iterator[tuple[str, bytes]]:
        """(field, term) of every posting list gathered, in order."""
        self._close_runs()
        self._unlog()
        for name in sorted(self._post):
            for tb in sorted(self._post[name]):
                yield name, tb

    @property
    def has_documents(self) -> bool:
        return bool(self._added)

    def mark_added(self) -> None:
        """Documents were written straight to the per-document writer (a
        merge of segments, merge.py): the segment has them."""
        self._added = True

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
        fmt = None
        pw = None
        whole = None  # the postings writer's write_list, where it has one
        self._close_runs()
        try:
            for name in sorted(set(self._post) | set(self._logs)):
                if name in self._logs and self._post.get(name):  # never both, but if so: term by term
                    self._unlog(name)
                if last is not None:
                    fw.finish_field()
                fobj = schema[name]
                fmt = fobj.format
                fw.start_field(name, fobj)
                last = name
                table = privates.term_table(fw)
                pw = privates.postings_writer(fw)  # one a field
                whole = pw.write_list if table is not None and isinstance(pw, HarkPostingsWriter) else None
                lens = self._lens.get(name, {})
                scorable = fobj.scorable
                log = self._logs.pop(name, None)
                if log is not None:
                    if whole is not None:
                        add, prefix = table
                        log.write(pw, lambda tb, info, add=add, prefix=prefix: add(prefix + tb, info), pw._blocklimit)
                        continue
                    self._logs[name] = log  # another codec (or a test of the slow path): term by term
                    self._unlog(name)
                for tb in sorted(self._post[name]):
                    docs, weights, blob, ends = self._post[name][tb]
                    if scorable:
                        lengths = list(map(lens.get, docs))
                        if None in lengths:  # merged in from another segment: read them back
                            lengths = [
                                n if n is not None else (pdr.doc_field_length(d, name) if pdr is not None else 0)
                                for d, n in zip(docs, lengths, strict=True)
                            ]
                    else:
                        lengths = [0] * len(docs)
                    if whole is not None:
                        # The whole list in one call, its term info straight into the table.
                        table[0](table[1] + tb, whole(fmt, docs, weights, blob, ends, lengths))
                        continue
                    values = self.postings(name, tb)[2]
                    fw.start_term(tb)
                    pw = privates.postings_writer(fw)
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
        self._logs = {}


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

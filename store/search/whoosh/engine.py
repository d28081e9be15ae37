"""The Whoosh engine: one index folder, opened, searched, written and built
through Whoosh (store/search/engine.py's interface).

Opening applies the patches (patches.py) and checks the private attributes
the fast paths read (privates.py). Queries are evaluated by evaluate.py
over whole decoded posting lists (set operations, an exact total, only
matches scored, a very common word ranked block by block) with BM25F from
a per-segment length table (scoring.py); a query shape it does not know
goes through Whoosh's matchers, its phrases still matched by evaluate.py.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import struct
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as windex

from .. import documents
from ..analysis import COMMON
from ..engine import Built, Docnum, Engine, IndexUnavailable, Progress, State, Update
from ..words import Surface, surface_of
from . import patches, privates
from .build import build_parallel, build_segments
from .evaluate import SearcherEvaluator, Unsupported, for_whoosh, preload
from .lexicon import Lexicon, TermTable
from .merge import merge_built
from .schema import INDEX_NAME, make_schema
from .scoring import weighting
from .writer import LeanWriter, merge_small, tighten

if TYPE_CHECKING:
    from ...library import Library

# What reading a damaged index raises (truncated or garbled files, or a
# pickle naming what is not there: patches.unpickle); other errors are bugs
# and must not send anyone into a rebuild.
MERGE_SHARE = 0.8  # of a parallel build's progress: the rest is its merge
DAMAGE = (OSError, EOFError, IndexError, struct.error, zlib.error, pickle.UnpicklingError, patches.DamagedPostings)


class WhooshUpdate(Update):
    """Changes through a LeanWriter (Whoosh's own lock held meanwhile),
    committed with the merge policy of small commits -- or, for a build,
    replacing every old segment by the given new ones."""

    def __init__(self, writer: LeanWriter, folder: Path, replace: list | None = None) -> None:
        self.w = writer
        self.folder = folder
        self.replace = replace
        self._read: tuple[dict[int, str], frozenset[str]] | None = None

    def _index(self) -> tuple[dict[int, str], frozenset[str]]:
        if self._read is None:
            with self.w.searcher() as s:
                indexed = {int(d["tid"]): (d.get("meta") or {}).get("fp", "") for d in s.documents(kind="t")}
                self._read = (indexed, common_of(s))
        return self._read

    def indexed(self) -> dict[int, str]:
        return dict(self._index()[0])

    def common(self) -> frozenset[str]:
        return self._index()[1]

    def delete(self, tid: int) -> None:
        self.w.delete_by_term("tid", str(tid))

    def add(self, doc: dict[str, Any]) -> None:
        self.w.add_document(**doc)

    def commit(self, state: State) -> None:
        if self.replace is None:
            self.w.delete_by_term("kind", "s")
            self.w.add_document(kind="s", meta=state)
            self.w.commit(mergetype=merge_small)
        else:  # a build: the old segments (and their state) are dropped whole
            segments = self.replace
            self.w.add_document(kind="s", meta=state)
            self.w.commit(mergetype=lambda _w, _old: list(segments))
        tighten(self.folder)

    def cancel(self) -> None:
        self.w.cancel()


def common_of(s: Any) -> frozenset[str]:
    """The common terms recorded in a searcher's state document."""
    state = (s.document(kind="s") or {}).get("meta") or {}
    common = state.get("common")
    return frozenset(common) if isinstance(common, list) else COMMON


class _Paced:
    """A reader whose terms come with short sleeps: a table built from it
    in the background leaves the interpreter to the app's own thread every
    few milliseconds (keys typed meanwhile are not held up)."""

    EVERY = 100  # terms between sleeps (a few milliseconds of work)

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def iter_field(self, fieldname: str) -> Iterable[Any]:
        for n, item in enumerate(self.reader.iter_field(fieldname)):
            if n % self.EVERY == 0:
                time.sleep(0.0005)
            yield item

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)  # the rest as the reader's own


class WhooshEngine(Engine):
    """An index folder of Whoosh segments. `surface` gives the surface
    words, which the lexicon adds to its own terms."""

    damage = DAMAGE

    def __init__(self, path: Path, surface: Callable[[], Surface | None]) -> None:
        self.path = path
        self._surface = surface
        self._ix: Any = None
        self._searcher: Any = None
        self._evaluator: SearcherEvaluator | None = None
        self._lexicon: Lexicon | None = None
        self._table: TermTable | None = None

    # -- reading ---------------------------------------------------------------------

    def close(self) -> None:
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

    def open(self) -> None:
        if self._searcher is not None:
            return
        if not self.path.is_dir():
            raise IndexUnavailable("the search index is missing", "missing")
        names = os.listdir(self.path)
        if not any(n.startswith(f"_{INDEX_NAME}_") and n.endswith(".toc") for n in names):
            stale = any(n.endswith(".toc") for n in names)
            raise IndexUnavailable(
                "the search index is from another version" if stale else "the search index is missing",
                "stale" if stale else "missing",
            )
        patches.apply_all()
        try:
            ix = windex.open_dir(str(self.path), indexname=INDEX_NAME)
            s = ix.searcher(weighting=weighting())
            state = s.document(kind="s")
        except Exception as e:
            raise IndexUnavailable(f"the search index is corrupt ({type(e).__name__})", "corrupt") from None
        if not state or (state.get("meta") or {}).get("version") != documents.SCHEMA_VERSION:
            s.close()
            raise IndexUnavailable("the search index is from another version", "stale")
        privates.check(s)
        self._ix, self._searcher = ix, s
        self._lexicon = None

    def refresh(self) -> bool:
        if self._searcher is None:
            return False
        try:
            if self._searcher.up_to_date():
                return False
            new = self._searcher.refresh()
        except Exception:
            self.close()
            return True
        self._searcher = new
        self._lexicon = None
        self._table = None
        return True

    def searcher(self) -> Any:
        """The open Whoosh searcher (opening the index if needed)."""
        self.open()
        return self._searcher

    def state(self) -> State:
        doc = self.searcher().document(kind="s")
        return (doc or {}).get("meta") or {}

    def lexicon(self) -> Lexicon:
        s = self.searcher()
        if self._lexicon is None or self._lexicon.s is not s:
            self._lexicon = Lexicon(s, self._table, self._surface, common_of(s))
        return self._lexicon

    def warm(self) -> Callable[[str], int]:
        if self._table is None:
            self._table = TermTable(self.searcher().reader())
            self._lexicon = None
        df = self._table.df
        return lambda t: df.get(t, 0)

    def table_builder(self) -> tuple[object, Callable[[], object]]:
        s = self.searcher()
        table, ix = self._table, self._ix

        def build() -> TermTable:
            preload()  # numpy, which a search would otherwise import
            if table is not None:
                return table
            # A reader of its own: searches go on with the searcher's meanwhile.
            reader = ix.reader()
            try:
                return TermTable(_Paced(reader))
            finally:
                reader.close()

        return s, build

    def adopt_table(self, token: object, table: object) -> Callable[[str], int] | None:
        if token is not self._searcher or not isinstance(table, TermTable):
            return None  # refreshed meanwhile: the table is of an older index
        if self._table is not table:
            self._table = table
            self._lexicon = None
        df = table.df
        return lambda t: df.get(t, 0)

    def _evaluation(self, s: Any) -> SearcherEvaluator:
        """The evaluator of the current searcher (its decoded-list cache
        lives as long as the searcher)."""
        if self._evaluator is None or self._evaluator.searcher is not s:
            # Document frequencies through the lexicon: the term table's
            # once warm has built it (no look-up in every segment).
            self._evaluator = SearcherEvaluator(s, self.lexicon().df)
        return self._evaluator

    def run(
        self, query: Any, limit: int, *, exact_total: bool, time_limit: float | None
    ) -> tuple[list[tuple[Docnum, float]], int, bool]:
        s = self.searcher()
        try:
            docs, total = self._evaluation(s).search(query, limit)
            return docs, total, False
        except Unsupported:
            return _whoosh_search(s, for_whoosh(query), limit, exact_total, time_limit)

    def passages(self, docs: Iterable[tuple[Docnum, float]]) -> list[tuple[int, int, int, float]]:
        s = self.searcher()
        stored = [(s.stored_fields(d), score) for d, score in docs]
        return [(int(f["tid"]), int(f["first"]), int(f["last"]), score) for f, score in stored if "first" in f]

    def finds_any(self, query: Any) -> bool:
        return bool(self.searcher().search(for_whoosh(query), limit=1).scored_length())

    def forget_postings(self) -> None:
        self._evaluator = None

    def stats(self) -> dict[str, Any]:
        s = self.searcher()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return {"documents": s.doc_count(), "bytes": size, "segments": privates.segment_count(self._ix)}

    # -- writing ---------------------------------------------------------------------------

    def update(self) -> WhooshUpdate:
        self.open()
        return WhooshUpdate(LeanWriter(self._ix, timeout=10.0, delay=0.05), self.path)

    def build(
        self,
        lib: Library,
        rows: list[tuple[int, int]],
        *,
        procs: int,
        common: frozenset[str],
        state: Callable[[dict[int, str]], State],
        why: str | None,
        progress: Progress | None,
    ) -> Built:
        self.close()
        patches.apply_all()
        ix = self._fresh_ix(why)
        total = sum(r[1] for r in rows)
        peak = 0.0
        # A parallel build's segments are merged at its end (merge_built):
        # a fifth of its time, the last fifth of its progress.
        share = MERGE_SHARE if procs > 1 else 1.0
        told = progress
        if progress is not None and share < 1.0:
            told = lambda done, whole: progress(int(done * share), whole)  # noqa: E731
        if procs > 1:
            segments, manifest, npass, surface, peak = build_parallel(
                lib.path, self.path, rows, procs, total, told, common
            )
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
                segments, manifest, npass = build_segments(ix, lib, [r[0] for r in rows], report, common, words)
            finally:
                if was:
                    gc.enable()
            surface = surface_of(words)
        # One segment, not one a process and flush: a query reads each of
        # its words once a segment.
        merged = None
        if progress is not None and share < 1.0:
            merged = lambda done: progress(int(total * (share + (1 - share) * done)), total)  # noqa: E731
        segments = merge_built(ix, segments, merged)
        # The new segments replace every old one at commit.
        writer = LeanWriter(ix, timeout=10.0, delay=0.05)
        with WhooshUpdate(writer, self.path, replace=segments) as update:
            update.commit(state(manifest))
        self.close()
        return Built(manifest=manifest, passages=npass, surface=surface, peak_mb=peak)

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


def _whoosh_search(
    s: Any, q: Any, limit: int, exact_total: bool, time_limit: float | None
) -> tuple[list[tuple[int, float]], int, bool]:
    """Whoosh's own evaluation, for a query shape evaluate.py leaves to it:
    (docs, total, partial). exact_total=False gives Whoosh's estimate of
    the total (cheaper for very common words); time_limit (seconds) bounds
    the search for type-ahead and marks the result partial."""
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

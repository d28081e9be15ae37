"""The search index of one library: the facade the rest of hark calls.

`Index` keeps an engine's index (whoosh/) in step with the library and
searches it: sync, rebuild, search, complete. The index is derived from
the library and rebuildable at will: nothing here ever needs it to be
right.

Keeping in step
    `sync` compares the index's manifest (documents.py) with the library,
    indexes what is new or changed and deletes what is gone; a missing,
    stale (schema version) or corrupt index is rebuilt, and `ensure` says
    so in one line. Writers take the writer lock (lock.py); readers take
    none. Libraries of PARALLEL_SEGMENTS segments or more are built by two
    processes.

Searching
    A query is parsed (query.py), planned against the index's terms
    (plan.py), run by the engine, and its passages turned into hits from
    the library's text (hits.py). A damaged file found while searching
    raises IndexUnavailable("corrupt"): rebuild and search again.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..library import Library
from ..paths import private_dir
from . import documents
from .analysis import distance, fold, prime, term
from .documents import common_terms, digest, library_manifest, transcript_docs
from .engine import Engine, IndexUnavailable, Progress, State
from .hits import Hit, SearchResult, hits_for
from .lock import WriterLock
from .plan import Lexicon, Plan, expand, restrict
from .query import ParsedQuery, fallback_words, parse, plain_words
from .rewrite import as_prefix
from .whoosh.engine import WhooshEngine
from .words import WORDS_FILE, Surface, one_per_stem, save_surface, short_completions, surface_of

__all__ = [
    "BuildReport",
    "Hit",
    "Index",
    "IndexUnavailable",
    "SearchResult",
    "SyncReport",
    "sync",
    "sync_quietly",
]

Message = Callable[[str], None]
PARALLEL_SEGMENTS = 40_000  # libraries this large are built by two processes


@dataclass
class BuildReport:
    transcripts: int = 0
    passages: int = 0
    segments: int = 0
    seconds: float = 0.0
    procs: int = 1
    why: str | None = None  # "missing", "stale", "corrupt" when it was a repair
    peak_mb: float = 0.0  # the largest build process's peak memory (parallel builds)
    set_aside: str | None = None  # a file that stood where the index folder goes, renamed to this


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    rebuilt: BuildReport | None = None
    busy: bool = False  # usable but behind; another process was writing it

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.rebuilt)


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
        self.engine: Engine = WhooshEngine(self.path, self._surface_words)
        self._surface: Surface | None = None
        self._short: dict[str, list[str]] | None = None  # completions of one- and two-letter prefixes
        self._mutex = threading.RLock()

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
        self.engine.close()
        self._surface = None
        self._short = None

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _write_lock(self) -> WriterLock:
        private_dir(self.path.parent)
        return WriterLock(self._lock_path)

    def health(self) -> str | None:
        """None when the index opens and is current; else "missing",
        "stale" (another schema version) or "corrupt"."""
        with self._mutex:
            try:
                self.engine.open()
            except IndexUnavailable as e:
                return e.why
            return None

    def refresh(self) -> bool:
        """Pick up commits made since the searcher was opened (by anyone).
        Returns True if the searcher changed."""
        with self._mutex:
            if not self.engine.refresh():
                return False
            self._surface = None
            self._short = None
            return True

    def _ready(self) -> None:
        """The index open, with every commit made so far."""
        self.engine.open()
        if self.refresh():
            self.engine.open()

    def _surface_words(self) -> Surface | None:
        if self._surface is None:
            self._surface = Surface.load(self.path / WORDS_FILE)
        return self._surface

    def warm(self) -> None:
        """Build the in-memory tables: the text's term table (prefixes),
        the completions of one- and two-letter prefixes, the spelling
        structure (fuzzy words, "did you mean"). Seconds of work on a large
        vocabulary, all of it optional (searches work without them, a
        little slower), so it holds the mutex only to open the searcher and
        to put what it built in place: a search started meanwhile does not
        wait for it. Call it from a background thread."""
        with self._mutex:
            self._ready()
            token, build = self.engine.table_builder()
            surface = self._surface_words()
        table = build()  # a reader of its own: searches go on meanwhile
        with self._mutex:
            df = self.engine.adopt_table(token, table)
        if df is None:
            return  # the index changed meanwhile: the next warm builds anew
        short = short_completions(surface, df, _breathe)
        if surface is not None:
            prime(surface.term)  # hits look their words' terms up, not stem them
            surface.by_term()  # (and find the query's words through it: hits.query_terms)
            surface.spelling().prepare(_breathe)  # fuzzy words answer at once too
        with self._mutex:
            if self._surface is surface and self._short is None:
                self._short = short

    # -- keeping in step ---------------------------------------------------------------

    def in_sync(self) -> bool:
        """True when the index reflects the library exactly (a cheap check)."""
        with self._mutex:
            return self.engine.state().get("digest") == digest(library_manifest(self.lib))

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
        corrupt index. Waits for another writer up to lock.LOCK_SECONDS
        (up to `wait` seconds when the index is usable, then gives up:
        busy)."""
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
        with self.engine.update() as update:
            indexed = update.indexed()
            common = update.common()  # pairs must be those the index was built with
            current = library_manifest(self.lib)
            gone = [t for t in indexed if current.get(t) != indexed[t]]
            todo = sorted(t for t in current if indexed.get(t) != current[t])
            removed = len([t for t in gone if t not in current])
            segments = {t: int(fp.split("|")[2]) for t, fp in current.items()}
            work = sum(segments[t] for t in todo)
            if work >= PARALLEL_SEGMENTS and 2 * work >= sum(segments.values()):
                # Most of the library is new to the index (a first import of
                # a big folder): a rebuild is faster than catching up.
                update.cancel()
                self._rebuild_locked(progress)
                return SyncReport(added=len(todo), removed=removed)
            for t in gone:
                update.delete(t)
                del indexed[t]
            total = len(todo)
            added = 0
            new_words: set[str] = set()
            for n, t in enumerate(todo):
                st = self.lib.get(t)
                if st is not None:
                    for doc in transcript_docs(st, self.lib, common, new_words):  # its words as written too
                        update.add(doc)
                        if doc["kind"] == "t":
                            indexed[t] = doc["meta"]["fp"]
                    added += 1
                if progress:
                    progress(n + 1, total)
            surface = surface_of(new_words)
            if surface:  # before the commit: a reader that sees the new passages knows their words
                save_surface(self.path / WORDS_FILE, surface)
            update.commit(self._state_meta(indexed, common))
        self._drop()
        return SyncReport(added=added, removed=removed)

    @staticmethod
    def _state_meta(manifest: dict[int, str], common: frozenset[str]) -> State:
        return {
            "version": documents.SCHEMA_VERSION,
            "digest": digest(manifest),
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
        aside = _set_aside(self.path)
        private_dir(self.path)
        rows = self.lib.segment_counts()
        total = sum(r[1] for r in rows)
        common = common_terms(self.lib)
        if procs is None:
            procs = 2 if total >= PARALLEL_SEGMENTS and (os.cpu_count() or 1) >= 2 else 1
        procs = max(1, min(procs, len(rows) or 1))
        built = self.engine.build(
            self.lib,
            rows,
            procs=procs,
            common=common,
            state=lambda manifest: self._state_meta(manifest, common),
            why=why,
            progress=progress,
        )
        self._drop()
        save_surface(self.path / WORDS_FILE, built.surface, replace=True)
        if progress:
            progress(total, total)
        return BuildReport(
            transcripts=len(built.manifest),
            passages=built.passages,
            segments=total,
            seconds=time.perf_counter() - t0,
            procs=procs,
            why=why,
            peak_mb=built.peak_mb,
            set_aside=aside,
        )

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
        last_word: str = "whole",
        cancelled: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """Search the library. Hits are passages (one per passage, at the
        segment where the best match starts), best first.

        `last_word` is for a query being typed: "prefix" searches its last
        word (when the text ends in one) as a prefix, "either" searches it
        whole and, if that finds nothing, as a prefix, with a note; "whole"
        searches the query as typed.

        The engine's evaluator gives an exact total; a query shape it
        leaves to Whoosh runs there, where exact_total=False gives Whoosh's
        estimate of the total (cheaper for very common words) and
        time_limit (seconds) bounds the search for type-ahead and marks the
        result partial. Raises IndexUnavailable if the index cannot be read
        (rebuild it and search again). `cancelled`, asked once the index
        is free, drops a search nobody waits for any more (typed over while
        another ran): an empty, partial result."""
        with self._mutex:
            if cancelled is not None and cancelled():
                return SearchResult(query=text, total=0, partial=True)
            self._ready()
            try:
                typed = as_prefix(text.rstrip("\n")) if last_word != "whole" else None
                if typed is None:
                    return self._search(text, limit, in_id, exact_total, time_limit, suggest)
                if last_word == "prefix":
                    result = self._search(typed, limit, in_id, exact_total, time_limit, False)
                    result.query = text
                    return result
                result = self._search(text, limit, in_id, exact_total, time_limit, False)
                if result.total or result.partial:
                    return result
                begun = self._search(typed, limit, in_id, exact_total, time_limit, False)
                if not begun.total:
                    return self._search(text, limit, in_id, exact_total, time_limit, suggest)
                word = re.findall(r"[\w'’-]+$", text)[-1]
                begun.notes.insert(0, f'nothing says "{word}": searched the words that start with it')
                begun.query = text
                return begun
            except self.engine.damage as e:  # a damaged segment discovered while reading
                self._drop()
                raise IndexUnavailable(f"the search index is corrupt ({type(e).__name__})", "corrupt") from e

    def _plan(self, text: str, in_id: int | None) -> tuple[ParsedQuery, Plan | None]:
        parsed = parse(text)
        if parsed.query is None:
            return parsed, None
        plan = expand(parsed.query, self.engine.lexicon())
        return parsed, restrict(plan, parsed.query, in_id)

    def _search(
        self,
        text: str,
        limit: int,
        in_id: int | None,
        exact_total: bool,
        time_limit: float | None,
        suggest: bool,
    ) -> SearchResult:
        parsed, plan = self._plan(text, in_id)
        if plan is None:
            return SearchResult(query=text, total=0, notes=parsed.notes)
        limit = max(1, int(limit))
        docs, total, partial = self.engine.run(plan.query, limit, exact_total=exact_total, time_limit=time_limit)
        # The surface words once warm has loaded them (loading them here
        # would be most of a new process's first search).
        hits = hits_for(self.lib, plan, self.engine.passages(docs), self._surface)
        notes = list(dict.fromkeys([*parsed.notes, *plan.notes]))
        # The total counts passages; a stale passage (library changed since) is dropped.
        total = max(total - (len(docs) - len(hits)), len(hits))
        result = SearchResult(query=text, total=total, hits=hits, notes=notes, partial=partial)
        if total == 0 and suggest and not partial:
            result.suggestion = self._suggest(parsed, plan, in_id)
        return result

    def forget_postings(self) -> None:
        """Drop the posting lists decoded by earlier searches (memory, or a
        benchmark's cold figures); the searcher stays open."""
        with self._mutex:
            self.engine.forget_postings()

    def _suggest(self, parsed: ParsedQuery, plan: Plan, in_id: int | None) -> str | None:
        """ "Did you mean": replace each query word the index does not know
        by the closest known word (at most two edits, the most frequent
        among the closest), if the result then finds something."""
        lex = self.engine.lexicon()
        surface = self._surface_words()
        text = parsed.text
        words = fallback_words(text) if parsed.plain else plain_words(text)
        fixed = list(words)
        for k, raw in enumerate(words):
            t = term(raw)
            if t not in plan.words or lex.df("text", t):
                continue
            best = _closest(lex, surface, fold(raw))
            if best is not None:
                fixed[k] = best
                text = re.sub(rf"(?<!\w){re.escape(raw)}(?!\w)", best, text)
        if fixed == words:
            return None
        if parsed.plain:  # a malformed query was searched as its words: suggest words
            text = " ".join(fixed)
        _parsed, plan2 = self._plan(text, in_id)
        if plan2 is None:
            return None
        return text if self.engine.finds_any(plan2.query) else None

    def complete(self, prefix: str, limit: int = 8) -> list[str]:
        """Words of the library that start with prefix, most frequent first
        (for type-ahead). Short prefixes come from a precomputed table."""
        p = fold(prefix.strip())
        if not p:
            return []
        with self._mutex:
            try:
                self._ready()
            except IndexUnavailable:
                return []
            if len(p) <= 2 and self._short is not None:
                return self._short.get(p, [])[:limit]
            surface = self._surface_words()
            lex = self.engine.lexicon()
            if surface is not None and surface.words:
                words = surface.prefix(p, 5000)
                ranked = [(lex.df("text", surface.term[w]), w) for w in words]
            else:
                ranked = [(lex.df("text", t), t) for t in lex.candidates("text", p, 5000)]
            ranked = [x for x in ranked if x[0] > 0]
            return one_per_stem(ranked, surface.term if surface is not None else {}, limit)

    def stats(self) -> dict[str, Any]:
        """Document count, size on disk (bytes), segments: for `hark reindex` and benchmarks."""
        with self._mutex:
            return self.engine.stats()


def _breathe() -> None:
    """A short sleep in a background build: the app's own thread gets the
    interpreter at once, not after Python's switch interval."""
    time.sleep(0.0005)


def _closest(lex: Lexicon, surface: Surface | None, word: str) -> str | None:
    """The known word closest to `word` (at most one edit for short words,
    two for others; the most frequent among the closest), or None."""
    maxd = 1 if len(word) <= 4 else 2
    if surface is not None and surface.words:
        spelling = surface.spelling()
        near = spelling.near(word, 1)
        if maxd > 1 and not any(d for _w, d in near):
            near = spelling.near(word, 2)
        pairs = [(w, surface.term[w], d) for w, d in near]
    else:
        cands = lex.candidates("text", word[:1], 200000)
        pairs = [(t, t, d) for t in cands if abs(len(t) - len(word)) <= maxd and (d := distance(t, word, maxd)) <= maxd]
    best: tuple[int, int, str] | None = None
    for w, t, d in pairs:
        if d == 0:
            continue
        n = lex.df("text", t)
        if n and (best is None or (d, -n, w) < best):
            best = (d, -n, w)
    return best[2] if best else None


def _set_aside(path: Path) -> str | None:
    """Anything but a folder where the index goes (a plain file, a link to
    one) is renamed, never deleted, to make room: its new name, or None."""
    if path.is_dir() or not os.path.lexists(path):
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        aside = path.with_name(f"{path.name}.not-a-folder-{stamp}{f'-{n}' if n else ''}")
        if not os.path.lexists(aside):
            os.rename(path, aside)
            return aside.name
    raise FileExistsError(f"{path} is not a folder, and cannot be set aside")


def _rebuilt_message(r: BuildReport) -> str:
    why = {"missing": "was missing", "stale": "was from another version", "corrupt": "was damaged"}.get(
        r.why or "", "needed rebuilding"
    )
    if r.set_aside:
        why = f"was a file, not a folder (set aside as {r.set_aside})"
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

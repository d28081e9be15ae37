"""Searching, and keeping the search index usable: type-ahead search, opening
a hit, and rebuilding an index found damaged, missing or from another
version (or a plain file where its folder should be), as the command line
does -- in a worker, with its progress on the status line, the search that
found it run again when it is done.

A mixin of HarkApp (tui/app.py), which owns the state it uses: `paths`,
`hits`, `_search_timer`, `_indexing` (the status line's note while the index
is built), `_index_work`, `_pending_search`, `_heal_failed_at`, and
`store_failed`, `open_transcript`, `_seek_to_cursor`, `action_focus_pane`
and `_update_status`. The store work runs through `tui.backend`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from . import backend
from .panes import SearchPane
from .reader import Reader
from .views import HitView, Results

if TYPE_CHECKING:
    from textual.timer import Timer

    from hark.store.paths import Paths

SEARCH_DEBOUNCE = 0.25  # seconds of quiet typing before the full search runs
TABLES_AFTER = 1.5  # seconds after the index is ready before its tables are built
HEAL_RETRY = 30.0  # after a rebuild failed, seconds before a search tries again
PROGRESS_EVERY = 0.2  # seconds between progress updates on the status line

_BROKEN = {"corrupt": "damaged", "missing": "missing", "stale": "from another version"}


class SearchActions:
    """What the search pane does (mixed into HarkApp)."""

    paths: Paths
    hits: list[HitView]
    _search_timer: Timer | None
    _indexing: str | None
    _index_work: bool
    _pending_search: tuple[str, bool] | None
    _heal_failed_at: float | None

    # -- the index, kept usable ------------------------------------------------------

    @work(thread=True, group="warm")
    def warm_search(self) -> None:
        """Open the index at start (rebuilding or catching it up if need be);
        quick when it is current, so a search typed at once is answered at
        once. Its tables (prefixes, completion, fuzzy words) are built a
        little later, beside searches (warm_tables)."""
        self._index_work = True
        try:
            ok, message = backend.warm_index(self.paths, progress=self._progress_reporter())
        except backend.Damaged as e:  # the library it read: said as such (the app turns read-only)
            self._from_thread(self.store_failed, e)
            ok, message = False, None
        self._from_thread(self._index_ready, ok, message)

    def _heal_index(self, broken: backend.IndexBroken, query: str, open_best: bool) -> None:
        """A search found the index damaged, missing or stale: rebuild it,
        then run the search again. One at a time; not again at once after
        a rebuild that failed (a disk that cannot take it)."""
        self._pending_search = (query, open_best)
        if self._index_work:
            return  # a build is on its way: the search runs after it
        if self._heal_failed_at is not None and time.monotonic() - self._heal_failed_at < HEAL_RETRY:
            self._pending_search = None
            self.notify(str(broken), severity="error")
            return
        self._index_work = True
        self._indexing = "rebuilding the search index"
        self._update_status()
        self.notify(
            f"The search index is {_BROKEN.get(broken.why, 'unusable')}: rebuilding it from the library; "
            "your search runs when it is done.",
            timeout=5,
        )
        self.rebuild_index(broken.why)

    @work(thread=True, exclusive=True, group="index")
    def rebuild_index(self, why: str) -> None:
        try:
            ok, message = backend.rebuild_index(self.paths, why, progress=self._progress_reporter())
        except backend.Damaged as e:
            self._from_thread(self.store_failed, e)
            ok, message = False, None
        self._from_thread(self._index_ready, ok, message)

    def _progress_reporter(self) -> Callable[[int, int], None]:
        """progress(done, total) for a worker: the status line's note, a few
        times a second at most."""
        last = [-1, 0.0]

        def progress(done: int, total: int) -> None:
            if total <= 0:
                return
            pct = min(100, int(100 * done / total))
            now = time.monotonic()
            if pct != last[0] and (now - last[1] >= PROGRESS_EVERY or pct == 100):
                last[0], last[1] = pct, now
                self._from_thread(self._index_progress, pct)

        return progress

    def _index_progress(self, pct: int) -> None:
        self._indexing = f"indexing {pct}%"
        self._update_status()

    @work(thread=True, exclusive=True, group="tables")
    def warm_tables(self) -> None:
        backend.warm_tables(self.paths)

    def _index_ready(self, ok: bool, message: str | None) -> None:
        self._index_work = False
        self._indexing = None
        self._update_status()
        if ok:
            # Seconds of CPU that would slow the first screen and the first
            # search: later, when the app is likely idle.
            self.set_timer(TABLES_AFTER, self.warm_tables)
        if message:
            self.notify(message, severity="information" if ok else "error", timeout=5 if ok else 10)
        self._heal_failed_at = None if ok else time.monotonic()
        pending, self._pending_search = self._pending_search, None
        if ok and pending is not None:
            self.run_search(pending[0], final=True, open_best=pending[1])

    def _from_thread(self, fn: Callable, *args) -> None:
        try:
            self.call_from_thread(fn, *args)
        except RuntimeError:  # the app closed meanwhile
            pass

    # -- searching ----------------------------------------------------------------------

    def on_search_pane_query(self, event: SearchPane.Query) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if event.final:
            self.run_search(event.query, final=True, open_best=True)
            return
        # A bounded search at once, the full one when typing pauses; each
        # new keystroke cancels the search before it (exclusive worker).
        self.run_search(event.query, final=False, open_best=False)
        self._search_timer = self.set_timer(
            SEARCH_DEBOUNCE, lambda: self.run_search(event.query, final=True, open_best=False)
        )

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str, final: bool, open_best: bool) -> None:
        worker = get_current_worker()
        if self._indexing is not None:
            # The index is being built: the last search waits for it.
            if final:
                self._from_thread(self._wait_for_index, query, open_best)
            return
        try:
            result = backend.search(self.paths, query, final=final, cancelled=lambda: worker.is_cancelled)
        except backend.IndexBroken as e:
            if not worker.is_cancelled or final:
                self._from_thread(self._heal_index, e, query, open_best)
            return
        except backend.StoreError as e:
            self._from_thread(self.store_failed, e)
            return
        if worker.is_cancelled:
            return
        self._from_thread(self._show_results, query, result, open_best)

    def _wait_for_index(self, query: str, open_best: bool) -> None:
        self._pending_search = (query, open_best)

    def _show_results(self, query: str, result: Results, open_best: bool) -> None:
        self.hits = result.hits
        self.query_one(SearchPane).show_results(query, result.hits, result.total, result.note, result.suggestion)
        if open_best and result.hits:
            self._open_hit(result.hits[0], result.hits)

    def on_search_pane_open_hit(self, event: SearchPane.OpenHit) -> None:
        self._open_hit(event.hit, event.hits)

    def _open_hit(self, hit: HitView, hits: list[HitView]) -> None:
        # Its query becomes the reader's find (n/N over the whole transcript).
        self.find_for_hit(hit.transcript_id)
        matches: dict[int, list[tuple[int, int]]] = {}
        for h in hits:
            if h.transcript_id == hit.transcript_id and h.kind == "text":
                matches.setdefault(h.segment, []).extend(h.text_marks)
        reader = self.query_one(Reader)
        if reader.transcript_id == hit.transcript_id:
            reader.set_matches(matches)
            reader.move_to(hit.segment, center=True)
            self._seek_to_cursor()
            self.action_focus_pane("reader")
        else:
            self.open_transcript(hit.transcript_id, True, hit.segment, matches)

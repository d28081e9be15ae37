"""Finding in the open transcript (`/`, `n`, `N`, as in less and vim) and
the jump list (`ctrl+o` back, `ctrl+n` forward).

The find runs the library's own search restricted to the open transcript
(`backend.search(.., in_id=tid)`), rather than matching words in the loaded
segments here: the query language (phrases, `-not`, `speaker:`, prefixes,
fuzzy `~`), the stemming and the matched spans are then exactly those of the
Search pane, so a library hit opened in the reader goes on with `n`/`N`
over the same matches, and tui/ keeps no word matching of its own. The
index answers a one-transcript search in milliseconds. The search gives one
hit per passage, with the matched words of each of its segments: every
segment with a matched word is marked, `n`/`N` stop at each and `3/17`
counts them.

A mixin of HarkApp (tui/app.py), which owns `paths`, `store_failed`,
`open_transcript`, `_update_status` and `_indexing`.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.widgets import Input
from textual.worker import get_current_worker

from . import backend, keys
from .reader import Reader
from .views import Results

if TYPE_CHECKING:
    from textual.timer import Timer

    from hark.store.paths import Paths

FIND_LIMIT = 10_000  # passages: more than a transcript has, so every match is marked
FIND_DEBOUNCE = 0.2  # seconds of quiet typing before the full (unbounded) find
JUMPS_KEPT = 100

Place = tuple[int, int]  # (transcript id, segment)


def find_matches(result: Results) -> dict[int, list[tuple[int, int]]]:
    """Segment -> the matched words' spans in its text, for every segment
    with a match in every passage found (not only each passage's best
    segment), so all are marked and n/N stop at each."""
    found: dict[int, set[tuple[int, int]]] = {}
    for h in result.hits:
        if h.kind != "text":
            continue
        # A hit on the transcript's fields alone (speaker:, title:) marks no
        # word, but its segment is still a place to go.
        found.setdefault(h.segment, set()).update(h.text_marks)
        for segment, marks in h.segment_marks.items():
            found.setdefault(segment, set()).update(marks)
    return {segment: sorted(marks) for segment, marks in found.items()}


class FindBar(Input):
    """The one-line find box under the reader, shown by `/`."""

    BINDINGS = keys.FIND

    DEFAULT_CSS = """
    FindBar { display: none; height: 1; border: none; padding: 0 1; background: $boost; }
    FindBar:focus { border: none; background: $primary 20%; }
    FindBar.-shown { display: block; }
    """

    class Typed(Message):
        """The find's text changed (final: enter was pressed)."""

        def __init__(self, query: str, final: bool) -> None:
            super().__init__()
            self.query = query
            self.final = final

    class Cancelled(Message):
        """Escape: back to the reader where it was."""

    def __init__(self) -> None:
        super().__init__(
            placeholder='find in this transcript: words "a phrase" -not  (enter: go, escape: back)',
            id="find-box",
            select_on_focus=False,
        )

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Typed(event.value, final=False))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Typed(event.value, final=True))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def on_blur(self) -> None:
        # Focus went elsewhere (tab, a pane's key): the box goes, its text stays.
        self.remove_class("-shown")


class JumpList:
    """Places jumped from, oldest first, as vim's jump list: `back` returns
    the one before, `forward` the one after; a new jump drops those after."""

    def __init__(self, kept: int = JUMPS_KEPT) -> None:
        self.places: list[Place] = []
        self.i = 0  # == len(places): at the newest (not in the list)
        self.kept = kept

    def push(self, place: Place) -> None:
        del self.places[self.i :]
        if not self.places or self.places[-1] != place:
            self.places.append(place)
        del self.places[: max(0, len(self.places) - self.kept)]
        self.i = len(self.places)

    def back(self, here: Place) -> Place | None:
        if self.i == len(self.places):
            if not self.places:
                return None
            # Kept, so that forward comes back here.
            if self.places[-1] != here:
                self.places.append(here)
            self.i = len(self.places) - 1
        # Skip a place equal to where we are (jumped back onto it already).
        while self.i > 0:
            self.i -= 1
            if self.places[self.i] != here:
                return self.places[self.i]
        return None

    def forward(self, here: Place) -> Place | None:
        while self.i + 1 < len(self.places):
            self.i += 1
            if self.places[self.i] != here:
                return self.places[self.i]
        return None


class FindActions:
    """The reader's find and the jump list (mixed into HarkApp)."""

    paths: Paths
    _indexing: str | None
    _find_query: str = ""
    _find_tid: int | None = None  # the transcript the reader's matches are the find's in
    _find_origin: Place | None = None  # where `/` was pressed (escape returns there)
    _find_timer: Timer | None = None
    _find_pending: tuple[int, str, Results] | None = None  # for a transcript still loading
    _find_go = False  # enter was pressed: the find's answer puts the cursor on a match
    _jump_list: JumpList | None = None
    _restoring = False  # going back or forward: not itself a jump

    @property
    def jumps(self) -> JumpList:
        if self._jump_list is None:
            self._jump_list = JumpList()
        return self._jump_list

    # -- the find box ------------------------------------------------------------------

    def action_find(self) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id is None or not reader.segments:
            self.notify("Open a transcript first: / finds in the one open.", timeout=3)
            return
        self._find_origin = (reader.transcript_id, reader.cursor)
        bar = self.query_one(FindBar)
        bar.add_class("-shown")
        self.screen.set_focus(bar)
        # The last find selected: typing replaces it, enter searches it again.
        bar.select_all()

    def _close_find(self) -> None:
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        self.query_one(FindBar).remove_class("-shown")
        self.screen.set_focus(self.query_one(Reader))

    def on_find_bar_typed(self, event: FindBar.Typed) -> None:
        reader = self.query_one(Reader)
        tid = reader.transcript_id
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        if tid is None:
            return
        query = event.query
        if event.final:
            origin = self._find_origin
            self._close_find()
            if origin is not None and query.strip():
                self.remember_jump(*origin)
            self._find_origin = None
            self._find_go = True
            self.run_find(query, tid, final=True)
            return
        # A bounded find at once, the whole one when typing pauses.
        self.run_find(query, tid, final=False)
        self._find_timer = self.set_timer(FIND_DEBOUNCE, lambda: self.run_find(query, tid, final=True))

    def on_find_bar_cancelled(self, event: FindBar.Cancelled) -> None:
        origin, self._find_origin = self._find_origin, None
        self._close_find()
        reader = self.query_one(Reader)
        if origin is not None and origin[0] == reader.transcript_id:
            reader.move_to(origin[1], center=False, jump=False)

    def find_note(self) -> str | None:
        """The status line's `/query 3/17` while the reader shows a find."""
        reader = self.query_one(Reader)
        if not self._find_query.strip() or reader.transcript_id is None or reader.transcript_id != self._find_tid:
            return None
        k, n = reader.find_position()
        return f"/{' '.join(self._find_query.split())[:30]} {k}/{n}"

    # -- finding -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="find")
    def run_find(self, query: str, tid: int, final: bool, quiet: bool = False) -> None:
        if self._indexing is not None:
            if not quiet:
                self.call_from_thread(self.notify, "The search index is being built: find when it is done.", timeout=3)
            return
        try:
            result = backend.search(self.paths, query, final=final, limit=FIND_LIMIT, in_id=tid)
        except backend.StoreError as e:
            if final and not quiet:
                self.call_from_thread(self.store_failed, e)
            return
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._show_find, tid, query, result)

    def _show_find(self, tid: int, query: str, result: Results) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id != tid:
            self._find_pending = (tid, query, result)  # shown when it is loaded
            return
        self._find_query, self._find_tid = query, tid
        go, self._find_go = self._find_go, False
        reader.set_matches(find_matches(result))
        origin = self._find_origin
        if origin is not None and origin[0] == tid:
            # Typing: the cursor on the first match from where `/` was pressed.
            hits = reader.hits
            if hits:
                target = hits[bisect_left(hits, origin[1]) % len(hits)]
            else:
                target = origin[1]
            reader.move_to(target, center=True, jump=False)
        elif go and reader.hits and reader.cursor not in reader.matches:
            # Enter pressed before the find came back: go to the first match.
            hits = reader.hits
            reader.move_to(hits[bisect_left(hits, reader.cursor) % len(hits)], center=True, jump=False)
        if go and not reader.hits and query.strip():
            self.notify(result.note or f"Not found in this transcript: {query}", timeout=3)
        self._update_status()

    def find_for_hit(self, tid: int) -> None:
        """A library hit is opened: its query becomes the reader's find, over
        the whole transcript, so n/N go on from there."""
        query = self.query_one("#search-box", Input).value
        if not query.strip():
            return
        self.query_one(FindBar).value = query
        self._find_query = query
        self._find_origin = None
        self.run_find(query, tid, final=True)

    def on_reader_loaded(self, event: Reader.Loaded) -> None:
        pending, self._find_pending = self._find_pending, None
        if pending is not None and pending[0] == event.transcript_id:
            self._show_find(*pending)
        elif self._find_query.strip():
            # As in less: the find goes on in the next transcript opened.
            self.run_find(self._find_query, event.transcript_id, final=True, quiet=True)

    # -- the jump list -------------------------------------------------------------------

    def remember_jump(self, tid: int, segment: int) -> None:
        if not self._restoring:
            self.jumps.push((tid, segment))

    def on_reader_jumped(self, event: Reader.Jumped) -> None:
        self.remember_jump(event.transcript_id, event.segment)

    def leaving_transcript(self, tid: int) -> None:
        """Another transcript is opened: where we were is a jump back."""
        reader = self.query_one(Reader)
        if reader.transcript_id is not None and reader.transcript_id != tid and reader.segments:
            self.remember_jump(reader.transcript_id, reader.cursor)

    def action_jump_back(self) -> None:
        self._go(self.jumps.back(self._here()), "No older jump (ctrl+o goes back, ctrl+n forward).")

    def action_jump_forward(self) -> None:
        self._go(self.jumps.forward(self._here()), "No newer jump (ctrl+n goes forward, ctrl+o back).")

    def _here(self) -> Place:
        reader = self.query_one(Reader)
        return (reader.transcript_id if reader.transcript_id is not None else -1, reader.cursor)

    def _go(self, place: Place | None, nothing: str) -> None:
        if place is None:
            self.notify(nothing, timeout=2)
            return
        tid, segment = place
        reader = self.query_one(Reader)
        self._restoring = True
        try:
            if tid == reader.transcript_id:
                reader.move_to(segment, center=True, jump=False)
            else:
                self.open_transcript(tid, True, segment)
        finally:
            self._restoring = False

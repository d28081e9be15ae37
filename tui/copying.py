"""The same talk twice, in the app: `A` gives an untimed copy the exact
times of its timed copy (as `hark align` does), `c` jumps from a moment in
one copy to the same moment in the other (the segment that says the same
words), and the reader of an untimed copy offers the alignment once.

A mixin of HarkApp (tui/app.py), which owns what it uses: `paths`,
`read_only_why` and `refuse`/`_refused`, `_info` (the open transcript's
TranscriptInfo, with its copies in `same_talk`), `open_transcript` and
`load_library`. The store work runs in thread workers through
`tui.backend`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand

from hark.store.text import clean_line

from . import backend
from .reader import Reader

# Seconds after the first screen before the library is looked through for
# copies it has never been looked at for (a library from before hark found
# copies): its imports (numpy, the aligner) and its reads would otherwise
# run beside the index's opening and slow a search typed at once.
COPIES_AFTER = 2.0

if TYPE_CHECKING:
    from hark.store.library import TranscriptInfo
    from hark.store.paths import Paths
    from hark.store.same_talk import CopyOf


def _timed(copies: list[CopyOf]) -> CopyOf | None:
    """The copy to take times from: exact times, most alike first."""
    return next((c for c in copies if c.timing == "exact"), None)


class CopyActions:
    """What the keys for copies of a talk do (mixed into HarkApp)."""

    paths: Paths
    read_only_why: str | None
    _info: TranscriptInfo | None

    @property
    def _copy_state(self) -> dict:
        """This session's state (made on first use): the transcripts whose
        alignment was offered, and where each copy was jumped to from."""
        state = self.__dict__.get("_copies_state")
        if state is None:
            state = self.__dict__["_copies_state"] = {"offered": set(), "came_from": {}}
        return state

    def _open_id(self) -> int | None:
        return self.query_one(Reader).transcript_id

    # -- offering the alignment -----------------------------------------------

    def find_copies_later(self) -> None:
        """Look for copies once the app is likely idle (COPIES_AFTER)."""
        self.set_timer(COPIES_AFTER, self.find_copies)

    @work(thread=True, group="find-copies")
    def find_copies(self) -> None:
        """Look once for copies a library from before copies were found
        holds; the Library marks them when there are any."""
        try:
            changed = backend.find_copies(self.paths)
        except backend.StoreError:
            return  # the next import looks again
        if changed:
            self.call_from_thread(self.load_library)

    def offer_alignment(self, info: TranscriptInfo) -> None:
        """A transcript was opened: if its times are estimated and a copy
        of it has exact ones, say once that `A` can carry them over."""
        offered = self._copy_state["offered"]
        if info.timing != "estimated" or not info.same_talk or info.id in offered:
            return
        offered.add(info.id)
        self._offer(info.id)

    @work(thread=True, group="copies")
    def _offer(self, tid: int) -> None:
        try:
            timed = _timed(backend.copies(self.paths, tid))
        except backend.StoreError:
            return  # an offer, not a request: nothing to say
        if timed is not None:
            self.call_from_thread(
                self.notify,
                f"This is the same talk as “{clean_line(timed.title)}”, which has exact times: "
                "press A to give this one its times.",
                timeout=8,
            )

    # -- aligning -------------------------------------------------------------------

    def action_align_copy(self) -> None:
        tid = self._open_id()
        if tid is None:
            return
        if self._info is not None and self._info.id == tid and self._info.timing == "exact":
            self.notify("This transcript has exact times of its own.", timeout=4)
            return
        if self.read_only_why is not None:
            self.refuse("nothing is aligned")
            return
        self.align_copy(tid)

    @work(thread=True, exclusive=True, group="copies")
    def align_copy(self, tid: int) -> None:
        try:
            timed = _timed(backend.copies(self.paths, tid))
            if timed is None:
                self.call_from_thread(
                    self.notify, "No copy of this talk with exact times is in the library.", timeout=5
                )
                return
            done = backend.align_copy(self.paths, tid, timed.id)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "nothing is aligned")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            return
        self.call_from_thread(self._aligned, tid, timed, done)

    def _aligned(self, tid: int, timed: CopyOf, done: str) -> None:
        self.notify(f"Times from “{clean_line(timed.title)}”: {done}.", timeout=6)
        reader = self.query_one(Reader)
        if reader.transcript_id == tid:
            self.open_transcript(tid, focus=False, segment=reader.cursor)
        self.load_library()

    # -- jumping between copies -------------------------------------------------

    def action_other_copy(self) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id is None or not reader.segments:
            return
        self.jump_to_copy(reader.transcript_id, reader.cursor)

    @work(thread=True, exclusive=True, group="copies")
    def jump_to_copy(self, tid: int, segment: int) -> None:
        try:
            copies = backend.copies(self.paths, tid)
            if not copies:
                self.call_from_thread(self.notify, "No other copy of this talk is in the library.", timeout=4)
                return
            # back where we came from, else the most alike
            back = self._copy_state["came_from"].get(tid)
            other = next((c for c in copies if c.id == back), copies[0])
            target = backend.counterpart(self.paths, tid, segment, other.id)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            return
        if target is None:
            self.call_from_thread(self.notify, "The two copies have no words in common.", timeout=4)
            return
        self.call_from_thread(self._jump, tid, other, target)

    def _jump(self, tid: int, other: CopyOf, segment: int) -> None:
        self._copy_state["came_from"][other.id] = tid
        self.open_transcript(other.id, True, segment)
        self.notify(f"The same moment in “{clean_line(other.title)}”.", timeout=3)

    # -- the command palette ---------------------------------------------------

    def copy_commands(self) -> Iterator[SystemCommand]:
        """Palette entries for the open transcript's copies, if it has any."""
        info = self._info
        if info is None or not info.same_talk or info.id != self._open_id():
            return
        yield SystemCommand(
            "Jump to the other copy", "The same moment in another copy of this talk", self.action_other_copy
        )
        if info.timing == "estimated":
            yield SystemCommand(
                "Align times from the timed copy",
                "Carry exact times, word by word, from a copy of this talk that has them",
                self.action_align_copy,
            )

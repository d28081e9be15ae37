"""Your names on things, in the app: `r` in the Library renames the
transcript under the cursor, `r` in the reader names the speaker under the
cursor; and notes out and in from the command palette (export as Markdown,
W3C JSON, Readwise CSV or an Obsidian folder; import a JSON export).

A mixin of HarkApp (tui/app.py), which owns what it uses: `paths`,
`read_only_why` and `refuse`/`_refused`, `load_library`, `load_annotations`,
`refresh_marks` and `_update_status`. The store work runs in thread workers
through `tui.backend_names`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import SystemCommand

from hark.store.names import is_generic_label, own_title, speaker_names
from hark.store.text import clean_line

from . import backend, backend_names
from .panes import LibraryPane
from .reader import Reader
from .rename import AskScreen

if TYPE_CHECKING:
    from hark.store.library import TranscriptInfo
    from hark.store.paths import Paths


class NamingActions:
    """What the naming keys and the notes-out commands do (mixed into HarkApp)."""

    paths: Paths
    read_only_why: str | None

    @property
    def _last_paths(self) -> dict[str, str]:
        """Where each export went last in this session (offered again)."""
        state = self.__dict__.get("_export_paths")
        if state is None:
            state = self.__dict__["_export_paths"] = {}
        return state

    # -- the transcript's title -------------------------------------------------

    def _library_choice(self) -> TranscriptInfo | None:
        """The transcript under the Library's cursor (else the one open)."""
        pane = self.query_one(LibraryPane)
        chosen = pane.chosen()
        wanted = str(chosen.id) if chosen is not None else None
        if wanted is None:
            tid = self.query_one(Reader).transcript_id
            wanted = str(tid) if tid is not None else None
        return next((t for t in pane.items if str(t.id) == wanted), None)

    def action_rename_transcript(self, tid: int | None = None) -> None:
        if tid is None:
            info = self._library_choice()
        else:
            info = next((t for t in self.query_one(LibraryPane).items if t.id == tid), None)
        if info is None:
            self.notify("No transcript to rename.", timeout=3)
            return
        if self.read_only_why is not None:
            self.refuse("the title cannot be changed")
            return
        own = own_title(info.title, info.metadata)
        about = f"The file's own title: {clean_line(own)}" + ("" if own == info.title else " (empty: back to it)")

        def done(value: str | None) -> None:
            if value is not None and clean_line(value) != clean_line(info.title):
                self.rename_transcript(info.id, value)

        self.push_screen(AskScreen("Rename the transcript", clean_line(info.title), about=about), done)

    @work(thread=True, group="names")
    def rename_transcript(self, tid: int, title: str) -> None:
        try:
            new, own = backend_names.rename_transcript(self.paths, tid, title)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "the title cannot be changed")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        said = f"Renamed: {clean_line(new)}" if new != own else f"Back to the file's own title: {clean_line(new)}"
        self.call_from_thread(self._retitled, tid, new, said)

    def _retitled(self, tid: int, title: str, said: str) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id == tid:
            reader.title = title
            self.query_one("#reader-pane").border_title = Text(f"2 Reader · {clean_line(title)}")
            self._update_status()
        self.notify(said, timeout=3)
        self.load_library()
        self.load_annotations()

    # -- a speaker's name -------------------------------------------------------

    def action_rename_speaker(self) -> None:
        reader = self.query_one(Reader)
        seg = reader.current
        if reader.transcript_id is None or seg is None:
            return
        label = seg.speaker or next((s.speaker for s in reversed(reader.segments[: reader.cursor]) if s.speaker), None)
        if not label:
            self.notify("No speaker is marked here.", timeout=3)
            return
        if self.read_only_why is not None:
            self.refuse("the speaker's name cannot be changed")
            return
        name = reader.speaker_names.get(label, "")
        about = f"The file calls this speaker {clean_line(label)}" + (" (empty: back to it)" if name else "")
        value = name or ("" if is_generic_label(label) else clean_line(label))
        tid = reader.transcript_id

        def done(value: str | None) -> None:
            if value is not None and clean_line(value) != clean_line(name or label):
                self.name_speaker(tid, label, value)

        self.push_screen(AskScreen("Name the speaker", value, about=about, placeholder="their name"), done)

    @work(thread=True, group="names")
    def name_speaker(self, tid: int, label: str, name: str) -> None:
        try:
            given = backend_names.name_speaker(self.paths, tid, label, name)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "the speaker's name cannot be changed")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self._speaker_named, tid, label, given)

    def _speaker_named(self, tid: int, label: str, name: str | None) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id == tid:
            names = dict(reader.speaker_names)
            if name:
                names[label] = name
            else:
                names.pop(label, None)
            reader.set_speaker_names(names)
            self._update_status()
        self.notify(f"{clean_line(label)} is now {clean_line(name)}" if name else f"Shown as {label} again.", timeout=3)
        self.load_library()

    def show_speaker_names(self, metadata: dict) -> None:
        """The open transcript's speaker names, from its metadata."""
        self.query_one(Reader).set_speaker_names(speaker_names(metadata))

    # -- notes out and in (the command palette) ----------------------------------

    def naming_commands(self) -> Iterator[SystemCommand]:
        yield SystemCommand(
            "Rename the transcript",
            "Your own title for the one open (r in the Library: the one under the cursor)",
            lambda: self.action_rename_transcript(self.query_one(Reader).transcript_id),
        )
        yield SystemCommand(
            "Name the speaker",
            "Your name for the speaker under the cursor (r in the reader)",
            self.action_rename_speaker,
        )
        for fmt, (label, _default) in backend_names.EXPORTS.items():
            yield SystemCommand(
                f"Export annotations: {label}",
                "Every annotation of the library, to a file" if fmt != "obsidian" else "A note a transcript",
                lambda fmt=fmt: self.action_export_notes(fmt),
            )
        yield SystemCommand("Import annotations", "From a JSON export (hark's, or W3C)", self.action_import_notes)

    def action_export_notes(self, fmt: str) -> None:
        label, default = backend_names.EXPORTS[fmt]
        where = self._last_paths.get(fmt, default)
        what = "Folder" if fmt == "obsidian" else "File"

        def done(value: str | None) -> None:
            if value and value.strip():
                self._last_paths[fmt] = value.strip()
                self.export_notes(fmt, value.strip())

        about = (
            "One Markdown note a transcript; exporting again updates hark's blocks and leaves your own lines alone."
            if fmt == "obsidian"
            else ""
        )
        self.push_screen(
            AskScreen(
                f"Export annotations: {label}", where, about=about, hint=f"{what}: enter to export, escape to cancel"
            ),
            done,
        )

    @work(thread=True, exclusive=True, group="notes-out")
    def export_notes(self, fmt: str, target: str) -> None:
        try:
            said = backend_names.export_notes(self.paths, fmt, target)
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, said, timeout=5)

    def action_import_notes(self) -> None:
        if self.read_only_why is not None:
            self.refuse("nothing can be imported")
            return

        def done(value: str | None) -> None:
            if value and value.strip():
                self.import_notes(value.strip())

        self.push_screen(
            AskScreen("Import annotations", self._last_paths.get("json", ""), placeholder="~/hark-annotations.json"),
            done,
        )

    @work(thread=True, exclusive=True, group="notes-in")
    def import_notes(self, file: str) -> None:
        try:
            said = backend_names.import_notes(self.paths, file)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "nothing is imported")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, said, timeout=5)
        self.call_from_thread(self._notes_came_in)

    def _notes_came_in(self) -> None:
        self.refresh_marks()
        self.load_annotations()
        self.load_library()

"""Annotating: highlight and annotate a span of the reader, edit, delete
and undo from the Annotations pane, copy a quote with its time.

A mixin of HarkApp (tui/app.py), which owns what it uses: `paths`,
`read_only_why` and `refuse`/`_refused` (a read-only library), `_deleted`
(the undo stack), `open_transcript`, `_seek_to_cursor`, `action_focus_pane`,
`load_library` and `_update_status`. The store work runs in thread workers
through `tui.backend`.

Nothing typed is lost: a failed save reopens the editor with the draft;
escape keeps an unsaved note as a draft for this session (by transcript,
span and annotation) that comes back when the editor opens there again; an
edit is saved against the version it was made on, so another hark's change
or delete meanwhile is kept too and said in one notification. After
changes, a rotating copy of every note is written to backups/ (debounced,
in a worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from textual import work
from textual.timer import Timer
from textual.worker import get_current_worker

from hark.store.links import deep_link
from hark.store.text import format_time

from . import backend
from .panes import AnnotationsPane
from .reader import Reader
from .screens import AnnotationEditor
from .views import AnnotationView, Mark, NoteDraft

if TYPE_CHECKING:
    from hark.store.paths import Paths

# Seconds after the last annotation change before the notes backup is
# written: a burst of edits makes one backup, and a quit within this time
# writes it on the way out.
BACKUP_DELAY = 3.0


def quote_for_clipboard(
    title: str, quote: str, start: float, end: float, url: str | None, *, estimated: bool = False
) -> str:
    """“quote” — title, 1:02:03 (and a link to the moment where there is one)."""
    approx = "≈" if estimated else ""
    text = f"“{quote}” — {title}, {approx}{format_time(start)}"
    link = deep_link(url, start, end)
    if link:
        text += f"\n{link}"
    return text


@dataclass
class _Editing:
    """What an editor is open on: a new annotation of a span, or an
    existing one (its id, and the version it was read as)."""

    tid: int | None
    span: tuple[int, int]
    quote: str
    annotation_id: str | None = None
    base: object | None = None  # the stored annotation, given back on save
    original: NoteDraft = field(default_factory=NoteDraft)  # what the editor starts from

    @property
    def key(self) -> tuple:
        """Where a draft is kept: transcript, span, and the annotation."""
        return (self.tid, *self.span, self.annotation_id)

    @property
    def title(self) -> str:
        return "Edit annotation" if self.annotation_id else "Annotate"


class _Editor(AnnotationEditor):
    """The annotation editor, which on a read-only library refuses ctrl+s
    and stays open with what was typed (the app says why), and on escape
    hands an unsaved note to the app to keep as a draft."""

    def __init__(self, editing: _Editing, draft: NoteDraft) -> None:
        super().__init__(editing.quote, draft, title=editing.title)
        self.editing = editing

    def action_save(self) -> None:
        app = self.app
        if isinstance(app, AnnotationActions) and app.read_only_why is not None:
            app.refuse("the note is not saved; it stays here until you close the editor")
            return
        super().action_save()

    def action_cancel(self) -> None:
        app = self.app
        if isinstance(app, AnnotationActions):
            app._keep_draft(self.editing, self.current())
        super().action_cancel()


class AnnotationActions:
    """What the annotation keys do (mixed into HarkApp)."""

    paths: Paths
    read_only_why: str | None
    _deleted: list[object]

    @property
    def _drafts(self) -> dict[tuple, NoteDraft]:
        """Unsaved notes closed with escape, for this session (made on first use)."""
        drafts = self.__dict__.get("_note_drafts")
        if drafts is None:
            drafts = self.__dict__["_note_drafts"] = {}
        return drafts

    def _span(self) -> tuple[int, int] | None:
        reader = self.query_one(Reader)
        if reader.transcript_id is None or not reader.segments:
            return None
        return reader.selection

    def action_highlight(self) -> None:
        span = self._span()
        if span is None:
            return
        if self.read_only_why is not None:
            self.refuse("the highlight is not saved")
            return
        reader = self.query_one(Reader)
        # (not from the editor: a draft kept for this span stays)
        self.save_annotation(_Editing(reader.transcript_id, span, reader.quote(*span)), NoteDraft(), typed=False)

    def action_annotate(self) -> None:
        span = self._span()
        if span is None:
            return
        reader = self.query_one(Reader)
        self._open_editor(_Editing(reader.transcript_id, span, reader.quote(*span)))

    def _open_editor(self, editing: _Editing, draft: NoteDraft | None = None) -> None:
        """Open the editor with draft (after a failed save: that was said),
        else with the draft kept there by escape, else with the original."""
        if draft is None:
            self._warn_editor()
            kept = self._drafts.get(editing.key)
            if kept is not None:
                self.notify("Your unsaved note is back.", timeout=3)
            draft = kept or editing.original
        # A copy: the editor changes its draft (the colour) in place.
        self.push_screen(
            _Editor(editing, replace(draft)),
            lambda result: self.save_annotation(editing, result) if result is not None else None,
        )

    def _keep_draft(self, editing: _Editing, draft: NoteDraft) -> None:
        """Escape: a note that differs from where the editor started is kept
        for this session; one that does not lets any kept draft go."""
        if draft == editing.original:
            self._drafts.pop(editing.key, None)
            return
        self._drafts[editing.key] = draft
        self.notify("Not saved: kept as a draft; open the editor here again to go on.", timeout=4)

    def _warn_editor(self) -> None:
        if self.read_only_why is not None:
            self.refuse("you can write the note, but it cannot be saved")

    @work(thread=True, group="annotate")
    def save_annotation(self, editing: _Editing, draft: NoteDraft, typed: bool = True) -> None:
        """Save what the editor gave (typed), or a highlight; on success a
        draft kept for the editor's place is done with."""
        notice = None
        try:
            if editing.annotation_id is None:
                backend.create_annotation(self.paths, editing.tid, editing.span, draft)
            else:
                notice = backend.update_annotation(self.paths, editing.base, draft)
        except backend.StoreError as e:
            # Nothing typed is lost: reopen the editor with the same draft.
            if isinstance(e, backend.ReadOnly):
                what = "the note is not saved" if draft.note or draft.tags else "the highlight is not saved"
                self.call_from_thread(self._refused, e.why, what)
            else:
                self.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            if draft.note or draft.tags:
                self.call_from_thread(self._open_editor, editing, draft)
            return
        if typed:
            self._drafts.pop(editing.key, None)
        if notice:
            self.call_from_thread(self.notify, notice, severity="warning", timeout=12)
        self.call_from_thread(self._annotations_changed)

    def _annotations_changed(self) -> None:
        reader = self.query_one(Reader)
        reader.action_clear_selection()
        self.refresh_marks()
        self.load_annotations()
        self.load_library()
        self._backup_soon()

    # -- the notes backup ------------------------------------------------------------

    def _backup_soon(self) -> None:
        """Write the notes backup BACKUP_DELAY after the last change."""
        timer: Timer | None = self.__dict__.get("_backup_timer")
        if timer is not None:
            timer.stop()
        self.__dict__["_backup_timer"] = self.set_timer(BACKUP_DELAY, self._backup_due)

    def _backup_due(self) -> None:
        self.__dict__["_backup_timer"] = None
        self.backup_notes()

    @work(thread=True, exclusive=True, group="backup")
    def backup_notes(self) -> None:
        problem = self._write_backup()
        if problem and not self.__dict__.get("_backup_said"):
            self.__dict__["_backup_said"] = True  # once a session: it is retried at each change
            self.call_from_thread(self.notify, problem, severity="warning", timeout=8)

    def _write_backup(self) -> str | None:
        try:
            backend.backup_annotations(self.paths)
        except Exception as e:  # a backup must never take the app down; the library has the notes
            return f"The notes backup could not be written: {e}"
        return None

    def on_unmount(self) -> None:
        # Quitting before a due backup: write it now.
        timer: Timer | None = self.__dict__.get("_backup_timer")
        if timer is not None:
            timer.stop()
            self.__dict__["_backup_timer"] = None
            self._write_backup()

    def refresh_marks(self) -> None:
        tid = self.query_one(Reader).transcript_id
        if tid is not None:
            self._refresh_marks(tid)

    @work(thread=True, exclusive=True, group="marks")
    def _refresh_marks(self, tid: int) -> None:
        try:
            marks = backend.annotation_marks(self.paths, tid)
        except backend.StoreError:
            return
        self.call_from_thread(self._set_marks, tid, marks)

    def _set_marks(self, tid: int, marks: list[Mark]) -> None:
        reader = self.query_one(Reader)
        if reader.transcript_id == tid:
            reader.set_annotations(marks)
            self._update_status()

    def load_annotations(self) -> None:
        pane = self.query_one(AnnotationsPane)
        tid = None if pane.whole_library else self.query_one(Reader).transcript_id
        self._load_annotations(tid, pane.whole_library)

    @work(thread=True, exclusive=True, group="annotations")
    def _load_annotations(self, tid: int | None, whole_library: bool) -> None:
        try:
            items = backend.annotation_views(self.paths, tid, whole_library=whole_library)
        except backend.StoreError as e:
            self.call_from_thread(self.store_failed, e)  # (HarkApp: one notice; damage makes it read-only)
            return
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self.query_one(AnnotationsPane).set_items, items)

    def on_annotations_pane_scope_changed(self, message: AnnotationsPane.ScopeChanged) -> None:
        self.load_annotations()

    def on_annotations_pane_picked(self, event: AnnotationsPane.Picked) -> None:
        a: AnnotationView = event.annotation
        if event.action == "open":
            if a.transcript_id is None:
                self.notify("Its transcript was removed; the annotation is kept for export.", timeout=4)
                return
            reader = self.query_one(Reader)
            if reader.transcript_id == a.transcript_id:
                reader.move_to(a.first, center=True)
                self._seek_to_cursor()
                self.action_focus_pane("reader")
            else:
                self.open_transcript(a.transcript_id, True, a.first)
        elif event.action == "edit":
            original = NoteDraft(note=a.note, tags=" ".join(a.tags), color=a.color)
            self._open_editor(_Editing(a.transcript_id, (a.first, a.first), a.quote, a.id, a.base, original))
        elif event.action == "delete":
            if self.read_only_why is not None:
                self.refuse("the annotation is not deleted")
                return
            self.delete_annotation(a.id)

    @work(thread=True, group="annotate")
    def delete_annotation(self, annotation_id: str) -> None:
        try:
            undo = backend.delete_annotation(self.paths, annotation_id)
        except backend.ReadOnly as e:
            self.call_from_thread(self._refused, e.why, "the annotation is not deleted")
            return
        except backend.StoreError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return
        self._deleted.append(undo)
        self.call_from_thread(self.notify, "Annotation deleted (u to undo).", timeout=4)
        self.call_from_thread(self._annotations_changed)

    def on_annotations_pane_undo(self, message: AnnotationsPane.Undo) -> None:
        if self.read_only_why is not None:
            self.refuse("nothing is undone")
            return
        if not self._deleted:
            self.notify("Nothing to undo.", timeout=2)
            return
        self.undo_delete(self._deleted.pop())

    @work(thread=True, group="annotate")
    def undo_delete(self, undo: object) -> None:
        try:
            backend.restore_annotation(self.paths, undo)
        except backend.StoreError as e:
            self._deleted.append(undo)
            if isinstance(e, backend.ReadOnly):
                self.call_from_thread(self._refused, e.why, "nothing is undone")
            else:
                self.call_from_thread(self.notify, str(e), severity="error")
            return
        self.call_from_thread(self.notify, "Annotation restored.", timeout=2)
        self.call_from_thread(self._annotations_changed)

    def action_copy_quote(self) -> None:
        reader = self.query_one(Reader)
        span = self._span()
        if span is None:
            return
        text = quote_for_clipboard(
            reader.title,
            reader.quote(*span),
            reader.segments[span[0]].start,
            reader.segments[span[1]].end or reader.segments[span[1]].start,
            reader.url,
            estimated=reader.estimated,
        )
        self.copy_to_clipboard(text)
        self.notify("Copied the quote with its time.", timeout=2)

"""Annotating: highlight and annotate a span of the reader, edit, delete
and undo from the Annotations pane, copy a quote with its time.

A mixin of HarkApp (tui/app.py), which owns what it uses: `paths`,
`read_only_why` and `refuse`/`_refused` (a read-only library), `_deleted`
(the undo stack), `open_transcript`, `_seek_to_cursor`, `action_focus_pane`,
`load_library` and `_update_status`. The store work runs in thread workers
through `tui.backend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
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


class _Editor(AnnotationEditor):
    """The annotation editor, which on a read-only library refuses ctrl+s
    and stays open with what was typed (the app says why)."""

    def action_save(self) -> None:
        app = self.app
        if isinstance(app, AnnotationActions) and app.read_only_why is not None:
            app.refuse("the note is not saved; it stays here until you close the editor")
            return
        super().action_save()


class AnnotationActions:
    """What the annotation keys do (mixed into HarkApp)."""

    paths: Paths
    read_only_why: str | None
    _deleted: list[object]

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
        self.save_annotation(self.query_one(Reader).transcript_id, None, span, NoteDraft())

    def action_annotate(
        self, draft: NoteDraft | None = None, span: tuple[int, int] | None = None, annotation_id: str | None = None
    ) -> None:
        span = span or self._span()
        if span is None:
            return
        reader = self.query_one(Reader)
        quote = reader.quote(*span)

        tid = reader.transcript_id

        def done(result: NoteDraft | None) -> None:
            if result is not None:
                self.save_annotation(tid, annotation_id, span, result)

        title = "Edit annotation" if annotation_id else "Annotate"
        if draft is None:  # (a draft is back after a failed save: that was said)
            self._warn_editor()
        self.push_screen(_Editor(quote, draft, title=title), done)

    def _warn_editor(self) -> None:
        if self.read_only_why is not None:
            self.refuse("you can write the note, but it cannot be saved")

    @work(thread=True, group="annotate")
    def save_annotation(
        self, tid: int | None, annotation_id: str | None, span: tuple[int, int], draft: NoteDraft
    ) -> None:
        try:
            if annotation_id is None:
                backend.create_annotation(self.paths, tid, span, draft)
            else:
                backend.update_annotation(self.paths, annotation_id, draft)
        except backend.StoreError as e:
            # Nothing typed is lost: reopen the editor with the same draft.
            if isinstance(e, backend.ReadOnly):
                what = "the note is not saved" if draft.note or draft.tags else "the highlight is not saved"
                self.call_from_thread(self._refused, e.why, what)
            else:
                self.call_from_thread(self.notify, str(e), severity="error", timeout=8)
            if draft.note or draft.tags:
                self.call_from_thread(self.action_annotate, draft, span, annotation_id)
            return
        self.call_from_thread(self._annotations_changed)

    def _annotations_changed(self) -> None:
        reader = self.query_one(Reader)
        reader.action_clear_selection()
        self.refresh_marks()
        self.load_annotations()
        self.load_library()

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
            self.call_from_thread(self.notify, str(e), severity="error")
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
            draft = NoteDraft(note=a.note, tags=" ".join(a.tags), color=a.color)
            self._warn_editor()
            self.push_screen(
                _Editor(a.quote, draft, title="Edit annotation"),
                lambda result: (
                    self.save_annotation(a.transcript_id, a.id, (a.first, a.first), result) if result else None
                ),
            )
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

"""Never lose a note (issue 12, case 1; issue 14): two hark processes edit or
delete the same annotation. Each process has its own library connection,
so the tests use two connections on one file (and the app, whose backend
opens its own, against a connection of the test's).

A save never silently drops a text: another session's change meanwhile is
kept as a #conflict copy on the same span, a delete meanwhile is undone
(same id), and the app says which in one notification. Escape in the
editor keeps the typed note as a draft that comes back on the same span."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.tui.app import HarkApp
from hark.tui.panes import AnnotationsPane
from hark.tui.screens import AnnotationEditor
from tests.app.conftest import FakeClock, make_library, settle, transcript

LINES = [f"Line {i} of a talk about the tides and the moon." for i in range(12)]


def _two(tmp_path: Path) -> tuple[Library, Library, int]:
    path = tmp_path / "library.sqlite3"
    a, b = Library(path), Library(path)
    segs = [Segment(start=i * 4.0, end=i * 4.0 + 3.5, text=t) for i, t in enumerate(LINES)]
    tid, _ = a.save(Transcript(title="Tides", format="srt", segments=segs).finish(), source="/t.srt", sha256="s1")
    return a, b, tid


def test_a_change_made_meanwhile_is_kept_as_a_conflict_copy(tmp_path):
    a, b, tid = _two(tmp_path)
    with a, b:
        made = A.create(a, tid, 2, 3, note="first words", color="blue")
        opened = A.get(b, made.id)  # B opens the editor
        A.update(a, made.id, note="A's words #moon")  # A saves meanwhile (within the same second, too)
        saved = A.save_edit(b, opened, note="B's words", tags=[], color="blue")
        assert saved.conflict is not None and not saved.restored
        assert "changed in another hark session" in saved.notice() and "#conflict" in saved.notice()
        stored = {x.id: x for x in A.list_annotations(a)}
        assert len(stored) == 2
        mine, theirs = stored[made.id], stored[saved.conflict.id]
        assert (mine.note, mine.tags, mine.color) == ("B's words", [], "blue")
        # the other version: same span, same colour, its text, tagged
        assert (theirs.first, theirs.last, theirs.quote, theirs.color) == (2, 3, made.quote, "blue")
        assert theirs.note == "A's words #moon" and theirs.tags == ["moon", A.CONFLICT_TAG]
        assert theirs.transcript_id == tid and theirs.status == "anchored"


def test_a_delete_made_meanwhile_is_undone_by_the_save(tmp_path):
    a, b, tid = _two(tmp_path)
    with a, b:
        made = A.create(a, tid, 4, 4, note="keep me", tags=["kept"], color="pink")
        opened = A.get(b, made.id)
        assert A.delete(a, made.id) is not None
        saved = A.save_edit(b, opened, note="kept, and more", tags=["kept"], color="pink")
        assert saved.restored and saved.conflict is None
        assert "deleted in another hark session" in saved.notice()
        [back] = A.list_annotations(a)
        assert back.id == made.id and (back.first, back.last, back.quote) == (4, 4, LINES[4])
        assert (back.note, back.tags, back.color, back.created) == ("kept, and more", ["kept"], "pink", made.created)


def test_a_plain_save_and_a_meanwhile_change_that_loses_nothing_make_no_copy(tmp_path):
    a, b, tid = _two(tmp_path)
    with a, b:
        made = A.create(a, tid, 1, 1, note="one")
        saved = A.save_edit(b, A.get(b, made.id), note="two")
        assert (saved.conflict, saved.restored, saved.notice()) == (None, False, None)
        # A made the same edit B makes: nothing of A's to keep apart
        opened = A.get(b, made.id)
        A.update(a, made.id, note="three")
        assert A.save_edit(b, opened, note="three").conflict is None
        assert [x.note for x in A.list_annotations(a)] == ["three"]


def test_an_edit_saved_after_a_re_anchoring_keeps_the_new_place(tmp_path):
    a, b, tid = _two(tmp_path)
    with a, b:
        made = A.create(a, tid, 5, 5, note="n")
        opened = A.get(b, made.id)
        # A re-imports the transcript with a line inserted before: the annotation moves
        segs = [Segment(start=0.0, end=1.0, text="A new first line.")] + [
            Segment(start=i * 4.0 + 2, end=i * 4.0 + 5.5, text=t) for i, t in enumerate(LINES)
        ]
        a.save(Transcript(title="Tides", format="srt", segments=segs).finish(), source="/t.srt", sha256="s2")
        A.reanchor(a, tid)
        saved = A.save_edit(b, opened, note="n, edited")
        assert saved.conflict is None
        got = A.get(a, made.id)
        assert (got.first, got.note, got.quote) == (6, "n, edited", LINES[5])


# -- the app ---------------------------------------------------------------------------


def _app(tmp_path: Path) -> HarkApp:
    paths = make_library(tmp_path / "home", transcript("Tides", 20))
    with Library(paths.library) as lib:
        A.create(lib, 1, 3, 3, note="about the moon")
    return HarkApp(paths, clock=FakeClock(), watch_changes=False)


async def _edit_in_pane(app: HarkApp, pilot, text: str) -> None:
    await pilot.press("4", "e")
    await settle(app, pilot)
    assert isinstance(app.screen, AnnotationEditor)
    await pilot.press("end", *text)


async def test_the_app_keeps_both_texts_and_says_so(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(app, pilot)
        app.open_transcript(1)
        await settle(app, pilot)
        await _edit_in_pane(app, pilot, " and tides")
        with Library(app.paths.library) as other:  # another hark saves meanwhile
            [a] = A.list_annotations(other)
            A.update(other, a.id, note="about the moon, said elsewhere")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
        said = [n.message for n in app._notifications]
        assert len([m for m in said if "another hark session" in m]) == 1, said
        assert any("changed in another hark session" in m and "#conflict" in m for m in said)
        with Library(app.paths.library) as lib:
            notes = sorted((x.note, tuple(x.tags)) for x in A.list_annotations(lib))
        assert notes == [("about the moon and tides", ()), ("about the moon, said elsewhere", ("conflict",))]
        # both show in the Annotations pane
        assert sorted(x.note for x in app.query_one(AnnotationsPane).items) == [n for n, _ in notes]
        assert app.is_running


async def test_the_app_restores_an_annotation_deleted_meanwhile_and_says_so(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(app, pilot)
        app.open_transcript(1)
        await settle(app, pilot)
        await _edit_in_pane(app, pilot, " and tides")
        with Library(app.paths.library) as other:
            [a] = A.list_annotations(other)
            A.delete(other, a.id)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        said = [n.message for n in app._notifications]
        assert any("deleted in another hark session" in m and "it is back" in m for m in said), said
        with Library(app.paths.library) as lib:
            [back] = A.list_annotations(lib)
        assert (back.id, back.note, back.first) == (a.id, "about the moon and tides", 3)
        assert [x.note for x in app.query_one(AnnotationsPane).items] == ["about the moon and tides"]


async def test_escape_keeps_a_typed_note_as_a_draft_for_the_span(tmp_path):
    app = HarkApp(make_library(tmp_path / "home", transcript("Tides", 20)), clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "j", "a")
        await pilot.pause()
        await pilot.press(*"half a thought #later", "tab", *"maybe", "ctrl+o", "escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
        with Library(app.paths.library) as lib:
            assert A.list_annotations(lib) == []  # escape saves nothing...
        assert any("kept as a draft" in n.message for n in app._notifications)
        # ...but another span starts empty,
        await pilot.press("j", "a")
        await pilot.pause()
        assert app.screen.current().note == ""
        await pilot.press("escape")
        await settle(app, pilot)
        # and the same span gets the draft back, colour and tags too
        await pilot.press("k", "a")
        await pilot.pause()
        draft = app.screen.current()
        assert (draft.note, draft.tags, draft.color) == ("half a thought #later", "maybe", "green")
        assert any("unsaved note is back" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        with Library(app.paths.library) as lib:
            [a] = A.list_annotations(lib)
        assert (a.first, a.note, sorted(a.tags), a.color) == (2, "half a thought #later", ["later", "maybe"], "green")
        # saved: the draft is gone (the editor on that span starts empty again)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#note", TextArea).text == ""
        await pilot.press(*"another thought", "escape")
        await settle(app, pilot)
        # a highlight made there meanwhile (h) does not take the draft away
        await pilot.press("h")
        await settle(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.current().note == "another thought"

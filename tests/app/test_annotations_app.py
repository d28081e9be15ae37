"""Annotations in the app: select, highlight, annotate with a note and tags,
see them marked and listed, jump to them, edit, delete and undo, copy."""

from __future__ import annotations

from hark.store import annotations
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.tui.panes import AnnotationsPane
from hark.tui.reader import Reader
from hark.tui.screens import AnnotationEditor

from .conftest import settle, transcript


def _stored(app) -> list:
    with Library(app.paths.library) as lib:
        return annotations.list_annotations(lib)


async def test_h_highlights_the_current_segment(app_for):
    app = app_for(transcript("Tides", 20))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "j", "h")
        await settle(app, pilot)
        [a] = _stored(app)
        assert (a.first, a.last, a.quote, a.note, a.color) == (2, 2, "Sentence 2 of Tides.", "", "yellow")
        reader = app.query_one(Reader)
        assert reader.annotation_at(2) is not None and reader.annotation_at(1) is None
        assert "(highlight)" in str(app.query_one("#status").render())
        pane = app.query_one(AnnotationsPane)
        assert [x.quote for x in pane.items] == ["Sentence 2 of Tides."]


async def test_v_selects_a_span_and_a_annotates_it_with_note_tags_and_colour(app_for):
    app = app_for(transcript("Tides", 20))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "v", "j", "j", "v", "a")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationEditor)
        assert "Sentence 1 of Tides. Sentence 2 of Tides. Sentence 3 of Tides." in app.screen.quote
        await pilot.press(*"Spring tides #moon")
        await pilot.press("tab")
        await pilot.press(*"physics")
        await pilot.press("ctrl+o")  # the next colour: green
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        [a] = _stored(app)
        assert (a.first, a.last) == (1, 3)
        assert a.note == "Spring tides #moon"
        assert sorted(a.tags) == ["moon", "physics"]
        assert a.color == "green"
        await pilot.press("k")  # the cursor on an annotated segment shows its note
        assert "Spring tides #moon" in str(app.query_one("#status").render())


async def test_escape_cancels_the_editor(app_for):
    app = app_for(transcript("Tides", 5))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "a")
        await pilot.pause()
        await pilot.press(*"not saved", "escape")
        await settle(app, pilot)
        assert _stored(app) == []
        assert not isinstance(app.screen, AnnotationEditor)


async def test_pane_lists_filters_jumps_edits_deletes_and_undoes(app_for):
    app = app_for(transcript("Tides", 60), transcript("Bread", 10))
    with Library(app.paths.library) as lib:
        annotations.create(lib, 1, 40, 40, note="about the moon")
        annotations.create(lib, 1, 5, 5, note="about the sun #sun")
        annotations.create(lib, 2, 3, 3, note="about dough")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        pane = app.query_one(AnnotationsPane)
        # Nothing has been read yet, so the first by title opens: Bread.
        assert reader.title == "Bread"
        assert [a.note for a in pane.items] == ["about dough"]
        app.open_transcript(1)
        await settle(app, pilot)
        assert reader.title == "Tides"
        # this transcript's annotations, in time order
        assert [a.note for a in pane.items] == ["about the sun #sun", "about the moon"]
        # the whole library with w
        await pilot.press("4", "w")
        await settle(app, pilot)
        assert len(pane.items) == 3
        await pilot.press("w")
        await settle(app, pilot)
        # / then type to filter, enter jumps to the moment
        await pilot.press("slash", *"moon")
        assert app.query_one("#annotations-list").option_count == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert reader.cursor == 40 and app.focused is reader
        # e edits
        await pilot.press("4")
        app.query_one("#annotations-filter").value = ""
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationEditor)
        await pilot.press("end", *" and tides", "ctrl+s")
        await settle(app, pilot)
        assert sorted(a.note for a in _stored(app)) == ["about dough", "about the moon", "about the sun #sun and tides"]
        # d deletes, u brings it back
        await pilot.press("4", "d")
        await settle(app, pilot)
        assert len(_stored(app)) == 2
        await pilot.press("u")
        await settle(app, pilot)
        assert len(_stored(app)) == 3


async def test_y_copies_the_quote_with_its_time_and_a_link(app_for):
    t = Transcript(
        title="A talk",
        format="markdown",
        segments=[Segment(i * 30.0, i * 30.0 + 20, f"Point number {i}.") for i in range(10)],
        metadata={"url": "https://www.youtube.com/watch?v=abc"},
    )
    app = app_for(t)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "j", "y")
        assert app.clipboard == "“Point number 2.” — A talk, 1:00\nhttps://www.youtube.com/watch?v=abc&t=60s"
        await pilot.press("o")  # the link to this moment alone
        assert app.clipboard == "https://www.youtube.com/watch?v=abc&t=60s"

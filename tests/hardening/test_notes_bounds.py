"""Never lose a note, and never let one make hark unusable (issue 12, case
6): a note over MAX_NOTE_CHARS (100,000 characters) is refused with its
size and the limit, when it is created or edited (the editor says so and
keeps the text) and in an annotations import (that one skipped with a line,
the rest imported). One 20 MB note used to make every search take 7 s."""

from __future__ import annotations

import json

import pytest
from textual.widgets import TextArea

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.paths import resolve
from hark.tui.app import HarkApp
from hark.tui.cli import main
from hark.tui.screens import AnnotationEditor
from tests.app.conftest import FakeClock, make_library, settle, transcript

from .conftest import SAMPLES

LIMIT = A.MAX_NOTE_CHARS
OVER = "x" * (LIMIT + 1)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_and_edit_refuse_a_note_over_the_limit(tmp_path):
    with Library(tmp_path / "l.sqlite3") as lib:
        tid, _ = lib.save(transcript("Tides", 5).finish(), source="/t", sha256="s")
        at_limit = A.create(lib, tid, 0, 0, note="y" * LIMIT)  # the limit itself is fine
        with pytest.raises(A.AnnotationError) as e:
            A.create(lib, tid, 1, 1, note=OVER)
        assert str(e.value) == "the note has 100,001 characters, over the limit of 100,000"
        with pytest.raises(A.AnnotationError, match="over the limit of 100,000"):
            A.update(lib, at_limit.id, note=OVER)
        with pytest.raises(A.AnnotationError, match="the tags have 100,001 characters"):
            A.save_edit(lib, at_limit, note="short", tags=[OVER])
        assert [a.note for a in A.list_annotations(lib)] == ["y" * LIMIT]


def _doc(quote: str, note: str) -> dict:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "bodyValue": note,
        "target": {"source": "urn:x", "selector": {"type": "TextQuoteSelector", "exact": quote}},
    }


def test_an_import_skips_only_the_note_over_the_limit(home, capsys, tmp_path):
    assert run(capsys, "import", str(SAMPLES / "lecture-tides.srt"))[0] == 0
    f = tmp_path / "notes.json"
    f.write_text(
        json.dumps(
            [
                _doc("fine one", "a fine note"),
                _doc("The huge one", "z" * 20_000_000),
                _doc("another fine one", "#also fine"),
                _doc("q" * (LIMIT + 5), "a quote no transcript has"),
            ]
        )
    )
    code, out, err = run(capsys, "annotations", "import", str(f))
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "skipped the annotation on “The huge one”: its note has 20,000,000 characters, over the limit of 100,000",
        f"skipped the annotation on “{'q' * 39}…”: its quote has 100,005 characters, over the limit of 100,000",
        "2 imported, 0 updated, 0 unchanged, 2 skipped as too large (0 anchored, 0 moved, 2 orphaned)",
    ]
    with Library(resolve().library) as lib:
        assert sorted(a.note for a in A.list_annotations(lib)) == ["#also fine", "a fine note"]


async def test_the_editor_says_so_and_keeps_the_text(tmp_path):
    app = HarkApp(make_library(tmp_path / "home", transcript("Tides", 10)), clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "a")
        await pilot.pause()
        app.screen.query_one("#note", TextArea).text = OVER
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        said = [n.message for n in app._notifications]
        assert "the note has 100,001 characters, over the limit of 100,000" in said
        assert isinstance(app.screen, AnnotationEditor), "the editor did not come back"
        assert app.screen.current().note == OVER
        # cut to the limit, it saves
        app.screen.query_one("#note", TextArea).text = OVER[:LIMIT]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
        assert app.is_running
    with Library(app.paths.library) as lib:
        assert [len(a.note) for a in A.list_annotations(lib)] == [LIMIT]

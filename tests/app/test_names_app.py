"""Your names in the app (tui/naming.py): `r` in the Library renames the
transcript, `r` in the reader names the speaker under the cursor; the
names show in the library, the reader, the status line and the search
hits, and survive a re-import; export and import from the palette."""

from __future__ import annotations

import csv
import io
import json

from textual.widgets import Input

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.tui.app import HarkApp, StatusLine
from hark.tui.panes import LibraryPane, SearchPane
from hark.tui.reader import Reader
from hark.tui.rename import AskScreen

from .conftest import make_library, options, settle

LINES = [
    ("SPEAKER_00", "Welcome back to Low Water, the show about tides and harbours."),
    ("SPEAKER_01", "Thanks for having me, measuring tides is mostly waiting."),
    ("SPEAKER_00", "So what does a tide gauge actually measure?"),
    ("SPEAKER_01", "The height of the water against a fixed mark, every six minutes."),
]


def _talk(title: str = "low-water-ep3", extra: int = 0) -> Transcript:
    lines = LINES + [("SPEAKER_00", f"One more line, number {i}.") for i in range(extra)]
    segs = [Segment(start=i * 5.0, end=i * 5.0 + 4, text=t, speaker=s) for i, (s, t) in enumerate(lines)]
    return Transcript(title=title, format="vtt", segments=segs)


def status(app: HarkApp) -> str:
    return str(app.query_one(StatusLine).render())


def titles(app: HarkApp) -> list[str]:
    # the title (a short terminal shows its length after two spaces)
    return [o.prompt.plain.split("\n")[0].split("  ")[0] for o in options(app.query_one("#library-list"))]


async def type_in(pilot, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


async def test_r_in_the_library_renames_and_the_name_stays_after_a_reimport(tmp_path, clock):
    paths = make_library(tmp_path / "home", _talk(), Transcript("Bread", "srt", [Segment(0, 4, "Flour and water.")]))
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1")
        while titles(app)[app.query_one("#library-list").highlighted] != "low-water-ep3":
            await pilot.press("j")
        await pilot.press("r")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AskScreen)
        box = dialog.query_one(Input)
        assert box.value == "low-water-ep3"  # typing replaces it (selected)
        await type_in(pilot, "Harbour gauges")
        assert box.value == "Harbour gauges"
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, AskScreen)
        assert "Harbour gauges" in titles(app) and "low-water-ep3" not in titles(app)
        reader = app.query_one(Reader)
        if reader.title != "Harbour gauges":  # the open one is the other transcript: open it
            await pilot.press("enter")
            await settle(app, pilot)
        assert reader.title == "Harbour gauges" and "Harbour gauges" in status(app)
        # escape in the dialog changes nothing
        await pilot.press("1", "r")
        await settle(app, pilot)
        await type_in(pilot, "Nope")
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Nope" not in titles(app)
    # the file is imported again, changed: the title is still the user's
    with Library(paths.library) as lib:
        tid = next(t.id for t in lib.list() if t.title == "Harbour gauges")
        assert lib.save(_talk(extra=1).finish(), source="/t/0.srt", sha256="changed") == (tid, "updated")
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        assert "Harbour gauges" in titles(app)


async def test_r_in_the_reader_names_the_speaker_everywhere(tmp_path, clock):
    paths = make_library(tmp_path / "home", _talk())
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j")  # the reader, on SPEAKER_01's first line
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert reader.current.speaker == "SPEAKER_01" and "SPEAKER_01" in status(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen) and app.screen.query_one(Input).value == ""
        await type_in(pilot, "Ben Ito")
        await pilot.press("enter")
        await settle(app, pilot)
        assert reader.speaker_names == {"SPEAKER_01": "Ben Ito"}
        shown = reader.visible_text()
        assert "Ben Ito" in shown and "SPEAKER_01" not in shown and "SPEAKER_00" in shown
        assert "Ben Ito" in status(app)
        assert "Ben Ito" in app.query_one(LibraryPane).query_one("#library-list").get_option_at_index(0).prompt.plain
        # search: `speaker:` by the new name, the hit says who
        await pilot.press("3")
        await type_in(pilot, "speaker:ben height")
        await pilot.press("enter")
        await settle(app, pilot)
        hits = app.query_one(SearchPane).hits
        assert hits and hits[0].speaker == "Ben Ito" and hits[0].segment == 3
        option = app.query_one("#search-results").get_option_at_index(1).prompt
        assert "Ben Ito: " in option.plain
    # another session opens it: the name is kept in the library
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        assert app.query_one(Reader).speaker_names == {"SPEAKER_01": "Ben Ito"}


async def test_export_and_import_from_the_palette(tmp_path, clock):
    paths = make_library(tmp_path / "home", _talk())
    with Library(paths.library) as lib:
        tid = lib.ids()[0]
        lib.name_speakers(tid, {"SPEAKER_00": "Ann Lee"})
        ann = A.create(lib, tid, 2, 2, note="the gauge")
    app = HarkApp(paths, clock=clock, watch_changes=False)
    csv_file = tmp_path / "out" / "readwise.csv"
    csv_file.parent.mkdir()
    vault = tmp_path / "vault"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Export annotations: Readwise CSV" in commands and "Import annotations" in commands
        assert "Rename the transcript" in commands and "Name the speaker" in commands
        app.action_export_notes("readwise")
        await settle(app, pilot)
        box = app.screen.query_one(Input)
        assert box.value == "~/hark-readwise.csv"
        box.value = str(csv_file)
        await pilot.press("enter")
        await settle(app, pilot)
        rows = list(csv.DictReader(io.StringIO(csv_file.read_text())))
        assert [(r["Highlight"], r["Author"], r["Note"]) for r in rows] == [
            ("So what does a tide gauge actually measure?", "Ann Lee", "the gauge")
        ]
        app.action_export_notes("obsidian")
        await settle(app, pilot)
        app.screen.query_one(Input).value = str(vault)
        await pilot.press("enter")
        await settle(app, pilot)
        note = (vault / "low-water-ep3.md").read_text()
        assert f"^hark-{ann.id}" in note and "· Ann Lee" in note
        # a JSON export, the annotation deleted, then imported back from the palette
        with Library(paths.library) as lib:
            exported = tmp_path / "notes.json"
            exported.write_text(A.export_json(lib))
            A.delete(lib, ann.id)
        app.action_import_notes()
        await settle(app, pilot)
        app.screen.query_one(Input).value = str(exported)
        await pilot.press("enter")
        await settle(app, pilot)
        with Library(paths.library) as lib:
            assert [a.id for a in A.list_annotations(lib)] == [ann.id]
        assert json.loads(exported.read_text())[0]["hark"]["id"] == ann.id

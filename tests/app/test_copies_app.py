"""The same talk twice in the app: the Library marks copies, the reader of
an untimed copy offers the alignment, `A` aligns it (the gutter shows ↔),
and `c` jumps from a moment in one copy to the same moment in the other."""

from __future__ import annotations

from pathlib import Path

from hark.store import same_talk
from hark.store.formats import parse_file
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.paths import Paths, resolve
from hark.tui.app import HarkApp, StatusLine
from hark.tui.copying import COPIES_AFTER
from hark.tui.panes import LibraryPane
from hark.tui.reader import Reader
from tests.store.copy_helpers import make_copy

from .conftest import SAMPLES, options, settle

TIDES = "lecture-tides.srt"
SIZE = (140, 40)


def _library(home: Path, src: Path, *, find_copies: bool = True) -> Paths:
    """The tides lecture (1, exact times) and a web page's text of it (2,
    estimated), imported in that order."""
    src.mkdir()
    timed = src / TIDES
    timed.write_bytes((SAMPLES / TIDES).read_bytes())
    page = src / "tides-page.txt"
    page.write_text(" ".join(s.text for s in make_copy(parse_file(timed).segments, seed=5).segments) + "\n")
    paths = resolve(home).ensure()
    with Library(paths.library) as lib:
        report = import_paths(lib, [timed, page], find_copies=find_copies)
        assert report.imported == [1, 2]
    return paths


def _messages(app: HarkApp) -> list[str]:
    return [n.message for n in app._notifications]


def _status(app: HarkApp) -> str:
    return str(app.query_one(StatusLine).render())


def _counterpart(paths: Paths, tid: int, segment: int, other: int) -> int:
    with Library(paths.library) as lib:
        found = same_talk.counterpart(lib, tid, segment, other)
    assert found is not None
    return found


async def test_c_jumps_to_the_same_moment_in_the_other_copy_and_back(tmp_path, clock):
    paths = _library(tmp_path / "home", tmp_path / "src")
    app = HarkApp(paths, clock=clock, watch_changes=False, open_id=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert reader.transcript_id == 2
        app.action_focus_pane("reader")
        await pilot.press(*["j"] * 8)
        assert reader.cursor == 8
        where = _counterpart(paths, 2, 8, 1)
        await pilot.press("c")
        await settle(app, pilot)
        assert reader.transcript_id == 1 and reader.cursor == where
        assert app.focused is reader
        assert any(m.startswith("The same moment in “") for m in _messages(app))
        # the words under the cursor are said in the segment we came from
        back = _counterpart(paths, 1, where, 2)
        await pilot.press("c")
        await settle(app, pilot)
        assert reader.transcript_id == 2 and reader.cursor == back
        assert abs(back - 8) <= 1


async def test_c_without_a_copy_says_so(app_for):
    from .conftest import transcript

    app = app_for(transcript("Alone", 5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_focus_pane("reader")
        await pilot.press("c")
        await settle(app, pilot)
        assert "No other copy of this talk is in the library." in _messages(app)
        assert app.query_one(Reader).title == "Alone"


async def test_the_untimed_copy_offers_and_takes_the_alignment(tmp_path, clock):
    paths = _library(tmp_path / "home", tmp_path / "src")
    app = HarkApp(paths, clock=clock, watch_changes=False, open_id=2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert reader.estimated and reader.aligned == []
        assert any("press A to give this one its times" in m for m in _messages(app))
        assert "≈" in reader.visible_text() and "↔" not in reader.visible_text()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Align times from the timed copy" in titles and "Jump to the other copy" in titles
        app.action_focus_pane("reader")
        await pilot.press("j", "j", "j")
        await pilot.press("A")
        await settle(app, pilot)
        assert any(m.startswith("Times from “") and "segments" in m for m in _messages(app))
        assert reader.transcript_id == 2 and reader.cursor == 3
        assert not reader.estimated and len(reader.aligned) == len(reader.segments)
        assert reader.aligned[3] and not reader.aligned[0]  # the sponsor's intro: not in the lecture
        assert reader.time_mark(3) == "↔" and reader.time_mark(0) == "≈"
        # the gutter marks the aligned time, the status line says where times come from
        assert "↔" in reader.visible_text()
        assert "times aligned from a copy" in _status(app) and "↔" in _status(app)
        with Library(paths.library) as lib:
            info = lib.info(2)
            assert (info.timing, info.aligned_from) == ("aligned", 1)
            assert [s.start for s in lib.segments(2)] == [s.start for s in reader.segments]
        # aligned: no longer offered
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Align times from the timed copy" not in titles and "Jump to the other copy" in titles


async def test_a_timed_transcript_is_not_aligned(tmp_path, clock):
    paths = _library(tmp_path / "home", tmp_path / "src")
    app = HarkApp(paths, clock=clock, watch_changes=False, open_id=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.action_focus_pane("reader")
        await pilot.press("A")
        await settle(app, pilot)
        assert "This transcript has exact times of its own." in _messages(app)
        assert not any("press A" in m for m in _messages(app))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Align times from the timed copy" not in titles and "Jump to the other copy" in titles
        with Library(paths.library) as lib:
            assert lib.info(1).timing == "exact"


async def test_the_library_marks_copies_found_after_an_upgrade(tmp_path, clock):
    """Imported without looking for copies (as a library from before this
    feature): the app looks once and the Library then marks the pair."""
    paths = _library(tmp_path / "home", tmp_path / "src", find_copies=False)
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        # It looks a little after the start (not beside the index's opening).
        await pilot.pause(COPIES_AFTER)
        await settle(app, pilot)
        assert {t.id: t.same_talk for t in pane.items} == {1: [2], 2: [1]}
        shown = [o.prompt.plain for o in options(app.query_one("#library-list"))]
        assert len(shown) == 2 and all("= 1 copy" in s for s in shown)
        page = next(s for s in shown if "≈" in s)
        assert "= 1 copy" in page

"""Defects of issue 14, each with the test that shows it fixed."""

from __future__ import annotations

import asyncio

import pytest

from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.tui import backend, panes, screenshots
from hark.tui.app import HarkApp
from hark.tui.layout import aside_lines
from hark.tui.panes import AnnotationsPane
from hark.tui.reader import Reader
from hark.tui.themes import contrast
from hark.tui.views import TIME_MARKS

from .conftest import make_library, settle, transcript


async def _saved(folder, pilot, timeout: float = 10.0) -> list:
    for _ in range(int(timeout / 0.05)):
        found = list(folder.glob("*.svg")) if folder.is_dir() else []
        # written in a thread: done when the SVG is whole
        if found and all(p.read_text().rstrip().endswith("</svg>") for p in found):
            return found
        await asyncio.sleep(0.05)
        await pilot.pause()
    return []


async def test_screenshot_without_a_downloads_folder_goes_to_the_data_folder(app_for, tmp_path, monkeypatch):
    monkeypatch.setattr(screenshots, "user_downloads_path", lambda: tmp_path / "no-downloads")
    app = app_for(transcript("One", 5))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.deliver_screenshot()
        found = await _saved(app.paths.data / "screenshots", pilot)
        assert len(found) == 1 and found[0].read_text().lstrip().startswith("<svg")
        assert not (tmp_path / "no-downloads").exists()


async def test_screenshot_goes_to_downloads_when_there_is_one(app_for, tmp_path, monkeypatch):
    down = tmp_path / "Downloads"
    down.mkdir()
    monkeypatch.setattr(screenshots, "user_downloads_path", lambda: down)
    app = app_for(transcript("One", 5))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.deliver_screenshot()
        assert len(await _saved(down, pilot)) == 1
        assert not (app.paths.data / "screenshots").exists()


def test_the_demo_saves_screenshots_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(screenshots, "user_downloads_path", lambda: tmp_path / "none")
    monkeypatch.chdir(tmp_path)
    assert screenshots.screenshot_folder(None) == tmp_path
    data = tmp_path / "data"
    assert screenshots.screenshot_folder(data) == data / "screenshots"
    assert (data / "screenshots").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("theme", ["hark-light", "hark-dark", "hark-high-contrast"])
async def test_unfocused_pane_borders_and_titles_are_seen(tmp_path, clock, theme):
    # hark-light drew them in $panel-lighten-2: the page's own colour.
    paths = make_library(tmp_path / "home", transcript("One", 5))
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        # set directly: a test terminal has 16 colours, and the app would
        # pick the theme's 16-colour version (as on such a terminal)
        app.theme = theme
        await pilot.pause()
        pane = app.query_one(AnnotationsPane)
        assert not pane.has_focus_within
        _, colour = pane.styles.border_top
        page = pane.styles.background
        minimum = 3.0 if theme == "hark-light" else 1.5
        assert contrast(colour, page) >= minimum, (colour.hex, page.hex)
        # the title is drawn in the border's colour (no colour of its own)
        assert pane.styles.border_title_color.a == 0


async def test_set_aside_text_keeps_its_lines(app_for):
    # seed 003's page chrome: a list, not a paragraph
    t = transcript("Page", 5)
    t.set_aside = ["By\nViewed\n53,478\n\n\nQuestions:   0/1000\n", "Related Songs"]
    app = app_for(t)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.press("2", "s")
        shown = [ln.strip() for ln in reader.visible_text().splitlines()]
        at = next(i for i, ln in enumerate(shown) if ln.endswith("By"))
        assert shown[at].startswith("set aside")
        assert shown[at + 1 : at + 6] == ["Viewed", "53,478", "", "Questions: 0/1000", "Related Songs"]


def test_aside_lines():
    assert aside_lines(["\n a  b \n\n\n\nc\n\n", "", "d"]) == ["a b", "", "c", "d"]


def _look(style) -> tuple:
    """What is left of a style once NO_COLOR drops its colours."""
    return (bool(style.bold), bool(style.italic), bool(style.underline), bool(style.reverse))


@pytest.mark.parametrize("no_color", [True, False])
async def test_with_no_color_cursor_playhead_and_selection_differ(app_for, monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = app_for(transcript("One", 5))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert app.no_color is no_color
        reader = app.query_one(Reader)
        assert reader.has_class("-no-color") is no_color
        looks = [_look(reader.get_component_rich_style(f"reader--{c}")) for c in ("cursor", "playhead", "selection")]
        if no_color:
            assert len(set(looks)) == 3, looks
            assert (False, False, False, False) not in looks  # each one is seen
        else:  # with colours, the bands are told apart by colour, as before
            assert looks[1] == (False, False, False, False)


def test_search_hits_keep_the_mark_of_estimated_times(tmp_path):
    # The store's hit says its transcript's timing; the Search pane's hit
    # dropped it, so the pane could not show `≈`.
    t = Transcript(
        title="Lecture",
        format="markdown",
        timing="estimated",
        segments=[Segment(start=i * 20.0, end=None, text=f"Part {i} about lighthouses.") for i in range(4)],
    )
    paths = make_library(tmp_path / "home", t, transcript("Exact lighthouses", 3))
    with Library(paths.library) as lib:
        backend.sync_index(lib, paths)
    hits = backend.search(paths, "lighthouses").hits
    by_title = {h.title: h.timing for h in hits}
    assert by_title == {"Lecture": "estimated", "Exact lighthouses": "exact"}
    shown = [panes._hit_text(h).plain for h in hits if h.title == "Lecture"]
    assert shown and all(TIME_MARKS["estimated"] in s for s in shown)
    assert all(TIME_MARKS["estimated"] not in panes._hit_text(h).plain for h in hits if h.title != "Lecture")


async def test_on_start_the_reader_shows_the_remembered_place(tmp_path, clock):
    # The status line said 20:00 while the reader showed 0:00 until a key.
    paths = make_library(tmp_path / "home", transcript("Tides", 300, step=5.0))
    with Library(paths.library) as lib:
        lib.set_reading(1, 240, 1200.0)
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert reader.cursor == 240
        assert app.playhead.position == 1200.0
        shown = reader.visible_text()
        assert "Sentence 240 of Tides." in shown
        assert "20:00" in shown
        assert "Sentence 0 of Tides." not in shown

"""The app with Pilot: it lists the library, opens a transcript, moves the
cursor, and shows untrusted text literally."""

from __future__ import annotations

import pytest

from store.library import Library
from store.model import Segment, Transcript
from store.paths import resolve
from tui.app import HarkApp, LibraryPane, StatusLine
from tui.reader import Reader


def _lib(home, *transcripts: Transcript):
    paths = resolve(home).ensure()
    with Library(paths.library) as lib:
        for i, t in enumerate(transcripts):
            lib.save(t.finish(), source=f"/t/{i}.srt", sha256=str(i))
    return paths


def _transcript(title: str, n: int, speaker: str | None = None) -> Transcript:
    return Transcript(
        title=title,
        format="srt",
        segments=[
            Segment(start=i * 5.0, end=i * 5.0 + 4, text=f"Sentence {i} of {title}.", speaker=speaker) for i in range(n)
        ],
    )


async def _ready(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_lists_library_and_opens_first_transcript(tmp_path):
    paths = _lib(tmp_path, _transcript("Tides", 40, "Ann"), _transcript("Bread", 10))
    app = HarkApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await _ready(app, pilot)
        pane = app.query_one(LibraryPane)
        assert [t.title for t in pane.items] == ["Tides", "Bread"]
        reader = app.query_one(Reader)
        assert reader.transcript_id == 1 and reader.cursor == 0
        assert "Sentence 0 of Tides." in reader.visible_text()
        assert "Ann" in reader.visible_text()


async def test_enter_opens_selected_and_keys_move_the_cursor(tmp_path):
    paths = _lib(tmp_path, _transcript("Tides", 40), _transcript("Bread", 300))
    app = HarkApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await _ready(app, pilot)
        await pilot.press("down", "enter")
        await _ready(app, pilot)
        reader = app.query_one(Reader)
        assert reader.transcript_id == 2 and app.focused is reader
        await pilot.press("j", "j", "j", "k")
        assert reader.cursor == 2
        await pilot.press("G")
        assert reader.cursor == 299
        assert "Sentence 299 of Bread." in reader.visible_text()
        status = str(app.query_one(StatusLine).render())
        assert "300/300" in status and "24:55" in status
        await pilot.press("g")
        assert reader.cursor == 0 and reader.scroll_offset.y == 0


async def test_filter_as_you_type(tmp_path):
    paths = _lib(tmp_path, _transcript("Tides", 4), _transcript("Bread", 4))
    app = HarkApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await _ready(app, pilot)
        app.query_one("#library-filter").focus()
        await pilot.press("b", "r")
        ol = app.query_one("#library-list")
        assert ol.option_count == 1 and ol.get_option_at_index(0).id == "2"


async def test_untrusted_text_is_shown_literally(tmp_path):
    t = Transcript(
        title="[bold]Loud[/] $accent",
        format="srt",
        segments=[Segment(start=0, end=1, text="[link=http://x]click[/link] and [red]red[/]", speaker="[b]Eve[/b]")],
    )
    paths = _lib(tmp_path, t)
    app = HarkApp(paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await _ready(app, pilot)
        shown = app.query_one(Reader).visible_text()
        assert "[link=http://x]click[/link] and [red]red[/]" in shown
        assert "[b]Eve[/b]" in shown
        assert "[bold]Loud[/] $accent" in str(app.query_one(StatusLine).render())


async def test_empty_library_says_how_to_import(tmp_path):
    app = HarkApp(resolve(tmp_path).ensure())
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(app, pilot)
        assert "hark import" in str(app.query_one(StatusLine).render())


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_resize_rewraps(tmp_path, size):
    paths = _lib(tmp_path, _transcript("Tides", 200))
    app = HarkApp(paths)
    async with app.run_test(size=size) as pilot:
        await _ready(app, pilot)
        reader = app.query_one(Reader)
        assert reader.layout_.width == reader.scrollable_content_region.width - 11
        await pilot.resize_terminal(size[0] + 30, size[1])
        await pilot.pause()
        assert reader.layout_.width == reader.scrollable_content_region.width - 11

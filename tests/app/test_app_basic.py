"""The app with Pilot: panes, keys, the reader, the playhead, the status
line, and untrusted text shown literally."""

from __future__ import annotations

import pytest
from textual.content import Content

from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.tui.app import HarkApp, StatusLine
from hark.tui.config import load_config
from hark.tui.panes import AnnotationsPane, LibraryPane, SearchPane
from hark.tui.reader import Reader
from hark.tui.screens import HelpScreen, JumpScreen

from .conftest import make_library, options, settle, transcript


def status(app: HarkApp) -> str:
    return str(app.query_one(StatusLine).render())


async def test_lists_library_and_opens_a_transcript(app_for):
    app = app_for(transcript("Tides", 40, "Ann"), transcript("Bread", 10))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        assert sorted(t.title for t in pane.items) == ["Bread", "Tides"]
        reader = app.query_one(Reader)
        assert reader.transcript_id is not None and reader.cursor == 0
        shown = reader.visible_text()
        assert "Sentence 0 of" in shown


async def test_enter_opens_the_highlighted_transcript_and_keys_move(app_for):
    app = app_for(transcript("Tides", 40), transcript("Bread", 300))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        # the title, then (one line a transcript on a short terminal) its length
        titles = [o.prompt.plain.split("\n")[0].split("  ")[0] for o in options(app.query_one("#library-list"))]
        await pilot.press(*(["down"] * titles.index("Bread")), "enter")
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert reader.title == "Bread" and app.focused is reader
        await pilot.press("j", "j", "j", "k")
        assert reader.cursor == 2
        await pilot.press("G")
        assert reader.cursor == 299
        assert "Sentence 299 of Bread." in reader.visible_text()
        assert "24:55 / 24:59" in status(app)
        await pilot.press("ctrl+u")
        assert reader.cursor < 299
        await pilot.press("g")
        assert reader.cursor == 0 and reader.scroll_offset.y == 0
        await pilot.press("ctrl+d")
        assert reader.cursor > 0


async def test_library_typing_filters_and_enter_opens(app_for):
    app = app_for(transcript("Tides", 4), transcript("Bread", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", "b", "r")  # / then typing filters
        ol = app.query_one("#library-list")
        assert app.query_one("#library-filter").value == "br"
        assert ol.option_count == 1
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.query_one(Reader).title == "Bread"


async def test_sort_cycles(app_for):
    app = app_for(transcript("Zebra", 2), transcript("Apple", 2))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        while pane.sort != "title":
            await pilot.press("o")
        first = app.query_one("#library-list").get_option_at_index(0)
        assert first.prompt.plain.startswith("Apple")


async def test_number_keys_tab_and_slash_move_between_panes(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        assert isinstance(app.focused, Reader)
        await pilot.press("3")
        assert app.focused.id == "search-box"
        # digits typed into the search box are text, not pane keys
        await pilot.press("4")
        assert app.query_one("#search-box").value == "4"
        # escape: no hits, so back to the reader (tests/app/test_focus.py)
        await pilot.press("escape")
        assert isinstance(app.focused, Reader)
        await pilot.press("tab")
        assert app.focused.id == "search-box"
        await pilot.press("tab")
        assert app.focused.id == "annotations-list"
        await pilot.press("tab")
        assert app.focused.id == "library-list"
        await pilot.press("shift+tab")
        assert app.focused.id == "annotations-list"
        # `/` in a list goes to its own filter
        await pilot.press("1", "/")
        assert app.focused.id == "library-filter"


async def test_help_lists_every_key_by_pane(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        assert set(sections) >= {"Everywhere", "Library", "Reader", "Search", "Annotations"}
        # each binding's keys, alone or in a row of a group ("j,down / k,up")
        reader_keys = {member for row, _what in sections["Reader"] for member in row.split(" / ")}
        for keys in ("j,down", "t", "space", "left_square_bracket", "f", "v", "a", "h", "y", "n", "N"):
            assert keys in reader_keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_jump_to_time_in_every_syntax(app_for, clock):
    app = app_for(transcript("Long", 1000, step=5.0))  # 5000 s
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.press("2")

        async def jump(text: str) -> float:
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, JumpScreen)
            await pilot.press(*text, "enter")
            await pilot.pause()
            return app.playhead.position

        assert await jump("1:02:03") == 3723
        assert reader.cursor == 744  # 3720 s starts segment 744
        assert await jump("62:03") == 3723
        assert await jump("600") == 600
        assert await jump("+30s") == 630
        assert await jump("-1m") == 570
        assert await jump("50%") == 4999 / 2  # the last segment ends at 4999 s
        assert reader.segments[reader.cursor].start == 2495
        assert "41:35 / 1:23:19" in status(app) and "41:39" in status(app)
        await jump("nonsense")  # a bad time says why and changes nothing
        assert app.playhead.position == 4999 / 2


async def test_playhead_plays_pauses_changes_speed_and_follows(app_for, clock):
    app = app_for(transcript("Long", 400, step=5.0, gap=2.0))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.press("2", "space")
        assert app.playhead.playing
        clock.advance(12)  # 12 s: inside segment 2 (10-13)
        app.tick()
        assert reader.playhead_seg == 2 and reader.playhead_inside
        assert "▶" in status(app)
        clock.advance(2)  # 14 s: in the gap after segment 2
        app.tick()
        assert reader.playhead_seg == 2 and not reader.playhead_inside
        await pilot.press("right_square_bracket")
        assert app.playhead.speed == 1.25
        clock.advance(4)  # 14 + 4 * 1.25 = 19
        app.tick()
        assert app.playhead.position == pytest.approx(19.0)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.playhead.speed == 0.75
        await pilot.press("space")
        assert not app.playhead.playing
        paused_at = app.playhead.position
        clock.advance(100)
        assert app.playhead.position == paused_at


async def test_scrolling_away_stops_following_and_f_follows_again(app_for, clock):
    app = app_for(transcript("Long", 400, step=5.0))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.press("2", "space")
        await pilot.press("G")  # the user looks elsewhere
        assert not app.follow and app.playhead.playing
        assert "not following" in status(app)
        clock.advance(1000)  # 1000 s: segment 200
        app.tick()
        assert reader.playhead_seg == 200
        top = reader.scroll_offset.y
        assert reader.layout_.row_of(200) < top  # not followed: the view stayed
        await pilot.press("f")
        assert app.follow
        row = reader.layout_.row_of(200)
        assert reader.scroll_offset.y <= row < reader.scroll_offset.y + reader.scrollable_content_region.height


async def test_enter_puts_the_playhead_on_the_cursor(app_for):
    app = app_for(transcript("Long", 50, step=5.0))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "j", "j", "enter")
        assert app.playhead.position == 15.0
        assert app.query_one(Reader).playhead_seg == 3


async def test_reading_position_is_restored(tmp_path, clock):
    paths = make_library(tmp_path / "home", transcript("Tides", 100))
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", *["j"] * 37)
        await pilot.press("q")
    with Library(paths.library) as lib:
        assert lib.info(1).position == 37
    app2 = HarkApp(paths, clock=clock, watch_changes=False)
    async with app2.run_test(size=(140, 40)) as pilot:
        await settle(app2, pilot)
        assert app2.query_one(Reader).cursor == 37


async def test_set_aside_text_behind_a_toggle(app_for):
    t = transcript("Page", 5)
    t.set_aside = ["Related Songs"]
    app = app_for(t)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.press("2")
        assert "Related Songs" not in reader.visible_text()
        await pilot.press("s")
        assert "Related Songs" in reader.visible_text()
        await pilot.press("s")
        assert "Related Songs" not in reader.visible_text()


async def test_reader_shows_passages_speakers_chapters_nonspeech_and_estimates(app_for):
    segs = [
        Segment(0, 2, "[Music]", kind="nonspeech"),
        Segment(3, 6, "Welcome to the show.", speaker="Ann"),
        Segment(6, 9, "Thanks for having me.", speaker="Ben"),
    ]
    from hark.store.model import Chapter

    t = Transcript(title="Show", format="vtt", segments=segs, chapters=[Chapter("Opening", 1)], timing="estimated")
    app = app_for(t)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        shown = app.query_one(Reader).visible_text().splitlines()
        lines = [ln.strip() for ln in shown if ln.strip()]
        assert lines[:6] == [
            "≈   0:00 [Music]",
            "Opening",
            "Ann",
            "≈   0:03 Welcome to the show.",
            "Ben",
            "≈   0:06 Thanks for having me.",
        ]
        assert "times estimated" in status(app)


async def test_untrusted_text_is_shown_literally(app_for):
    t = Transcript(
        title="[bold]Loud[/] $accent",
        format="srt",
        segments=[Segment(start=0, end=1, text="[link=http://x]click[/link] and [red]red[/]", speaker="[b]Eve[/b]")],
    )
    app = app_for(t)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        shown = app.query_one(Reader).visible_text()
        assert "[link=http://x]click[/link] and [red]red[/]" in shown
        assert "[b]Eve[/b]" in shown
        assert "[bold]Loud[/] $accent" in status(app)
        title = app.query_one("#reader-pane").border_title
        assert "[bold]Loud[/] $accent" in Content.from_markup(str(title)).plain
        item = app.query_one("#library-list").get_option_at_index(0)
        assert "[bold]Loud[/] $accent" in item.prompt.plain


async def test_empty_library_says_how_to_import_and_offers_samples(app_for):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        assert "hark import" in status(app)
        hint = str(app.query_one("#library-hint").render())
        assert "press D" in hint
        await pilot.press("D")
        await settle(app, pilot)
        assert len(app.query_one(LibraryPane).items) >= 10


@pytest.mark.parametrize("size,narrow", [((80, 24), True), ((250, 70), False)])
async def test_layout_at_80x24_and_250x70(app_for, size, narrow):
    app = app_for(transcript("Tides", 200))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-narrow") is narrow
        reader = app.query_one(Reader)
        assert reader.region.width > 0
        if narrow:
            # only the active side pane shows, like tabs
            assert app.query_one(LibraryPane).display
            assert not app.query_one(SearchPane).display
            await pilot.press("3")
            assert app.query_one(SearchPane).display and not app.query_one(LibraryPane).display
        else:
            assert all(
                p.display
                for p in (app.query_one(LibraryPane), app.query_one(SearchPane), app.query_one(AnnotationsPane))
            )


async def test_resize_rewraps(app_for):
    app = app_for(transcript("Tides", 200))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        before = reader.layout_.width
        await pilot.resize_terminal(200, 50)
        await settle(app, pilot)
        assert reader.layout_.width > before


async def test_keys_are_rebindable_from_config(app_for):
    app = app_for(transcript("Tides", 30))
    app.paths.config_file.write_text("keymap:\n  reader.next: l\n  reader.nowhere: x\n")
    app.config, app.config_problems = load_config(app.paths)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "l", "l")
        assert app.query_one(Reader).cursor == 2
        # an unknown binding id is reported with the file and line, not fatal
        assert any("reader.nowhere" in n.message and "config.yaml:3" in n.message for n in app._notifications)
        await pilot.press("question_mark")
        await pilot.pause()
        reader_keys = dict(dict(app.screen.sections)["Reader"])
        assert reader_keys["l / k,up"] == "next / previous segment"


async def test_playhead_position_is_saved_with_the_reading_position(tmp_path, clock):
    paths = make_library(tmp_path / "home", transcript("Tides", 100))
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.jump_to(123.0)
        await pilot.press("q")
    app2 = HarkApp(paths, clock=clock, watch_changes=False)
    async with app2.run_test(size=(140, 40)) as pilot:
        await settle(app2, pilot)
        assert app2.playhead.position == 123.0
        assert app2.query_one(Reader).playhead_seg == 24

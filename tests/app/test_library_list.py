"""The Library's list drawn line by line (5,000 transcripts cost what the
screen shows), the reader re-wrapped in a thread on resize, and a search
typed right after start."""

from __future__ import annotations

import threading

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hark.store.library import Library, TranscriptInfo
from hark.store.text import clean_line
from hark.tui.layout import Layout
from hark.tui.lists import LineList
from hark.tui.panes import LibraryList, LibraryPane, SearchPane, library_titles
from hark.tui.reader import WRAP_IN_THREAD, Reader

from .conftest import make_library, settle, transcript

MANY = 5000


def infos(n: int) -> list[TranscriptInfo]:
    return [
        TranscriptInfo(
            id=i,
            title=f"Talk {i:05d} on {'tides' if i % 7 == 0 else 'bread'}",
            format="srt",
            timing="exact",
            source=f"/t/{i}.srt",
            sha256=str(i),
            size=1,
            mtime=0.0,
            metadata={},
            speakers=["Ann"] if i % 2 else ["Ben"],
            duration=60.0 + i,
            segment_count=10,
            imported="2026-01-01 00:00:00",
            updated="2026-01-01 00:00:00",
        )
        for i in range(1, n + 1)
    ]


async def test_five_thousand_transcripts_are_drawn_only_where_shown(app_for, monkeypatch):
    app = app_for(transcript("Only", 3))
    async with app.run_test(size=(140, 50)) as pilot:  # (two lines a transcript from 45 rows)
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        made: list[int] = []
        item_text = pane._item_text
        monkeypatch.setattr(pane, "_item_text", lambda i: made.append(i) or item_text(i))
        pane.sort = "title"
        pane.set_items(infos(MANY))
        await pilot.pause()
        ol = app.query_one("#library-list", LineList)
        assert ol.option_count == MANY and ol.highlighted == 0
        shown = ol.scrollable_content_region.height // ol.item_height + 1
        # Only the rows on screen were made, not 5,000.
        assert 0 < len(set(made)) <= shown
        assert ol.virtual_size.height == MANY * 2  # two lines a transcript
        assert "5000 transcripts · sorted by title (o)" in str(app.query_one("#library-hint").content)
        app.screen.set_focus(ol)
        await pilot.press("j", "j", "down", "k")
        assert ol.highlighted == 2
        await pilot.press("end")
        assert ol.highlighted == MANY - 1 and pane.chosen().id == MANY
        # The last transcript's rows are on screen now, drawn then.
        assert MANY - 1 in made
        assert ol.scroll_offset.y + ol.scrollable_content_region.height >= MANY * 2
        await pilot.press("j")  # round the end, as in an OptionList
        assert ol.highlighted == 0
        await pilot.press("k")
        assert ol.highlighted == MANY - 1
        await pilot.press("home", "pagedown")
        assert ol.highlighted == ol.scrollable_content_region.height // 2
        await pilot.press("pageup")
        assert ol.highlighted == 0
        # The prompt as the OptionList had it: the title, then the details.
        first = ol.get_option_at_index(0)
        assert first.id == "1" and first.prompt.plain.split("\n")[0] == "Talk 00001 on bread"
        assert "Ann" in first.prompt.plain.split("\n")[1]


async def test_filtering_five_thousand_keeps_the_highlight_and_enter_opens(app_for, monkeypatch):
    app = app_for(transcript("Only", 3))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        pane.sort = "title"
        pane.set_items(infos(MANY))
        await pilot.pause()
        opened: list[int] = []
        monkeypatch.setattr(app, "open_transcript", lambda tid, *a, **k: opened.append(tid))
        ol = app.query_one("#library-list", LineList)
        app.screen.set_focus(ol)
        await pilot.press("down", "down")  # Talk 00003 on bread
        await pilot.press("slash", *"tides")
        assert app.focused.id == "library-filter"
        assert ol.option_count == MANY // 7
        assert f"{MANY // 7} of {MANY} transcripts" in str(app.query_one("#library-hint").content)
        assert all("tides" in o.title for o in pane.shown)
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [7]  # the first that matches (the one highlighted was filtered out)
        # Back to all: the highlight stays on the transcript it was on.
        app.query_one("#library-filter").value = ""
        await pilot.pause()
        assert ol.option_count == MANY and pane.chosen().id == 7
        await pilot.press("down", *["j"] * 14)  # from the box to the list, then down
        assert app.focused is ol and pane.chosen().id == 21
        await pilot.press("slash", *"talk 0002")
        assert pane.chosen().id == 21  # still listed: still highlighted
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert opened == [7, 21]
        await pilot.press("slash", *"nothing like it", "escape", "enter")
        await pilot.pause()
        assert ol.option_count == 0 and ol.highlighted is None
        assert "No transcript matches" in str(app.query_one("#library-hint").content)


async def test_a_click_opens_the_transcript_under_it(app_for, monkeypatch):
    app = app_for(transcript("Alpha", 3), transcript("Beta", 3), transcript("Gamma", 3))
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        opened: list[int] = []
        monkeypatch.setattr(app, "open_transcript", lambda tid, *a, **k: opened.append(tid))
        ol = app.query_one("#library-list", LineList)
        third = pane.shown[2]
        await pilot.click(ol, offset=(3, 5))  # the third transcript's second line
        await pilot.pause()
        assert opened == [third.id] and ol.highlighted == 2


async def test_a_long_transcript_is_rewrapped_in_a_thread_on_resize(tmp_path, clock):
    from hark.tui.app import HarkApp

    n = WRAP_IN_THREAD + 500
    paths = make_library(tmp_path / "home", transcript("Long", n))
    app = HarkApp(paths, clock=clock, watch_changes=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert len(reader.segments) == n
        before = reader.layout_.width
        main = threading.get_ident()
        wrapped_on: list[int] = []
        wrapped = reader.layout_.wrapped

        def spy(width, aside=None):
            wrapped_on.append(threading.get_ident())
            return wrapped(width, aside)

        reader.layout_.wrapped = spy
        # Two resizes at once: the first one's wrap is stale and dropped.
        await pilot.resize_terminal(120, 40)
        await pilot.resize_terminal(100, 40)
        await settle(app, pilot)
        width = reader._text_width()
        assert width != before and reader.layout_.width == width
        assert wrapped_on and main not in wrapped_on  # never on the UI thread
        with Library(paths.library) as lib:
            fresh = Layout(lib.get(reader.transcript_id).segments)
        fresh.reflow(width)
        assert reader.layout_.rows == fresh.rows and reader.layout_.passage_row == fresh.passage_row
        assert reader.virtual_size.height == len(fresh.rows)
        # What shows is the text at the new width, the cursor's row in view.
        lines = [reader.render_line(y).text for y in range(reader.scrollable_content_region.height)]
        assert any(f"Sentence {reader.cursor} of Long." in line for line in lines)
        assert all(len(line) == reader.scrollable_content_region.width for line in lines)


async def test_a_short_transcript_is_rewrapped_at_once(app_for):
    app = app_for(transcript("Short", 30))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        assert reader.layout_.width == reader._text_width()


async def test_a_search_typed_right_after_start_is_answered(app_for):
    app = app_for(transcript("Tides", 40), transcript("Bread", 30))
    async with app.run_test(size=(140, 40)) as pilot:
        while not app.query_one(LibraryPane).items:
            await pilot.pause(0.01)
        await pilot.press("3", *"tides")
        search = app.query_one(SearchPane)
        for _ in range(400):
            if search.hits and search.last_query == "tides":
                break
            await pilot.pause(0.01)
        assert search.last_query == "tides" and {h.title for h in search.hits} == {"Tides"}


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
    | st.text(alphabet=" ab\t\n\x1b[m\u00a0\u202e", max_size=12)
)
@example("Tides  and bread")
@example(" Tides")
@example("Tides\u2028")
@example("\x1b[31mTides\x1b[0m")
@example("Ti\u200bdes")
def test_titles_are_shown_as_clean_line_makes_them(title):
    info = infos(1)[0]
    info.title = title
    assert library_titles([info]) == {1: clean_line(title)}


async def test_the_list_is_drawn_before_the_transcript_read_last_is_opened(tmp_path, clock):
    from hark.tui.app import HarkApp

    paths = make_library(tmp_path / "home", transcript("Alpha", 3), transcript("Beta", 3), transcript("Gamma", 3))
    with Library(paths.library) as lib:
        lib.set_reading(2, 1)
    app = HarkApp(paths, clock=clock, watch_changes=False)
    opened: list[tuple[int, bool]] = []
    open_transcript = app.open_transcript

    def spy(tid, *args, **kwargs):
        opened.append((tid, app.library_painted is not None))
        open_transcript(tid, *args, **kwargs)

    app.open_transcript = spy  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        assert opened == [(2, True)]  # once the list was drawn, not before
        assert app.query_one(Reader).transcript_id == 2 and app.query_one(Reader).cursor == 1
        assert app.focused is app.query_one(LibraryList)

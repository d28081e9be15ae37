"""Focus never traps (issue 14): escape leaves every box for its list (or
the reader) keeping the text, down enters the list, alt+digit and tab work
from boxes, a box focused again selects its old text, an empty list says
why, and letters in a list are keys, never the start of a filter."""

from __future__ import annotations

from hark.store import annotations
from hark.store.library import Library
from hark.tui.panes import AnnotationsPane, LibraryPane
from hark.tui.reader import Reader

from .conftest import settle, transcript


def _titles(app) -> list[str]:
    ol = app.query_one("#library-list")
    return [ol.get_option_at_index(i).prompt.plain.split("\n")[0] for i in range(ol.option_count)]


async def test_escape_leaves_each_box_keeping_its_text(app_for):
    app = app_for(transcript("Tides", 4), transcript("Moon", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        # Library: / to the filter, escape back to the list, the filter kept.
        await pilot.press("1", "slash", *"moo", "escape")
        assert app.focused.id == "library-list"
        assert app.query_one("#library-filter").value == "moo"
        assert len(_titles(app)) == 1 and _titles(app)[0].startswith("Moon")
        # Annotations: the same.
        await pilot.press("4", "slash", *"xy", "escape")
        assert app.focused.id == "annotations-list"
        assert app.query_one("#annotations-filter").value == "xy"
        # Search with hits: escape goes to the hits.
        await pilot.press("3", *"sentence")
        await pilot.pause(0.5)
        await settle(app, pilot)
        await pilot.press("escape")
        assert app.focused.id == "search-results"
        assert app.query_one("#search-box").value == "sentence"
        # Search without hits: escape goes back to the reader.
        await pilot.press("slash", *"zzzq")
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert app.query_one("#search-results").option_count == 0
        await pilot.press("escape")
        assert isinstance(app.focused, Reader)
        assert app.query_one("#search-box").value == "zzzq"


async def test_down_from_a_filter_enters_its_list(app_for):
    app = app_for(transcript("Tides", 4), transcript("Moon", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "slash", "down")
        assert app.focused.id == "library-list"
        await pilot.press("4", "slash", "down")
        assert app.focused.id == "annotations-list"


async def test_alt_digits_and_tab_leave_a_box_where_digits_are_text(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "slash", *"003")
        assert app.query_one("#library-filter").value == "003"  # digits are typed in a box
        await pilot.press("alt+2")
        assert isinstance(app.focused, Reader)
        await pilot.press("alt+3")
        assert app.focused.id == "search-box"
        await pilot.press("alt+4")
        assert app.focused.id == "annotations-list"
        await pilot.press("slash", "alt+1")
        assert app.focused.id == "library-list"
        await pilot.press("slash", "tab")
        assert isinstance(app.focused, Reader)
        # and the plain digits from the reader and every list
        for key, focused in (("4", "annotations-list"), ("1", "library-list"), ("3", "search-box")):
            await pilot.press(key)
            assert app.focused.id == focused
        await pilot.press("escape", "2")
        assert isinstance(app.focused, Reader)


async def test_a_filter_focused_again_selects_its_old_text(app_for):
    app = app_for(transcript("Tides 003", 4), transcript("YouTube talk", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "slash", *"003", "enter")
        await settle(app, pilot)
        assert isinstance(app.focused, Reader)
        # Typing replaces the old filter, not appends to it ("003YouTube").
        await pilot.press("1", "slash", *"YouTube")
        assert app.query_one("#library-filter").value == "YouTube"
        assert len(_titles(app)) == 1 and _titles(app)[0].startswith("YouTube")
        # The search box too.
        await pilot.press("3", *"tides")
        await pilot.press("escape", "3", *"moon")
        assert app.query_one("#search-box").value == "moon"
        # An arrow key keeps the old text.
        await pilot.press("escape", "3", "end", "s")
        assert app.query_one("#search-box").value == "moons"


async def test_letters_in_a_list_are_keys_not_a_filter(app_for):
    app = app_for(transcript("Tides", 4), transcript("Moon", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(LibraryPane)
        assert app.focused.id == "library-list"
        await pilot.press("o")  # sorts, and the filter stays empty
        assert pane.sort == "title"
        await pilot.press("x", "y")
        assert app.query_one("#library-filter").value == ""
        assert app.focused.id == "library-list"
        assert len(_titles(app)) == 2
        await pilot.press("4", "m")
        assert app.query_one("#annotations-filter").value == ""
        assert app.focused.id == "annotations-list"
        await pilot.press("3", "escape", "j")
        assert app.query_one("#search-box").value == ""
        # "quick" in the library: its q quits, as q does in less and vim.
        await pilot.press("1", *"quick")
        await pilot.pause()
        assert app.return_code == 0


async def test_an_empty_list_says_why_and_enter_on_it_too(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("1", "slash", *"zebra")
        assert app.query_one("#library-list").option_count == 0
        hint = app.query_one("#library-hint").content.plain
        assert "No transcript matches “zebra”" in hint
        await pilot.press("enter")  # in the box
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("No transcript matches “zebra”" in m for m in said)
        app.clear_notifications()
        await pilot.press("escape", "enter")  # on the list
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("No transcript matches “zebra”" in m for m in said)
        # Annotations: none in this transcript, and enter says so.
        app.clear_notifications()
        await pilot.press("4", "enter")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("No annotations in this transcript" in m for m in said)


async def test_an_annotation_filter_matching_nothing_says_so(app_for):
    app = app_for(transcript("Tides", 60))
    with Library(app.paths.library) as lib:
        annotations.create(lib, 1, 5, 5, note="about the sun")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "4")
        await settle(app, pilot)
        pane = app.query_one(AnnotationsPane)
        assert len(pane.items) == 1
        await pilot.press("slash", *"moon")
        hint = app.query_one("#annotations-hint").content.plain
        assert "No annotation in this transcript matches “moon”" in hint
        await pilot.press("ctrl+a", "ctrl+k", *"sun")
        assert app.query_one("#annotations-list").option_count == 1

"""Layouts (issue 14): the pane strip at 80 columns, z for a whole-screen
reader, a footer that fits, a readable measure on wide screens
(reading.measure), a one-line Library row on short terminals, and Search
results grouped by transcript with each snippet cut around its match."""

from __future__ import annotations

from textual.widgets import Footer

from hark.store.model import Segment, Transcript
from hark.tui.app import PaneStrip
from hark.tui.config import parse_config
from hark.tui.panes import SearchPane, cut_snippet
from hark.tui.reader import Reader
from hark.tui.views import HitView

from .conftest import settle, transcript


def _strip(app) -> str:
    return app.query_one(PaneStrip).content.plain


def _active(app) -> str:
    # the strip's reversed label: the side pane shown
    strip = app.query_one(PaneStrip).content
    return "".join(strip.plain[s.start : s.end] for s in strip.spans if "reverse" in str(s.style))


async def test_at_80_columns_a_strip_names_the_pane_shown_and_the_keys_to_the_others(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        strip = app.query_one(PaneStrip)
        assert strip.display and strip.region.height == 1
        assert _strip(app) == "1 Library  3 Search  4 Annotations"
        assert strip.region.width >= len(_strip(app))
        assert _active(app) == "1 Library"
        await pilot.press("3")
        assert _active(app) == "3 Search"
        assert app.query_one("#search").display and app.query_one("#search").region.height > 0
        assert app.query_one("#library").region.height == 0
        await pilot.press("escape", "2")  # the reader: the side keeps the pane used last
        assert _active(app) == "3 Search"
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        # wide enough for every pane: no strip
        assert app.query_one(PaneStrip).region.height == 0


async def test_z_gives_the_reader_the_whole_screen_and_back(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        pane = app.query_one("#reader-pane")
        narrow = pane.region.width
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.focused, Reader)
        assert app.query_one("#side").region.width == 0
        assert pane.region.width == 80 > narrow
        await pilot.press("z")
        await pilot.pause()
        assert pane.region.width == narrow
        # a side pane asked for while zoomed comes back with its column
        await pilot.press("z", "4")
        await pilot.pause()
        assert app.focused.id == "annotations-list"
        assert app.query_one("#side").region.width > 0


async def test_the_footer_fits_80_columns(app_for):
    app = app_for(transcript("Tides", 4))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for pane in ("1", "2", "3", "4"):
            await pilot.press("escape", pane)
            await pilot.pause()
            footer = app.query_one(Footer)
            assert footer.region.width == 80
            # every key the footer shows, whole, inside the 80 columns
            shown = list(footer.children)
            assert len(shown) >= 3, pane
            assert sum(w.virtual_region.width for w in shown) <= 80, pane
            assert footer.virtual_size.width <= 80, pane


async def test_a_readable_measure_on_wide_screens(app_for):
    app = app_for(Transcript(title="Long lines", format="srt", segments=[Segment(0, 5, "word " * 200)]))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        pane = app.query_one("#reader-pane").content_region
        assert reader.region.width == 100
        # centred in its pane
        left = reader.region.x - pane.x
        right = pane.right - reader.region.right
        assert abs(left - right) <= 1
    config, problems = parse_config("reading:\n  measure: 70\n")
    assert config.reading.measure == 70 and not problems
    config, problems = parse_config("reading:\n  measure: wide\n")
    assert config.reading.measure == 100
    assert problems == [
        "config.yaml:2: reading.measure must be a number of columns from 30 to 1000, or 0 for no limit (using 100)"
    ]
    app = app_for(transcript("Tides", 4))
    app.config.reading.measure = 0  # no limit
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app, pilot)
        assert app.query_one(Reader).region.width == app.query_one("#reader-pane").content_region.width


async def test_a_short_terminal_shows_one_line_per_transcript(app_for):
    titles = [transcript(f"Talk {i}", 3) for i in range(20)]
    app = app_for(*titles)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        ol = app.query_one("#library-list")
        assert "\n" not in ol.get_option_at_index(0).prompt.plain
        assert "0:14" in ol.get_option_at_index(0).prompt.plain  # its length still shown
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert "\n" in ol.get_option_at_index(0).prompt.plain


async def test_search_results_are_grouped_by_transcript(app_for):
    app = app_for(transcript("Tides", 4))

    def hit(tid: int, title: str, seg: int, timing: str = "exact") -> HitView:
        return HitView(tid, title, seg, seg * 5.0, f"tide {seg}", [(0, 4)], timing=timing)

    # ranked best first, the two transcripts' hits alternating
    hits = [hit(1, "Alpha", 0), hit(2, "Beta", 3, "estimated"), hit(1, "Alpha", 7), hit(2, "Beta", 9, "estimated")]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(SearchPane)
        pane.show_results("tide", hits, 4, None, None)
        ol = app.query_one("#search-results")
        rows = [ol.get_option_at_index(i) for i in range(ol.option_count)]
        # each title once, with its count (and ≈ for estimated times), its
        # hits under it, the best transcript first
        assert [r.prompt.plain if r.disabled else pane.hits[int(r.id)].segment for r in rows] == [
            "Alpha  2",
            0,
            7,
            "Beta  2 ≈",
            3,
            9,
        ]
        assert rows[4].prompt.plain.startswith("≈   0:15")
        assert ol.highlighted == 1
        await pilot.press("3", "down", "enter")
        await settle(app, pilot)
        assert app.query_one(Reader).cursor == 0


def test_a_snippet_is_cut_around_its_first_match():
    text = "so we went on and on about nothing much until the lighthouse keeper came"
    at = text.index("lighthouse")
    cut = cut_snippet(text, [(at, at + len("lighthouse"))])
    assert cut.plain.startswith("…")
    # the match within the first 14 columns: visible in the 80-column side pane
    assert cut.plain.index("lighthouse") <= 14
    marked = [cut.plain[s.start : s.end] for s in cut.spans]
    assert marked == ["lighthouse"]
    # a match near the start: nothing cut
    assert cut_snippet("the lighthouse", [(4, 14)]).plain == "the lighthouse"

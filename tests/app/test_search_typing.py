"""Typing in the Search pane (issue 13, point 8): the last word being typed
is a prefix until a space or a pause, so results appear as you type; at a
pause it is searched whole, and as a prefix only when nothing says it
whole (with a note on the pane)."""

from __future__ import annotations

from hark.store.model import Segment, Transcript
from hark.tui.panes import SearchPane

from .conftest import settle

AGENTS = Transcript(
    title="Agents",
    format="srt",
    segments=[
        Segment(start=0.0, end=4.0, speaker="Ann", text="Reliability over long horizon tasks matters."),
        Segment(start=4.0, end=8.0, speaker="Ben", text="How long does it take?"),
        Segment(start=8.0, end=12.0, speaker="Ann", text="Nothing else here."),
    ],
)


def _hint(app) -> str:
    return app.query_one("#search-hint").content.plain


async def test_a_partial_last_word_finds_as_you_type(app_for):
    app = app_for(AGENTS)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(SearchPane)
        # As typed, before any pause: "hor" is read as hor*.
        await pilot.press("3", *"long hor")
        await settle(app, pilot)
        assert [(h.transcript_id, h.segment) for h in pane.hits] == [(1, 0)]
        assert "long horizon" in pane.hits[0].snippet
        assert _hint(app).startswith("1 match")
        assert "No matches" not in _hint(app) and "Did you mean" not in _hint(app)
        # After a pause: nothing says "hor" whole, so still its completions,
        # and the pane says how the query was read.
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert [(h.transcript_id, h.segment) for h in pane.hits] == [(1, 0)]
        assert 'nothing says "hor": searched the words that start with it' in _hint(app)
        # A space ends the word: it is searched whole.
        await pilot.press("space")
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert pane.hits == []
        assert _hint(app).startswith("No matches.") and "Did you mean long how?" in _hint(app)


async def test_a_whole_word_at_a_pause_is_searched_whole(app_for):
    app = app_for(AGENTS)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        pane = app.query_one(SearchPane)
        # "how" is said: at a pause it is the word itself, not how*.
        await pilot.press("3", *"long how")
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert [(h.transcript_id, h.segment) for h in pane.hits] == [(1, 1)]
        assert "nothing says" not in _hint(app)
        # Enter on a partial word opens its best completion.
        await pilot.press("ctrl+a", "ctrl+k", *'"long hor', "enter")
        await settle(app, pilot)
        assert [(h.transcript_id, h.segment) for h in pane.hits] == [(1, 0)]

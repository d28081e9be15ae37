"""Reading like less and vim (issue 14): `/` finds in the open transcript,
n/N go on (also after opening a library hit), ctrl+o / ctrl+n walk the jump
list, `{` `}` move by passage, ctrl+f / ctrl+b by page; 3 and S open the
library's search from the reader."""

from __future__ import annotations

from hark.store.model import Segment, Transcript
from hark.tui import keys
from hark.tui.app import StatusLine
from hark.tui.finding import FindBar, JumpList
from hark.tui.panes import SearchPane
from hark.tui.reader import Reader

from .conftest import settle

# Speakers take turns every 5 segments, so each turn is its own passage.
APPLES = {2: "an apple fell", 12: "the apple tree", 27: "apple pie again", 41: "one more apple"}
OTHER = {17: "banana bread and custard", 33: "banana split"}


def _fruit(title: str = "Orchard", n: int = 50, apples: dict[int, str] = APPLES) -> Transcript:
    segments = []
    for i in range(n):
        words = apples.get(i) or OTHER.get(i) or f"plain words number {i}"
        segments.append(
            Segment(start=i * 4.0, end=i * 4.0 + 3.5, text=f"{words}.", speaker="Ann" if (i // 5) % 2 == 0 else "Ben")
        )
    return Transcript(title=title, format="srt", segments=segments)


def _status(app) -> str:
    return str(app.query_one(StatusLine).render())


async def _open(app, pilot) -> Reader:
    await settle(app, pilot)
    await pilot.press("2")
    reader = app.query_one(Reader)
    assert isinstance(app.focused, Reader)
    return reader


async def _find(app, pilot, *typed: str) -> None:
    await pilot.press("slash", *typed)
    await pilot.pause(0.3)
    await settle(app, pilot)


def test_the_find_box_takes_its_bindings_from_keys():
    assert FindBar.BINDINGS is keys.FIND
    reader = {b.key: b.action for b in keys.READER}
    assert reader["slash"] == "app.find"
    assert reader["ctrl+o"] == "app.jump_back" and reader["ctrl+n"] == "app.jump_forward"
    assert reader["left_curly_bracket"] == "passage(-1)" and reader["right_curly_bracket"] == "passage(1)"
    assert reader["ctrl+f"] == "page(1)" and reader["ctrl+b"] == "page(-1)"


async def test_slash_finds_as_you_type_and_n_goes_on(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        reader.move_to(20, jump=False)  # after the second apple
        await pilot.pause()
        await _find(app, pilot, *"apple")
        bar = app.query_one(FindBar)
        assert app.focused is bar and bar.display
        # Every apple in the transcript is marked, on the strip and in the text.
        assert reader.hits == sorted(APPLES)
        assert all(reader.matches[si] for si in APPLES)
        # Incremental: the cursor is on the first match from where `/` was pressed.
        assert reader.cursor == 27
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.focused, Reader) and not bar.display
        assert "/apple 3/4" in _status(app)
        await pilot.press("n")
        assert reader.cursor == 41 and "/apple 4/4" in _status(app)
        await pilot.press("n")  # wraps to the top
        assert reader.cursor == 2 and "/apple 1/4" in _status(app)
        await pilot.press("N", "N")
        assert reader.cursor == 27
        # The matched words are drawn with the match style.
        match_style = reader.get_component_rich_style("reader--match")
        row = reader.layout_.row_of(27) - reader.scroll_offset.y
        strip = reader.render_line(row)
        assert any(seg.text == "apple" and seg.style == match_style for seg in strip)


# Three apples in one passage (Ann's turn, segments 10-14).
CROWDED = {2: "an apple fell", 10: "apple one", 12: "then apple two", 13: "and apple three", 41: "one more apple"}


async def test_every_match_of_a_passage_is_marked_and_n_stops_at_each(app_for):
    app = app_for(_fruit(apples=CROWDED))
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        assert any(p.first == 10 and p.last == 14 for p in reader.layout_.passages)
        await _find(app, pilot, *"apple", "enter")
        # Not only the passage's best segment: each of its apples.
        assert reader.hits == sorted(CROWDED)
        assert reader.matches[12] == [(5, 10)] and reader.matches[13] == [(4, 9)]
        assert reader.cursor == 2 and "/apple 1/5" in _status(app)
        await pilot.press("n")
        assert reader.cursor == 10 and "/apple 2/5" in _status(app)
        await pilot.press("n")
        assert reader.cursor == 12 and "/apple 3/5" in _status(app)
        await pilot.press("n")
        assert reader.cursor == 13 and "/apple 4/5" in _status(app)
        await pilot.press("N")
        assert reader.cursor == 12
        # The second apple of the passage is drawn with the match style.
        match_style = reader.get_component_rich_style("reader--match")
        strip = reader.render_line(reader.layout_.row_of(13) - reader.scroll_offset.y)
        assert any(seg.text == "apple" and seg.style == match_style for seg in strip)


async def test_a_library_hit_opened_marks_every_match_of_its_passage(app_for):
    app = app_for(_fruit(apples=CROWDED))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", *"apple", "enter")
        await pilot.pause(0.4)
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert isinstance(app.focused, Reader)
        assert reader.hits == sorted(CROWDED)
        at = reader.cursor
        assert f"/apple {sorted(CROWDED).index(at) + 1}/5" in _status(app)


async def test_the_find_speaks_the_search_query_language(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        await _find(app, pilot, *'"banana bread"', "enter")
        assert reader.hits == [17]
        await _find(app, pilot, *"banana -split", "enter")
        assert reader.hits == [17]
        await _find(app, pilot, *"banana", "enter")
        assert reader.hits == [17, 33]
        # Nothing found: said, and n says how to find.
        await _find(app, pilot, *"zeppelin", "enter")
        assert reader.hits == []
        assert "/zeppelin 0/0" in _status(app)


async def test_escape_returns_to_where_slash_was_pressed_keeping_the_text(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        reader.move_to(30, jump=False)
        await pilot.pause()
        await _find(app, pilot, *"apple")
        assert reader.cursor == 41
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, Reader) and reader.cursor == 30
        assert not app.query_one(FindBar).display
        # Again: the old text comes back selected, so typing replaces it.
        await pilot.press("slash")
        bar = app.query_one(FindBar)
        assert bar.value == "apple" and bar.selected_text == "apple"
        await pilot.press(*"banana")
        assert bar.value == "banana"


async def test_opening_a_library_hit_makes_its_query_the_find(app_for):
    app = app_for(_fruit("First"), _fruit("Second"))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", *"apple", "enter")
        await pilot.pause(0.4)
        await settle(app, pilot)
        reader = app.query_one(Reader)
        assert isinstance(app.focused, Reader) and reader.cursor in APPLES
        # Its query is the reader's find, over the whole transcript.
        assert app.query_one(FindBar).value == "apple"
        assert reader.hits == sorted(APPLES)
        at = reader.cursor
        assert f"/apple {sorted(APPLES).index(at) + 1}/4" in _status(app)
        later = [si for si in sorted(APPLES) if si > at]
        await pilot.press("n")
        assert reader.cursor == (later[0] if later else min(APPLES))


async def test_ctrl_o_goes_back_through_the_jumps_and_ctrl_n_forward(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        reader.move_to(10, jump=False)
        await pilot.pause()
        await pilot.press("G")  # a jump from 10
        await pilot.pause()
        assert reader.cursor == 49
        await pilot.press("k", "k")  # moves are not jumps
        await pilot.press("g")  # a jump from 47
        await pilot.pause()
        await _find(app, pilot, *"banana", "enter")  # a jump from 0
        assert reader.cursor == 17
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert reader.cursor == 0
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert reader.cursor == 47
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert reader.cursor == 10
        await pilot.press("ctrl+o")  # nothing older: stays
        await pilot.pause()
        assert reader.cursor == 10
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert reader.cursor == 0
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert reader.cursor == 17


async def test_ctrl_o_returns_to_the_transcript_before_a_hit(app_for):
    app = app_for(_fruit("First"), _fruit("Second"))
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        first_id = reader.transcript_id
        reader.move_to(8, jump=False)
        await pilot.pause()
        await pilot.press("3", *"custard")
        await pilot.pause(0.4)
        await settle(app, pilot)
        hit = next(h for h in app.query_one(SearchPane).hits if h.transcript_id != first_id)
        app.query_one(SearchPane).post_message(SearchPane.OpenHit(hit, app.query_one(SearchPane).hits))
        await settle(app, pilot)
        assert reader.transcript_id == hit.transcript_id and reader.cursor == 17
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert reader.transcript_id == first_id and reader.cursor == 8
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert reader.transcript_id == hit.transcript_id and reader.cursor == 17


async def test_the_find_goes_on_in_the_next_transcript_opened(app_for):
    app = app_for(_fruit("First"), _fruit("Second"))
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        first_id = reader.transcript_id
        await _find(app, pilot, *"custard", "enter")
        assert reader.hits == [17] and "/custard 1/1" in _status(app)
        # As in less: the next transcript opened is found in too.
        other = 2 if first_id == 1 else 1
        app.open_transcript(other)
        await settle(app, pilot)
        assert reader.transcript_id == other
        assert reader.hits == [17] and "/custard" in _status(app)
        await pilot.press("g", "n")
        assert reader.cursor == 17


async def test_nothing_found_is_said_and_tab_away_closes_the_box_keeping_its_text(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        await _find(app, pilot, *"zeppelin", "enter")
        assert any("zeppelin" in n.message for n in app._notifications)
        await pilot.press("slash", *"appl", "tab")
        await pilot.pause()
        bar = app.query_one(FindBar)
        assert not bar.display and bar.value == "appl"
        assert not isinstance(app.focused, (Reader, FindBar))
        assert reader.hits  # the find typed so far stays marked


async def test_going_to_a_time_is_a_jump(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        reader = await _open(app, pilot)
        reader.move_to(3, jump=False)
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"1:40", "enter")  # 100 s: segment 25
        await settle(app, pilot)
        assert reader.cursor == 25
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert reader.cursor == 3
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert reader.cursor == 25


async def test_braces_move_by_passage_and_ctrl_f_b_by_page(app_for):
    app = app_for(_fruit(n=200))
    async with app.run_test(size=(140, 24)) as pilot:
        reader = await _open(app, pilot)
        starts = [p.first for p in reader.layout_.passages]
        assert starts[:3] == [0, 5, 10]
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        assert reader.cursor == 10
        await pilot.press("j", "j", "left_curly_bracket")  # to this passage's start
        assert reader.cursor == 10
        await pilot.press("left_curly_bracket")  # then the one before
        assert reader.cursor == 5
        await pilot.press("g")
        top = reader.scroll_offset.y
        await pilot.press("ctrl+f")
        await pilot.pause()
        height = reader.scrollable_content_region.height
        assert reader.scroll_offset.y - top == height - 2
        assert reader.layout_.row_of(reader.cursor) >= reader.scroll_offset.y
        after = reader.cursor
        assert after > 5
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert reader.scroll_offset.y == top and reader.cursor < after


async def test_3_and_S_open_the_library_search_from_the_reader(app_for):
    app = app_for(_fruit())
    async with app.run_test(size=(140, 40)) as pilot:
        await _open(app, pilot)
        await pilot.press("S")
        assert app.focused.id == "search-box"
        await pilot.press("escape", "2", "3")
        assert app.focused.id == "search-box"


async def test_slash_without_a_transcript_says_so(app_for):
    app = app_for()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        app.action_find()
        await pilot.pause()
        assert not app.query_one(FindBar).display


def test_the_jump_list_walks_back_and_forward_like_vims():
    jumps = JumpList(kept=3)
    assert jumps.back((1, 0)) is None
    for seg in (10, 20, 30):
        jumps.push((1, seg))
    # From 40 back: 30, 20, 10, then nothing; forward again to 40.
    assert jumps.back((1, 40)) == (1, 30)
    assert jumps.back((1, 30)) == (1, 20)
    assert jumps.back((1, 20)) == (1, 10)
    assert jumps.back((1, 10)) is None
    assert jumps.forward((1, 10)) == (1, 20)
    assert jumps.forward((1, 20)) == (1, 30)
    assert jumps.forward((1, 30)) == (1, 40)
    assert jumps.forward((1, 40)) is None
    # A new jump after going back drops the newer places; only `kept` stay.
    jumps.back((1, 40))
    jumps.push((2, 5))
    assert jumps.places == [(1, 10), (1, 20), (2, 5)]
    jumps.push((2, 5))  # the same place twice is kept once
    jumps.push((2, 6))
    assert jumps.places == [(1, 20), (2, 5), (2, 6)]

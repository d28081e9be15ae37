"""The reader's layout on its own: wrapping, and the map between rows and
segments."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from hark.store.model import Chapter, Segment
from hark.tui.layout import HEADING, SPEAKER, TEXT, Layout, _wrap_ascii, _wrap_cells, wrap

_WORDS = st.lists(
    st.sampled_from(["a", "tide", "lighthouse", "x" * 47, "of", "keeper", "sea"]), min_size=1, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(words=_WORDS, width=st.integers(1, 90))
def test_fast_ascii_wrap_matches_the_general_one(words, width):
    text = " ".join(words)
    assert _wrap_ascii(text, width) == _wrap_cells(text, width)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="ab 漢字é", min_size=1, max_size=200), width=st.integers(2, 40))
def test_every_line_fits_and_no_character_is_lost(text, width):
    text = " ".join(text.split()) or "a"
    lines = wrap(text, width)
    assert all(cell_len(text[a:b]) <= width for a, b in lines)
    covered = "".join(text[a:b] for a, b in lines).replace(" ", "")
    assert covered == text.replace(" ", "")


def test_a_word_longer_than_many_lines_is_cut_without_hanging():
    assert wrap("x" * 100, 30) == [(0, 30), (30, 60), (60, 90), (90, 100)]
    assert wrap("ab " + "y" * 65 + " cd", 30) == [(0, 2), (3, 33), (33, 63), (63, 71)]


def test_rows_map_to_segments_and_back():
    segs = [
        Segment(i * 3.0, i * 3.0 + 2, f"Sentence number {i} is here.", speaker="Ann" if i < 5 else "Ben")
        for i in range(10)
    ]
    lay = Layout(segs, [Chapter("Start", 0), Chapter("Later", 5)])
    lay.reflow(30)
    assert lay.rows[0].kind == HEADING and any(r.kind == SPEAKER for r in lay.rows)
    for si in range(10):
        row = lay.row_of(si)
        assert lay.rows[row].kind == TEXT
        assert si in lay.segments_on(row)
        # the segment that starts a row is the one segment_at reports for it
        if lay.seg_offset[si] == lay.rows[row].start:
            assert lay.segment_at(row) == si

"""Snapshot tests of the main screen (pytest-textual-snapshot): 80x24,
160x48 and 200x50, the default theme and the 16-colour one. A change to what the
screen shows fails here until the new picture is accepted with
`pytest tests/app/test_snapshots.py --snapshot-update` (look at it first:
snapshot_report.html)."""

from __future__ import annotations

import pytest

from hark.store import search
from hark.store.library import Library
from hark.store.model import Chapter, Segment, Transcript
from hark.tui.app import HarkApp

from .conftest import FakeClock, make_library, settle


def _library(home):
    lines = [
        ("Ann Lee", "Welcome back to Low Water, the show about the sea at the edges."),
        ("Ann Lee", "Today my guest has spent twenty years measuring tides by hand."),
        ("Ben Ito", "Thanks for having me. It is mostly waiting, and then a lot of writing things down."),
        (None, "[laughter]"),
        ("Ann Lee", "So what does a tide gauge actually measure?"),
        ("Ben Ito", "The height of the water against a fixed mark, every six minutes, for years."),
    ]
    segs = [
        Segment(start=i * 7.0, end=i * 7.0 + 6, text=t, speaker=s, kind="nonspeech" if t.startswith("[") else "speech")
        for i, (s, t) in enumerate(lines)
    ]
    t1 = Transcript(
        title="Low Water: measuring tides",
        format="vtt",
        segments=segs,
        metadata={"date": "2024-03-01"},
        chapters=[Chapter("Introductions", 0)],
    )
    t2 = Transcript(
        title="A lecture on lighthouses",
        format="markdown",
        segments=[Segment(start=i * 20.0, end=None, text=f"Part {i} of the lecture.") for i in range(30)],
        metadata={"date": "2023-05-18"},
    )
    paths = make_library(home, t1, t2)
    with Library(paths.library) as lib:
        search.sync_quietly(lib, paths.index)  # built now: no "rebuilt" notice on screen
    return paths


@pytest.mark.parametrize("theme", ["hark-dark", "hark-16"])
# 80x24: the pane strip and the footer (issue 14); 200x50: the reader's
# measure, centred.
@pytest.mark.parametrize("size", [(80, 24), (160, 48), (200, 50)])
def test_main_screen(snap_compare, tmp_path, theme, size):
    paths = _library(tmp_path / "home")
    paths.config_file.write_text(f"theme: {theme}\n")
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)

    async def ready(pilot):
        await settle(app, pilot)
        await pilot.press("2", "j")  # the reader, the cursor on the second segment
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=ready)

"""Queries without bounds (issue 12, case 6), from the outside: a word of
100,000 characters, a quoted phrase of 5,000 "the", a thousand distinct
unknown words. Each once took 45-52 s and gigabytes, or ended in a
RecursionError (the app died with a traceback). Now each is cut, says so
in one line, and is answered; the app keeps running. The bounds' figures
are in tests/store/search/test_search_typed.py."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from hark.tui.app import HarkApp

from ..app.conftest import settle
from .conftest import SAMPLES, run_cli

HOSTILE = {
    "long word": ("x" * 100_000, "a word of 100,000 characters: searched its first 64"),
    "long phrase": ('"' + " ".join(["the"] * 5000) + '"', "a phrase of 5,000 words: searched its first 64"),
    "many words": (" ".join(f"zq{i}x" for i in range(1000)), "the query has 1,000 terms: searched the first 32"),
}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("queries") / "home"
    r = run_cli(home, "import", str(SAMPLES))
    assert r.returncode == 0, r.stderr
    return home


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_query_on_the_command_line_is_cut_and_says_so(home, name):
    query, note = HOSTILE[name]
    # A hang guard only (the figures are elsewhere): before, these took 45-52 s.
    r = run_cli(home, "search", query, timeout=90)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "Traceback" not in err and "RecursionError" not in err
    assert f"hark: {note}" in err.splitlines(), err


async def test_a_hostile_query_typed_in_the_app_is_cut_and_the_app_goes_on(home):
    from hark.store.paths import resolve

    app = HarkApp(resolve(home), watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        box = app.query_one("#search-box", Input)
        for query, note in HOSTILE.values():
            box.value = query  # pasted: as the app sees a paste
            await pilot.pause(0.4)  # past the typing pause: the full search
            await settle(app, pilot)
            hint = app.query_one("#search-hint").content.plain
            assert note in hint, hint
        assert app.is_running
        box.value = "lighthouse"
        await pilot.pause(0.4)
        await settle(app, pilot)
        assert app.query_one("#search-hint").content.plain.split()[1] in ("match", "matches")

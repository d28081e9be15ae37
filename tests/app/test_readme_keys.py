"""The README's key table and the help screen are made from the same
bindings (tui/keys.py): the README's table is exactly what the bindings
give, so it can never drift from the keys hark answers to."""

from __future__ import annotations

from pathlib import Path

import pytest

from hark.tui import keys
from hark.tui.app import HarkApp
from hark.tui.screens import HelpScreen

from .conftest import settle

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_rows(table: str) -> list[tuple[str, str, str]]:
    """(keys, where, what) of each row of a Markdown key table."""
    rows = []
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith(("| key |", "| --- |")):
            cells = [c.strip().replace("\\|", "|") for c in line.strip("| ").split(" | ")]
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_the_readme_key_table_is_the_bindings():
    table = keys.readme_table(README.read_text(encoding="utf-8"))
    assert table is not None, "README.md has no <!-- keys:start --> / <!-- keys:end --> markers"
    assert table == keys.markdown_table(), "README.md's key table is stale: run `python -m hark.tui.keys`"


def test_the_table_and_the_help_screen_have_the_same_rows():
    rows = _table_rows(keys.markdown_table())
    help_rows = [(keys.key_label(k), title, what) for title, section in keys.help_sections() for k, what in section]
    # The same rows in the same order; the README marks keys and code.
    assert [(k.replace("`", ""), where, what.replace("`", "")) for k, where, what in rows] == help_rows
    # Every binding of every section is in them, with its default keys.
    for title, bindings in keys.SECTIONS:
        shown = " / ".join(k for k, where, _ in rows if where == title)
        for b in bindings:
            for key in b.key.split(","):
                assert f"`{keys.key_label(key)}`" in shown, (title, key)


def test_digits_are_said_to_switch_panes_from_lists_and_the_reader_and_alt_digits_from_anywhere():
    everywhere = dict(keys.help_sections())["Everywhere"]
    (what,) = [w for k, w in everywhere if keys.key_label(k).startswith("1 alt+1 / 2 alt+2 / 3 alt+3 / 4 alt+4")]
    assert "1-4 from a list or the reader" in what
    assert "alt+1-alt+4 from anywhere, a text box too" in what
    assert "escape then the digit" in what
    tab = [w for k, w in everywhere if k == "tab / shift+tab"]
    assert tab == ["next / previous pane (from a text box too)"]
    # The user's keys are shown where they changed one.
    mapped = dict(keys.help_sections({"app.focus_reader": "2,alt+r"}))["Everywhere"]
    assert any(k == "1,alt+1 / 2,alt+r / 3,alt+3 / 4,alt+4" for k, _ in mapped)


def test_the_table_is_written_between_the_markers_and_checked(tmp_path):
    stale = f"# hark\n\nbefore\n\n{keys.README_START}\n| old | table |\n{keys.README_END}\n\nafter\n"
    readme = tmp_path / "README.md"
    readme.write_text(stale, encoding="utf-8")
    assert keys.main([str(readme), "--check"]) == 1
    assert readme.read_text(encoding="utf-8") == stale  # --check writes nothing
    assert keys.main([str(readme)]) == 0
    written = readme.read_text(encoding="utf-8")
    assert written.startswith("# hark\n\nbefore\n\n") and written.endswith(f"{keys.README_END}\n\nafter\n")
    assert keys.readme_table(written) == keys.markdown_table()
    assert "| old | table |" not in written
    assert keys.main([str(readme), "--check"]) == 0
    with pytest.raises(ValueError):
        keys.with_table("# no markers\n")
    readme.write_text("# no markers\n", encoding="utf-8")
    assert keys.main([str(readme)]) == 2


async def test_the_help_screen_shows_the_rows(app_for):
    app: HarkApp = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        assert screen.sections == keys.help_sections()

"""Focus never traps, in a real terminal (issue 14): escape leaves each
box for its list (or the reader) with the text kept, and at 80x24 a strip
says which side pane shows and the keys to the others."""

from __future__ import annotations

from pathlib import Path

from .tmux import Tmux, import_samples

SAMPLES = Path(__file__).resolve().parents[2] / "store" / "samples"


def test_escape_from_each_box_keeps_its_text(tmp_path):
    tmux = Tmux(tmp_path / "home", width=140, height=40)
    try:
        import_samples(tmux.home, SAMPLES / "lecture-tides.srt", SAMPLES / "roundtable-long-night.vtt")
        tmux.start()
        tmux.wait_for("roundtable-long-night")
        # Library: / filters, escape back to the list, the filter kept
        tmux.keys("1", "/")
        tmux.pause()
        tmux.type("round")
        tmux.wait_for("1 of 2 transcripts")
        tmux.keys("Escape")
        tmux.keys("j", "k")  # keys on the list again, not typed into the box
        tmux.wait_for("1 of 2 transcripts")
        assert "roundj" not in tmux.screen()
        # Enter on the list opens it
        tmux.keys("Enter")
        tmux.wait_for("Reader · roundtable-long-night")
        # Search: escape to the hits, the query kept; then 2 is the reader again
        tmux.keys("3")
        tmux.pause()
        tmux.type('"graveyard shift"')
        tmux.wait_for("1 match")
        tmux.keys("Escape")
        tmux.keys("2")
        tmux.pause()
        assert '"graveyard shift"' in tmux.screen()
        # Annotations: / filters, escape back to the list, and 1 leaves it
        tmux.keys("4", "/")
        tmux.pause()
        tmux.type("zz")
        tmux.wait_for("No annotation")
        tmux.keys("Escape")
        tmux.keys("1")
        tmux.pause()
        screen = tmux.screen()
        assert "zz1" not in screen and "zz" in screen
        tmux.keys("q")
        assert tmux.wait_exit() == 0
    finally:
        tmux.close()


def test_80x24_shows_the_pane_strip_and_z_zooms_the_reader(tmp_path):
    tmux = Tmux(tmp_path / "home", width=80, height=24)
    try:
        import_samples(tmux.home, SAMPLES / "lecture-tides.srt")
        tmux.start()
        tmux.wait_for("1 Library  3 Search  4 Annotations")
        tmux.wait_for("Reader · lecture-tides")
        # the footer fits: its last key, the palette, is whole (waited for:
        # the footer may be drawn a frame after the panes)
        screen = tmux.wait_for("palette")
        assert "palette" in [line for line in screen.splitlines() if line.strip()][-1]
        tmux.keys("z")
        tmux.pause()
        screen = tmux.screen()
        assert "1 Library  3 Search" not in screen
        assert "Reader · lecture-tides" in screen
        tmux.keys("z")
        tmux.wait_for("1 Library  3 Search  4 Annotations")
        tmux.keys("q")
        assert tmux.wait_exit() == 0
    finally:
        tmux.close()

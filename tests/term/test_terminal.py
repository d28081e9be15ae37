"""Real-terminal tests: the installed `hark` under tmux."""

from __future__ import annotations

from pathlib import Path

from .tmux import import_samples, tmux  # noqa: F401  (fixture)

SAMPLES = Path(__file__).resolve().parents[2] / "store" / "samples"


def test_open_read_move_and_quit(tmux):  # noqa: F811
    import_samples(tmux.home, SAMPLES / "lecture-tides.srt", SAMPLES / "roundtable-long-night.vtt")
    tmux.start()
    screen = tmux.wait_for("1 Library")
    assert "lecture-tides" in tmux.wait_for("roundtable-long-night")
    tmux.keys("2")  # focus the reader
    tmux.keys("G")  # to the end
    screen = tmux.wait_for("1:05:")
    assert "2 Reader" in screen
    tmux.keys("g")
    tmux.wait_for("0:00:00")
    tmux.keys("q")
    assert tmux.wait_exit() == 0
    # the terminal is restored: the shell's pane no longer shows the app
    assert "1 Library" not in tmux.screen()


def test_demo_opens_samples_without_touching_home(tmux):  # noqa: F811
    tmux.start("--demo")
    tmux.wait_for("roundtable-long-night")
    tmux.keys("q")
    assert tmux.wait_exit() == 0
    assert not (tmux.home / "library.sqlite3").exists()

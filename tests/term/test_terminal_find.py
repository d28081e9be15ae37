"""Real-terminal tests of reading like less and vim (issue 14): `/` finds
in the open transcript, `n` goes on, `ctrl+o` goes back."""

from __future__ import annotations

from pathlib import Path

from .tmux import import_samples, tmux  # noqa: F401  (fixture)

SAMPLES = Path(__file__).resolve().parents[2] / "store" / "samples"


def test_slash_finds_n_goes_on_and_ctrl_o_comes_back(tmux):  # noqa: F811
    import_samples(tmux.home, SAMPLES / "lecture-tides.srt")
    tmux.start()
    tmux.wait_for("Reader · lecture-tides")
    tmux.keys("2", "/")
    tmux.wait_for("find in this transcript")
    tmux.pause()
    tmux.type("moon")
    # As typed: the count on the status line; enter goes to the match.
    first = tmux.wait_for_re(r"/moon (\d+)/(\d+)")
    total = int(first.group(2))
    assert total > 2
    tmux.keys("Enter")
    tmux.wait_for_re(rf"/moon {first.group(1)}/{total}")
    assert "find in this transcript" not in tmux.screen()  # the box is closed
    k = int(first.group(1))
    tmux.keys("n")
    tmux.wait_for(f"/moon {k % total + 1}/{total}")
    # n is a jump: ctrl+o comes back to the match before it.
    tmux.keys("C-o")
    tmux.wait_for(f"/moon {k}/{total}")
    tmux.keys("q")
    assert tmux.wait_exit() == 0

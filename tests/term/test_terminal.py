"""Real-terminal tests: the installed `hark` under tmux, typed at and read
the way a person would."""

from __future__ import annotations

from pathlib import Path

from .tmux import Tmux, import_samples, tmux  # noqa: F401  (fixture)

SAMPLES = Path(__file__).resolve().parents[2] / "store" / "samples"


def test_open_read_move_jump_help_and_quit(tmux):  # noqa: F811
    import_samples(tmux.home, SAMPLES / "lecture-tides.srt", SAMPLES / "roundtable-long-night.vtt")
    tmux.start()
    tmux.wait_for("1 Library")
    tmux.wait_for("roundtable-long-night")
    tmux.keys("/")  # / then typing filters the library
    tmux.pause()
    tmux.type("round")
    tmux.keys("Enter")  # and enter opens the transcript in the reader
    tmux.wait_for("Reader · roundtable-long-night")
    tmux.keys("G")  # to the end
    tmux.wait_for("1:05:39 / 1:05:45")
    tmux.keys("g")
    tmux.wait_for("0:00:00")
    # jump to a time, and the status line says where the cursor is
    tmux.keys("t")
    tmux.wait_for("Go to time")
    tmux.type("30:00")
    tmux.keys("Enter")
    # the status line: the cursor's segment (just before 30:00) and the playhead
    tmux.wait_for_re(r"29:\d\d / 1:05:45 +⏸ 30:00")
    # help lists the keys, escape closes it
    tmux.keys("?")
    screen = tmux.wait_for("Keys (escape to close)")
    assert "half a page down" in screen and "next / previous pane" in screen
    tmux.keys("Escape")
    tmux.keys("q")
    assert tmux.wait_exit() == 0
    # the terminal is restored: the app is gone from the screen
    assert "1 Library" not in tmux.screen()


def test_search_open_the_hit_and_read_its_time(tmux):  # noqa: F811
    import_samples(tmux.home, SAMPLES)
    tmux.start()
    tmux.wait_for("1 Library")
    tmux.keys("3")  # library-wide search (`/` in the Library filters it)
    tmux.pause()
    tmux.type('"graveyard shift"')
    screen = tmux.wait_for("1 match")
    assert "13:2" in screen  # the hit's time in the results
    tmux.keys("Enter")
    tmux.wait_for("Reader · roundtable-long-night")
    tmux.wait_for_re(r"13:2\d / 1:05:45")
    assert "graveyard shift" in tmux.screen()
    tmux.keys("q")
    assert tmux.wait_exit() == 0


def test_demo_opens_samples_without_touching_home(tmux):  # noqa: F811
    tmux.start("--demo")
    tmux.wait_for("12 transcripts")
    tmux.keys("q")
    assert tmux.wait_exit() == 0
    # Neither the library nor the search index of the home was touched.
    assert not tmux.home.exists() or not any(tmux.home.iterdir()), sorted(p.name for p in tmux.home.iterdir())


def test_an_annotation_made_in_one_session_shows_in_another(tmp_path):
    home = tmp_path / "home"
    first, second = Tmux(home), Tmux(home)
    try:
        import_samples(home, SAMPLES / "lecture-tides.srt")
        first.start()
        second.start()
        # The reader opens a frame after the list is drawn: wait for it.
        first.wait_for("Reader · lecture-tides")
        second.wait_for("Reader · lecture-tides")
        first.keys("2", "j", "a")
        first.wait_for("Annotate")
        first.pause()
        first.type("Spring tides #moon")
        first.wait_for("Spring tides #moon")  # typed, before saving
        first.keys("C-s")
        first.wait_for("#moon")  # in the first session's annotations pane
        # the second session sees it within a few seconds, without a restart
        second.wait_for("#moon", timeout=15)
        for t in (first, second):
            t.keys("q")
            assert t.wait_exit() == 0
    finally:
        first.close()
        second.close()


def test_jump_play_a_few_seconds_pause_and_read_the_time(tmux):  # noqa: F811
    import_samples(tmux.home, SAMPLES / "roundtable-long-night.vtt")
    tmux.start()
    tmux.wait_for("Reader · roundtable-long-night")
    tmux.keys("2", "t")
    tmux.wait_for("Go to time")
    tmux.pause()
    tmux.type("10:00")
    tmux.keys("Enter")
    tmux.wait_for("⏸ 10:00 1x")
    tmux.keys("Space")
    tmux.wait_for("▶ 10:0")
    tmux.pause(3.0)
    tmux.keys("Space")
    m = tmux.wait_for_re(r"⏸ 10:0(\d) 1x")
    assert 2 <= int(m.group(1)) <= 6, m.group(0)  # about three seconds played
    tmux.keys("q")
    assert tmux.wait_exit() == 0

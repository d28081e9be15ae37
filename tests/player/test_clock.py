"""PlayerClock: mpv as the playhead, falling back to hark's own Playhead
where mpv left off (against the fake mpv of tests/player/fakempv.py)."""

from __future__ import annotations

import time

import pytest

from hark.tui.player import PlayerClock, Playhead, attach

from .fakempv import FakeMpv, wait_until


def test_the_clock_follows_mpv_and_drives_it(fake, client):
    fallback = Playhead(clock=lambda: 0.0)
    fallback.duration = 100.0
    clock = PlayerClock(client, fallback)
    assert clock.live and clock.duration == 100.0
    fake.change("time-pos", 30.0)
    assert wait_until(lambda: clock.position == 30.0)
    assert clock.playing
    assert clock.toggle() is False
    assert fake.commands[-1] == ["set_property", "pause", True]
    assert not clock.playing
    assert clock.toggle() is True
    assert fake.commands[-1] == ["set_property", "pause", False]
    clock.seek(45.5)
    assert fake.commands[-1] == ["seek", 45.5, "absolute+exact"]
    assert clock.position == 45.5
    assert clock.faster() == 1.25
    assert fake.commands[-1] == ["set_property", "speed", 1.25]
    assert clock.slower() == 1.0 and clock.slower() == 0.75
    assert clock.speed == 0.75
    clock.pause()
    clock.play()
    assert fake.commands[-2:] == [["set_property", "pause", True], ["set_property", "pause", False]]


def test_the_clock_falls_back_where_mpv_left_off(fake, client, rec):
    now = [1000.0]
    fallback = Playhead(clock=lambda: now[0])
    fallback.duration = 100.0
    clock = PlayerClock(client, fallback)
    clock.set_speed(1.5)
    fake.change("time-pos", 61.0)
    assert wait_until(lambda: clock.position == 61.0)
    fake.hang_up()
    assert wait_until(lambda: rec.lost)
    assert not clock.live
    assert clock.lost_reason == "mpv closed its control socket"
    assert clock.position == 61.0 and not clock.playing and clock.speed == 1.5
    assert clock.toggle() is True  # now its own clock
    now[0] += 10
    assert clock.position == pytest.approx(76.0)
    clock.seek(5)
    assert clock.position == 5.0
    assert clock.close() is fallback


def test_the_clock_falls_back_when_mpv_stops_answering(fake, rec):
    c = attach(fake.path, on_lost=rec.on_lost, timeout=0.2)
    fake.change("time-pos", 8.0)
    assert wait_until(lambda: c.time_pos == 8.0)
    clock = PlayerClock(c, Playhead(clock=lambda: 0.0))
    fake.silent.add("set_property")
    t0 = time.monotonic()
    clock.pause()  # never raises
    assert time.monotonic() - t0 < 1.0
    assert not clock.live and clock.lost_reason.startswith("mpv did not answer set_property")
    assert rec.lost[0][0].startswith("mpv did not answer")
    assert clock.position == 8.0 and not clock.playing


def test_the_clock_shows_its_own_position_until_mpv_reports_one(tmp_path):
    fake = FakeMpv(tmp_path / "s", time_pos=None)
    try:
        fallback = Playhead(clock=lambda: 0.0)
        fallback.seek(12.0)
        clock = PlayerClock(attach(fake.path), fallback)
        time.sleep(0.05)
        assert clock.position == 12.0
        fake.change("time-pos", 12.3)
        assert wait_until(lambda: clock.position == 12.3)
        clock.close()
    finally:
        fake.close()


def test_play_at_the_end_starts_again(fake, client):
    clock = PlayerClock(client, Playhead(clock=lambda: 0.0))
    fake.change("time-pos", 10.0)
    fake.change("pause", True)
    fake.change("eof-reached", True)
    assert wait_until(lambda: clock.finished)
    assert not clock.playing
    clock.play()
    assert fake.commands[-2:] == [["seek", 0.0, "absolute+exact"], ["set_property", "pause", False]]
    assert clock.position == 0.0 and clock.playing


def test_closing_the_clock_detaches_and_returns_the_fallback(fake, client, rec):
    fallback = Playhead(clock=lambda: 0.0)
    clock = PlayerClock(client, fallback)
    fake.change("time-pos", 33.0)
    assert wait_until(lambda: clock.position == 33.0)
    assert clock.close() is fallback
    assert fallback.position == 33.0 and not fallback.playing
    assert not client.alive and rec.lost == []
    assert "quit" not in [c[0] for c in fake.commands]  # the user's mpv keeps running

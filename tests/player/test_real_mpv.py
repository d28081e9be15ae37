"""A real mpv playing a generated tone; skipped when mpv is not installed.
Every wait is bounded."""

from __future__ import annotations

import math
import stat
import struct
import time
import wave
from pathlib import Path

import pytest

from hark.tui.player import MpvPlayer, PlayerClock, Playhead

# -- a real mpv ---------------------------------------------------------------------------

# No sound card, no window, not the user's mpv.conf; speed by plain resampling
# (pitch correction is costly and slows mpv on a loaded machine).
MPV_ARGS = ["--no-video", "--ao=null", "--no-config", "--audio-pitch-correction=no"]
needs_mpv = pytest.mark.skipif(not MpvPlayer.available("mpv"), reason="mpv is not installed")


@pytest.fixture
def tone(tmp_path) -> Path:
    """Ten seconds of a 440 Hz sine, 8 kHz mono."""
    path = tmp_path / "tone.wav"
    rate = 8000
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(rate * 10))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


@pytest.fixture
def real(tmp_path, tone, rec):
    p = MpvPlayer("mpv", socket_dir=tmp_path / "home" / "run")
    client = p.start(str(tone), extra_args=MPV_ARGS, on_update=rec.on_update, on_lost=rec.on_lost)
    assert client.wait_for(lambda c: c.time_pos is not None and c.duration is not None, 10)
    yield p, client
    p.stop()


@needs_mpv
def test_real_mpv_seek_pause_play_speed(real, rec):
    p, client = real
    assert stat.S_IMODE(p.socket_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(p.socket_path.parent.stat().st_mode) == 0o700
    assert client.duration == pytest.approx(10.0, abs=0.1)

    client.seek(5)
    assert client.time_pos == 5.0  # at once
    assert client.wait_for(lambda c: not c.seeking, 2)
    assert client.get_property("time-pos") == pytest.approx(5.0, abs=0.3)
    assert client.time_pos == pytest.approx(5.0, abs=0.3)

    client.set_pause(True)
    assert client.wait_for(lambda c: c.paused, 2)
    time.sleep(0.3)  # let the last position report land
    t1 = client.get_property("time-pos")
    time.sleep(0.5)
    t2 = client.get_property("time-pos")
    assert abs(t2 - t1) < 0.05

    def rate(seconds: float) -> float:
        """Media seconds per wall-clock second over a stretch of playing."""
        w0, m0 = time.monotonic(), client.get_property("time-pos")
        time.sleep(seconds)
        w1, m1 = time.monotonic(), client.get_property("time-pos")
        return (m1 - m0) / (w1 - w0)

    client.set_pause(False)
    assert client.wait_for(lambda c: not c.paused, 2)
    assert 0.6 < rate(0.8) < 1.4
    t3 = client.get_property("time-pos")
    assert t3 > t2 + 0.3

    client.set_speed(2)
    assert client.get_property("speed") == 2.0
    assert client.wait_for(lambda c: c.speed == 2.0, 2)
    time.sleep(0.3)  # audio already buffered (ao=null keeps 0.2 s) plays at 1x
    assert 1.4 < rate(1.0) < 2.6  # twice the wall clock
    t5 = client.get_property("time-pos")

    # the observed time-pos follows too, and reaches the UI callback
    assert client.wait_for(lambda c: c.time_pos is not None and c.time_pos > t5, 2)
    assert rec.updates and rec.updates[-1][1].speed == 2.0

    proc = p.process
    p.stop()
    assert proc.returncode is not None and not p.running
    assert rec.lost == []  # stopping it ourselves is not a loss


@needs_mpv
def test_real_mpv_starts_where_asked(tmp_path, tone):
    p = MpvPlayer("mpv", socket_dir=tmp_path / "run")
    try:
        client = p.start(str(tone), start_at=3.0, extra_args=MPV_ARGS)
        assert client.wait_for(lambda c: c.time_pos is not None, 10)
        assert client.get_property("time-pos") == pytest.approx(3.0, abs=0.5)
    finally:
        p.stop()


@needs_mpv
def test_real_mpv_keeps_the_file_open_at_its_end(real):
    _, client = real
    client.seek(9.7)
    assert client.wait_for(lambda c: c.eof_reached, 5)
    assert client.wait_for(lambda c: c.paused, 2)
    assert client.alive
    client.seek(2.0)
    client.set_pause(False)
    assert client.wait_for(lambda c: not c.eof_reached and c.time_pos is not None and 2.0 <= c.time_pos < 5, 2)


@needs_mpv
def test_real_mpv_quitting_falls_back_to_the_own_clock(real, rec):
    p, client = real
    fallback = Playhead(clock=lambda: 0.0)
    fallback.duration = 10.0
    clock = PlayerClock(client, fallback, player=p)
    clock.seek(4.0)
    clock.pause()
    assert client.wait_for(lambda c: c.paused, 2)
    time.sleep(0.3)
    where = client.get_property("time-pos")
    p.process.terminate()  # as if the user closed mpv's window
    assert client.wait_for(lambda c: c.lost is not None, 5)
    assert len(rec.lost) == 1 and rec.lost[0][1] == pytest.approx(where, abs=0.05)
    assert not clock.live
    assert clock.position == pytest.approx(where, abs=0.05)
    assert not clock.playing
    assert not p.running


@needs_mpv
def test_real_mpv_round_trip_is_quick(real):
    _, client = real
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        client.get_property("time-pos")
        times.append(time.perf_counter() - t0)
    times.sort()
    assert times[len(times) // 2] < 0.05  # median; typically well under a millisecond

"""Playhead, hark's own clock: `[` and `]` step through SPEEDS the same way
as PlayerClock's (one SpeedSteps for both)."""

from __future__ import annotations

from hark.tui.player import SPEEDS, PlayerClock, Playhead, SpeedSteps


def test_faster_and_slower_step_through_the_speeds_and_stop_at_the_ends():
    now = [0.0]
    p = Playhead(clock=lambda: now[0])
    up = [p.faster() for _ in range(len(SPEEDS))]
    assert up == [1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.0, 3.0, 3.0]
    down = [p.slower() for _ in range(len(SPEEDS))]
    assert down == [2.5, 2.0, 1.75, 1.5, 1.25, 1.0, 0.75, 0.5, 0.5]
    # from a speed between two steps: to the next one either way
    p.set_speed(1.1)
    assert p.faster() == 1.25
    p.set_speed(1.1)
    assert p.slower() == 1.0


def test_a_speed_change_keeps_the_position_it_was_made_at():
    now = [100.0]
    p = Playhead(clock=lambda: now[0])
    p.play()
    now[0] += 10
    assert p.faster() == 1.25
    now[0] += 4
    assert p.position == 15.0


def test_the_clock_and_the_playhead_share_one_stepping():
    assert issubclass(Playhead, SpeedSteps) and issubclass(PlayerClock, SpeedSteps)
    assert "faster" not in vars(Playhead) and "faster" not in vars(PlayerClock)

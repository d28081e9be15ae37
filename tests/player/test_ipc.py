"""The mpv IPC client against a fake mpv (tests/player/fakempv.py). Every
wait is bounded."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from hark.tui.player import PlayerError, PlayerState, PlayerTimeout, attach, ipc

from .fakempv import FakeMpv, wait_until


def test_connect_observes_the_properties_and_reads_their_values(tmp_path, rec):
    fake = FakeMpv(tmp_path / "s", time_pos=3.5, pause=True, speed=1.5, duration=600.0)
    try:
        c = attach(fake.path, on_update=rec.on_update)
        assert sorted(fake.observed) == ["duration", "eof-reached", "pause", "speed", "time-pos"]
        assert [cmd[0] for cmd in fake.commands] == ["observe_property"] * 5
        assert len(set(fake.observed.values())) == 5  # one observer id each
        assert wait_until(lambda: c.state == PlayerState(3.5, True, 1.5, False, 600.0, True))
        assert c.position == 3.5 and c.paused and c.speed == 1.5 and c.duration == 600.0
        c.close()
    finally:
        fake.close()


def test_each_command_has_its_own_request_id_and_gets_its_reply(fake, client):
    fake.props["volume"] = 80.0
    fake.props["filename"] = "talk.mp3"
    assert client.get_property("volume") == 80.0
    assert client.get_property("filename") == "talk.mp3"
    assert len(set(fake.request_ids)) == len(fake.request_ids)
    assert all(isinstance(r, int) and r > 0 for r in fake.request_ids)


def test_seek_pause_speed_send_the_right_commands(fake, client):
    client.seek(62.5)
    assert fake.commands[-1] == ["seek", 62.5, "absolute+exact"]
    assert client.time_pos == 62.5  # at once, before mpv's report
    client.seek(-4)
    assert fake.commands[-1] == ["seek", 0.0, "absolute+exact"]
    client.set_pause(True)
    assert fake.commands[-1] == ["set_property", "pause", True]
    assert client.paused
    assert client.toggle_pause() is False
    assert fake.commands[-1] == ["set_property", "pause", False]
    client.set_speed(2)
    assert fake.commands[-1] == ["set_property", "speed", 2.0]
    assert client.speed == 2.0


def test_reports_from_before_a_seek_do_not_move_the_position_back(fake, client, monkeypatch):
    fake.silent.add("seek")
    t = threading.Thread(target=client.seek, args=(30,))
    t.start()
    assert wait_until(lambda: fake.commands[-1][0] == "seek")
    # an earlier seek (mpv's own, for --start) lands before mpv reads ours
    fake.send({"event": "seek"})
    fake.change("time-pos", 0.0)
    fake.send({"event": "playback-restart"})
    fake.reply(fake.request_ids[-1])
    t.join(2)
    assert client.time_pos == 30.0 and client.seeking
    fake.change("time-pos", 0.05)  # mpv had not run the seek yet
    fake.change("speed", 1.25)
    assert wait_until(lambda: client.speed == 1.25)
    assert client.time_pos == 30.0
    fake.send({"event": "seek"})
    fake.change("time-pos", 30.01)
    assert wait_until(lambda: client.time_pos == 30.01)
    assert client.seeking
    fake.send({"event": "playback-restart"})
    assert client.wait_for(lambda c: not c.seeking, 2)
    # an mpv that never says it seeked holds reports back only briefly
    monkeypatch.setattr(ipc, "SEEK_GRACE", 0.2)
    t = threading.Thread(target=client.seek, args=(50,))
    t.start()
    assert wait_until(lambda: fake.commands[-1] == ["seek", 50.0, "absolute+exact"])
    fake.reply(fake.request_ids[-1])
    t.join(2)
    time.sleep(0.3)
    fake.change("time-pos", 50.5)
    assert wait_until(lambda: client.time_pos == 50.5)
    assert not client.seeking


def test_property_changes_keep_the_state_current(fake, client):
    fake.change("time-pos", 7.25)
    fake.change("pause", True)
    fake.change("speed", 1.75)
    assert wait_until(lambda: (client.time_pos, client.paused, client.speed) == (7.25, True, 1.75))
    fake.change("eof-reached", True)
    assert wait_until(lambda: client.eof_reached)
    # mpv reports time-pos without data when it unloads the file: keep the last one
    fake.change("time-pos", None)
    fake.change("speed", 1.0)
    assert wait_until(lambda: client.speed == 1.0)
    assert client.time_pos == 7.25


def test_a_refused_seek_leaves_the_position_alone(fake, client):
    fake.change("time-pos", 4.0)
    assert wait_until(lambda: client.time_pos == 4.0)
    fake.silent.add("seek")
    errors = []

    def seek() -> None:
        try:
            client.seek(8)
        except PlayerError as e:
            errors.append(str(e))

    t = threading.Thread(target=seek)
    t.start()
    assert wait_until(lambda: fake.commands[-1][0] == "seek")
    assert client.time_pos == 8.0
    fake.reply(fake.request_ids[-1], error="property unavailable")
    t.join(2)
    assert errors == ["mpv refused seek: property unavailable"]
    assert client.time_pos == 4.0 and not client.seeking


def test_a_refused_command_raises_a_player_error(fake, client):
    with pytest.raises(PlayerError, match="mpv refused frobnicate: invalid parameter"):
        client.command("frobnicate")
    with pytest.raises(PlayerError, match="property unavailable"):
        client.get_property("no-such-property")
    assert client.alive


def test_a_command_mpv_does_not_answer_times_out(fake, client):
    fake.silent.add("get_property")
    t0 = time.monotonic()
    with pytest.raises(PlayerTimeout, match="did not answer get_property within 0.2 s"):
        client.get_property("volume", timeout=0.2)
    assert 0.15 < time.monotonic() - t0 < 1.5
    fake.silent.clear()
    client.seek(3)  # still usable
    assert client.alive


def test_updates_are_throttled_and_the_last_change_arrives(fake, client, rec):
    assert wait_until(lambda: rec.updates)  # the initial values
    rec.updates.clear()
    t0 = time.monotonic()
    for i in range(1, 101):
        fake.change("time-pos", i / 10)
        time.sleep(0.003)
    sent_for = time.monotonic() - t0
    assert wait_until(lambda: rec.updates and rec.updates[-1][1].time_pos == 10.0)
    time.sleep(0.25)  # nothing more comes once it has settled
    times = [t for t, _ in rec.updates]
    assert len(times) <= sent_for / client.min_interval + 2
    assert len(times) >= 2
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= client.min_interval * 0.9
    assert rec.updates[-1][1].time_pos == 10.0


def test_an_unchanged_value_is_not_an_update(fake, client, rec):
    assert wait_until(lambda: rec.updates)
    time.sleep(0.15)
    rec.updates.clear()
    for _ in range(5):
        fake.change("speed", 1.0)
    fake.change("pause", True)
    assert wait_until(lambda: client.paused)
    time.sleep(0.25)
    assert len(rec.updates) == 1 and rec.updates[0][1].paused


def test_a_closed_socket_is_reported_once_with_the_last_position(fake, client, rec):
    fake.change("time-pos", 42.0)
    assert wait_until(lambda: client.time_pos == 42.0)
    fake.hang_up()
    assert wait_until(lambda: rec.lost)
    time.sleep(0.1)
    assert rec.lost == [("mpv closed its control socket", 42.0)]
    assert not client.alive and client.lost == "mpv closed its control socket"
    assert client.state.alive is False
    t0 = time.monotonic()
    with pytest.raises(PlayerError, match="closed its control socket"):
        client.seek(1)
    assert time.monotonic() - t0 < 0.1  # fails at once, no timeout


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"reason": "eof"}, "mpv reached the end of the media"),
        ({"reason": "quit"}, "mpv was closed"),
        ({"reason": "stop"}, "mpv stopped playing the media"),
        ({"reason": "error", "file_error": "loading failed"}, "mpv could not play the media (loading failed)"),
    ],
)
def test_end_file_is_a_loss(fake, client, rec, event, reason):
    fake.change("time-pos", 12.5)
    assert wait_until(lambda: client.time_pos == 12.5)
    fake.send({"event": "end-file", "playlist_entry_id": 1, **event})
    assert wait_until(lambda: rec.lost)
    fake.hang_up()  # the EOF that follows is not reported again
    time.sleep(0.1)
    assert rec.lost == [(reason, 12.5)]


def test_a_redirect_is_not_a_loss(fake, client, rec):
    fake.end_file("redirect")
    fake.change("time-pos", 1.0)
    assert wait_until(lambda: client.time_pos == 1.0)
    assert client.alive and rec.lost == []


def test_shutdown_is_a_loss(fake, client, rec):
    fake.send({"event": "shutdown"})
    assert wait_until(lambda: rec.lost)
    assert rec.lost[0][0] == "mpv was closed"


def test_a_waiting_command_fails_as_soon_as_mpv_goes(fake, client, rec):
    fake.silent.add("seek")
    threading.Timer(0.1, fake.hang_up).start()
    t0 = time.monotonic()
    with pytest.raises(PlayerError, match="closed its control socket"):
        client.seek(5)  # its timeout is 2 s
    assert time.monotonic() - t0 < 1.0


def test_close_is_not_a_loss(fake, client, rec):
    client.close()
    fake.hang_up()
    time.sleep(0.1)
    assert rec.lost == []
    assert not client.alive and client.lost is None
    assert not client._thread.is_alive()
    with pytest.raises(PlayerError, match="closed"):
        client.seek(1)


def test_fail_gives_up_and_reports_once(fake, client, rec):
    client.fail("mpv did not answer")
    client.fail("again")
    assert rec.lost == [("mpv did not answer", 0.0)]
    assert wait_until(lambda: not client._thread.is_alive())


def test_a_callback_may_send_a_command_without_deadlock(fake, rec):
    calls = []

    def on_update(state: PlayerState) -> None:
        calls.append(state)
        if state.time_pos == 9.0:
            c.set_speed(1.5)  # from the reader thread: sent, not waited for

    c = attach(fake.path, on_update=on_update)
    try:
        fake.change("time-pos", 9.0)
        assert wait_until(lambda: ["set_property", "speed", 1.5] in fake.commands)
        assert wait_until(lambda: c.speed == 1.5)
        assert c.get_property("speed") == 1.5  # and the client still works
    finally:
        c.close()


def test_a_failing_callback_does_not_stop_the_reader(fake):
    def boom(state):
        raise RuntimeError("ui gone")

    c = attach(fake.path, on_update=boom, on_lost=lambda r, p: 1 / 0)
    try:
        fake.change("time-pos", 2.0)
        time.sleep(0.15)
        fake.change("time-pos", 3.0)
        assert wait_until(lambda: c.time_pos == 3.0)
        fake.hang_up()
        assert wait_until(lambda: c.lost is not None)
    finally:
        c.close()


def test_attach_explains_what_is_wrong(tmp_path):
    missing = tmp_path / "nope.sock"
    with pytest.raises(PlayerError, match=r"no mpv socket at .*nope.sock: start mpv with --input-ipc-server="):
        attach(missing)
    plain = tmp_path / "plain"
    plain.write_text("")
    with pytest.raises(PlayerError, match="is not a socket"):
        attach(plain)
    dead = tmp_path / "dead.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(dead))  # bound, never listening: what a crashed mpv leaves
    s.close()
    with pytest.raises(PlayerError, match="nothing is listening on .*: is mpv still running"):
        attach(dead)

"""tui.player: finding media, the mpv IPC client, starting mpv, and the clock
that falls back to hark's own playhead.

Most tests talk to a fake mpv: a thread serving mpv's JSON IPC protocol on a
unix socket (replies carry the request_id; observed properties are sent as
property-change events; end-file / shutdown / EOF simulate mpv going away).
MpvPlayer is tested with a fake mpv executable (a small Python script), and
the last tests drive a real mpv playing a generated tone; they skip when mpv
is not installed. Every wait is bounded.
"""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import struct
import sys
import threading
import time
import wave
from pathlib import Path

import pytest

from hark.tui import player as player_mod
from hark.tui.player import (
    MISSING,
    MpvPlayer,
    PlayerClock,
    PlayerError,
    PlayerState,
    PlayerTimeout,
    attach,
    find_media,
)
from hark.tui.playhead import Playhead


def wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


_KEEP = object()


class FakeMpv:
    """Speaks enough of mpv's JSON IPC to stand in for it."""

    def __init__(self, path: Path, **props) -> None:
        self.path = str(path)
        self.props = {"time-pos": 0.0, "pause": False, "speed": 1.0, "eof-reached": False, "duration": 10.0}
        self.props.update({k.replace("_", "-"): v for k, v in props.items()})
        self.commands: list[list] = []
        self.request_ids: list[int] = []
        self.observed: dict[str, int] = {}
        self.silent: set[str] = set()  # commands it never answers
        self.conn: socket.socket | None = None
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(4)
        self.srv.settimeout(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.srv.accept()
        except OSError:
            return
        self.conn = conn
        buf = b""
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line.strip():
                    self._handle(json.loads(line))

    def send(self, obj: dict) -> None:
        with self.lock:
            if self.conn is not None:
                try:
                    self.conn.sendall((json.dumps(obj) + "\n").encode())
                except OSError:
                    pass

    def change(self, name: str, value=_KEEP) -> None:
        if value is not _KEEP:
            self.props[name] = value
        oid = self.observed.get(name)
        if oid is None:
            return
        msg = {"event": "property-change", "id": oid, "name": name}
        if self.props.get(name) is not None:
            msg["data"] = self.props[name]
        self.send(msg)

    def reply(self, rid: int, data=None, error: str = "success") -> None:
        msg = {"request_id": rid, "error": error}
        if data is not None:
            msg["data"] = data
        self.send(msg)

    def _handle(self, msg: dict) -> None:
        cmd = msg["command"]
        rid = msg.get("request_id", 0)
        self.commands.append(cmd)
        self.request_ids.append(rid)
        name = cmd[0]
        if name in self.silent:
            return
        if name == "observe_property":
            self.observed[cmd[2]] = cmd[1]
            self.reply(rid)
            self.change(cmd[2])
        elif name == "get_property":
            value = self.props.get(cmd[1])
            if value is None:
                self.reply(rid, error="property unavailable")
            else:
                self.reply(rid, value)
        elif name == "set_property":
            self.reply(rid)
            self.change(cmd[1], cmd[2])
        elif name == "seek":
            self.reply(rid)
            self.send({"event": "seek"})
            self.change("time-pos", float(cmd[1]))
            self.change("eof-reached", False)
            self.send({"event": "playback-restart"})
        elif name == "quit":
            self.reply(rid)
            self.end_file("quit")
            self.hang_up()
        else:
            self.reply(rid, error="invalid parameter")

    def end_file(self, reason: str, **extra) -> None:
        self.send({"event": "end-file", "reason": reason, "playlist_entry_id": 1, **extra})

    def hang_up(self) -> None:
        with self.lock:
            if self.conn is not None:
                try:
                    self.conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.conn.close()
                self.conn = None

    def close(self) -> None:
        self.hang_up()
        self.srv.close()
        self.thread.join(2)


@pytest.fixture
def fake(tmp_path):
    f = FakeMpv(tmp_path / "mpv.sock")
    yield f
    f.close()


class Recorder:
    def __init__(self) -> None:
        self.updates: list[tuple[float, PlayerState]] = []
        self.lost: list[tuple[str, float | None]] = []

    def on_update(self, state: PlayerState) -> None:
        self.updates.append((time.monotonic(), state))

    def on_lost(self, reason: str, position: float | None) -> None:
        self.lost.append((reason, position))


@pytest.fixture
def rec():
    return Recorder()


@pytest.fixture
def client(fake, rec):
    c = attach(fake.path, on_update=rec.on_update, on_lost=rec.on_lost, timeout=2.0)
    assert wait_until(lambda: c.time_pos is not None)
    yield c
    c.close()


# -- the IPC client against a fake mpv ----------------------------------------------


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
    monkeypatch.setattr(player_mod, "SEEK_GRACE", 0.2)
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


# -- the clock ----------------------------------------------------------------------------


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


# -- MpvPlayer with a fake mpv executable ---------------------------------------------------

FAKE_MPV = r"""
import json, os, socket, stat, sys, time
log = os.environ["FAKE_MPV_LOG"]
mode = os.environ.get("FAKE_MPV_MODE", "ok")
args = sys.argv[1:]
umask = os.umask(0); os.umask(umask)
record = {"args": args, "umask": umask}
if mode == "exit":
    sys.exit(2)
if mode == "hang":
    open(log, "w").write(json.dumps(record))
    time.sleep(60)
path = [a.split("=", 1)[1] for a in args if a.startswith("--input-ipc-server=")][0]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
record["mode_at_bind"] = stat.S_IMODE(os.stat(path).st_mode)
open(log, "w").write(json.dumps(record))
srv.listen(1)
while True:
    conn, _ = srv.accept()
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        for line in lines:
            msg = json.loads(line)
            conn.sendall((json.dumps({"request_id": msg["request_id"], "error": "success"}) + "\n").encode())
            if msg["command"][0] == "observe_property" and msg["command"][2] == "time-pos":
                ev = {"event": "property-change", "id": msg["command"][1], "name": "time-pos", "data": 12.5}
                conn.sendall((json.dumps(ev) + "\n").encode())
"""


@pytest.fixture
def fake_exe(tmp_path, monkeypatch):
    exe = tmp_path / "bin" / "mpv"
    exe.parent.mkdir()
    exe.write_text(f"#!{sys.executable}\n{FAKE_MPV}")
    exe.chmod(0o755)
    log = tmp_path / "fake-mpv.json"
    monkeypatch.setenv("FAKE_MPV_LOG", str(log))
    return exe, log


def test_the_player_starts_mpv_on_a_private_socket(tmp_path, fake_exe):
    exe, log = fake_exe
    media = tmp_path / "talk.mp3"
    media.write_bytes(b"")
    run = tmp_path / "home" / "run"
    p = MpvPlayer(str(exe), socket_dir=run)
    client = p.start(str(media), start_at=12.5, extra_args=["--no-video", "--ao=null"], timeout=5)
    try:
        assert p.running and client.alive
        sock = p.socket_path
        assert sock is not None and sock.parent == run
        assert stat.S_IMODE(run.stat().st_mode) == 0o700
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        record = json.loads(log.read_text())
        assert record["umask"] == 0o077
        assert record["mode_at_bind"] & 0o077 == 0  # never open to others, not even for a moment
        args = record["args"]
        assert args[0] == "--no-terminal"
        assert f"--input-ipc-server={sock}" in args
        assert "--pause=no" in args and "--start=12.500" in args and "--keep-open=yes" in args
        assert args[-4:] == ["--no-video", "--ao=null", "--", str(media)]
        assert wait_until(lambda: client.time_pos == 12.5)
    finally:
        proc = p.process
        p.stop()
    assert not p.running and proc.returncode is not None
    assert not sock.exists()
    p.stop()  # twice is fine


def test_a_relative_media_path_is_made_absolute(tmp_path, fake_exe, monkeypatch):
    exe, log = fake_exe
    (tmp_path / "talk.mp3").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    p = MpvPlayer(str(exe), socket_dir=tmp_path / "run")
    p.start("talk.mp3")
    p.stop()
    assert json.loads(log.read_text())["args"][-1] == str(tmp_path / "talk.mp3")


def test_a_socket_path_too_long_goes_to_a_private_temp_folder(tmp_path, fake_exe):
    exe, _ = fake_exe
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    p = MpvPlayer(str(exe), socket_dir=deep)
    p.start(str(tmp_path / "x.mp3"))
    try:
        folder = p.socket_path.parent
        assert len(os.fsencode(p.socket_path)) <= 100
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(p.socket_path.stat().st_mode) == 0o600
    finally:
        p.stop()
    assert not folder.exists()


def test_mpv_missing_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setattr(player_mod.shutil, "which", lambda name: None)
    assert not MpvPlayer.available()
    with pytest.raises(PlayerError) as e:
        MpvPlayer(socket_dir=tmp_path).start(str(tmp_path / "talk.mp3"))
    assert str(e.value) == MISSING == "mpv is not installed: p needs it to play media; everything else works"
    with pytest.raises(PlayerError, match="mpv is not installed"):
        PlayerClock.launch(str(tmp_path / "talk.mp3"), socket_dir=tmp_path)


def test_mpv_that_exits_at_once_is_an_error(tmp_path, fake_exe, monkeypatch):
    exe, _ = fake_exe
    monkeypatch.setenv("FAKE_MPV_MODE", "exit")
    p = MpvPlayer(str(exe), socket_dir=tmp_path / "run")
    with pytest.raises(PlayerError, match=r"mpv stopped before it was ready \(exit status 2\)"):
        p.start(str(tmp_path / "talk.mp3"), timeout=5)
    assert p.process is None and list((tmp_path / "run").iterdir()) == []


def test_mpv_that_never_opens_its_socket_is_stopped(tmp_path, fake_exe, monkeypatch):
    exe, log = fake_exe
    monkeypatch.setenv("FAKE_MPV_MODE", "hang")
    p = MpvPlayer(str(exe), socket_dir=tmp_path / "run")
    t0 = time.monotonic()
    with pytest.raises(PlayerError, match="did not open its control socket within 0.5 s"):
        p.start(str(tmp_path / "talk.mp3"), timeout=0.5)
    assert time.monotonic() - t0 < 3
    assert p.process is None and not p.running


def test_launch_makes_a_clock_that_stops_its_mpv(tmp_path, fake_exe):
    exe, _ = fake_exe
    fallback = Playhead(clock=lambda: 0.0)
    clock = PlayerClock.launch(
        str(tmp_path / "talk.mp3"), fallback=fallback, start_at=12.5, mpv=str(exe), socket_dir=tmp_path / "run"
    )
    proc = clock.player.process
    assert clock.live and clock.position == 12.5
    assert wait_until(lambda: clock.client.time_pos == 12.5)
    assert clock.close() is fallback and fallback.position == 12.5
    assert proc.poll() is not None


def test_starting_again_stops_the_first_mpv(tmp_path, fake_exe):
    exe, _ = fake_exe
    p = MpvPlayer(str(exe), socket_dir=tmp_path / "run")
    p.start(str(tmp_path / "a.mp3"))
    first, first_sock = p.process, p.socket_path
    p.start(str(tmp_path / "b.mp3"))
    try:
        assert first.poll() is not None and not first_sock.exists()
        assert p.running and p.socket_path != first_sock
    finally:
        p.stop()


def test_an_mpv_hark_started_is_stopped_at_exit(tmp_path, fake_exe):
    exe, _ = fake_exe
    p = MpvPlayer(str(exe), socket_dir=tmp_path / "run")
    p.start(str(tmp_path / "a.mp3"))
    proc = p.process
    player_mod._stop_all()  # what atexit runs
    assert proc.poll() is not None and not p.running


# -- finding the media ---------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_media_beside_the_transcript(tmp_path):
    src = touch(tmp_path / "talk.vtt")
    assert find_media(str(src), {}) is None
    touch(tmp_path / "talk.txt")
    touch(tmp_path / "talks.mp3")
    touch(tmp_path / "other.mp3")
    assert find_media(str(src), {}) is None
    mp4 = touch(tmp_path / "talk.mp4")
    assert find_media(str(src), {}) == str(mp4)
    mp3 = touch(tmp_path / "talk.mp3")
    assert find_media(str(src), {}) == str(mp3)  # audio before video


def test_media_with_a_second_extension_removed(tmp_path):
    src = touch(tmp_path / "Talk [abc123].en.vtt")
    media = touch(tmp_path / "Talk [abc123].webm")
    assert find_media(str(src), None) == str(media)
    same = touch(tmp_path / "Talk [abc123].en.m4a")
    assert find_media(str(src), None) == str(same)  # the full stem first
    src2 = touch(tmp_path / "lecture.en-US.srt")
    m2 = touch(tmp_path / "lecture.opus")
    assert find_media(str(src2), {}) == str(m2)
    # "Part 3. The end" is a title with a dot, not a second extension
    src3 = touch(tmp_path / "Part 3. The end.srt")
    touch(tmp_path / "Part 3.mp3")
    assert find_media(str(src3), {}) is None


def test_media_extension_case_is_ignored(tmp_path):
    src = touch(tmp_path / "talk.srt")
    media = touch(tmp_path / "talk.MP3")
    assert find_media(str(src), {}) == str(media)


def test_media_from_metadata_paths(tmp_path):
    src = touch(tmp_path / "notes" / "talk.json")
    rel = touch(tmp_path / "audio" / "recording.ogg")
    assert find_media(str(src), {"audio": "../audio/recording.ogg"}) == str(rel)
    assert find_media(str(src), {"media": str(rel)}) == str(rel)
    assert find_media(str(src), {"media": "file://" + str(rel)}) == str(rel)
    assert find_media(str(src), {"media": "../audio/missing.ogg"}) is None
    noext = touch(tmp_path / "audio" / "take1")
    assert find_media(str(src), {"audio_file": str(noext)}) == str(noext)  # the key says it is media
    assert find_media(str(src), {"url": str(noext)}) is None  # a page key needs a media extension
    assert find_media(str(src), {"enclosure": {"url": str(rel), "type": "audio/ogg"}}) == str(rel)
    assert find_media(str(src), {"audio": ["", "../audio/missing.ogg", str(rel)]}) == str(rel)
    assert find_media(str(src), {"media": "lavfi://sine"}) is None  # no mpv pseudo-protocols
    touch(tmp_path / "notes" / "talk.wav")
    assert find_media(str(src), {"media": str(rel)}) == str(tmp_path / "notes" / "talk.wav")  # beside wins


def test_media_from_metadata_urls(tmp_path, monkeypatch):
    src = touch(tmp_path / "ep.json")
    monkeypatch.setattr(player_mod.shutil, "which", lambda name: None)
    direct = "https://cdn.example.com/episodes/ep12.mp3?token=abc"
    assert find_media(str(src), {"url": direct}) == direct
    assert find_media(str(src), {"enclosure": {"url": "https://feeds.example.com/e/12"}}) == (
        "https://feeds.example.com/e/12"
    )
    assert find_media(str(src), {"url": "https://example.com/blog/episode-12"}) is None
    yt = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert find_media(str(src), {"url": yt}) is None  # mpv needs yt-dlp for a page
    assert find_media(str(src), {"video_url": yt}) is None
    monkeypatch.setattr(player_mod.shutil, "which", lambda name: "/usr/bin/yt-dlp" if name == "yt-dlp" else None)
    assert find_media(str(src), {"url": yt}) == yt
    assert find_media(str(src), {"url": "https://youtu.be/dQw4w9WgXcQ"}) == "https://youtu.be/dQw4w9WgXcQ"
    assert find_media(str(src), {"url": "https://example.com/blog/episode-12"}) is None
    assert find_media(str(src), {"url": "ftp://example.com/ep.mp3"}) is None
    assert find_media(str(src), {"url": 42, "media": {"nested": True}}) is None
    monkeypatch.setattr(player_mod.shutil, "which", lambda name: None)
    direct_on_site = "https://archive.org/download/talk/talk.ogg"
    assert find_media(str(src), {"url": direct_on_site}) == direct_on_site  # a file, not a page
    assert find_media(str(src), {"url": "http://[::1/x.mp3", "media": "bad\0path.mp3"}) is None


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

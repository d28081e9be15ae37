"""MpvPlayer, with a fake mpv executable (a small Python script): the
private socket, the arguments, the errors, and no mpv outliving hark."""

from __future__ import annotations

import json
import os
import stat
import sys
import time

import pytest

from hark.tui.player import MISSING, MpvPlayer, PlayerClock, PlayerError, Playhead, launch

from .fakempv import wait_until

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
    monkeypatch.setattr(launch.shutil, "which", lambda name: None)
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
    launch._stop_all()  # what atexit runs
    assert proc.poll() is not None and not p.running

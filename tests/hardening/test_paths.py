"""Hostile paths: links where hark keeps its files, a home that others can
write or someone else owns, and folders holding pipes, devices and links to
them. hark never follows a link to change permissions, never chmods a folder
it did not make, and never hangs or reads without end on an import."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hark.store import paths as P
from hark.store.importer import walk

from .conftest import SAMPLES, run_cli

SRT = (SAMPLES / "lecture-tides.srt").read_bytes()


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_a_linked_library_never_has_its_target_chmodded(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    target = tmp_path / "somefile"
    target.write_text("not a database\n")
    target.chmod(0o644)
    (home / "library.sqlite3").symlink_to(target)
    r = run_cli(home, "list")
    assert _mode(target) == 0o644  # before: chmodded to 0600 through the link
    assert r.returncode != 0 and b"Traceback" not in r.stderr
    assert len(r.stderr.decode().strip().splitlines()) == 1


def test_a_dangling_library_link_says_where_it_points(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "library.sqlite3").symlink_to(tmp_path / "gone" / "lib.db")
    r = run_cli(home, "list")
    err = r.stderr.decode()
    assert r.returncode != 0
    assert "library.sqlite3 is a link to" in err and "which does not exist" in err, err
    assert "permission" not in err


def test_a_home_others_can_write_is_left_alone_with_one_warning(tmp_path):
    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o777)
    r = run_cli(home, "import", str(SAMPLES / "lecture-tides.srt"))
    assert r.returncode == 0, r.stderr
    assert _mode(home) == 0o777  # before: silently chmodded to 0700
    err = r.stderr.decode()
    assert err.count("can be written by others") == 1, err
    assert _mode(home / "library.sqlite3") == 0o600  # hark's own file is still private


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a folder to another user")
def test_a_home_owned_by_someone_else_is_not_chmodded(tmp_path):
    home = tmp_path / "theirs"
    home.mkdir()
    home.chmod(0o755)
    os.chown(home, 65534, 65534)
    P._notices.clear()
    P.private_dir(home)
    assert _mode(home) == 0o755
    assert any("belongs to another user" in m for m in P.notices())


def test_a_loosened_hark_home_is_still_tightened(tmp_path):
    """Only what hark made: a home holding its library, not any folder."""
    home = tmp_path / "home"
    r = run_cli(home, "import", str(SAMPLES / "lecture-tides.srt"))
    assert r.returncode == 0
    home.chmod(0o750)
    plain = tmp_path / "plain"
    plain.mkdir()
    plain.chmod(0o755)
    P.private_dir(home)
    P.private_dir(plain)
    assert _mode(home) == 0o700
    assert _mode(plain) == 0o755


def test_private_file_never_follows_a_link(tmp_path):
    target = tmp_path / "t"
    target.write_text("x")
    target.chmod(0o644)
    link = tmp_path / "l"
    link.symlink_to(target)
    P.private_file(link)
    assert _mode(target) == 0o644
    dangling = tmp_path / "d"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="d is a link to .*nowhere, which does not exist"):
        P.private_file(dangling)
    assert not (tmp_path / "nowhere").exists()  # O_EXCL | O_NOFOLLOW: nothing created through it


def test_folder_walk_skips_pipes_devices_and_links_to_them(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.srt").write_bytes(SRT)
    os.mkfifo(src / "x.srt")
    (src / "z.srt").symlink_to("/dev/zero")
    (src / "gone.srt").symlink_to(tmp_path / "missing.srt")
    (src / "good-link.srt").symlink_to(src / "ok.srt")
    reasons = {p.name: why for p, why in walk([src])}
    assert reasons["ok.srt"] is None and reasons["good-link.srt"] is None
    assert reasons["x.srt"] == "not a regular file: a named pipe"
    assert reasons["z.srt"] == "not a regular file: a device (through a link)"
    assert "which does not exist" in reasons["gone.srt"]


def test_folder_import_with_a_pipe_and_dev_zero_finishes(tmp_path):
    home = tmp_path / "home"
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.srt").write_bytes(SRT)
    os.mkfifo(src / "x.srt")
    (src / "z.srt").symlink_to("/dev/zero")
    r = run_cli(home, "import", str(src), timeout=60)  # before: hung forever in open()
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 0, out
    assert "x.srt" in out and "named pipe" in out
    assert "z.srt" in out and "device" in out
    r = run_cli(home, "list", "--json")
    assert r.stdout.count(b'"id"') == 1


def test_a_file_over_the_size_limit_is_skipped_and_says_why(tmp_path):
    from hark.store.importer import import_paths
    from hark.store.library import Library

    src = tmp_path / "big.srt"
    src.write_bytes(SRT)
    with Library(tmp_path / "lib.sqlite3") as lib:
        report = import_paths(lib, [src], max_bytes=1000)
        assert report.imported == [] and len(report.skipped) == 1
        assert "larger than the 1000 bytes a file may have" in report.skipped[0][1]
        report = import_paths(lib, [src], max_bytes=len(SRT))
        assert len(report.imported) == 1


def test_the_size_limit_is_set_on_the_command_line(tmp_path):
    home = tmp_path / "home"
    r = run_cli(home, "import", "--max-size", "0.001", str(SAMPLES / "lecture-tides.srt"))
    out = (r.stdout + r.stderr).decode()
    assert r.returncode == 0 and "larger than the 1048 bytes a file may have (3383 bytes)" in out, out
    r = run_cli(home, "import", "--max-size", "nothing", str(SAMPLES / "lecture-tides.srt"))
    assert r.returncode != 0 and b"is not a size in MB" in r.stderr
    r = run_cli(home, "import", "--max-size", "1", str(SAMPLES / "lecture-tides.srt"))
    assert r.returncode == 0 and b"1 imported" in r.stdout + r.stderr

"""Full disk and read-only home. A write that fails leaves the library as
it was and says so in one line with a non-zero exit; the app keeps running
and keeps what was typed in the note editor.

Full disk: a real 3 MB tmpfs mounted for the test (we run as root in CI;
skipped where mount is not allowed), filled up, plus a pure-Python
simulation (ENOSPC from write_private and from the store). Read-only home:
permission bits do not stop root, so the tmpfs is remounted read-only
(skipped where that is not allowed; as a non-root user chmod 0500 is used)."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from store import annotations as A
from store.library import Library, LibraryError
from store.paths import resolve

from .conftest import SAMPLES, run_cli


def _snapshot(lib_path: Path) -> tuple:
    with Library(lib_path) as lib:
        assert lib.integrity_check() == "ok"
        ts = [(i.id, i.title, i.sha256, i.segment_count) for i in lib.list()]
        anns = sorted((a.id, a.note, a.first, a.last) for a in A.list_annotations(lib))
    return ts, anns


@pytest.fixture
def tmpfs(tmp_path: Path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _prepared(home: Path) -> None:
    r = run_cli(home, "import", str(SAMPLES / "lecture-tides.srt"), str(SAMPLES / "podcast-bread.vtt"))
    assert r.returncode == 0, r.stderr
    with Library(resolve(home).library) as lib:
        A.create(lib, 1, 0, 1, note="keep me", tags=["kept"])
        A.create(lib, 2, 2, 2, note="me too")


def _one_line_error(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode != 0
    err = r.stderr.decode()
    lines = err.strip().splitlines()
    assert len(lines) >= 1 and all(ln.startswith("hark: ") for ln in lines), err
    assert "Traceback" not in err
    assert any(all(w.lower() in ln.lower() for w in words) for ln in lines), (words, err)
    return err


def _fill(mnt: Path) -> Path:
    """Fill the tmpfs to the last byte (unbuffered, shrinking chunks)."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        chunk = 65536
        while chunk:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC
                chunk //= 2
    finally:
        os.close(fd)
    return filler


def _big_srt(path: Path) -> Path:
    path.write_text(
        "".join(
            f"{k + 1}\n00:{k // 60 % 60:02d}:{k % 60:02d},000 --> 00:{k // 60 % 60:02d}:{k % 60:02d},500\n"
            f"Line {k} of a file too big for a full disk, with words.\n\n"
            for k in range(20000)
        )
    )
    return path


@pytest.mark.parametrize("app_open", [False, True], ids=["closed", "another-session-open"])
def test_full_disk_leaves_the_library_as_it_was(tmpfs: Path, tmp_path: Path, app_open: bool) -> None:
    home = tmpfs / "home"
    _prepared(home)
    paths = resolve(home)
    before = _snapshot(paths.library)
    big = _big_srt(tmp_path / "big.srt")
    # With another session open, the WAL files exist and the write itself
    # meets the full disk; without, SQLite cannot even open the library.
    keeper = Library(paths.library) if app_open else None
    filler = _fill(tmpfs)

    r = run_cli(home, "import", str(big))
    err = _one_line_error(r)
    assert str(big) in err or str(paths.library) in err or "full" in err.lower(), err
    print("full disk, import:", err.strip())

    # Opening may already fail (no room for the WAL index), or the write.
    with pytest.raises(LibraryError) as e:
        with Library(paths.library) as lib:
            for i in range(2000):  # enough to need new pages
                A.create(lib, 1, 0, 0, note="x" * 2000 + str(i))
    print("full disk, annotate:", e.value)
    assert "\n" not in str(e.value) and str(paths.library) in str(e.value)

    out = home / "notes.md"
    r = run_cli(home, "annotations", "export", "-o", str(out))
    err = _one_line_error(r)
    # (found: on a full disk even reading fails: SQLite cannot create the
    # WAL index, so the library is named with "disk I/O error")
    assert str(out) in err or str(paths.library) in err, err
    print("full disk, export:", err.strip())
    assert not out.exists()
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")], "a temp file was left behind"

    filler.unlink()
    if keeper is not None:
        keeper.close()
    assert _snapshot(paths.library) == before
    r = run_cli(home, "import", str(big))  # and with room again it works
    assert r.returncode == 0, r.stderr


def test_read_only_home(tmpfs: Path, tmp_path: Path) -> None:
    home = tmpfs / "home"
    _prepared(home)
    paths = resolve(home)
    before = _snapshot(paths.library)
    big = _big_srt(tmp_path / "big.srt")
    if os.geteuid() == 0:
        r = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True)
        if r.returncode != 0:
            pytest.skip("cannot remount read-only")
    else:
        os.chmod(home, 0o500)
        os.chmod(paths.library, 0o400)
    try:
        r = run_cli(home, "import", str(big))
        err = _one_line_error(r)
        assert str(home) in err, err
        print("read-only home, import:", err.strip())
        r = run_cli(home, "annotations", "export", "-o", str(home / "notes.md"))
        err = _one_line_error(r)
        print("read-only home, export:", err.strip())
        r = run_cli(home, "list")
        print("read-only home, list:", r.returncode, (r.stdout + r.stderr).decode().strip()[:200])
        assert b"Traceback" not in r.stderr
    finally:
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], capture_output=True)
        else:
            os.chmod(home, 0o700)
            os.chmod(paths.library, 0o600)
    assert _snapshot(paths.library) == before


def test_enospc_simulated_in_write_private(home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import store.paths
    from tui.cli import main

    _prepared(home)

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store.paths, "write_private", full)
    out = tmp_path / "notes.md"
    code = main(["annotations", "export", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code != 0 and not out.exists()
    assert err.count("\n") == 1 and err.startswith("hark: ") and "No space left" in err and str(out) in err
    assert err == f"hark: cannot write {out}: No space left on device\n"


async def test_app_keeps_the_note_when_the_save_fails(tmp_path: Path, monkeypatch) -> None:
    from tests.app.conftest import FakeClock, make_library, settle, transcript
    from tui.app import HarkApp
    from tui.reader import Reader
    from tui.screens import AnnotationEditor

    paths = make_library(tmp_path / "home", transcript("Tides", 20))
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    real_create = A.create

    def disk_full(lib, *a, **k):
        raise LibraryError(f"cannot write the library {lib.path}: database or disk is full")

    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        assert isinstance(app.focused, Reader)
        await pilot.press("j", "a")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationEditor)
        await pilot.press(*"precious words #keep")
        monkeypatch.setattr(A, "create", disk_full)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.is_running
        assert any("disk is full" in n.message for n in app._notifications)
        assert isinstance(app.screen, AnnotationEditor), "the editor did not reopen"
        assert app.screen.current().note == "precious words #keep"
        # with room again, the same draft saves
        monkeypatch.setattr(A, "create", real_create)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
    with Library(paths.library) as lib:
        notes = [a.note for a in A.list_annotations(lib)]
    assert notes == ["precious words #keep"]

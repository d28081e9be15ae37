"""Full disk and read-only home. A write that fails leaves the library as
it was and says so in one line with a non-zero exit; the app keeps running
and keeps what was typed in the note editor. Reading still works: `list`,
`show`, `search`, `annotations` open the library read-only, with one line
on stderr saying so.

Full disk: a real 3 MB tmpfs mounted for the test (we run as root in CI;
skipped where mount is not allowed), filled up, plus a pure-Python
simulation (ENOSPC from write_private and from the store). Read-only home:
permission bits do not stop root, so the tmpfs is remounted read-only
(skipped where that is not allowed)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store.library import Library, LibraryError
from hark.store.paths import resolve

from .conftest import SAMPLES, fill, read_only, run_cli


def _snapshot(lib_path: Path) -> tuple:
    with Library(lib_path) as lib:
        assert lib.integrity_check() == "ok"
        ts = [(i.id, i.title, i.sha256, i.segment_count) for i in lib.list()]
        anns = sorted((a.id, a.note, a.first, a.last) for a in A.list_annotations(lib))
    return ts, anns


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


def _big_srt(path: Path) -> Path:
    path.write_text(
        "".join(
            f"{k + 1}\n00:{k // 60 % 60:02d}:{k % 60:02d},000 --> 00:{k // 60 % 60:02d}:{k % 60:02d},500\n"
            f"Line {k} of a file too big for a full disk, with words.\n\n"
            for k in range(20000)
        )
    )
    return path


def _note(lib_path: Path, why: str) -> str:
    return f"hark: the library at {lib_path} is read-only ({why}): showing it as it is; changes are off"


BEHIND = "hark: the search index cannot be brought up to date ({}): searching it as it is"

# Read commands, each with its arguments, compared byte for byte between a
# writable home and a read-only (or full) one.
READS = (
    ("list",),
    ("list", "--json"),
    ("show", "2"),
    ("show", "1", "--json"),
    ("annotations", "--json"),
    ("annotations", "export", "--format", "json"),
    ("annotations", "export"),
)
SEARCHES = (("search", "tides"), ("search", "--json", "moon"), ("search", "--in", "2", "sourdough"))


def _outputs(home: Path, commands: tuple) -> dict[tuple, bytes]:
    out = {}
    for args in commands:
        r = run_cli(home, *args)
        assert r.returncode == 0 and b"Traceback" not in r.stderr, (args, r.stderr)
        out[args] = r.stdout
    return out


@pytest.mark.parametrize("app_open", [False, True], ids=["closed", "another-session-open"])
def test_full_disk_leaves_the_library_as_it_was(tmpfs: Path, tmp_path: Path, app_open: bool) -> None:
    home = tmpfs / "home"
    _prepared(home)
    paths = resolve(home)
    before = _snapshot(paths.library)
    reads = _outputs(home, READS)
    big = _big_srt(tmp_path / "big.srt")
    # With another session open, the WAL files exist and the write itself
    # meets the full disk; without, SQLite cannot even open the library
    # for writing (no room for its WAL index).
    keeper = Library(paths.library) if app_open else None
    filler = fill(tmpfs)

    r = run_cli(home, "import", str(big))
    err = _one_line_error(r)
    assert str(big) in err or str(paths.library) in err or "full" in err.lower(), err
    assert len(err.splitlines()) == 1, err
    print("full disk, import:", err.strip())

    # Opening may already fail (no room for the WAL index), or the write.
    with pytest.raises(LibraryError) as e:
        with Library(paths.library) as lib:
            for i in range(2000):  # enough to need new pages
                A.create(lib, 1, 0, 0, note="x" * 2000 + str(i))
    print("full disk, annotate:", e.value)
    assert "\n" not in str(e.value) and str(paths.library) in str(e.value)

    # Reading works: read-only when the library cannot be opened for
    # writing (one line says so), as usual when another session holds it.
    note = [] if app_open else [_note(paths.library, "disk full")]
    for args, stdout in reads.items():
        r = run_cli(home, *args)
        assert r.returncode == 0, (args, r.stderr)
        assert r.stdout == stdout, args
        assert r.stderr.decode().splitlines() == note, (args, r.stderr)
    print("full disk, list:", (note or ["(nothing on stderr)"])[0])
    # The index is behind the library (the annotations' notes) and cannot
    # be written: searched as it is.
    r = run_cli(home, "search", "tides")
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().splitlines() == [*note, BEHIND.format("disk full")]
    searched = r.stdout
    print("full disk, search:", r.stderr.decode().strip().splitlines()[-1])

    out = home / "notes.md"
    r = run_cli(home, "annotations", "export", "-o", str(out))
    err = _one_line_error(r)
    # The library is read (read-only if need be); writing the file fails.
    assert err.splitlines() == [*note, f"hark: cannot write {out}: No space left on device"], err
    print("full disk, export:", err.strip().splitlines()[-1])
    assert not out.exists()
    assert not [p for p in home.iterdir() if p.name.endswith(".tmp")], "a temp file was left behind"

    filler.unlink()
    if keeper is not None:
        keeper.close()
    assert _snapshot(paths.library) == before
    # With room again the index catches up; the words said give the same hits.
    r = run_cli(home, "search", "tides")
    assert r.returncode == 0 and r.stdout == searched, r.stderr
    assert b"caught up" in r.stderr
    r = run_cli(home, "import", str(big))  # and with room again it works
    assert r.returncode == 0, r.stderr


def test_read_only_home(tmpfs: Path, tmp_path: Path) -> None:
    home = tmpfs / "home"
    _prepared(home)
    paths = resolve(home)
    searches = _outputs(home, SEARCHES)  # (brings the index up to date)
    # A note written after the index was: the index is behind when the
    # filesystem turns read-only.
    with Library(paths.library) as lib:
        A.create(lib, 2, 5, 6, note="ask about rye", tags=["rye"])
    reads = _outputs(home, READS)
    exported = run_cli(home, "annotations", "export", "--format", "json").stdout
    (tmp_path / "notes.json").write_bytes(exported)
    before = _snapshot(paths.library)
    big = _big_srt(tmp_path / "big.srt")
    note = _note(paths.library, "read-only filesystem")

    with read_only(tmpfs):
        # Reading works, exactly as before, with one line on stderr.
        for args, stdout in reads.items():
            r = run_cli(home, *args)
            assert r.returncode == 0, (args, r.stderr)
            assert r.stdout == stdout, args
            assert r.stderr.decode().splitlines() == [note], (args, r.stderr)
        print("read-only home, list:", note)
        for args, stdout in searches.items():
            r = run_cli(home, *args)
            assert r.returncode == 0, (args, r.stderr)
            assert r.stdout == stdout, args
            assert r.stderr.decode().splitlines() == [note, BEHIND.format("read-only filesystem")], r.stderr
        print("read-only home, search:", BEHIND.format("read-only filesystem"))
        assert json.loads(reads[("annotations", "--json")])[-1]["note"] == "ask about rye"
        r = run_cli(home, "formats")
        assert r.returncode == 0 and b"srt" in r.stdout and r.stderr == b""
        r = run_cli(home, "show", "9")
        assert r.returncode == 1 and r.stderr.decode().splitlines() == [note, "hark: no transcript 9 (see `hark list`)"]

        # Writing fails in one line that names the library, exit 1.
        for args in (
            ("import", str(big)),
            ("remove", "1", "--yes"),
            ("annotations", "import", str(tmp_path / "notes.json")),
            ("reindex",),
            ("open", "1", "--media", str(big)),
        ):
            r = run_cli(home, *args)
            err = _one_line_error(r, str(paths.library), "read-only")
            assert (
                r.returncode == 1
                and err == f"hark: the library {paths.library} cannot be changed (read-only filesystem)\n"
            )
        print("read-only home, import:", err.strip())
        r = run_cli(home, "annotations", "export", "-o", str(home / "notes.md"))
        err = _one_line_error(r)
        assert err.splitlines() == [note, f"hark: cannot write {home / 'notes.md'}: Read-only file system"], err
        print("read-only home, export:", err.strip().splitlines()[-1])
        assert sorted(p.name for p in home.iterdir()) == ["index", "index.lock", "library.sqlite3"]
    assert _snapshot(paths.library) == before


def test_enospc_simulated_in_write_private(home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import hark.store.paths
    from hark.tui.cli import main

    _prepared(home)

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(hark.store.paths, "write_private", full)
    out = tmp_path / "notes.md"
    code = main(["annotations", "export", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code != 0 and not out.exists()
    assert err.count("\n") == 1 and err.startswith("hark: ") and "No space left" in err and str(out) in err
    assert err == f"hark: cannot write {out}: No space left on device\n"


async def test_app_keeps_the_note_when_the_save_fails(tmp_path: Path, monkeypatch) -> None:
    from hark.tui.app import HarkApp
    from hark.tui.reader import Reader
    from hark.tui.screens import AnnotationEditor
    from tests.app.conftest import FakeClock, make_library, settle, transcript

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

"""The library: storing, updating in place, removing, permissions,
several processes writing at once, and reading a library that cannot be
written (read-only filesystem, full disk)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import hark.store.library
from hark.store import annotations as A
from hark.store.importer import import_paths
from hark.store.library import SCHEMA_VERSION, Library, LibraryError, LibraryReadOnly
from hark.store.model import Segment, Transcript
from hark.store.paths import resolve
from tests.hardening.conftest import fill, mounted_tmpfs, read_only

SRT = """1
00:00:01,000 --> 00:00:03,500
Hello and welcome to the show.

2
00:00:04,000 --> 00:00:06,000
Today we talk about tides.
"""


def _t(n: int = 3, title: str = "T") -> Transcript:
    segs = [Segment(start=i * 2.0, end=i * 2.0 + 1.5, text=f"segment number {i}") for i in range(n)]
    return Transcript(title=title, format="srt", segments=segs).finish()


def test_save_list_get_roundtrip(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, what = lib.save(_t(3, "Tides"), source="/a.srt", sha256="s1", size=10, mtime=1.0)
        assert what == "imported"
        rows = lib.list()
        assert [(r.id, r.title, r.segment_count, r.duration) for r in rows] == [(tid, "Tides", 3, 5.5)]
        got = lib.get(tid)
        assert got is not None
        assert [s.text for s in got.segments] == ["segment number 0", "segment number 1", "segment number 2"]
        assert got.segments[1].start == 2.0 and got.segments[1].end == 3.5
        assert lib.get(tid + 100) is None


def test_same_source_same_sha_is_unchanged_and_changed_sha_updates_in_place(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_t(3), source="/a.srt", sha256="s1")
        assert lib.save(_t(3), source="/a.srt", sha256="s1") == (tid, "unchanged")
        assert lib.save(_t(5, "New"), source="/a.srt", sha256="s2") == (tid, "updated")
        info = lib.info(tid)
        assert info.title == "New" and info.segment_count == 5
        assert len(lib.segments(tid)) == 5
        assert lib.count() == 1


def test_remove_cascades_segments_and_reading(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_t(3), source="/a.srt", sha256="s1")
        lib.set_reading(tid, 2, 4.0)
        assert lib.info(tid).position == 2
        assert lib.remove(tid) is True
        assert lib.remove(tid) is False
        assert lib.segments(tid) == []
        assert lib.db.execute("SELECT COUNT(*) FROM reading").fetchone()[0] == 0


def test_schema_is_versioned_and_newer_schema_refused(tmp_path):
    p = tmp_path / "lib.sqlite3"
    with Library(p) as lib:
        assert lib.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert lib.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        lib.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryError, match="newer hark"):
        Library(p)


def test_not_a_database_is_a_clear_error(tmp_path):
    p = tmp_path / "lib.sqlite3"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError, match=str(p)):
        Library(p)


def test_home_is_private(tmp_path):
    paths = resolve(tmp_path / "home").ensure()
    with Library(paths.library) as lib:
        lib.save(_t(), source="/a.srt", sha256="x")
    assert stat.S_IMODE(paths.data.stat().st_mode) == 0o700
    for f in paths.data.iterdir():
        if f.is_file():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_resolve_prefers_argument_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "env"))
    assert resolve().data == tmp_path / "env"
    assert resolve(tmp_path / "arg").library == tmp_path / "arg" / "library.sqlite3"
    monkeypatch.delenv("HARK_HOME")
    p = resolve()
    assert p.data.name == "hark" and p.config.name == "hark"


# -- the importer ------------------------------------------------------------


def test_import_folder_reimport_and_edit(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.srt").write_text(SRT)
    (src / "sub" / "b.vtt").write_text("WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Hi there.\n")
    (src / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    (src / ".hidden.srt").write_text(SRT)
    with Library(tmp_path / "lib.sqlite3") as lib:
        r = import_paths(lib, [src])
        assert len(r.imported) == 2 and not r.failed
        assert [p for p, _ in r.skipped] == [str(src / "cover.png")]
        again = import_paths(lib, [src])
        assert again.imported == [] and sorted(again.unchanged) == sorted(r.imported)
        # An edited file updates the same transcript, keeping its id.
        (src / "a.srt").write_text(SRT.replace("tides", "the moon"))
        os.utime(src / "a.srt", (1, 1))
        edited = import_paths(lib, [src / "a.srt"])
        assert edited.updated == [r.imported[0]]
        assert lib.segments(r.imported[0])[1].text == "Today we talk about the moon."


def test_import_reports_broken_files_and_goes_on(tmp_path):
    (tmp_path / "good.srt").write_text(SRT)
    (tmp_path / "empty.srt").write_text("")
    (tmp_path / "broken.json").write_text('{"segments": [')
    with Library(tmp_path / "lib.sqlite3") as lib:
        r = import_paths(
            lib, [tmp_path / "good.srt", tmp_path / "empty.srt", tmp_path / "broken.json", tmp_path / "nope"]
        )
        assert len(r.imported) == 1
        failed = dict(r.failed)
        assert failed[str(tmp_path / "nope")] == "no such file or folder"
        assert str(tmp_path / "broken.json") in dict(r.failed) | dict(r.skipped)
        assert dict(r.skipped)[str(tmp_path / "empty.srt")] == "empty file"


def test_unreadable_file_is_reported(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    f = tmp_path / "secret.srt"
    f.write_text(SRT)
    f.chmod(0)
    with Library(tmp_path / "lib.sqlite3") as lib:
        r = import_paths(lib, [f])
    assert r.failed and "denied" in r.failed[0][1].lower()


def test_a_copy_of_an_imported_file_is_not_a_second_transcript(tmp_path):
    (tmp_path / "a.srt").write_text(SRT)
    (tmp_path / "copy.srt").write_text(SRT)
    with Library(tmp_path / "lib.sqlite3") as lib:
        r = import_paths(lib, [tmp_path / "a.srt", tmp_path / "copy.srt"])
        assert len(r.imported) == 1 and r.unchanged == r.imported
        assert lib.count() == 1


_WRITER = """
import sys
from pathlib import Path
from hark.store.library import Library
from hark.store.model import Segment, Transcript
lib = Library(sys.argv[1])
tag = sys.argv[2]
for i in range(40):
    t = Transcript(title=f"{tag}-{i}", format="srt",
                   segments=[Segment(start=j, end=j + 1, text=f"{tag} {i} {j}") for j in range(50)]).finish()
    lib.save(t, source=f"/{tag}/{i}.srt", sha256=f"{tag}{i}")
"""


def test_several_processes_importing_at_once_lose_nothing(tmp_path):
    db = tmp_path / "lib.sqlite3"
    Library(db).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db), tag],
            cwd=Path(__file__).resolve().parents[2],
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b", "c")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with Library(db) as lib:
        rows = lib.list()
        assert len(rows) == 120
        assert sorted(r.title for r in rows) == sorted(f"{t}-{i}" for t in "abc" for i in range(40))
        assert lib.db.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 120 * 50
        assert lib.integrity_check() == "ok"


def test_show_json_shape(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        tid, _ = lib.save(_t(2), source="/a.srt", sha256="s")
        data = lib.get(tid).to_json()
    assert set(data) == {
        "id",
        "title",
        "format",
        "timing",
        "aligned_from",
        "same_talk",
        "metadata",
        "segments",
        "set_aside",
    }
    assert data["aligned_from"] is None and data["same_talk"] == []
    assert data["segments"][0] == {
        "start": 0.0,
        "end": 1.5,
        "speaker": None,
        "text": "segment number 0",
        "kind": "speech",
    }
    json.dumps(data)


# -- a library that cannot be written ------------------------------------------------
#
# Opening for writing fails on a read-only filesystem or a full disk (SQLite
# cannot create its WAL index); commands that only read open it read-only.
# Simulated here by making the opening fail, and for real on a small tmpfs
# filled up or remounted read-only (root only: skipped elsewhere).


def _library_with(path: Path) -> None:
    """Two transcripts, a reading position and an annotation."""
    with Library(path) as lib:
        a, _ = lib.save(_t(3, "Tides"), source="/a.srt", sha256="s1")
        b, _ = lib.save(_t(2, "Bread"), source="/b.srt", sha256="s2")
        lib.set_reading(a, 2, 4.0)
        A.create(lib, b, 0, 1, note="crumb")


def _state(lib: Library) -> tuple:
    return (
        [(i.id, i.title, i.segment_count, i.position) for i in lib.list()],
        [(a.transcript_id, a.note) for a in A.list_annotations(lib)],
    )


STATE = ([(1, "Tides", 3, 2), (2, "Bread", 2, 0)], [(2, "crumb")])


def _every_write(lib: Library, folder: Path) -> list:
    srt = folder / "new.srt"
    srt.write_text(SRT)
    return [
        lambda: lib.save(_t(1, "New"), source="/c.srt", sha256="s3"),
        lambda: lib.remove(1),
        lambda: lib.set_reading(2, 1),
        lambda: lib.touch_source(1, source="/moved.srt", size=1, mtime=2.0),
        lambda: A.create(lib, 1, 0, 0, note="no room"),
        lambda: import_paths(lib, [srt]),
    ]


def test_read_only_reads_everything_and_refuses_every_write(tmp_path):
    p = tmp_path / "lib.sqlite3"
    _library_with(p)
    with Library(p, read_only=True) as lib:
        assert lib.read_only is True and lib.read_only_why == "opened read-only"
        assert _state(lib) == STATE
        got = lib.get(1)
        assert [s.text for s in got.segments] == ["segment number 0", "segment number 1", "segment number 2"]
        assert lib.count() == 2 and lib.ids() == [1, 2] and lib.find_sha("s2")[0].title == "Bread"
        assert lib.info(1).playhead == 4.0 and lib.integrity_check() == "ok"
        for write in _every_write(lib, tmp_path):
            with pytest.raises(LibraryReadOnly) as e:
                write()
            assert str(e.value) == f"the library is read-only: {p} (opened read-only); changes are off"
        # SQL that goes around write() is refused by SQLite itself.
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            lib.db.execute("DELETE FROM transcripts")
    with Library(p) as lib:
        assert lib.read_only is False and lib.read_only_why is None
        assert _state(lib) == STATE


def test_read_only_of_a_missing_library_creates_nothing(tmp_path):
    p = tmp_path / "home" / "lib.sqlite3"
    with pytest.raises(LibraryError) as e:
        Library(p, read_only=True)
    assert str(e.value) == f"cannot read the library {p}"
    assert not (tmp_path / "home").exists()


def test_read_only_refuses_a_schema_it_cannot_migrate(tmp_path):
    p = tmp_path / "lib.sqlite3"
    _library_with(p)
    with Library(p) as lib:
        lib.db.execute("PRAGMA user_version = 1")
    with pytest.raises(LibraryError) as e:
        Library(p, read_only=True)
    assert str(e.value) == (
        f"the library {p} needs upgrading (schema 1 to {SCHEMA_VERSION}) and cannot be changed (opened read-only)"
    )
    db = sqlite3.connect(p)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LibraryError, match="newer hark"):
        Library(p, read_only=True)


@pytest.mark.parametrize(
    ("error", "why"),
    [
        ("database or disk is full", "disk full"),
        ("attempt to write a readonly database", "no permission to write"),
    ],
)
def test_fall_back_to_read_only_when_the_disk_refuses(tmp_path, monkeypatch, error, why):
    p = tmp_path / "lib.sqlite3"
    _library_with(p)

    def refused(self):
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(Library, "_migrate", refused)
    if why == "no permission to write":
        monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(LibraryError) as e:
        Library(p)  # a command that writes: one line, no fallback
    assert not isinstance(e.value, LibraryReadOnly)
    assert str(e.value) == f"the library {p} cannot be changed ({why}): {error}"
    with Library(p, fall_back=True) as lib:
        assert lib.read_only is True and lib.read_only_why == why
        assert _state(lib) == STATE
        with pytest.raises(LibraryReadOnly, match=f"read-only: {p} \\({why}\\)"):
            lib.remove(1)


def test_fall_back_on_a_read_only_filesystem_simulated(tmp_path, monkeypatch):
    p = tmp_path / "lib.sqlite3"
    _library_with(p)
    monkeypatch.setattr(hark.store.library, "_fs_read_only", lambda folder: True)
    with pytest.raises(LibraryError) as e:
        Library(p)
    assert str(e.value) == f"the library {p} cannot be changed (read-only filesystem)"
    with Library(p, fall_back=True) as lib:
        assert (lib.read_only, lib.read_only_why) == (True, "read-only filesystem")
        assert _state(lib) == STATE


def test_no_fall_back_for_what_is_not_the_disk(tmp_path, monkeypatch):
    # Not a database: the file is the problem, reading it will not help.
    p = tmp_path / "junk.sqlite3"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError) as e:
        Library(p, fall_back=True)
    assert str(e.value) == f"the library is damaged ({p} is not a database file): run hark check"
    # An I/O error on a disk that is writable, has room and is ours: a
    # real fault, not shown as a read-only library.
    q = tmp_path / "lib.sqlite3"
    _library_with(q)

    def faulty(self):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Library, "_migrate", faulty)
    with pytest.raises(LibraryError) as e:
        Library(q, fall_back=True)
    assert str(e.value) == f"cannot open the library {q}: disk I/O error"
    # A folder that cannot be made (a file stands in the way): no library to read.
    (tmp_path / "file").write_text("x")
    with pytest.raises(LibraryError, match="cannot create the library"):
        Library(tmp_path / "file" / "lib.sqlite3", fall_back=True)


def test_read_only_filesystem(tmp_path):
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        p = mnt / "home" / "library.sqlite3"
        _library_with(p)
        assert sorted(os.listdir(p.parent)) == ["library.sqlite3"]  # the last close removed the WAL files
        with read_only(mnt):
            with pytest.raises(LibraryError) as e:
                Library(p)
            assert str(e.value) == f"the library {p} cannot be changed (read-only filesystem)"
            with Library(p, fall_back=True) as lib:
                assert (lib.read_only, lib.read_only_why) == (True, "read-only filesystem")
                assert _state(lib) == STATE
                assert lib.get(2).segments[1].text == "segment number 1"
                for write in _every_write(lib, tmp_path):
                    with pytest.raises(LibraryReadOnly) as e:
                        write()
                    assert str(e.value) == f"the library is read-only: {p} (read-only filesystem); changes are off"
            with Library(p, read_only=True) as lib:
                assert _state(lib) == STATE
        assert sorted(os.listdir(p.parent)) == ["library.sqlite3"]
        with Library(p) as lib:
            assert lib.read_only is False and _state(lib) == STATE and lib.integrity_check() == "ok"


_CRASH = """
import os, sys
from hark.store.library import Library
from hark.store.model import Segment, Transcript
lib = Library(sys.argv[1])
lib.save(Transcript(title="Late", format="srt", segments=[Segment(0, 1, text="late")]).finish(), source="/l", sha256="l")
os._exit(0)  # no close: the commit stays in the WAL, not yet in the main file
"""


@pytest.mark.parametrize("shm", ["kept", "lost"])
def test_read_only_filesystem_with_commits_left_in_the_wal(tmp_path, shm):
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        p = mnt / "home" / "library.sqlite3"
        _library_with(p)
        subprocess.run([sys.executable, "-c", _CRASH, str(p)], cwd=Path(__file__).resolve().parents[2], check=True)
        assert os.path.getsize(f"{p}-wal") > 0
        if shm == "lost":
            os.unlink(f"{p}-shm")
        with read_only(mnt), Library(p, fall_back=True) as lib:
            titles = [i.title for i in lib.list()]
            if shm == "kept":
                # mode=ro reads the WAL through its index: the latest commit is there.
                assert titles == ["Tides", "Bread", "Late"]
                assert lib.read_only_why == "read-only filesystem"
            else:
                # Only immutable=1 can open it: the main file alone, and it says so.
                assert titles == ["Tides", "Bread"]
                assert lib.read_only_why == (
                    "read-only filesystem; the last changes, still in its -wal file, are not shown"
                )
        with Library(p) as lib:
            assert [i.title for i in lib.list()] == ["Tides", "Bread", "Late"]


def test_full_disk(tmp_path):
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        p = mnt / "home" / "library.sqlite3"
        _library_with(p)
        filler = fill(mnt)
        with pytest.raises(LibraryError) as e:
            Library(p)
        assert str(e.value) == f"the library {p} cannot be changed (disk full): disk I/O error"
        with Library(p, fall_back=True) as lib:
            assert (lib.read_only, lib.read_only_why) == (True, "disk full")
            assert _state(lib) == STATE
            with pytest.raises(LibraryReadOnly, match="disk full"):
                lib.set_reading(1, 0)
        filler.unlink()
        with Library(p) as lib:
            assert _state(lib) == STATE and lib.integrity_check() == "ok"


def test_full_disk_with_another_session_open_reads_its_latest_commit(tmp_path):
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        p = mnt / "home" / "library.sqlite3"
        _library_with(p)
        keeper = Library(p)  # its WAL index stays; its commit sits in the WAL
        keeper.save(_t(1, "Late"), source="/l.srt", sha256="l")
        assert os.path.getsize(f"{p}-wal") > 0
        filler = fill(mnt)
        try:
            # Opening works as usual (the WAL index is there); a write meets the full disk.
            with Library(p, fall_back=True) as lib:
                assert lib.read_only is False
                assert [i.title for i in lib.list()] == ["Tides", "Bread", "Late"]
            # Read-only sees the latest commit too (mode=ro, never a stale immutable view).
            with Library(p, read_only=True) as lib:
                assert [i.title for i in lib.list()] == ["Tides", "Bread", "Late"]
        finally:
            filler.unlink()
            keeper.close()

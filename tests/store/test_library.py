"""The library: storing, updating in place, removing, permissions, and
several processes writing at once."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from store.importer import import_paths
from store.library import SCHEMA_VERSION, Library, LibraryError
from store.model import Segment, Transcript
from store.paths import resolve

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
from store.library import Library
from store.model import Segment, Transcript
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
    assert set(data) == {"id", "title", "format", "timing", "metadata", "segments", "set_aside"}
    assert data["segments"][0] == {
        "start": 0.0,
        "end": 1.5,
        "speaker": None,
        "text": "segment number 0",
        "kind": "speech",
    }
    json.dumps(data)

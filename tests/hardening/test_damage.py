"""A damaged library is noticed, said in one line, and never written into.

Pages of the segments table are overwritten as a failing disk or a stray
write would: zeroed (SQLite then says "malformed" when it reads them), or an
interior page replaced by a leaf (the table then reads as a shorter one,
quietly: `reindex` used to index a fraction of the library). Each command
runs as `python -m hark.tui` in a child, as a user runs it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hark.store.importer import import_paths
from hark.store.library import Library, health

from .conftest import ROOT, SAMPLES, child_env, run_cli

NEW_SRT = "1\n00:00:01,000 --> 00:00:02,000\nA lighthouse keeper.\n"


def _home(tmp_path: Path) -> Path:
    """A home with the sample library (12 transcripts) and its index."""
    home = tmp_path / "home"
    r = run_cli(home, "import", str(SAMPLES))
    assert r.returncode == 0, r.stderr
    return home


def _segments_pages(library: Path) -> tuple[int, list[int], int]:
    """(root page, leaf pages, page size) of the segments table."""
    db = sqlite3.connect(library)
    try:
        rows = db.execute("SELECT pageno, pagetype FROM dbstat WHERE name = 'segments' ORDER BY pageno").fetchall()
        size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'segments'").fetchone()[0]
    finally:
        db.close()
    return root, [p for p, kind in rows if kind == "leaf"], size


def _write_page(library: Path, page: int, data: bytes, size: int) -> None:
    with open(library, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(data)


def _zero_a_page(library: Path) -> int:
    """Zero a leaf page of segments in the middle of the table: its number."""
    _root, leaves, size = _segments_pages(library)
    page = leaves[len(leaves) // 2]
    _write_page(library, page, b"\0" * size, size)
    return page


def _leaf_over_the_root(library: Path) -> None:
    """Copy a leaf over the segments b-tree's interior root: every read
    succeeds, and the table looks a few dozen rows long."""
    root, leaves, size = _segments_pages(library)
    with open(library, "rb") as f:
        f.seek((leaves[3] - 1) * size)
        leaf = f.read(size)
    _write_page(library, root, leaf, size)


def _unreadable_transcript(library: Path) -> int:
    """A transcript whose segments SQLite cannot read now."""
    db = sqlite3.connect(library)
    try:
        for (tid,) in db.execute("SELECT id FROM transcripts ORDER BY id").fetchall():
            try:
                db.execute("SELECT text FROM segments WHERE transcript_id = ?", (tid,)).fetchall()
            except sqlite3.DatabaseError:
                return tid
    finally:
        db.close()
    raise AssertionError("no transcript reads the damaged page")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lines(r: subprocess.CompletedProcess) -> list[str]:
    return r.stderr.decode().splitlines()


def test_a_read_that_meets_damage_is_one_line_and_later_writes_are_refused(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    page = _zero_a_page(library)
    tid = _unreadable_transcript(library)
    line = f"hark: the library is damaged (page {page} of segments): run hark check"

    r = run_cli(home, "show", str(tid))
    assert r.returncode == 1 and r.stdout == b""
    assert _lines(r) == [line]  # before: "unexpected error: DatabaseError: database disk image is malformed"

    # The next write goes nowhere near the damaged page, and is refused all the same.
    before = _digest(library)
    (tmp_path / "new.srt").write_text(NEW_SRT)
    r = run_cli(home, "import", str(tmp_path / "new.srt"))
    assert r.returncode == 1 and _lines(r) == [line]
    assert _digest(library) == before
    # Reading what can be read goes on, saying so once.
    r = run_cli(home, "list")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 12
    assert _lines(r) == [f"{line}; showing what can be read, changes are off"]


@pytest.mark.parametrize("damage", ["zeroed", "leaf over the root"])
def test_reindex_refuses_a_damaged_library(tmp_path, damage):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    index = {p.name: p.stat().st_mtime_ns for p in (home / "index").iterdir()}
    if damage == "zeroed":
        page = _zero_a_page(library)
        said = f"page {page} of segments"
    else:
        _leaf_over_the_root(library)
        total = sum(t.segment_count for t in Library(library, read_only=True).list())
        left = sqlite3.connect(library).execute("SELECT count(*) FROM segments").fetchone()[0]
        assert left < total / 2  # it reads as a short table, without an error
        said = f"{total - left:,} of {total:,} segments lost"
    before = _digest(library)
    r = run_cli(home, "reindex")
    assert r.returncode == 1 and r.stdout == b""  # before: "indexed 12 transcripts" from a fraction of them
    (line,) = _lines(r)
    assert line.startswith("hark: the library is damaged (") and line.endswith("): run hark check")
    assert said in line
    # Nothing was indexed from it, nothing written into it.
    assert {p.name: p.stat().st_mtime_ns for p in (home / "index").iterdir()} == index
    assert _digest(library) == before


_WRITE_THEN_DIE = """
import os, signal, sys
from hark.store.library import Library
lib = Library(sys.argv[1])
lib.set_reading(1, 3)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_after_a_crash_the_library_is_checked_at_open(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    # A writer dies (kill -9) holding the library; meanwhile a page is lost.
    p = subprocess.run([sys.executable, "-c", _WRITE_THEN_DIE, str(library)], cwd=ROOT, env=child_env(home))
    assert p.returncode == -signal.SIGKILL
    marks = [n for n in os.listdir(home) if n.startswith("library.sqlite3-writer-")]
    assert len(marks) == 1  # the dead writer's mark, no longer locked
    page = _zero_a_page(library)
    # The next command checks (quick_check) before it writes anything.
    (tmp_path / "new.srt").write_text(NEW_SRT)
    r = run_cli(home, "import", str(tmp_path / "new.srt"))
    assert r.returncode == 1  # before: imported into the damaged file
    assert _lines(r) == [f"hark: the library is damaged (page {page} of segments): run hark check"]
    assert not [n for n in os.listdir(home) if n.startswith("library.sqlite3-writer-")]
    assert Library(library, read_only=True).info(1).position == 3  # the dead writer's commit is there


def test_a_live_writer_is_not_a_crash(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    with Library(library) as keeper:
        keeper.set_reading(1, 2)  # holds its mark, locked
        assert health.crashed_writers(library).marks == []
        (tmp_path / "new.srt").write_text(NEW_SRT)
        r = run_cli(home, "import", str(tmp_path / "new.srt"))
        assert r.returncode == 0 and b"damaged" not in r.stderr
    assert not [n for n in os.listdir(home) if n.startswith("library.sqlite3-writer-")]


def test_check_a_sound_library(tmp_path):
    home = _home(tmp_path)
    r = run_cli(home, "check")
    assert r.returncode == 0 and r.stderr == b""
    (line,) = r.stdout.decode().splitlines()
    assert line.startswith("the library is sound: 12 transcripts, ")
    segments = sum(t.segment_count for t in Library(home / "library.sqlite3", read_only=True).list())
    assert f", {segments:,} segments, 0 annotations; " in line and "checked in " in line


def test_check_says_what_is_damaged_and_the_way_out(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    good = library.read_bytes()
    page = _zero_a_page(library)
    r = run_cli(home, "check")
    assert r.returncode == 1
    (line,) = r.stdout.decode().splitlines()
    assert line.startswith(f"the library is damaged (page {page} of segments); your annotations are intact: ")
    assert "hark annotations export --format json -o notes.json" in line
    assert f"move {library} aside" in line and "hark annotations import notes.json" in line
    # Noted: a write is refused.
    (tmp_path / "new.srt").write_text(NEW_SRT)
    r = run_cli(home, "import", str(tmp_path / "new.srt"))
    assert r.returncode == 1 and b"the library is damaged (page" in r.stderr
    # The file mended in place (a backup copied over it): check says so, writes are on again.
    library.write_bytes(good)
    r = run_cli(home, "check")
    assert r.returncode == 0
    assert r.stdout.decode().rstrip().endswith("; the damage noted before is gone, changes are on again")
    assert run_cli(home, "import", str(tmp_path / "new.srt")).returncode == 0


def test_a_library_moved_aside_and_replaced_is_a_new_one(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    _zero_a_page(library)
    assert run_cli(home, "check").returncode == 1
    library.rename(home / "damaged.sqlite3")
    (tmp_path / "new.srt").write_text(NEW_SRT)
    r = run_cli(home, "import", str(tmp_path / "new.srt"))
    assert r.returncode == 0 and b"damaged" not in r.stderr


def test_check_an_unreadable_file_and_rows_pointing_nowhere(tmp_path):
    home = _home(tmp_path)
    library = home / "library.sqlite3"
    db = sqlite3.connect(library)  # foreign keys are off here: rows can point to nothing
    db.execute("INSERT INTO reading (transcript_id, segment, playhead, opened) VALUES (999, 0, 0, 'x')")
    db.commit()
    db.close()
    r = run_cli(home, "check")
    assert r.returncode == 1
    assert r.stdout.decode().startswith("the library is damaged (1 row of reading points to missing transcripts)")

    library.write_bytes(os.urandom(8192))
    for command in ("check", "list"):
        r = run_cli(home, command)
        assert r.returncode == 1 and b"Traceback" not in r.stderr
        text = (r.stdout + r.stderr).decode()
        assert len(text.splitlines()) == 1
        assert f"the library is damaged ({library} is not a database file)" in text


def test_a_page_is_placed_in_its_table_without_dbstat(tmp_path):
    """SQLite builds without dbstat: the b-trees are walked in the file."""
    library = tmp_path / "lib.sqlite3"
    with Library(library) as lib:
        import_paths(lib, [SAMPLES])
    page = _zero_a_page(library)

    class NoDbstat:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def execute(self, sql: str, *args):
            if "dbstat" in sql:
                raise sqlite3.OperationalError("no such table: dbstat")
            return self.db.execute(sql, *args)

    db = sqlite3.connect(library)
    lines = health.problems(db)
    assert lines and f"{page}" in lines[0]
    assert health.locate(NoDbstat(db), lines) == (f"page {page} of segments", ["segments"])  # type: ignore[arg-type]
    db.close()


def test_an_index_that_is_a_plain_file_is_set_aside_and_rebuilt(tmp_path):
    home = _home(tmp_path)
    index = home / "index"
    for p in index.iterdir():
        p.unlink()
    index.rmdir()
    index.write_text("not an index\n")
    assert run_cli(home, "list").returncode == 0
    r = run_cli(home, "search", "tide", "--json")
    assert r.returncode == 0  # before: "Not a directory", from every command that searched or imported
    (line,) = _lines(r)
    aside = [p for p in home.iterdir() if p.name.startswith("index.not-a-folder-")]
    assert len(aside) == 1 and aside[0].read_text() == "not an index\n"  # kept, not deleted
    assert line.startswith(
        f"hark: the search index was a file, not a folder (set aside as {aside[0].name}): "
        "rebuilt from the library (12 transcripts, "
    )
    assert b'"total": 0' not in r.stdout and index.is_dir()
    # On import too: one line, and the import is done.
    for p in index.iterdir():
        p.unlink()
    index.rmdir()
    index.write_text("again\n")
    (tmp_path / "new.srt").write_text(NEW_SRT)
    r = run_cli(home, "import", str(tmp_path / "new.srt"))
    assert r.returncode == 0 and len(_lines(r)) == 1
    assert "the search index was a file, not a folder (set aside as index.not-a-folder-" in _lines(r)[0]
    r = run_cli(home, "search", "lighthouse keeper", "--json")
    assert r.returncode == 0 and r.stderr == b"" and b'"total": 0' not in r.stdout

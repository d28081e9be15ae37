"""Annotations: creating them from segments, editing, deleting and undoing,
what the index and the library pane read; a second session sees them; an
old library gains them; a process killed mid-save loses none."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ann_helpers import LINES, tr

from hark.store import annotations as A
from hark.store.library import MIGRATIONS, SCHEMA_VERSION, Library

ROOT = Path(__file__).resolve().parents[3]


# -- creating, editing, deleting ----------------------------------------------------


def test_create_takes_quote_context_and_times_from_the_segments(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 1, 2, note="the heart of it #tides", tags=["physics", "#Tides"], color="green")
    assert len(a.id) == 32 and int(a.id, 16) >= 0
    assert (a.transcript_id, a.first, a.last, a.start, a.end) == (tid, 1, 2, 4.0, 11.5)
    assert a.quote == LINES[1] + " " + LINES[2]
    # ~32 characters either side, across segment boundaries
    assert a.prefix == (LINES[0] + " ")[-32:]
    assert a.suffix == (" " + LINES[3])[:32]
    assert a.tags == ["physics", "Tides"]  # the note's #tides is the same tag
    assert (a.color, a.status, a.source_sha256, a.transcript_title) == ("green", "anchored", "s1", "Low Water")
    assert a.author == (os.environ.get("USER") or A.current_author())
    assert a.created == a.updated and a.created.endswith("+00:00")
    assert A.get(lib, a.id) == a
    # at the edges the context is shorter
    b = A.create(lib, tid, 0, 0)
    assert b.prefix == "" and b.quote == LINES[0] and b.tags == [] and b.color == "yellow"
    c = A.create(lib, tid, 8, 8)
    assert c.suffix == "" and c.prefix == "he big spring tides. Thank you. "
    assert [x.id for x in A.list_annotations(lib)] == [b.id, a.id, c.id]


def test_create_refuses_bad_spans_and_colours(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    with pytest.raises(A.AnnotationError, match="colour"):
        A.create(lib, tid, 0, 0, color="red")
    with pytest.raises(A.AnnotationError, match="0..8"):
        A.create(lib, tid, 5, 9)
    with pytest.raises(A.AnnotationError, match="no transcript"):
        A.create(lib, tid + 1, 0, 0)
    assert A.list_annotations(lib) == []


def test_hashtags():
    assert A.hashtags("see #tides and #Moon-phase, not C# or &#39; or x.org/#frag or #1") == ["tides", "Moon-phase"]
    assert A.hashtags("#a #A #b-") == ["a", "b"]
    assert A.normalize_tags(["#x", " two  words ", "X", ""]) == ["x", "two words"]


def test_update_note_tags_colour(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 3, 3, note="far side #bulge", tags=["moon"])
    assert a.tags == ["moon", "bulge"]
    b = A.update(lib, a.id, note="far side, see also #gravity")
    # explicit tags kept, the note's #tags follow the note
    assert b.tags == ["moon", "gravity"] and b.note == "far side, see also #gravity"
    c = A.update(lib, a.id, tags=["x"], color="pink")
    assert c.tags == ["x", "gravity"] and c.color == "pink"
    assert A.update(lib, a.id, color="pink").updated == c.updated  # no change, no new time
    with pytest.raises(A.AnnotationError):
        A.update(lib, a.id, color="mauve")
    assert A.update(lib, "0" * 32, note="x") is None
    got = A.get(lib, a.id)
    assert (got.note, got.tags, got.color, got.quote) == (c.note, c.tags, "pink", LINES[3])


def test_delete_and_undo(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 2, 3, note="keep me")
    gone = A.delete(lib, a.id)
    assert gone == a and A.get(lib, a.id) is None
    assert A.delete(lib, a.id) is None
    assert A.restore(lib, gone) == a
    assert A.get(lib, a.id) == a


def test_undo_after_the_transcript_changed_or_went(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    a = A.create(lib, tid, 5, 5)
    gone = A.delete(lib, a.id)
    lib.save(tr(["A new first line."] + LINES), source="/a.srt", sha256="s2")
    back = A.restore(lib, gone)
    assert (back.first, back.start, back.status, back.source_sha256) == (6, 24.0, "moved", "s2")
    gone = A.delete(lib, a.id)
    lib.remove(tid)
    back = A.restore(lib, gone)
    assert back.transcript_id is None and back.status == "orphaned" and back.quote == LINES[5]


def test_iter_for_index_and_counts(lib):
    tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    other, _ = lib.save(tr(LINES[:3], title="Other"), source="/b.srt", sha256="s2")
    a = A.create(lib, tid, 6, 6, note="spring tides #sun")
    b = A.create(lib, other, 1, 2)
    assert list(A.iter_for_index(lib)) == [
        (a.id, tid, 6, 24.0, "spring tides #sun", ["sun"]),
        (b.id, other, 1, 4.0, "", []),
    ]
    assert list(A.iter_for_index(lib, other)) == [(b.id, other, 1, 4.0, "", [])]
    assert A.count_by_transcript(lib) == {tid: 1, other: 1}


def test_migration_adds_annotations_to_an_old_library(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO transcripts (title, format, timing, source, sha256, imported, updated) "
        "VALUES ('Old', 'srt', 'exact', '/old.srt', 'x', 'now', 'now')"
    )
    db.commit()
    db.close()
    with Library(path) as lib:
        assert lib.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
        assert lib.info(1).title == "Old"
        assert A.list_annotations(lib) == []


def test_a_second_session_sees_a_new_annotation(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as one, Library(tmp_path / "lib.sqlite3") as two:
        tid, _ = one.save(tr(LINES), source="/a.srt", sha256="s1")
        seen = two.data_version()
        a = A.create(one, tid, 0, 0, note="hello")
        assert two.data_version() != seen
        assert A.get(two, a.id) == a


# -- a process killed while saving ------------------------------------------------------

_CHILD = """
import sys
from hark.store import annotations as A
from hark.store.library import Library

lib = Library(sys.argv[1])
tid = int(sys.argv[2])
i = 0
while True:
    a = A.create(lib, tid, i % 9, i % 9, note=f"note {i} #n{i}")
    print(a.id, flush=True)
    i += 1
"""


def test_killed_mid_save_leaves_the_library_intact_with_every_committed_annotation(tmp_path):
    path = tmp_path / "lib.sqlite3"
    with Library(path) as lib:
        tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(tid)], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    committed: list[str] = []
    try:
        while len(committed) < 300:
            line = child.stdout.readline()
            assert line, "the child stopped early"
            committed.append(line.strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    # What it printed before it died (read through the same buffered pipe:
    # communicate() would skip what readline() already buffered).
    committed += child.stdout.read().split()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    with Library(path) as lib:
        assert lib.integrity_check() == "ok"
        have = {a.id: a for a in A.list_annotations(lib)}
        assert set(committed) <= set(have)
        # at most the one being written when killed is extra, and it is whole
        assert len(have) - len(committed) in (0, 1)
        for a in have.values():
            assert a.quote in LINES and a.note.startswith("note ") and len(a.tags) == 1

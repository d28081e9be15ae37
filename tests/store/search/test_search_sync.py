"""Keeping the index in step with the library (store/search/index.py):
sync, damage and staleness repaired with one line, private files, the
writer lock, and several processes writing at once."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from search_helpers import FILLER, ROOT, build_fixture, save, where

from hark.store.library import Library
from hark.store.search import Index, documents, lock, sync, sync_quietly
from hark.store.search import index as sindex
from hark.store.search.whoosh import schema


def test_private_files(small):
    idx, _lib, _ids, tmp = small
    assert (tmp / "index").stat().st_mode & 0o777 == 0o700
    for p in (tmp / "index").iterdir():
        if p.is_file():
            assert p.stat().st_mode & 0o077 == 0, p
    assert (tmp / "index.lock").stat().st_mode & 0o777 == 0o600


def test_sync_adds_changes_and_removes(small):
    idx, lib, ids, _tmp = small
    assert idx.in_sync()
    assert idx.sync().changed is False
    new = save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance points to flowers.")])
    assert not idx.in_sync()
    r = idx.sync()
    assert (r.added, r.removed, r.rebuilt) == (1, 0, None)
    assert where(idx.search("waggle")) == [(new, 0, 0.0)]
    # Re-import with changed text: same id, old words gone.
    save(lib, "Bees", "srt", [(0.0, 2.0, None, "The round dance points to flowers.")], source="/fixtures/Bees")
    r = idx.sync()
    assert (r.added, r.removed) == (1, 0)
    assert where(idx.search("waggle")) == []
    assert where(idx.search("round dance")) == [(new, 0, 0.0)]
    lib.remove(ids["keepers"])
    r = idx.sync()
    assert (r.added, r.removed) == (0, 1)
    assert [h.transcript_id for h in idx.search("lighthouse").hits] == [ids["rocks"]]
    assert idx.in_sync()


def test_catching_up_most_of_the_library_rebuilds_instead(small, monkeypatch):
    idx, lib, ids, _tmp = small
    monkeypatch.setattr(sindex, "PARALLEL_SEGMENTS", 10)
    segs = [(j * 1.0, j + 1.0, None, f"bulk line {j} about harbours") for j in range(200)]
    new = save(lib, "Bulk", "srt", segs)
    seen = []
    r = idx.sync(progress=lambda done, total: seen.append((done, total)))
    assert (r.added, r.removed, r.rebuilt) == (1, 0, None)
    assert seen[-1] == (sum(len(lib.segments(t)) for t in lib.ids()),) * 2  # progress of a whole build
    assert idx.search("harbours").hits[0].transcript_id == new
    assert idx.in_sync()


def test_annotation_notes_and_tags_are_searched(small):
    from hark.store import annotations

    idx, lib, ids, _tmp = small
    a = annotations.create(lib, ids["talk"], 4, 4, note="Ask the chef about caramel", tags=["dessert"])
    assert not idx.in_sync()  # an annotation with a note changes what the index must hold
    r = idx.sync()
    assert (r.added, r.removed) == (1, 0)
    # A word of the note only: a hit on the annotation, its note as snippet.
    r = idx.search("caramel")
    assert [(h.transcript_id, h.segment, h.start, h.kind) for h in r.hits] == [(ids["talk"], 4, 15.0, "note")]
    h = r.hits[0]
    assert h.marked() == "Ask the chef about **caramel** ; dessert"
    assert h.text == "Crème brûlée is my reward for long horizon work."
    assert where(idx.search("note:chef")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search('note:"the chef"')) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("tag:dessert")) == [(ids["talk"], 4, 15.0)]
    assert where(idx.search("dessert")) == [(ids["talk"], 4, 15.0)]  # tags are words of the note too
    # Said and noted: the hit is on what was said.
    r = idx.search("reward caramel")
    assert [(h.segment, h.kind) for h in r.hits] == [(4, "text")]
    annotations.update(lib, a.id, note="Ask the chef about toffee")
    assert idx.sync().added == 1
    assert idx.search("caramel").total == 0 and idx.search("toffee").total == 1
    annotations.delete(lib, a.id)
    assert idx.sync().added == 1
    assert idx.search("toffee").total == 0
    assert idx.in_sync()


def test_a_note_of_spaces_alone_keeps_the_index_in_sync(small):
    """An annotation whose note is only spaces is in the library's manifest
    (its stamp) and in the index's the same way: one sync, then in step."""
    from hark.store import annotations

    idx, lib, ids, _tmp = small
    annotations.create(lib, ids["talk"], 1, 1, note="   ")
    assert not idx.in_sync()
    assert idx.sync().added == 1
    assert idx.in_sync()
    assert idx.sync().changed is False


def test_many_small_commits_merge_small_segments(small, monkeypatch):
    idx, lib, _ids, tmp = small
    for i in range(9):
        save(lib, f"Note {i}", "srt", [(0.0, 1.0, None, f"memo number{i} about gardens")])
        idx.sync()
    stats = idx.stats()
    assert stats["segments"] <= 5  # merged as they piled up
    assert len(idx.search("gardens", limit=50).hits) == 9
    assert where(idx.search("number7")) != []


def test_missing_index_is_rebuilt_with_a_message(small):
    idx, _lib, ids, tmp = small
    shutil.rmtree(tmp / "index")
    assert idx.health() == "missing"
    said = []
    report = sync(idx.lib, tmp / "index", message=said.append)
    assert report.rebuilt.why == "missing"
    assert len(said) == 1 and said[0].startswith(
        "the search index was missing: rebuilt from the library (5 transcripts"
    )
    assert where(idx.search("brulee")) == [(ids["talk"], 4, 15.0)]


def test_deleted_toc_is_rebuilt(small):
    idx, _lib, ids, tmp = small
    idx.close()
    for p in (tmp / "index").glob("*.toc"):
        p.unlink()
    idx2 = Index(tmp / "index", idx.lib)
    assert idx2.health() == "missing"
    said = []
    idx2.ensure(message=said.append)
    assert said[0].startswith("the search index was missing: rebuilt")
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]


@pytest.mark.parametrize("damage", ["truncate", "garbage-toc", "empty-toc", "delete-segment"])
def test_corrupt_index_is_rebuilt(small, damage):
    idx, lib, ids, tmp = small
    idx.close()
    ixdir = tmp / "index"
    if damage == "truncate":
        seg = max(ixdir.glob("*.seg"), key=lambda p: p.stat().st_size)
        with open(seg, "r+b") as f:
            f.truncate(seg.stat().st_size // 2)
    elif damage == "garbage-toc":
        toc = next(ixdir.glob("*.toc"))
        toc.write_bytes(os.urandom(300))
    elif damage == "empty-toc":
        next(ixdir.glob("*.toc")).write_bytes(b"")
    else:
        for seg in ixdir.glob("*.seg"):
            seg.unlink()
    idx2 = Index(ixdir, lib)
    assert idx2.health() == "corrupt"
    said = []
    report = idx2.ensure(message=said.append)
    assert report.rebuilt.why == "corrupt"
    assert said == [said[0]] and said[0].startswith("the search index was damaged: rebuilt from the library")
    assert idx2.health() is None
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]
    idx2.close()


def test_stale_schema_version_is_rebuilt(small, monkeypatch):
    idx, lib, ids, tmp = small
    idx.close()
    # An index written by a hark whose schema version differs.
    monkeypatch.setattr(documents, "SCHEMA_VERSION", documents.SCHEMA_VERSION + 1)
    idx2 = Index(tmp / "index", lib)
    assert idx2.health() == "stale"
    said = []
    idx2.ensure(message=said.append)
    assert said[0].startswith("the search index was from another version: rebuilt")
    assert idx2.health() is None
    assert where(idx2.search("brulee")) == [(ids["talk"], 4, 15.0)]
    idx2.close()


def test_index_of_another_name_is_stale(small):
    idx, lib, _ids, tmp = small
    idx.close()
    tocs = list((tmp / "index").glob(f"_{schema.INDEX_NAME}_*.toc"))
    assert tocs
    for p in tocs:
        p.rename(p.with_name(p.name.replace(f"_{schema.INDEX_NAME}_", "_hark0_")))
    idx2 = Index(tmp / "index", lib)
    assert idx2.health() == "stale"
    assert idx2.ensure().rebuilt.why == "stale"
    assert not list((tmp / "index").glob("_hark0_*"))  # the old one is cleared away
    idx2.close()


def test_sync_quietly_never_raises(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    blocker = tmp_path / "home"
    blocker.write_text("not a folder")  # the index's folder cannot be made: a file is where its parent goes
    said = []
    sync_quietly(lib, blocker / "index", message=said.append)
    assert len(said) == 1 and said[0].startswith("the search index was not updated")
    lib.close()


def test_parallel_build_matches_single(small):
    idx, lib, ids, tmp = small
    single = {q: where(idx.search(q)) for q in ("lighthouse", '"scaling laws"', "agents", "speaker:efron")}
    report = idx.rebuild(procs=2)
    assert report.procs == 2 and report.transcripts == 5
    assert report.peak_mb > 0  # each build process reports its memory
    assert {q: where(idx.search(q)) for q in single} == single


# -- several processes ---------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.library import Library
    from hark.store.model import Segment, Transcript
    from hark.store.search import sync
    home, tag, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    lib = Library(home / "library.sqlite3")
    while not go.exists():
        time.sleep(0.005)
    for i in range(5):
        t = Transcript(title=f"{{tag}} {{i}}", format="srt",
                       segments=[Segment(0.0, 1.0, f"marker{{tag}} item{{i}} words")]).finish()
        lib.save(t, source=f"/{{tag}}/{{i}}", sha256=f"{{tag}}{{i}}")
        sync(lib, home / "index")
    print("ok")
    """
)


def test_two_processes_writing_at_once_both_land(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    build_fixture(lib)
    Index(tmp_path / "index", lib).sync()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(root=str(ROOT)))
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), tag, str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for tag in ("aaa", "bbb")
    ]
    time.sleep(0.5)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        assert out.decode().strip() == "ok"
    idx = Index(tmp_path / "index", lib)
    assert idx.in_sync()
    for tag in ("aaa", "bbb"):
        r = idx.search(f"marker{tag}", limit=50)
        assert r.total == 5 and len({h.transcript_id for h in r.hits}) == 5
    idx.close()
    lib.close()


_HOLDER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.search.lock import WriterLock
    lock = WriterLock(Path(sys.argv[1]))
    assert lock.acquire(1)
    print("held", flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), 9)
    time.sleep(float(sys.argv[2]))
    """
)


def _holder(tmp_path, arg):
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER.format(root=str(ROOT)))
    p = subprocess.Popen([sys.executable, str(script), str(tmp_path / "index.lock"), arg], stdout=subprocess.PIPE)
    assert p.stdout.readline().decode().strip() == "held"
    return p


def test_a_writer_waits_for_the_lock(small):
    idx, lib, _ids, tmp = small
    save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "1.5")
    t0 = time.monotonic()
    r = idx.sync()
    waited = time.monotonic() - t0
    p.wait(timeout=10)
    assert r.added == 1
    assert waited >= 1.0
    assert idx.search("waggle").total == 1


def test_a_dead_writers_lock_is_released(small):
    idx, lib, _ids, tmp = small
    save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "die")
    p.wait(timeout=10)
    assert p.returncode == -signal.SIGKILL
    assert (tmp / "index.lock").exists()  # the file stays; the lock went with the process
    t0 = time.monotonic()
    assert idx.sync().added == 1
    assert time.monotonic() - t0 < 5


def test_the_lock_times_out_and_search_goes_on(small, monkeypatch):
    idx, lib, _ids, tmp = small
    save(lib, "Bees", "srt", [(0.0, 2.0, None, "The waggle dance.")])
    p = _holder(tmp, "6")
    monkeypatch.setattr(lock, "LOCK_SECONDS", 0.3)
    # A writer gives up after LOCK_SECONDS: the index is usable, only behind.
    assert idx.sync().busy
    said = []
    sync(lib, tmp / "index", message=said.append)
    assert said == ["another hark is writing the search index: it will catch up at the next search"]
    # Before a search, ensure() waits two seconds at most, then searches as it is.
    said = []
    t0 = time.monotonic()
    assert idx.ensure(message=said.append).busy
    assert 1.5 < time.monotonic() - t0 < 5
    assert said == ["another hark is updating the search index: searching it as it is"]
    # Readers are never blocked.
    assert where(idx.search("reward"))[0][1:] == (4, 15.0)
    assert idx.search("waggle").total == 0
    p.kill()
    p.wait()
    assert idx.sync().added == 1
    assert idx.search("waggle").total == 1


_CRASHER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from pathlib import Path
    from hark.store.library import Library
    from hark.store.search import sync
    home = Path(sys.argv[1])
    sync(Library(home / "library.sqlite3"), home / "index")
    """
)


def test_a_writer_killed_mid_write_leaves_a_usable_index(tmp_path):
    lib = Library(tmp_path / "library.sqlite3")
    ids = build_fixture(lib)
    idx = Index(tmp_path / "index", lib)
    idx.sync()
    rng = random.Random(7)
    words = FILLER + "river tide harbour lantern keeper storm beacon".split()
    for i in range(60):
        segs = [(j * 2.0, j * 2.0 + 2, None, " ".join(rng.choice(words) for _ in range(12))) for j in range(300)]
        save(lib, f"Bulk {i}", "srt", segs)
    script = tmp_path / "crasher.py"
    script.write_text(_CRASHER.format(root=str(ROOT)))
    before = set(os.listdir(tmp_path / "index"))
    p = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(os.listdir(tmp_path / "index")) <= before:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.3))
    p.send_signal(signal.SIGKILL)
    p.wait()
    # Whatever the moment: the index opens, and holds at least what it held.
    fresh = Index(tmp_path / "index", lib)
    assert fresh.health() is None
    assert where(fresh.search("brulee")) == [(ids["talk"], 4, 15.0)]
    # The next writer is not blocked, cleans up and catches up.
    r = fresh.sync()
    assert r.rebuilt is None
    assert fresh.in_sync()
    assert fresh.search("lantern", limit=5).total >= 60
    fresh.close()
    idx.close()
    lib.close()

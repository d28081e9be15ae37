"""Never lose a note (issue 12, case 3): the notes get out of a damaged
library, and a second copy of them exists without it.

A page of the annotations table overwritten with garbage: `hark
annotations export` gives every row it can still read, says how many it
could not, and fails only when it read none. After changes (the app,
debounced, in a worker; `hark annotations import`) a rotating W3C JSON copy
of every annotation is kept in backups/, 0600, which `hark annotations
import` restores into a fresh library."""

from __future__ import annotations

import json
import os
import random
import stat
import struct
import time
from pathlib import Path

from hark.store import annotations as A
from hark.store.annotations import backup as B
from hark.store.library import Library
from hark.store.paths import resolve
from hark.tui import annotating, backend
from hark.tui.app import HarkApp
from hark.tui.cli import main
from tests.app.conftest import FakeClock, make_library, settle, transcript

from .conftest import SAMPLES

COUNT = 300


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _annotated(home: Path, capsys) -> Path:
    """A home with the tides lecture and COUNT annotations, long enough
    notes that the annotations table spans many pages."""
    assert run(capsys, "import", str(SAMPLES / "lecture-tides.srt"))[0] == 0
    path = resolve(home).library
    with Library(path) as lib:
        n = lib.info(1).segment_count
        for i in range(COUNT):
            A.create(lib, 1, i % n, i % n, note=f"note {i}: " + "words to fill a page " * 10)
    return path


def _leaf_pages(path: Path, table: str) -> list[int]:
    """The pages holding a table's rows: its root page if that is a leaf,
    else the root's children (two levels deep: pointers over leaves)."""
    with Library(path) as lib:
        size = lib.db.execute("PRAGMA page_size").fetchone()[0]
        root = lib.db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    data = path.read_bytes()  # (closing the last connection checkpointed the WAL into the file)
    page = data[(root - 1) * size : root * size]
    if page[0] in (0x0A, 0x0D):  # a leaf (of a WITHOUT ROWID table, of a rowid table)
        return [root]
    assert page[0] in (0x02, 0x05), page[0]  # interior pages: each cell starts with its child's number
    cells = struct.unpack(">H", page[3:5])[0]
    pointers = [struct.unpack(">H", page[12 + 2 * i : 14 + 2 * i])[0] for i in range(cells)]
    rightmost = struct.unpack(">I", page[8:12])[0]
    return [struct.unpack(">I", page[p : p + 4])[0] for p in pointers] + [rightmost]


def _damage(path: Path, pages: list[int]) -> None:
    with Library(path) as lib:
        size = lib.db.execute("PRAGMA page_size").fetchone()[0]
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    rng = random.Random(12)
    with open(path, "r+b") as f:
        for p in pages:
            f.seek((p - 1) * size)
            f.write(bytes(rng.randrange(256) for _ in range(size)))


def test_export_salvages_what_a_damaged_library_still_holds(home, capsys, tmp_path):
    path = _annotated(home, capsys)
    leaves = _leaf_pages(path, "annotations")
    assert len(leaves) >= 4, "the table must span pages, one to damage alone"
    _damage(path, [leaves[1]])
    code, out, err = run(capsys, "annotations", "export", "--format", "json")
    assert code == 0, err
    docs = json.loads(out)
    # (a line before it may say the library is read-only as damaged)
    *before, line = err.splitlines()
    assert all(b.startswith("hark: ") and "damaged" in b for b in before), err
    lost = int(line.split("damaged: ")[1].split()[0])
    assert line == (
        f"hark: the library is damaged: {lost} annotations could not be read; "
        f"the {COUNT - lost} that could are shown (run `hark check`)"
    )
    assert 0 < lost < COUNT / 2 and len(docs) == COUNT - lost
    assert all(d["body"][0]["value"].startswith("note ") for d in docs)
    # Markdown, to a file, and the list: the same rows
    out_md = tmp_path / "notes.md"
    code, out, err = run(capsys, "annotations", "export", "-o", str(out_md))
    assert code == 0 and out == f"wrote {COUNT - lost} annotations to {out_md}\n"
    assert out_md.read_text().count("\n> — ") == COUNT - lost
    code, out, err = run(capsys, "annotations", "--json")
    assert code == 0 and len(json.loads(out)) == COUNT - lost and "could not be read" in err


def test_export_fails_only_when_it_read_nothing(home, capsys):
    path = _annotated(home, capsys)
    _damage(path, _leaf_pages(path, "annotations"))
    code, out, err = run(capsys, "annotations", "export", "--format", "json")
    assert code == 1 and out == "", (err, out[:300])
    assert (
        err.splitlines()[-1] == f"hark: the library is damaged: {COUNT} annotations could not be read, and none could"
    )


def test_a_damaged_segments_page_leaves_the_export_whole(home, capsys):
    path = _annotated(home, capsys)
    _damage(path, _leaf_pages(path, "segments")[:1])
    code, out, err = run(capsys, "annotations", "export", "--format", "json")
    assert code == 0 and "could not be read" not in err and len(json.loads(out)) == COUNT


# -- the rotating backup -------------------------------------------------------------


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_backups_rotate_are_private_and_skip_when_nothing_changed(tmp_path):
    folder = tmp_path / "data" / "backups"
    with Library(tmp_path / "l.sqlite3") as lib:
        from tests.store.annotations.ann_helpers import LINES, tr

        tid, _ = lib.save(tr(LINES), source="/a.srt", sha256="s1")
        a = A.create(lib, tid, 1, 1, note="one")
        t0 = time.time()
        assert B.write_backup(lib, folder, now=t0) == folder / "annotations-1.json"
        assert B.write_backup(lib, folder, now=t0) is None  # nothing changed: nothing written
        A.update(lib, a.id, note="one, and more")
        B.write_backup(lib, folder, now=t0 + 1)  # soon after: -1 is replaced, no generation pushed out
        assert B.backups(folder) == [folder / "annotations-1.json"]
        for k in range(1, 8):  # every ROTATE_SECONDS: the generations shift, five kept
            A.update(lib, a.id, note=f"edit {k} " + "x" * k)
            os.utime(folder / "annotations-1.json", (t0, t0 + (k - 1) * B.ROTATE_SECONDS))
            B.write_backup(lib, folder, now=t0 + k * B.ROTATE_SECONDS)
        assert [p.name for p in B.backups(folder)] == [f"annotations-{n}.json" for n in range(1, 6)]
        notes = [json.loads(p.read_text())[0]["body"][0]["value"] for p in B.backups(folder)]
        assert notes == ["edit 7 xxxxxxx", "edit 6 xxxxxx", "edit 5 xxxxx", "edit 4 xxxx", "edit 3 xxx"]
        # a smaller copy (a note deleted) always keeps the one before it
        A.delete(lib, a.id)
        B.write_backup(lib, folder, now=t0 + 7 * B.ROTATE_SECONDS + 1)
        assert json.loads((folder / "annotations-1.json").read_text()) == []
        assert json.loads((folder / "annotations-2.json").read_text())[0]["body"][0]["value"] == "edit 7 xxxxxxx"
    assert _mode(folder) == 0o700 and {_mode(p) for p in folder.iterdir()} == {0o600}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_an_annotations_import_leaves_a_backup_that_restores_into_a_fresh_library(home, capsys, tmp_path):
    run(capsys, "import", str(SAMPLES / "lecture-tides.srt"), str(SAMPLES / "podcast-bread.vtt"))
    with Library(resolve().library) as lib:
        A.create(lib, 1, 0, 1, note="keep me #kept", color="green")
        A.create(lib, 2, 3, 3, note="me too")
        A.create(lib, 2, 5, 5)
    f = tmp_path / "one.json"
    run(capsys, "annotations", "export", "--format", "json", "--in", "2", "-o", str(f))
    code, out, err = run(capsys, "annotations", "import", str(f))
    assert code == 0 and err == ""
    newest = A.backup_dir(resolve()) / "annotations-1.json"
    assert _mode(newest) == 0o600 and len(json.loads(newest.read_text())) == 3
    _, before, _ = run(capsys, "annotations", "export")

    # The library is lost. A fresh home: the notes first, then the transcripts.
    fresh = tmp_path / "fresh"
    code, out, _ = run(capsys, "--home", str(fresh), "annotations", "import", str(newest))
    assert out == "3 imported, 0 updated, 0 unchanged (0 anchored, 0 moved, 3 orphaned)\n"
    code, out, _ = run(
        capsys, "--home", str(fresh), "import", str(SAMPLES / "lecture-tides.srt"), str(SAMPLES / "podcast-bread.vtt")
    )
    assert code == 0 and out.splitlines()[1:] == [
        "1 annotation came back to 'lecture-tides'",
        "2 annotations came back to 'Crumb and Crust, episode 12: Sourdough from scratch'",
    ], out
    _, after, _ = run(capsys, "--home", str(fresh), "annotations", "export")
    assert after == before


async def test_the_app_writes_the_backup_after_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(annotating, "BACKUP_DELAY", 0.5)
    writes = []
    real = backend.backup_annotations
    monkeypatch.setattr(backend, "backup_annotations", lambda paths: (writes.append(1), real(paths)))
    paths = make_library(tmp_path / "home", transcript("Tides", 20))
    newest = A.backup_dir(paths) / "annotations-1.json"
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "h", "j", "h")
        await settle(app, pilot)
        await pilot.pause(1.0)
        await settle(app, pilot)
        assert len(writes) == 1  # two changes in a burst: one backup
        assert [d["target"]["selector"][0]["exact"] for d in json.loads(newest.read_text())] == [
            "Sentence 1 of Tides.",
            "Sentence 2 of Tides.",
        ]
        assert _mode(newest) == 0o600
        # a change just before quitting is written on the way out
        monkeypatch.setattr(annotating, "BACKUP_DELAY", 60)
        await pilot.press("j", "a", *"last words", "ctrl+s")
        await settle(app, pilot)
        assert len(json.loads(newest.read_text())) == 2
    assert len(writes) == 2
    assert [d.get("body", [{}])[0].get("value") for d in json.loads(newest.read_text())][-1] == "last words"


def test_backup_size_and_time_for_many_annotations(tmp_path, capsys):
    """The figure in the README: the backup of 10,000 annotations."""
    n = 10_000
    from tests.store.annotations.ann_helpers import tr

    with Library(tmp_path / "l.sqlite3") as lib:
        lines = [f"Sentence {i} of a long talk about tides, moons and the sea." for i in range(2000)]
        tid, _ = lib.save(tr(lines), source="/a.srt", sha256="s1")
        stamp = "2024-01-01T00:00:00+00:00"
        anns = [
            A.Annotation(
                id=f"{i:032x}",
                transcript_id=tid,
                first=i % 2000,
                last=i % 2000,
                start=(i % 2000) * 4.0,
                end=(i % 2000) * 4.0 + 3.5,
                quote=lines[i % 2000],
                prefix=lines[i % 2000 - 1][-32:],
                suffix=lines[(i + 1) % 2000][:32],
                note=f"A note of a usual length, number {i}, about what was said here #tides",
                tags=["tides"],
                author="ann",
                created=stamp,
                updated=stamp,
                source_sha256="s1",
                transcript_title="Low Water",
            )
            for i in range(n)
        ]
        lib.merge_annotations(lambda known, transcripts: ([], anns))
        t = time.perf_counter()
        path = B.write_backup(lib, tmp_path / "backups")
        took = time.perf_counter() - t
    size = path.stat().st_size
    with capsys.disabled():
        print(f"\nbackup of {n} annotations: {size / 1e6:.1f} MB, written in {took:.2f} s")
    assert len(json.loads(path.read_text())) == n

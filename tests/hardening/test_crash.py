"""kill -9 at random moments during import, reindex and annotation saving,
repeated (12 rounds by default, 60 with HARK_HARDENING_LONG=1, seeded):
after each kill the library passes PRAGMA integrity_check, every
annotation the child printed after its commit is there, and a later normal
`hark import` of the same folder finishes and brings the index in line
with the library by itself."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.paths import resolve
from hark.store.search import Index

from .conftest import ROOT, child_env, run_cli, sample_files, scale

ROUNDS = scale(12, 60)

ANNOTATE = """
import sys
from hark.store import annotations as A
from hark.store.library import Library
with Library(sys.argv[1]) as lib:
    tid = lib.ids()[0]
    n = lib.info(tid).segment_count
    i = 0
    while True:
        a = A.create(lib, tid, i % n, i % n, note=f"note {i}", tags=["crash"])
        print(a.id, flush=True)  # printed only after the commit
        i += 1
"""


def _srt(i: int, round_: int, cues: int = 300) -> str:
    out = []
    for k in range(cues):
        out.append(f"{k + 1}\n00:{k // 60:02d}:{k % 60:02d},000 --> 00:{k // 60:02d}:{k % 60:02d},800\n")
        out.append(f"File {i} round {round_} cue {k}: zephyrquartz{i} said something plain.\n\n")
    return "".join(out)


def _child(home: Path, kind: str, lib_path: Path, folder: Path) -> subprocess.Popen:
    if kind == "annotate":
        cmd = [sys.executable, "-c", ANNOTATE, str(lib_path)]
    elif kind == "reindex":
        cmd = [sys.executable, "-m", "hark.tui", "reindex"]
    else:
        cmd = [sys.executable, "-m", "hark.tui", "import", str(folder)]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=child_env(home), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def test_kill_9_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(7)
    home = tmp_path / "home"
    folder = tmp_path / "in"
    folder.mkdir()
    for p in sample_files():
        (folder / p.name).write_bytes(p.read_bytes())
    for i in range(12):
        (folder / f"gen{i:02d}.srt").write_text(_srt(i, 0))
    r = run_cli(home, "import", str(folder))
    assert r.returncode == 0, r.stderr
    paths = resolve(home)
    committed: set[str] = set()
    survived = 0
    kinds = ["import", "reindex", "annotate"]
    for round_ in range(ROUNDS):
        kind = kinds[round_ % 3] if round_ < 3 else rng.choice(kinds)
        # Give the import something to do: a few files change each round.
        for i in rng.sample(range(12), 4):
            (folder / f"gen{i:02d}.srt").write_text(_srt(i, round_ + 1))
        child = _child(home, kind, paths.library, folder)
        time.sleep(rng.uniform(0.25, 2.0))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        if kind == "annotate":
            committed |= set(out.split())
        with Library(paths.library) as lib:
            assert lib.integrity_check() == "ok", f"round {round_} ({kind})"
            have = {a.id for a in A.list_annotations(lib)}
            missing = committed - have
            assert not missing, f"round {round_}: {len(missing)} committed annotations lost"
        # A later normal run finishes and brings the index back in line.
        r = run_cli(home, "import", str(folder))
        assert r.returncode == 0, (round_, kind, r.stderr)
        for line in r.stderr.decode().splitlines():
            assert line.startswith("hark: ") and "Traceback" not in line
        with Library(paths.library) as lib, Index(paths.index, lib) as idx:
            assert lib.integrity_check() == "ok"
            assert idx.in_sync(), f"round {round_} ({kind}): index not in line with the library"
            hits = idx.search("zephyrquartz3", limit=5)
            assert hits.hits, f"round {round_}: a known phrase is not found"
            sources = {Path(i.source).name for i in lib.list()}
            assert {f"gen{i:02d}.srt" for i in range(12)} <= sources
            assert lib.count() == len(sources)  # no duplicates
        survived += 1
    print(f"kill -9: {survived}/{ROUNDS} rounds survived, {len(committed)} committed annotations all present")
    assert survived == ROUNDS

"""Concurrent sessions: 4 processes at once import, search, annotate and
export on one library for a bounded time (60 s in CI, 15 s locally, 60 s with
HARK_HARDENING_LONG=1). Afterwards nothing is lost or duplicated, the index
agrees with the library, and no worker saw a lock error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from hark.store import annotations as A
from hark.store.library import Library
from hark.store.paths import resolve
from hark.store.search import Index

from .conftest import ROOT, child_env, run_cli, sample_files, scale

# A minute in CI (CI=true), as the hardening issue asks; 15 s in a quick
# local run; 60 s by hand with HARK_HARDENING_LONG=1.
SECONDS = 60 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else scale(15, 60)
WORKERS = 4

WORKER = r"""
import json, random, sys, time, traceback
from pathlib import Path
from hark.store import annotations as A
from hark.store import search as I
from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.paths import resolve

wid, seconds, folder = int(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3])
rng = random.Random(wid)
paths = resolve()
ops = {"import": 0, "search": 0, "annotate": 0, "export": 0}
imported, notes, errors, messages = [], [], [], []
deadline = time.monotonic() + seconds
k = 0
with Library(paths.library) as lib, I.Index(paths.index, lib) as idx:
    while time.monotonic() < deadline:
        op = rng.choice(["import", "search", "search", "annotate", "annotate", "export"])
        try:
            if op == "import":
                f = folder / f"w{wid}-{k:04d}.srt"
                f.write_text("".join(
                    f"{c+1}\n00:00:{c:02d},000 --> 00:00:{c:02d},900\nWorker {wid} file {k} cue {c} soakword{wid}x{k}.\n\n"
                    for c in range(20)))
                r = import_paths(lib, [f])
                assert len(r.imported) == 1, (r.failed, r.skipped)
                imported.append(f.name)
                I.sync_quietly(lib, paths.index, message=messages.append)
                k += 1
            elif op == "search":
                idx.search(rng.choice(["harbour", "bread", "soakword0x0", "tides OR bees", "cue"]), limit=5)
            elif op == "annotate":
                ids = lib.ids()
                tid = rng.choice(ids)
                n = lib.info(tid).segment_count
                s = rng.randrange(n)
                a = A.create(lib, tid, s, s, note=f"w{wid} note {len(notes)}", tags=["soak"])
                notes.append(a.id)
            else:
                A.export_markdown(lib) if rng.random() < 0.5 else A.export_json(lib)
            ops[op] += 1
        except Exception as e:
            errors.append(f"{op}: {type(e).__name__}: {e}")
print(json.dumps({"ops": ops, "imported": imported, "notes": notes, "errors": errors, "messages": messages}))
"""


def test_concurrent_sessions_soak(tmp_path: Path) -> None:
    home = tmp_path / "home"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for p in sample_files():
        (seeds / p.name).write_bytes(p.read_bytes())
    r = run_cli(home, "import", str(seeds))
    assert r.returncode == 0, r.stderr
    paths = resolve(home)
    with Library(paths.library) as lib:
        base = lib.count()
    folders = []
    for w in range(WORKERS):
        (tmp_path / f"w{w}").mkdir()
        folders.append(tmp_path / f"w{w}")
    t0 = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(SECONDS), str(folders[w])],
            cwd=ROOT,
            env=child_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=SECONDS + 120)
        assert p.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    took = time.monotonic() - t0
    errors = [e for r in results for e in r["errors"]]
    assert not errors, errors[:5]
    lock_msgs = [m for r in results for m in r["messages"] if "lock" in m.lower() or "busy" in m.lower()]
    total_ops = sum(sum(r["ops"].values()) for r in results)
    by_op = {k: sum(r["ops"][k] for r in results) for k in results[0]["ops"]}
    imported = [n for r in results for n in r["imported"]]
    notes = [n for r in results for n in r["notes"]]
    with Library(paths.library) as lib:
        assert lib.integrity_check() == "ok"
        names = [Path(i.source).name for i in lib.list()]
        assert lib.count() == base + len(imported)
        assert sorted(n for n in names if n.startswith("w")) == sorted(imported)
        have = [a.id for a in A.list_annotations(lib)]
        assert sorted(have) == sorted(notes) and len(set(have)) == len(have)
        with Index(paths.index, lib) as idx:
            in_sync = idx.in_sync()
            if not in_sync:  # the last worker's sync may have found the lock held: one catch-up, then agree
                idx.sync(wait=30)
            assert idx.in_sync()
            w, k = imported[-1][1], int(imported[-1].split("-")[1].split(".")[0])
            assert idx.search(f"soakword{w}x{k}").hits
    print(
        f"soak: {WORKERS} workers x {SECONDS}s: {total_ops} ops ({total_ops / took:.0f}/s) {by_op}; "
        f"{len(imported)} imports, {len(notes)} notes, none lost or duplicated; index in sync at end: {in_sync}; "
        f"lock messages: {len(lock_msgs)}"
    )
    assert not lock_msgs, lock_msgs[:3]

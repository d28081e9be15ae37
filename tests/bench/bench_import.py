"""Import benchmark: a generated library of mixed formats into a fresh home.

    python tests/bench/bench_import.py [--transcripts 1000] [--segments 1000] [--clock wall|cpu]

Prints throughput (segments/s, MB/s), the time a transcript takes in each
step of an import, measured one file at a time into a library of its own
(parsing, finding copies: the fingerprint and its lookup among those kept,
storing in SQLite), then the whole `import_paths` into a fresh library,
with resident memory as it goes (it should stay flat in the number of
files), and the I/O floor (reading and hashing every file). `--clock cpu`
counts CPU time instead of elapsed time, for a machine busy with other
work. Not part of the default test run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import genlib  # noqa: E402

from hark.store.copies import CopyIndex, fingerprint  # noqa: E402
from hark.store.formats import parse_bytes, title_from_name  # noqa: E402
from hark.store.importer import import_paths  # noqa: E402
from hark.store.library import Library  # noqa: E402

CLOCK = "wall"


def now() -> float:
    return time.process_time() if CLOCK == "cpu" else time.perf_counter()


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def steps(files: list[Path], home: Path) -> dict[str, float]:
    """Seconds spent in each step of an import, file by file: parse (from
    the file's bytes), fingerprint, copy lookup (find among the kept
    fingerprints, then keep), store (Library.save)."""
    spent = dict.fromkeys(("parse", "fingerprint", "lookup", "store"), 0.0)
    index = CopyIndex()
    with Library(home / "library.sqlite3") as lib:
        for f in files:
            data = f.read_bytes()
            t0 = now()
            t = parse_bytes(data, name=title_from_name(f.stem), ext=f.suffix)
            t1 = now()
            fp = fingerprint(t.segments)
            t2 = now()
            found = index.find(fp)
            t3 = now()
            tid, _ = lib.save(t, source=str(f), sha256=hashlib.sha256(data).hexdigest(), size=len(data), fingerprint=fp)
            t4 = now()
            index.add(tid, fp)
            t5 = now()
            assert not found, (f, found)  # generated talks are all different
            spent["parse"] += t1 - t0
            spent["fingerprint"] += t2 - t1
            spent["lookup"] += (t3 - t2) + (t5 - t4)
            spent["store"] += t4 - t3
    return spent


def main() -> None:
    global CLOCK
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: CPU time (for a machine busy with other work)",
    )
    args = ap.parse_args()
    CLOCK = args.clock

    with tempfile.TemporaryDirectory(prefix="hark-bench-") as tmp:
        src = Path(tmp) / "src"
        t0 = time.perf_counter()
        files = genlib.generate(src, args.transcripts, args.segments, args.seed)
        gen_s = time.perf_counter() - t0
        total_bytes = sum(f.stat().st_size for f in files)
        print(f"generated {len(files)} files, {total_bytes / 1e6:.1f} MB in {gen_s:.1f} s")

        # The floor: read and hash every file (what any importer must do).
        t0 = now()
        for f in files:
            hashlib.sha256(f.read_bytes()).hexdigest()
        io_s = now() - t0

        spent = steps(files, Path(tmp) / "steps")

        # The import itself, sampling memory as it goes.
        samples: dict[int, float] = {}
        marks = {len(files) // 10, len(files) // 2, len(files) - 1}

        def progress(done: int, total: int, path: Path) -> None:
            if done in marks:
                samples[done] = rss_mb()

        home = Path(tmp) / "home"
        rss_before = rss_mb()
        t0 = now()
        with Library(home / "library.sqlite3") as lib:
            report = import_paths(lib, [src], progress=progress)
        import_s = now() - t0
        assert not report.failed, report.failed[:3]
        assert len(report.imported) == len(files), (len(report.imported), len(files))
        assert not report.same_talk, report.same_talk[:3]

        t0 = now()
        with Library(home / "library.sqlite3") as lib:
            again = import_paths(lib, [src])
        reimport_s = now() - t0
        assert len(again.unchanged) == len(files)

        k = len(files)

        def per(seconds: float) -> str:
            return f"{seconds / k * 1000:6.2f} ms a transcript"

        copy_s = spent["fingerprint"] + spent["lookup"]
        db_mb = sum(p.stat().st_size for p in home.iterdir()) / 1e6
        print()
        print(f"clock                  {CLOCK}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"transcripts            {k}")
        print(f"segments               {report.segments:,} ({report.segments / k:,.0f} a transcript)")
        print(
            f"import_paths           {per(import_s)}  ({import_s:.1f} s; {report.segments / import_s:,.0f} segments/s)"
        )
        print(f"  parse only           {per(spent['parse'])}")
        print(f"  finding copies       {per(copy_s)}  ({copy_s / import_s:.1%} of the import)")
        print(f"    fingerprint        {per(spent['fingerprint'])}")
        print(f"    lookup             {per(spent['lookup'])}")
        print(f"  store (SQLite)       {per(spent['store'])}")
        print(f"  read+hash (floor)    {per(io_s)}  (import is {import_s / io_s:.0f}x the I/O floor)")
        print(f"re-import (unchanged)  {per(reimport_s)}  ({reimport_s:.2f} s)")
        print(f"library on disk        {db_mb:.0f} MB ({db_mb / (total_bytes / 1e6):.2f}x the source)")
        print(f"RSS before import      {rss_before:.0f} MB")
        for done in sorted(samples):
            print(f"RSS after {done + 1:>5} files  {samples[done]:.0f} MB")
        print(f"peak RSS (process)     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")
        print(
            f"target                 import of {args.transcripts} transcripts within 60 s: {'met' if import_s < 60 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()

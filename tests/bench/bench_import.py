"""Import benchmark: a generated library of mixed formats into a fresh home.

    python tests/bench/bench_import.py [--transcripts 1000] [--segments 1000]

Prints throughput (segments/s, MB/s), the time split between parsing and
the library, resident memory as the import goes (it should stay flat in the
number of files), and ratios against baselines measured in the same run:
reading and hashing every file (the I/O floor) and parsing without storing.
Not part of the default test run.
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

from hark.store.formats import parse_file  # noqa: E402
from hark.store.importer import import_paths  # noqa: E402
from hark.store.library import Library  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="hark-bench-") as tmp:
        src = Path(tmp) / "src"
        t0 = time.perf_counter()
        files = genlib.generate(src, args.transcripts, args.segments, args.seed)
        gen_s = time.perf_counter() - t0
        total_bytes = sum(f.stat().st_size for f in files)
        print(f"generated {len(files)} files, {total_bytes / 1e6:.1f} MB in {gen_s:.1f} s")

        # Baseline 1: read and hash every file (what any importer must do).
        t0 = time.perf_counter()
        for f in files:
            hashlib.sha256(f.read_bytes()).hexdigest()
        io_s = time.perf_counter() - t0

        # Baseline 2: parse every file without storing it.
        t0 = time.perf_counter()
        n_segments = 0
        for f in files:
            n_segments += len(parse_file(f).segments)
        parse_s = time.perf_counter() - t0

        # The import itself, sampling memory as it goes.
        samples: dict[int, float] = {}
        marks = {len(files) // 10, len(files) // 2, len(files) - 1}

        def progress(done: int, total: int, path: Path) -> None:
            if done in marks:
                samples[done] = rss_mb()

        home = Path(tmp) / "home"
        rss_before = rss_mb()
        t0 = time.perf_counter()
        with Library(home / "library.sqlite3") as lib:
            report = import_paths(lib, [src], progress=progress)
        import_s = time.perf_counter() - t0
        assert not report.failed, report.failed[:3]
        assert len(report.imported) == len(files), (len(report.imported), len(files))

        t0 = time.perf_counter()
        with Library(home / "library.sqlite3") as lib:
            again = import_paths(lib, [src])
        reimport_s = time.perf_counter() - t0
        assert len(again.unchanged) == len(files)

        db_mb = sum(p.stat().st_size for p in home.iterdir()) / 1e6
        print()
        print(f"transcripts            {len(files)}")
        print(f"segments               {report.segments:,} (parsed alone: {n_segments:,})")
        print(
            f"import                 {import_s:.1f} s   ({report.segments / import_s:,.0f} segments/s, {total_bytes / 1e6 / import_s:.1f} MB/s)"
        )
        print(f"  baseline read+hash   {io_s:.2f} s   (import is {import_s / io_s:.0f}x the I/O floor)")
        print(
            f"  baseline parse only  {parse_s:.1f} s   (storing adds {import_s - parse_s:+.1f} s, {import_s / parse_s:.2f}x parse)"
        )
        print(f"re-import (unchanged)  {reimport_s:.2f} s")
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

"""Alignment and copy-finding benchmark (issue 16).

    python tests/bench/bench_align.py [--words 50000] [--transcripts 30] [--segments 1000] [--library 1000]

Prints, for two realistic pairs of about --words words each (one made of
generated English, one of the package samples and the corpus talks topped
up with generated text), the time and peak memory of aligning an untimed
copy (no punctuation or case, fillers, 5% slips and drops, an intro) to
its timed original, and how many segments land within a second of the
truth. Then, on --transcripts generated files imported into a fresh
library, the time to fingerprint each transcript and look it up among
--library kept fingerprints, against the import time per transcript
measured in the same run. Not part of the default test run.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests" / "store"))

import genlib  # noqa: E402
from copy_helpers import make_copy, start_errors  # noqa: E402

from hark.store.align import align  # noqa: E402
from hark.store.copies import CopyIndex, fingerprint, fingerprint_text, similarity  # noqa: E402
from hark.store.formats import parse_file  # noqa: E402
from hark.store.importer import import_paths  # noqa: E402
from hark.store.library import Library  # noqa: E402
from hark.store.model import NONSPEECH, Segment  # noqa: E402

ALIGN_TARGET_S = 2.0
ALIGN_TARGET_MB = 200
FIND_TARGET = 0.05


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _count(segments: list[Segment]) -> int:
    return sum(len(s.text.split()) for s in segments)


def generated_talk(words: int, seed: int) -> list[Segment]:
    """One generated talk of about `words` words (cues of 6-18 words)."""
    t = next(genlib.transcripts(1, words // 12 + 1, seed))
    return [Segment(c.start, c.end, c.text, c.speaker) for c in t.cues]


def real_talk(words: int, seed: int) -> list[Segment]:
    """The samples and the corpus talks one after the other (each once: a
    text said twice over is a different case), topped up with generated
    text to `words` words."""
    paths = sorted((ROOT / "store" / "samples").glob("*.*"))
    corpus = ROOT.parent / "shared" / "corpus" / "seeds"
    # 001 is 000 again, untimed: leave it out
    paths += [p for p in sorted(corpus.glob("*.txt")) if not p.name.startswith("001")]
    out: list[Segment] = []
    clock = 0.0
    for p in paths:
        if p.suffix == ".py":
            continue
        t = parse_file(p)
        for s in t.segments:
            if s.kind == NONSPEECH:
                continue
            end = s.end if s.end is not None else s.start
            out.append(Segment(clock + s.start, clock + end, s.text, s.speaker))
        clock += t.duration + 5.0
    missing = words - _count(out)
    if missing > 0:
        for s in generated_talk(missing, seed):
            out.append(Segment(clock + s.start, clock + (s.end or s.start), s.text, s.speaker))
    return out


def bench_align(label: str, timed: list[Segment], seed: int) -> bool:
    copy = make_copy(timed, seed=seed)
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    result = align(timed, copy.segments)
    secs = time.perf_counter() - t0
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    # a second run under tracemalloc: the memory the alignment itself takes
    tracemalloc.start()
    align(timed, copy.segments)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    errors, _ = start_errors(copy, result.times)
    within = sum(e <= 1.0 for e in errors) / len(errors)
    print(f"{label}")
    print(f"  words                timed {_count(timed):,}, untimed {_count(copy.segments):,}")
    print(f"  align                {secs:.2f} s")
    print(f"  memory               {peak:.0f} MB allocated at peak (RSS {rss0:.0f} MB before, {rss_peak:.0f} MB peak)")
    print(
        f"  matched              {result.words_matched:,} of {result.words_total:,} words; "
        f"{result.segments_aligned:,} of {len(copy.segments):,} segments aligned, {len(result.stretches)} stretches estimated"
    )
    print(f"  accuracy             {within:.1%} of segments start within 1.0 s of the truth")
    return secs < ALIGN_TARGET_S and peak < ALIGN_TARGET_MB


def bench_find(n_transcripts: int, segments: int, library: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="hark-bench-") as tmp:
        src = Path(tmp) / "src"
        files = genlib.generate(src, n_transcripts, segments, 1)
        # the import, as bench_import.py runs it
        t0 = time.perf_counter()
        with Library(Path(tmp) / "home" / "library.sqlite3") as lib:
            report = import_paths(lib, [src])
        import_s = time.perf_counter() - t0
        assert not report.failed, report.failed[:3]
        # the kept fingerprints of a library of `library` other talks
        t0 = time.perf_counter()
        index = CopyIndex(
            (10_000 + n, fingerprint_text("\n".join(c.text for c in t.cues)))
            for n, t in enumerate(genlib.transcripts(library, 200, 99))
        )
        build_s = time.perf_counter() - t0
        # what the importer would add per file, right after parsing it:
        # fingerprint, look up among the kept ones, keep
        fp_s = find_s = 0.0
        found = words = 0
        first = None
        for n, f in enumerate(files):
            t = parse_file(f)
            words += _count(t.segments)
            first = first or t
            t0 = time.perf_counter()
            fp = fingerprint(t.segments)
            t1 = time.perf_counter()
            found += len(index.find(fp))
            index.add(n, fp)
            fp_s += t1 - t0
            find_s += time.perf_counter() - t1
        # a sanity check that copies are found at all
        probe = make_copy(first.segments, seed=1)
        hit = index.find(fingerprint(probe.segments))
        per_import = import_s / len(files) * 1000
        per_fp = fp_s / len(files) * 1000
        per_find = find_s / len(files) * 1000
        added = (per_fp + per_find) / per_import
        print(f"finding copies ({len(files)} generated transcripts, {words / len(files):,.0f} words each)")
        print(f"  import               {per_import:.1f} ms per transcript ({import_s:.1f} s)")
        print(f"  fingerprint          {per_fp:.2f} ms per transcript ({per_fp / per_import:.1%} of import)")
        print(
            f"  find among kept      {per_find:.3f} ms per transcript, {library:,} kept ({per_find / per_import:.2%})"
        )
        print(f"  together             {added:.1%} of import")
        print(f"  kept fingerprints    {build_s:.1f} s to make {library:,} (from generated talks), loaded in memory")
        print(f"  copies found         {found} among different talks (should be 0)")
        sim = similarity(fingerprint(first.segments), fingerprint(probe.segments))
        print(f"  a made-up copy       found: {[tid for tid, _ in hit][:3]} (share {sim.share:.0%})")
        return added < FIND_TARGET and found == 0 and bool(hit)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=50_000)
    ap.add_argument("--transcripts", type=int, default=30)
    ap.add_argument("--segments", type=int, default=1000)
    ap.add_argument("--library", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    ok = bench_align("generated English", generated_talk(args.words, args.seed), args.seed)
    print()
    ok &= bench_align("samples and corpus talks, topped up", real_talk(args.words, args.seed), args.seed)
    print()
    found_ok = bench_find(args.transcripts, args.segments, args.library)
    print()
    print(
        f"target                 align {args.words:,}-word pairs in under {ALIGN_TARGET_S:.0f} s and "
        f"{ALIGN_TARGET_MB} MB: {'met' if ok else 'MISSED'}; finding copies under {FIND_TARGET:.0%} "
        f"of import: {'met' if found_ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

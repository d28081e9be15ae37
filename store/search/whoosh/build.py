"""Bulk builds: transcripts into new index segments (not yet committed),
in this process or spread over several (spawned, each opening the library
and the index itself) on large libraries."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index as windex

from ...library import Library
from ..analysis import COMMON
from ..documents import transcript_docs
from ..engine import IndexUnavailable, Progress
from ..words import surface_of
from . import patches
from .schema import INDEX_NAME
from .writer import LeanWriter

FLUSH_POSTINGS = 6_000_000  # a bulk writer writes a segment past this many postings (~16 bytes each)


def build_segments(
    ix: Any,
    lib: Library,
    tids: list[int],
    report: Callable[[int, int], None] | None = None,
    common: frozenset[str] = COMMON,
    surface: set[str] | None = None,
) -> tuple[list, dict[int, str], int]:
    """Index the given transcripts into new segments (not yet committed).
    Returns (segments, manifest of what was indexed, passages); adds the
    words of their text to `surface`."""
    segments: list = []
    manifest: dict[int, str] = {}
    npass = 0
    w: LeanWriter | None = None
    try:
        for tid in tids:
            st = lib.get(tid)
            if st is None:
                continue
            if w is None:
                w = LeanWriter(ix, _lk=False)
            for doc in transcript_docs(st, lib, common, surface):  # its words as written into surface
                w.add_document(**doc)
                if doc["kind"] == "t":
                    manifest[tid] = doc["meta"]["fp"]
                    npass += doc["meta"]["passages"]
            if report:
                report(1, len(st.segments))
            if w.pending >= FLUSH_POSTINGS:
                segments.append(w.finish_segment())
                w = None
        if w is not None and w.has_documents:
            segments.append(w.finish_segment())
            w = None
    finally:
        if w is not None:
            try:
                w.abandon()
            except Exception:
                pass
    return segments, manifest, npass


def _worker(lib_path: str, index_path: str, tids: list[int], q: Any, wid: int, common: frozenset[str]) -> None:
    """A build process: index some transcripts into segments of its own."""
    os.umask(0o077)
    gc.disable()  # millions of long-lived tuples: the cycle collector only slows this down
    try:
        patches.apply_all()  # the blocks it writes are the engine's
        ix = windex.open_dir(index_path, indexname=INDEX_NAME)
        with Library(lib_path) as lib:
            done = [0]

            def report(n: int, segs: int) -> None:
                done[0] += segs
                if done[0] >= 2000:
                    q.put(("progress", wid, done[0]))
                    done[0] = 0

            words: set[str] = set()
            segments, manifest, npass = build_segments(ix, lib, tids, report, common, words)
            if done[0]:
                q.put(("progress", wid, done[0]))
        q.put(("done", wid, (segments, manifest, npass, surface_of(words), _peak_mb())))
    except BaseException as e:  # reported to the parent, which cleans up
        q.put(("error", wid, f"{type(e).__name__}: {e}"))


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux
    carries ru_maxrss over exec, so a spawned worker would report its
    parent's peak (a large parent made every build look large)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    except Exception:
        return 0.0


def build_parallel(
    lib_path: Path,
    index_path: Path,
    rows: list,
    procs: int,
    total: int,
    progress: Progress | None,
    common: frozenset[str],
) -> tuple[list, dict[int, str], int, dict[str, str], float]:
    """Index the transcripts (tid, segment count) in `procs` processes,
    each into segments of its own (not committed). Returns (segments,
    manifest, passages, surface words, the largest peak memory)."""
    import multiprocessing as mp

    # Balance the work by segments, biggest transcripts first.
    groups: list[list[int]] = [[] for _ in range(procs)]
    loads = [0] * procs
    for tid, n in sorted(rows, key=lambda r: -r[1]):
        k = loads.index(min(loads))
        groups[k].append(tid)
        loads[k] += n
    for g in groups:
        g.sort()
    # spawn, not fork: the app calls this from a thread, and forking a
    # threaded process is unsafe.
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(str(lib_path), str(index_path), g, q, k, common), daemon=True)
        for k, g in enumerate(groups)
    ]
    for p in workers:
        p.start()
    segments: list = []
    manifest: dict[int, str] = {}
    surface: dict[str, str] = {}
    npass = 0
    done = 0
    finished: set[int] = set()
    error = None
    peak = 0.0
    try:
        while len(finished) < len(workers) and error is None:
            try:
                kind, wid, payload = q.get(timeout=0.5)
            except Exception:
                dead = [k for k, p in enumerate(workers) if k not in finished and not p.is_alive()]
                if dead:
                    # It may have finished just now: drain before declaring it lost.
                    time.sleep(0.2)
                    if q.empty():
                        error = f"an indexing process stopped (exit code {workers[dead[0]].exitcode})"
                continue
            if kind == "progress":
                done += payload
                if progress:
                    progress(min(done, total), total)
            elif kind == "done":
                segs, man, n, surf, mb = payload
                peak = max(peak, mb)
                segments += segs
                manifest.update(man)
                npass += n
                surface.update(surf)
                finished.add(wid)
            else:
                error = payload
    finally:
        for p in workers:
            if error is not None and p.is_alive():
                p.terminate()
            p.join(timeout=5)
        q.close()
    if error is not None:
        raise IndexUnavailable(f"indexing failed: {error}", "failed")
    return segments, manifest, npass, surface, peak

"""App benchmark: time to first screen with 1,000 transcripts, time to open a
20,000-segment transcript, keystroke-to-screen in the reader, and layout
memory. Headless (Textual's run_test), so it measures hark's own work.

    python tests/bench/bench_app.py [--transcripts 1000] [--segments 20000]

Baselines measured in the same run: an empty Textual app's first screen,
and a keystroke in that app.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import genlib  # noqa: E402
from textual.app import App  # noqa: E402
from textual.widgets import Static  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from hark.store.library import Library  # noqa: E402
from hark.store.model import Segment, Transcript  # noqa: E402
from hark.store.paths import resolve  # noqa: E402
from hark.tui.app import HarkApp  # noqa: E402
from hark.tui.layout import Layout  # noqa: E402
from hark.tui.panes import LibraryPane  # noqa: E402
from hark.tui.reader import Reader  # noqa: E402

SIZE = (160, 48)


def build_library(home: Path, n: int, segments: int) -> tuple[object, int]:
    paths = resolve(home).ensure()
    with Library(paths.library) as lib:
        for i, g in enumerate(genlib.transcripts(n, 60, seed=3)):
            segs = [Segment(start=s.start, end=s.end, text=s.text, speaker=s.speaker) for s in g.cues]
            lib.save(
                Transcript(title=g.title, format=g.format, segments=segs).finish(), source=f"/g/{i}", sha256=str(i)
            )
        big = next(genlib.transcripts(1, segments, seed=9))
        segs = [Segment(start=s.start, end=s.end, text=s.text, speaker=s.speaker) for s in big.cues]
        big_id, _ = lib.save(
            Transcript(title="The long one", format="srt", segments=segs).finish(), source="/g/big", sha256="big"
        )
        # A user's index and copy fingerprints exist already (import makes
        # both): build them now, outside the timings.
        from hark.store import same_talk, search

        same_talk.backfill(lib)
        search.sync_quietly(lib, paths.index)
    return paths, big_id


async def settle(app, pilot) -> None:
    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


class Empty(App):
    def compose(self):
        yield Static("hello")


async def empty_app() -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    app = Empty()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = time.perf_counter() - t0
        keys, cpu = [], []
        for _ in range(50):
            k0, c0 = time.perf_counter(), time.process_time()
            await pilot.press("j")
            await pilot.pause()
            keys.append(time.perf_counter() - k0)
            cpu.append(time.process_time() - c0)
    return first, keys, cpu


async def hark(paths, big_id: int) -> dict:
    out: dict = {}
    t0 = time.perf_counter()
    app = HarkApp(paths, watch_changes=False)
    async with app.run_test(size=SIZE) as pilot:
        while not app.query_one(LibraryPane).items:
            await pilot.pause(0.01)
        await pilot.pause()
        out["first_screen"] = time.perf_counter() - t0
        await settle(app, pilot)
        reader = app.query_one(Reader)

        t1 = time.perf_counter()
        app.open_transcript(big_id)
        while reader.transcript_id != big_id:
            await pilot.pause(0.005)
        out["open_big_total"] = time.perf_counter() - t1
        # The work of opening, without the worker's scheduling: read + layout.
        with Library(paths.library) as lib:
            r0 = time.perf_counter()
            st = lib.get(big_id)
            out["read_big"] = time.perf_counter() - r0
        l0 = time.perf_counter()
        reader.load(big_id, st.info.title, st.segments)
        out["layout_big"] = time.perf_counter() - l0
        await settle(app, pilot)
        app.screen.set_focus(reader)
        keys, cpu = [], []
        for key in ["j"] * 100 + ["ctrl+d"] * 20 + ["G", "g"] * 5:
            k0, c0 = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()
            keys.append(time.perf_counter() - k0)
            cpu.append(time.process_time() - c0)
        out["keys"], out["cpu"] = keys, cpu
        # The reader's own work for one move: the cursor, and the rows it
        # redraws (what the compositor asks render_line for).
        work = []
        for _ in range(200):
            w0 = time.perf_counter()
            reader.action_cursor(1)
            for y in range(reader.scrollable_content_region.height):
                reader.render_line(y)
            work.append(time.perf_counter() - w0)
        out["work"] = work
        r0 = time.perf_counter()
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        out["resize"] = time.perf_counter() - r0
        out["rows"] = len(reader.layout_.rows)
        out["segments"] = len(reader.segments)
        segs = reader.segments
    tracemalloc.start()
    lay = Layout(segs)
    lay.reflow(140)
    out["layout_mem"] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=1000)
    ap.add_argument("--segments", type=int, default=20000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hark-bench-app-") as tmp:
        t0 = time.perf_counter()
        paths, big = build_library(Path(tmp) / "home", args.transcripts, args.segments)
        print(
            f"library: {args.transcripts} transcripts + one of {args.segments} segments, built in {time.perf_counter() - t0:.1f} s"
        )
        e_first, e_keys, e_cpu = asyncio.run(empty_app())
        r = asyncio.run(hark(paths, big))
    ms = 1000
    print(f"first screen, empty Textual app (baseline)   {e_first * ms:7.1f} ms")
    print(
        f"first screen, hark with {args.transcripts} transcripts     {r['first_screen'] * ms:7.1f} ms  ({r['first_screen'] / e_first:.1f}x baseline)"
    )
    print(f"open {r['segments']:,}-segment transcript: read   {r['read_big'] * ms:7.1f} ms")
    print(
        f"open {r['segments']:,}-segment transcript: layout {r['layout_big'] * ms:7.1f} ms  ({r['rows']:,} rows at 140 columns)"
    )
    print(f"open, end to end (worker + screen)          {r['open_big_total'] * ms:7.1f} ms")
    print(
        f"key to screen, empty app (baseline)   median {statistics.median(e_keys) * ms:6.2f} ms  p95 {pct(e_keys, 95) * ms:6.2f} ms"
    )
    print(
        f"key to screen, hark reader            median {statistics.median(r['keys']) * ms:6.2f} ms  p95 {pct(r['keys'], 95) * ms:6.2f} ms  max {max(r['keys']) * ms:6.2f} ms"
    )
    print(
        f"CPU per key, empty app (baseline)     median {statistics.median(e_cpu) * ms:6.2f} ms  p95 {pct(e_cpu, 95) * ms:6.2f} ms"
    )
    print(
        f"CPU per key, hark reader              median {statistics.median(r['cpu']) * ms:6.2f} ms  p95 {pct(r['cpu'], 95) * ms:6.2f} ms"
    )
    print(
        f"reader work per move (cursor + rows)  median {statistics.median(r['work']) * ms:6.2f} ms  p95 {pct(r['work'], 95) * ms:6.2f} ms"
    )
    print(f"resize re-wrap of {r['segments']:,} segments        {r['resize'] * ms:7.1f} ms")
    print(f"layout memory for {r['segments']:,} segments        {r['layout_mem'] / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()

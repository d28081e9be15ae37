"""App benchmark: time to first screen with 1,000 (or 5,000) transcripts,
the first search typed right after it, time to open a 20,000-segment
transcript, keystroke-to-screen in the reader, re-wrapping on resize, and
layout memory. Headless (Textual's run_test), so it measures hark's own
work.

    python tests/bench/bench_app.py [--transcripts 1000] [--segments 20000] [--home DIR]

--home keeps the generated library (and its index) in DIR and uses it again
on the next run with the same sizes (a 5,000-transcript library takes
minutes to build); each run works on a copy, so every run starts alike
(nothing opened yet).

Baselines measured in the same run: an empty Textual app's first screen,
and a keystroke in that app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import genlib  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App  # noqa: E402
from textual.events import Resize  # noqa: E402
from textual.geometry import Size  # noqa: E402
from textual.widgets import Input, Static  # noqa: E402
from textual.worker import WorkerCancelled  # noqa: E402

from hark.store.library import Library  # noqa: E402
from hark.store.model import Segment, Transcript  # noqa: E402
from hark.store.paths import resolve  # noqa: E402
from hark.tui.app import HarkApp  # noqa: E402
from hark.tui.layout import Layout  # noqa: E402
from hark.tui.panes import SearchPane  # noqa: E402
from hark.tui.reader import Reader  # noqa: E402
from hark.tui.searching import TABLES_AFTER  # noqa: E402

SIZE = (160, 48)
FIRST_SEARCH = "models"  # a word of the generated vocabulary's head: many hits


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


def library_at(home: Path, n: int, segments: int) -> tuple[Path, int]:
    """The library kept in home (built there first if it is not, or was
    built with other sizes)."""
    made = home / "bench_app.json"
    want = {"transcripts": n, "segments": segments}
    if not made.exists():
        if home.exists() and any(home.iterdir()):
            raise SystemExit(f"{home} is not empty: use another --home")
        _paths, big = build_library(home, n, segments)
        made.write_text(json.dumps({**want, "big": big}))
    got = json.loads(made.read_text())
    if {k: got.get(k) for k in want} != want:
        raise SystemExit(f"{home} holds a library of other sizes ({got}): use another --home")
    return home, int(got["big"])


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


async def empty_app() -> tuple[float, float, list[float], list[float]]:
    t0, c0 = time.perf_counter(), time.process_time()
    app = Empty()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = time.perf_counter() - t0
        first_cpu = time.process_time() - c0
        keys, cpu = [], []
        for _ in range(50):
            k0, c0 = time.perf_counter(), time.process_time()
            await pilot.press("j")
            await pilot.pause()
            keys.append(time.perf_counter() - k0)
            cpu.append(time.process_time() - c0)
    return first, first_cpu, keys, cpu


async def hark(paths, big_id: int) -> dict:
    out: dict = {}
    t0, c0 = time.perf_counter(), time.process_time()
    app = HarkApp(paths, watch_changes=False)
    async with app.run_test(size=SIZE) as pilot:
        # The first screen: until the library list is drawn (the app notes
        # when). Not `pilot.pause()`: that waits until the whole process is
        # idle, background threads included.
        while app.library_painted is None:
            await asyncio.sleep(0.001)
        out["first_screen"] = app.library_painted + (app.started - t0)
        # Its CPU, every thread's (wall-clock time is noisy on a shared
        # machine): taken when the wait above sees the mark, so a little over.
        out["first_screen_cpu"] = time.process_time() - c0
        # The first search, right after: the search key, then a word typed
        # at once (as pasted: one change of the box, not a search per
        # letter, whose pace would be the test driver's), until its hits
        # are shown. The index is opened and checked meanwhile.
        search = app.query_one(SearchPane)
        box = app.query_one("#search-box", Input)
        s0 = time.perf_counter()
        app.post_message(events.Key("3", "3"))
        while app.focused is not box:
            await asyncio.sleep(0.001)
        box.insert_text_at_cursor(FIRST_SEARCH)
        while not (search.hits and search.last_query == FIRST_SEARCH):
            await asyncio.sleep(0.001)
        out["first_search"] = time.perf_counter() - s0
        out["first_search_hits"] = len(search.hits)
        await pilot.pause()
        out["settled"] = time.perf_counter() - t0
        # The index's tables are built in the background a little later:
        # done before the figures below, which they would disturb.
        await asyncio.sleep(TABLES_AFTER)
        await settle(app, pilot)
        await pilot.press("escape")
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
        # A resize: the longest the UI thread is held up (the event loop's
        # longest gap while it is handled), and how long until the new wrap
        # shows (re-wrapped in a thread).
        before = reader.size.width
        app._driver._size = Size(100, 40)
        r0 = time.perf_counter()
        app.post_message(Resize(Size(100, 40), Size(100, 40)))
        gaps = [0.0]
        last = time.perf_counter()
        while reader.size.width == before or reader.layout_.width != reader._text_width():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        out["resize_done"] = time.perf_counter() - r0
        out["resize"] = max(gaps)
        await settle(app, pilot)
        assert reader.layout_.rows == Layout(reader.segments).wrapped(reader._text_width()).rows
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
    ap.add_argument("--home", type=Path, help="keep the library here and use it again")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hark-bench-app-") as tmp:
        t0 = time.perf_counter()
        if args.home is not None:
            kept, big = library_at(args.home, args.transcripts, args.segments)
            shutil.copytree(kept, Path(tmp) / "home")
            paths = resolve(Path(tmp) / "home").ensure()
        else:
            paths, big = build_library(Path(tmp) / "home", args.transcripts, args.segments)
        print(
            f"library: {args.transcripts} transcripts + one of {args.segments} segments, ready in {time.perf_counter() - t0:.1f} s"
        )
        e_first, e_first_cpu, e_keys, e_cpu = asyncio.run(empty_app())
        r = asyncio.run(hark(paths, big))
    ms = 1000
    print(f"first screen, empty Textual app (baseline)   {e_first * ms:7.1f} ms  (CPU {e_first_cpu * ms:.1f} ms)")
    print(
        f"first screen, hark with {args.transcripts} transcripts     {r['first_screen'] * ms:7.1f} ms  ({r['first_screen'] / e_first:.1f}x baseline; CPU {r['first_screen_cpu'] * ms:.1f} ms)"
    )
    print(
        f"first search after start (3, {FIRST_SEARCH!r})   {r['first_search'] * ms:7.1f} ms  ({r['first_search_hits']} hits shown)"
    )
    print(f"start until the process is idle              {r['settled'] * ms:7.1f} ms  (background work included)")
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
    print(f"resize: longest UI stall ({r['segments']:,} segments) {r['resize'] * ms:6.1f} ms")
    print(f"resize: until the new wrap shows            {r['resize_done'] * ms:7.1f} ms")
    print(f"layout memory for {r['segments']:,} segments        {r['layout_mem'] / 1e6:7.1f} MB")


if __name__ == "__main__":
    main()

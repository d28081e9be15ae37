"""The app meets a damaged library or a damaged search index, and goes on.

A database error is one notification, not one per key, and never a
traceback: a damaged page makes the library read-only (the next write is
refused in one line) while what can be read is still shown. A search index
found damaged while searching, or a plain file where its folder goes, is
rebuilt in a worker with its progress on the status line, and the search
then runs."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual.app

from hark.store import annotations as A
from hark.store import search
from hark.store.library import Library
from hark.store.paths import Paths
from hark.store.search.whoosh.engine import WhooshEngine
from hark.tui import backend
from hark.tui.app import HarkApp, StatusLine
from hark.tui.panes import AnnotationsPane, SearchPane
from hark.tui.reader import Reader

from .conftest import SAMPLES, FakeClock, make_library, settle, transcript

SIZE = (140, 40)


@pytest.fixture(autouse=True)
def _forget_kept_connections() -> Iterator[None]:
    yield
    for ix in backend._indexes.values():
        ix.close()
        ix.lib.close()
    for lib in backend._poll.values():
        lib.close()
    backend._indexes.clear()
    backend._poll.clear()


@pytest.fixture
def shown(monkeypatch) -> list[tuple[str, str]]:
    """Every notification the app puts on the screen, (severity, text), in
    order: what reaches Textual, after the app dropped repeats."""
    said: list[tuple[str, str]] = []
    real = textual.app.App.notify

    def recording(self, message, *args, **kwargs):
        said.append((kwargs.get("severity", "information"), str(message)))
        return real(self, message, *args, **kwargs)

    monkeypatch.setattr(textual.app.App, "notify", recording)
    return said


def _zero_a_leaf(library: Path, table: str) -> int:
    """Zero a leaf page of a table in the middle of it: its number."""
    db = sqlite3.connect(library)
    try:
        leaves = [p for (p,) in db.execute(f"SELECT pageno FROM dbstat WHERE name = '{table}' AND pagetype = 'leaf'")]
        size = db.execute("PRAGMA page_size").fetchone()[0]
    finally:
        db.close()
    page = sorted(leaves)[len(leaves) // 2]
    with open(library, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\0" * size)
    return page


def _written(paths: Paths) -> tuple[str, str]:
    """What is in the library file and its write-ahead log."""
    wal = Path(f"{paths.library}-wal")
    return (
        hashlib.sha256(paths.library.read_bytes()).hexdigest(),
        hashlib.sha256(wal.read_bytes() if wal.exists() else b"").hexdigest(),
    )


def _status(app: HarkApp) -> str:
    return str(app.query_one(StatusLine).render())


def _samples(home: Path) -> Paths:
    return make_library(home, samples=sorted(p.name for p in SAMPLES.iterdir() if p.suffix and p.name[0] != "_"))


async def test_damaged_annotations_are_one_notification_and_the_app_goes_on(tmp_path: Path, shown) -> None:
    paths = make_library(tmp_path / "home", transcript("Tides", 200), transcript("Bread", 12))
    with Library(paths.library) as lib:
        for i in range(150):
            A.create(lib, 1, i, i, note=f"note {i} " + "about the moon and the sea " * 6, tags=["moon"])
    page = _zero_a_leaf(paths.library, "annotations")
    line = f"the library is damaged (page {page} of annotations): run hark check"
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        app.open_transcript(1)
        await settle(app, pilot)
        # Before: the annotations worker's DatabaseError ended the app with a traceback.
        assert app.is_running
        reader = app.query_one(Reader)
        assert reader.title == "Tides" and len(reader.segments) == 200  # the text is still there
        damage = [(sev, text) for sev, text in shown if "damaged" in text]
        assert damage == [("error", f"{line}. Reading only: annotations and the reading position are not saved.")], (
            shown
        )
        assert app.read_only_why == f"damaged, page {page} of annotations"
        assert _status(app).startswith("read-only  Tides  ")
        before = _written(paths)

        # A storm: every scope change and reopening meets the page again; said once.
        pane = app.query_one(AnnotationsPane)
        for _ in range(4):
            pane.action_toggle_scope()
            await settle(app, pilot)
            app.open_transcript(1)
            await settle(app, pilot)
        assert [text for _, text in shown if "damaged" in text] == [damage[0][1]]
        assert app.is_running

        # A write is refused in one line, and nothing is written.
        shown.clear()
        await pilot.press("2", "j", "h")
        await settle(app, pilot)
        assert shown == [("warning", f"Read-only (damaged, page {page} of annotations): the highlight is not saved.")]
    assert _written(paths) == before  # nothing written into the damaged file once it was found


async def test_a_damaged_transcript_opened_again_and_again_is_said_once(tmp_path: Path, shown) -> None:
    paths = _samples(tmp_path / "home")
    page = _zero_a_leaf(paths.library, "segments")
    with sqlite3.connect(paths.library) as db:
        broken = []
        for (tid,) in db.execute("SELECT id FROM transcripts").fetchall():
            try:
                db.execute("SELECT text FROM segments WHERE transcript_id = ?", (tid,)).fetchall()
            except sqlite3.DatabaseError:
                broken.append(tid)
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        reader = app.query_one(Reader)
        before = reader.title
        for _ in range(5):
            app.open_transcript(broken[0])
            await settle(app, pilot)
        assert app.is_running and reader.title == before  # the reader keeps what it showed
        damage = [text for _, text in shown if "damaged" in text]
        assert damage == [
            f"the library is damaged (page {page} of segments): run hark check. "
            "Reading only: annotations and the reading position are not saved."
        ], shown
        assert app.read_only_why == f"damaged, page {page} of segments"


async def test_a_damaged_index_found_while_searching_is_rebuilt(tmp_path: Path, shown, monkeypatch) -> None:
    paths = _samples(tmp_path / "home")
    with Library(paths.library) as lib:
        search.sync(lib, paths.index)
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        # The index's segment files are cut short on disk (new files in their
        # place: the open searcher still holds the old ones) ...
        for seg in paths.index.glob("*.seg"):
            cut = seg.with_name(seg.name + ".cut")
            cut.write_bytes(seg.read_bytes()[:100])
            os.replace(cut, seg)
        # ... and the next posting list read from them fails as a truncated block does.
        real_run = WhooshEngine.run
        failed: list[bool] = []

        def run_once_damaged(self, *args, **kwargs):
            if not failed:
                failed.append(True)
                raise EOFError("a truncated block")
            return real_run(self, *args, **kwargs)

        monkeypatch.setattr(WhooshEngine, "run", run_once_damaged)
        progress: list[int] = []
        show_progress = getattr(app, "_index_progress", None)
        if show_progress is not None:
            app._index_progress = lambda pct: (progress.append(pct), show_progress(pct))  # type: ignore[method-assign]
        shown.clear()

        await pilot.press("3", *"tide", "enter")
        for _ in range(3):
            await settle(app, pilot)
        # Before: "search is unavailable: the search index is corrupt" on every search, never rebuilt.
        texts = [text for _, text in shown]
        assert not [t for t in texts if t.startswith("search is unavailable")], texts
        assert "The search index is damaged: rebuilding it from the library; your search runs when it is done." in texts
        assert [t for t in texts if t.startswith("the search index was damaged: rebuilt from the library (12 ")]
        assert progress and progress[-1] == 100  # on the status line while it was built
        assert app._indexing is None and "indexing" not in _status(app)
        hits = app.query_one(SearchPane).hits
        assert hits and all("tide" in h.text.lower() for h in hits[:3])
        assert app.query_one(Reader).transcript_id == hits[0].transcript_id  # enter opened the best hit
    with Library(paths.library) as lib, search.Index(paths.index, lib) as ix:
        assert ix.health() is None and ix.in_sync()


async def test_an_index_that_is_a_plain_file_is_set_aside_and_rebuilt(tmp_path: Path, shown) -> None:
    paths = _samples(tmp_path / "home")
    paths.index.write_text("not an index\n")
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        aside = [p for p in paths.data.iterdir() if p.name.startswith("index.not-a-folder-")]
        assert len(aside) == 1 and aside[0].read_text() == "not an index\n"
        texts = [text for _, text in shown]
        # Before: "search is unavailable: [Errno 20] Not a directory", and every search failed.
        assert not [t for t in texts if "unavailable" in t or "Not a directory" in t], texts
        assert [
            t
            for t in texts
            if t.startswith(
                f"the search index was a file, not a folder (set aside as {aside[0].name}): rebuilt from the library"
            )
        ]
        await pilot.press("3", *"tide", "enter")
        await settle(app, pilot)
        assert app.query_one(SearchPane).hits

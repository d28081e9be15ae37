"""The app on a library it cannot change (full disk, read-only home): it
opens, says so once, keeps "read-only" on the status line, reads, searches
and jumps as usual, quietly does not save the reading position, and refuses
each annotation action in one notification, keeping what was typed.

Simulated first (the backend opens the library with read_only=True), then
on a real tmpfs remounted read-only or filled to the last byte (root only:
skipped where mounting is not allowed)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hark.store import annotations as A
from hark.store import search
from hark.store.library import Library
from hark.store.paths import Paths
from hark.tui import backend
from hark.tui.app import HarkApp, StatusLine
from hark.tui.panes import AnnotationsPane, SearchPane
from hark.tui.reader import Reader
from hark.tui.screens import AnnotationEditor
from tests.hardening.conftest import fill, mounted_tmpfs, read_only

from .conftest import FakeClock, make_library, settle, transcript

SIZE = (140, 40)


def _notice(paths: Paths, why: str) -> str:
    return (
        f"Read-only: the library at {paths.library} cannot be changed ({why}): reading only; "
        "annotations and the reading position are not saved"
    )


def _said(app: HarkApp) -> list[str]:
    """Every notification the app gives from now on, in order (expired
    ones too, which app._notifications forgets)."""
    said: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return said


def _screen_text(app: HarkApp) -> str:
    """What the terminal shows now, line by line (panes, status, toasts)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _toasts(app: HarkApp) -> str:
    """The text in the notifications on the screen now, without spaces
    (a toast wraps its lines wherever the width falls)."""
    # (the toasts' edge is the last ▌ on a row: a selected list item has one too)
    rows = [line.rsplit("▌", 1)[1] for line in _screen_text(app).splitlines() if "▌" in line]
    return "".join("".join(row.rstrip(" │╮╯─").split()) for row in rows)


async def _on_screen(app: HarkApp, pilot, message: str) -> bool:
    """True once message is shown in a notification (a toast takes a
    refresh or two to appear); False after a second."""
    for _ in range(20):
        if "".join(message.split()) in _toasts(app):
            return True
        await pilot.pause(0.05)
    return False


def _status(app: HarkApp) -> str:
    return str(app.query_one(StatusLine).render())


def _snapshot(paths: Paths) -> tuple:
    """Everything the app could have written: annotations and reading state.
    (Opened for writing: a read-only connection would leave the WAL files
    behind, and a later full disk would not be full to SQLite.)"""
    with Library(paths.library) as lib:
        anns = sorted((a.id, a.note, a.first, a.last, tuple(a.tags)) for a in A.list_annotations(lib))
        reading = [(i.id, i.position, i.playhead, i.opened) for i in lib.list()]
    return anns, reading


def _close_kept_connections() -> None:
    """The backend keeps one index and one polling connection per library
    open: close them (so the last one out removes the WAL files, and a
    tmpfs can be unmounted)."""
    for ix in backend._indexes.values():
        ix.close()
        ix.lib.close()
    for lib in backend._poll.values():
        lib.close()
    backend._indexes.clear()
    backend._poll.clear()


@pytest.fixture(autouse=True)
def _forget_kept_connections() -> Iterator[None]:
    yield
    _close_kept_connections()


@pytest.fixture
def read_only_backend(monkeypatch):
    """Every library the app opens is opened read-only."""
    real = Library

    def opened_read_only(path, **_kw):
        return real(path, read_only=True)

    monkeypatch.setattr(backend, "Library", opened_read_only)


def _library(home: Path) -> Paths:
    """Two transcripts (Bread opens first: nothing read yet, by title), one
    annotation on Tides, and an index that is up to date."""
    paths = make_library(home, transcript("Tides", 30, speaker="Ana"), transcript("Bread", 12))
    with Library(paths.library) as lib:
        A.create(lib, 1, 4, 4, note="about the moon", tags=["moon"])
        search.sync(lib, paths.index)
    return paths


async def test_opens_read_only_and_says_so_once(tmp_path: Path, read_only_backend) -> None:
    paths = _library(tmp_path / "home")
    before = _snapshot(paths)
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    said = _said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.read_only_why == "opened read-only"
        assert said == [_notice(paths, "opened read-only")]
        [n] = app._notifications
        assert n.severity == "warning"
        assert await _on_screen(app, pilot, _notice(paths, "opened read-only"))
        # the library lists and the first transcript opens as usual
        reader = app.query_one(Reader)
        assert reader.title == "Bread" and len(reader.segments) == 12
        assert _status(app).startswith("read-only  Bread  ")
        assert app.sub_title == f"{paths.data} (read-only)"

        # moving the cursor (the position is saved 0.8 s after each move):
        # nothing saved, nothing said
        await pilot.press("2", "j", "j", "j")
        await pilot.pause(1.2)
        await settle(app, pilot)
        assert reader.cursor == 3
        assert _status(app).startswith("read-only  Bread  ")
        assert said == [_notice(paths, "opened read-only")]

        # another transcript, and jump to a time in it
        app.open_transcript(1)
        await settle(app, pilot)
        assert reader.title == "Tides" and reader.annotation_at(4) is not None
        await pilot.press("t", *"1:00", "enter")
        await settle(app, pilot)
        assert reader.cursor == 12 and app.playhead.position == 60.0
        assert "Ana" in _status(app) and _status(app).startswith("read-only  Tides  Ana  1:00 / 2:29")

        # search, and open the best hit
        await pilot.press("3", *"sentence 17", "enter")
        await settle(app, pilot)
        hits = app.query_one(SearchPane).hits
        assert [(h.transcript_id, h.segment) for h in hits[:1]] == [(1, 17)]
        assert reader.cursor == 17
        await pilot.press("q")
    assert _snapshot(paths) == before  # quitting saved no position either


async def test_annotation_actions_are_refused_one_notification_each(tmp_path: Path, read_only_backend) -> None:
    paths = _library(tmp_path / "home")
    before = _snapshot(paths)
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    said = _said(app)
    why = "Read-only (opened read-only): "
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        app.open_transcript(1)
        await settle(app, pilot)
        said.clear()

        # h: one notification, nothing created
        await pilot.press("2", "j", "h")
        await settle(app, pilot)
        assert said == [why + "the highlight is not saved."]
        assert await _on_screen(app, pilot, "Read-only (opened read-only): the highlight is not saved.")
        assert _snapshot(paths) == before

        # a: the editor opens (with a word that it cannot save); ctrl+s is
        # refused and the editor stays, with what was typed
        said.clear()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationEditor)
        assert app.screen.quote == "Sentence 1 of Tides."
        await pilot.press(*"precious words #keep", "tab", *"tide")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, AnnotationEditor), "the editor closed"
        draft = app.screen.current()
        assert (draft.note, draft.tags) == ("precious words #keep", "tide")
        assert said == [
            why + "you can write the note, but it cannot be saved.",
            why + "the note is not saved; it stays here until you close the editor.",
        ]
        await pilot.press("ctrl+s")  # again: said again, still there
        await settle(app, pilot)
        assert isinstance(app.screen, AnnotationEditor) and app.screen.current().note == "precious words #keep"
        assert len(said) == 3
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
        assert _snapshot(paths) == before

        # e, d, u in the annotations pane
        pane = app.query_one(AnnotationsPane)
        assert [a.note for a in pane.items] == ["about the moon"]
        said.clear()
        await pilot.press("4", "e")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationEditor)
        await pilot.press("end", *" and tides", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, AnnotationEditor) and app.screen.current().note == "about the moon and tides"
        await pilot.press("escape")
        await settle(app, pilot)
        said.clear()
        await pilot.press("d")
        await settle(app, pilot)
        assert said == [why + "the annotation is not deleted."]
        await pilot.press("u")
        await settle(app, pilot)
        assert said == [why + "the annotation is not deleted.", why + "nothing is undone."]
        assert [a.note for a in pane.items] == ["about the moon"]
        assert app.is_running
    assert _snapshot(paths) == before


async def test_an_empty_read_only_library_does_not_add_the_samples(tmp_path: Path, read_only_backend) -> None:
    paths = make_library(tmp_path / "home")
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    said = _said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        assert _status(app) == "The library is empty and read-only (opened read-only)."
        hint = str(app.query_one("#library-hint").render())
        assert "empty and read-only" in hint and "press D" not in hint
        await pilot.press("D")
        await settle(app, pilot)
        assert said[-1] == "Read-only (opened read-only): the sample library is not added."
    with Library(paths.library) as lib:
        assert lib.list() == []


async def test_a_library_that_turns_read_only_while_open(tmp_path: Path, monkeypatch) -> None:
    """The disk fills while the app is open: the first refused save says so
    and the editor comes back with the draft; room again, and it saves."""
    paths = _library(tmp_path / "home")
    real = Library
    app = HarkApp(paths, clock=FakeClock(), watch_changes=False)
    said = _said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.read_only_why is None and not _status(app).startswith("read-only")
        await pilot.press("2", "a")
        await pilot.pause()
        await pilot.press(*"written as the disk filled")
        monkeypatch.setattr(backend, "Library", lambda path, **_kw: real(path, read_only=True))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.read_only_why == "opened read-only"
        assert said == [
            _notice(paths, "opened read-only"),
            "Read-only (opened read-only): the note is not saved.",
        ]
        assert isinstance(app.screen, AnnotationEditor) and app.screen.current().note == "written as the disk filled"
        assert _status(app).startswith("read-only  Bread")
        # room again: the app notices (it asks while read-only), and saves
        monkeypatch.setattr(backend, "Library", real)
        app.poll_changes()
        await settle(app, pilot)
        assert app.read_only_why is None
        assert said[-1] == "The library can be changed again: annotations and the reading position are saved."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, AnnotationEditor)
        assert not _status(app).startswith("read-only")
    with Library(paths.library) as lib:
        assert sorted(a.note for a in A.list_annotations(lib)) == ["about the moon", "written as the disk filled"]


# -- a real read-only or full disk (root) ---------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
@pytest.mark.parametrize("how", ["read-only filesystem", "disk full", "disk full, another session open"])
async def test_on_a_real_read_only_or_full_disk(tmp_path: Path, how: str) -> None:
    with mounted_tmpfs(tmp_path / "mnt") as mnt:
        paths = _library(mnt / "home")
        # A note written after the index was: the index is behind the library.
        with Library(paths.library) as lib:
            A.create(lib, 2, 6, 6, note="ask about rye", tags=["rye"])
        before = _snapshot(paths)
        files = sorted(p.name for p in paths.data.iterdir())
        if how == "read-only filesystem":
            with read_only(mnt):
                await _use_the_app_read_only(paths, how)
        elif how == "disk full":
            filler = fill(mnt)
            await _use_the_app_read_only(paths, how)
            filler.unlink()
        else:
            # Another session holds the library open (its WAL files exist):
            # the app opens it for writing as usual, and the writes fail.
            with Library(paths.library):
                filler = fill(mnt)
                await _use_the_app_on_a_full_disk(paths)
                filler.unlink()
        _close_kept_connections()
        assert _snapshot(paths) == before
        assert sorted(p.name for p in paths.data.iterdir()) == files


async def _use_the_app_read_only(paths: Paths, why: str) -> None:
    app = HarkApp(paths, clock=FakeClock(), watch_changes=True)
    said = _said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        behind = f"the search index cannot be brought up to date ({why}): searching it as it is"
        assert said == [_notice(paths, why), behind]
        assert await _on_screen(app, pilot, _notice(paths, why))
        reader = app.query_one(Reader)
        assert reader.title == "Bread" and _status(app).startswith("read-only  Bread  ")
        await pilot.press("2", "j", "j")
        await pilot.pause(1.2)
        await settle(app, pilot)
        await pilot.press("3", *"sentence 9 tides", "enter")
        await settle(app, pilot)
        assert reader.title == "Tides" and reader.cursor == 9
        await pilot.press("h")
        await settle(app, pilot)
        assert said[-1] == f"Read-only ({why}): the highlight is not saved."
        assert len(said) == 3, said
        # the poll (every 2 s) finds it still read-only and says nothing
        await pilot.pause(2.5)
        await settle(app, pilot)
        assert app.read_only_why == why and len(said) == 3
        await pilot.press("q")


async def _use_the_app_on_a_full_disk(paths: Paths) -> None:
    app = HarkApp(paths, clock=FakeClock(), watch_changes=True)
    said = _said(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.read_only_why is None
        assert said == ["the search index cannot be brought up to date (disk full): searching it as it is"]
        reader = app.query_one(Reader)
        # the position cannot be saved: said once, not at every move
        for _ in range(3):
            await pilot.press("2", "j")
            await pilot.pause(1.0)
            await settle(app, pilot)
        assert reader.cursor == 3
        assert said[1:] == [
            f"could not save the reading position: cannot write the library {paths.library}: database or disk is full"
        ]
        await pilot.press("3", *"sentence 9 tides", "enter")
        await settle(app, pilot)
        assert reader.title == "Tides" and reader.cursor == 9
        await pilot.press("a", *"no room", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, AnnotationEditor) and app.screen.current().note == "no room"
        assert "database or disk is full" in said[-1]
        await pilot.press("escape", "q")

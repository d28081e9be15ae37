"""App tests: a library in a temporary home, an app with a fake clock, and
helpers that wait for workers the way harlequin's tests do."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

from hark.store.importer import import_paths
from hark.store.library import Library
from hark.store.model import Segment, Transcript
from hark.store.paths import Paths, resolve
from hark.tui.app import HarkApp

SAMPLES = Path(__file__).resolve().parents[2] / "store" / "samples"


class FakeClock:
    """The playhead's clock, moved by the test instead of by time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_library(home: Path, *transcripts: Transcript, samples: list[str] | None = None) -> Paths:
    paths = resolve(home).ensure()
    with Library(paths.library) as lib:
        for i, t in enumerate(transcripts):
            lib.save(t.finish(), source=f"/t/{i}.srt", sha256=f"sha{i}")
        if samples:
            report = import_paths(lib, [SAMPLES / s for s in samples])
            assert not report.failed, report.failed
    return paths


def transcript(title: str, n: int, speaker: str | None = None, step: float = 5.0, gap: float = 1.0) -> Transcript:
    return Transcript(
        title=title,
        format="srt",
        segments=[
            Segment(start=i * step, end=i * step + step - gap, text=f"Sentence {i} of {title}.", speaker=speaker)
            for i in range(n)
        ],
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app_for(tmp_path, clock):
    def make(*transcripts: Transcript, samples: list[str] | None = None, **kwargs) -> HarkApp:
        paths = make_library(tmp_path / "home", *transcripts, samples=samples)
        return HarkApp(paths, clock=clock, watch_changes=kwargs.pop("watch_changes", False), **kwargs)

    return make


async def settle(app: HarkApp, pilot) -> None:
    """Let workers finish and the screen catch up (an exclusive worker
    cancelled by a newer one is fine)."""
    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


def options(listed) -> list:
    """Every item of a pane's list as an Option (its prompt and id), in order."""
    return [listed.get_option_at_index(i) for i in range(listed.option_count)]

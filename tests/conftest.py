"""Shared fixtures: the shared corpus (skipped cleanly when absent), the
package's own samples, and a private HARK_HOME per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "store" / "samples"


def _corpus_dir() -> Path | None:
    env = os.environ.get("HARK_CORPUS")
    cands = [Path(env)] if env else []
    cands.append(ROOT.parent / "shared" / "corpus")
    for c in cands:
        if (c / "seeds").is_dir():
            return c
    return None


CORPUS = _corpus_dir()


@pytest.fixture
def corpus() -> Path:
    if CORPUS is None:
        pytest.skip("../shared/corpus is not here")
    return CORPUS


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private hark home for one test; the user's own is never touched."""
    h = tmp_path / "home"
    monkeypatch.setenv("HARK_HOME", str(h))
    return h

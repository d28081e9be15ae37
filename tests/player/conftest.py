"""Fixtures of the player's tests: a fake mpv, a recorder of the client's
callbacks, and a client attached to the fake."""

from __future__ import annotations

import pytest

from hark.tui.player import attach

from .fakempv import FakeMpv, Recorder, wait_until


@pytest.fixture
def fake(tmp_path):
    f = FakeMpv(tmp_path / "mpv.sock")
    yield f
    f.close()


@pytest.fixture
def rec():
    return Recorder()


@pytest.fixture
def client(fake, rec):
    c = attach(fake.path, on_update=rec.on_update, on_lost=rec.on_lost, timeout=2.0)
    assert wait_until(lambda: c.time_pos is not None)
    yield c
    c.close()

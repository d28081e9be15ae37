"""The library every annotation test writes to."""

from __future__ import annotations

import pytest

from hark.store.library import Library


@pytest.fixture
def lib(tmp_path):
    with Library(tmp_path / "lib.sqlite3") as lib:
        yield lib

"""`python -m hark.tui ...`: the same as the `hark` command."""

from __future__ import annotations

from .main import entry

entry()

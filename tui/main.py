"""The `hark` command: the command line, handed the app to open.

The one place that ties the two: hark.tui.cli never imports the app (so
its commands never load Textual), and the app is imported here only when a
command opens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import cli

if TYPE_CHECKING:
    from hark.store.paths import Paths


def run_app(paths: Paths, *, demo: bool, open_id: int | None, mouse: bool, media: str | None) -> int:
    from .app import run_app as run

    return run(paths, demo=demo, open_id=open_id, mouse=mouse, media=media)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, app=run_app)


def entry() -> None:
    """The `hark` console script."""
    cli.entry(app=run_app)

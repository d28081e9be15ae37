"""Opening the app: `hark`, `hark --demo` and `hark open ID [--media FILE]`.

The command line never imports the app, not even lazily, so no command can
pull Textual in (the import contracts in pyproject.toml check the graph; a
test checks `sys.modules` after a command runs). Whoever starts the command
line hands it the function that runs the app (`main(argv, app=...)`):
the `hark` script (hark.tui.main) does; a caller that does not gets a
one-line error from the commands that open the app.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Protocol

from .common import CommandError, home_paths, open_library, sync_index, transcript_id

if TYPE_CHECKING:
    from hark.store.paths import Paths


class AppRunner(Protocol):
    """Runs the app until it is closed (hark.tui.app.run_app); its exit code."""

    def __call__(self, paths: Paths, *, demo: bool, open_id: int | None, mouse: bool, media: str | None) -> int: ...


def cmd_app(args: argparse.Namespace) -> int:
    if args.demo:
        return run_demo(args)
    return open_app(args, home_paths(args))


def open_app(
    args: argparse.Namespace, paths: Paths, *, demo: bool = False, open_id: int | None = None, media: str | None = None
) -> int:
    """Run the app until it is closed; its exit code."""
    run_app: AppRunner | None = getattr(args, "app", None)
    if run_app is None:
        raise CommandError("this entry point runs commands only: open the app with `hark`")
    return run_app(paths, demo=demo, open_id=open_id, mouse=not args.no_mouse, media=media)


def cmd_open(args: argparse.Namespace) -> int:
    tid = transcript_id(args.id)
    # Reading a transcript works on a read-only library (the app says so);
    # giving it media is a change.
    with open_library(args, read=args.media is None) as lib:
        if lib.info(tid) is None:
            raise CommandError(f"no transcript {tid} (see `hark list`)")
    media = None
    if args.media:
        m = Path(args.media).expanduser()
        if "://" in args.media:
            media = args.media
        elif not m.is_file():
            raise CommandError(f"no media file {args.media}")
        else:
            media = str(m.resolve())
    return open_app(args, home_paths(args), open_id=tid, media=media)


def samples_dir() -> Path:
    """The sample transcripts shipped with hark."""
    from importlib.resources import files

    return Path(str(files("hark.store") / "samples"))


def run_demo(args: argparse.Namespace) -> int:
    """The samples in a throwaway home: nothing of the user's is touched.
    The home goes when the demo ends, also when the terminal is closed
    (SIGHUP) or the process is told to stop (SIGTERM)."""
    from hark.store.importer import import_paths
    from hark.store.library import Library
    from hark.store.paths import resolve

    # The handlers may remove the folder before the with-block does.
    with tempfile.TemporaryDirectory(prefix="hark-demo-", ignore_cleanup_errors=True) as tmp, removed_on_signal(tmp):
        paths = resolve(tmp).ensure()
        with Library(paths.library) as lib:
            report = import_paths(lib, [samples_dir()])
            if report.failed:
                raise CommandError(f"the demo library did not import: {report.failed[0][0]}: {report.failed[0][1]}")
            # The demo's own index: the user's is not touched.
            sync_index(args, lib, quiet=True, index=paths.index)
        return open_app(args, paths, demo=True)


# Signals that end the process without running `finally` blocks by default.
STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None)


@contextmanager
def removed_on_signal(folder: str) -> Iterator[None]:
    """While inside, SIGHUP and SIGTERM remove `folder` and exit (128 +
    the signal's number, as a shell reports it) instead of killing the
    process with the folder left behind. Only the main thread can set
    handlers: elsewhere (a test's thread) nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)

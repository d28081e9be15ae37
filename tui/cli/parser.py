"""The parser of every command, and `main`: the last line of defence, where
no traceback ever reaches a user (unexpected errors print one line and a
hint to rerun with --debug)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import annotations, check, copies, launch, names, search, transcripts
from .common import CommandError, err, library_path
from .launch import AppRunner


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hark",
        description="A keyboard-driven terminal reader for transcripts.",
        epilog="Run `hark` alone to open the app on your library.",
    )
    p.add_argument("--home", metavar="DIR", help="keep everything in DIR (default: $HARK_HOME, else your data folder)")
    p.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
    p.add_argument("--demo", action="store_true", help="open the app on a sample library (touches nothing of yours)")
    p.add_argument("--debug", action="store_true", help="show the full trace of unexpected errors")
    p.set_defaults(func=launch.cmd_app)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("import", help="import transcript files and folders (recursive)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--format", metavar="F", help="force a format instead of detecting it")
    s.add_argument("--wpm", type=float, default=150.0, help="speaking rate for untimed text (default 150)")
    s.add_argument(
        "--max-size",
        type=_megabytes,
        default=None,
        metavar="MB",
        help="skip files larger than this (default 256: no transcript is that big)",
    )
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=transcripts.cmd_import)

    s = sub.add_parser("list", help="the transcripts in the library")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=transcripts.cmd_list)

    s = sub.add_parser("show", help="one transcript, segment by segment")
    s.add_argument("id", metavar="ID")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=transcripts.cmd_show)

    s = sub.add_parser("remove", help="take a transcript out of the library (its annotations are kept)")
    s.add_argument("id", metavar="ID")
    s.add_argument("--yes", "-y", action="store_true", help="do not ask, even on a terminal")
    s.set_defaults(func=transcripts.cmd_remove)

    s = sub.add_parser("open", help="open the app on one transcript, optionally with its audio or video")
    s.add_argument("id", metavar="ID")
    s.add_argument("--media", metavar="FILE", help="the audio or video to play with p (mpv)")
    s.set_defaults(func=launch.cmd_open)

    s = sub.add_parser("formats", help="the formats hark reads")
    s.set_defaults(func=transcripts.cmd_formats)

    search.register(sub)
    annotations.register(sub)
    names.register(sub)
    copies.register(sub)
    check.register(sub)
    return p


def _megabytes(value: str) -> int:
    try:
        mb = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size in MB") from None
    if not 0 < mb <= 1024 * 1024:
        raise argparse.ArgumentTypeError(f"{value!r}: give a size in MB above 0")
    return int(mb * 1024 * 1024)


def main(argv: Sequence[str] | None = None, app: AppRunner | None = None) -> int:
    """Run one command; its exit code. `app` runs the app for the commands
    that open it (`hark`, `--demo`, `open`): see launch."""
    # Everything hark creates is private to the user (shared SSH hosts).
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.app = app
    try:
        return args.func(args)
    except CommandError as e:
        err(str(e))
        return e.code
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        # `hark show 3 | head`: the reader went away; not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # the last line of defence: one line, no trace
        from hark.store.library import LibraryError, library_error

        if args.debug:
            raise
        if isinstance(e, LibraryError):
            err(str(e))
            return 1
        said = library_error(library_path(args), e)
        if said is not None:
            # SQLite's: a damaged page met by a read is said where, and
            # noted so that no later command writes into the file.
            err(str(said))
            return 1
        if isinstance(e, OSError):
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            err(f"{e.strerror or e}{where}")
            return 1
        err(f"unexpected error: {type(e).__name__}: {e} (rerun with --debug for the trace)")
        return 1


def entry(app: AppRunner | None = None) -> None:
    """Run the command line on sys.argv and exit with its code."""
    sys.exit(main(app=app))

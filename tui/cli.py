"""The `hark` command line.

The non-interactive commands never import Textual (a test checks), so they
start fast; only opening the app does. No traceback ever reaches a user:
unexpected errors print one line and a hint to rerun with --debug.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hark.store.paths import UNWRITABLE
from hark.store.text import clean_line, format_time, strip_escapes


class CommandError(Exception):
    """A failure of a command, said in one line; exit code 1 (or .code)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(f"hark: {text}\n")


# json.dumps escapes C0 controls but, with ensure_ascii=False, passes C1
# controls (U+0080..U+009F: 8-bit CSI/OSC), DEL and bidi overrides through
# raw; a \\uXXXX escape is the same JSON value and harmless on a terminal.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """JSON text with the characters a terminal could act on escaped."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json(value: Any) -> None:
    sys.stdout.write(json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n")


def safe(text: str) -> str:
    """What may be printed to a terminal: no escape sequences, no controls."""
    return strip_escapes(text)


# -- the library -------------------------------------------------------------


# A disk that is read-only or full: reading may still work (see _library).
UNWRITABLE_ERRNOS = tuple(UNWRITABLE)


def _paths(args: argparse.Namespace):
    from hark.store.paths import resolve

    paths = resolve(args.home)
    try:
        return paths.ensure()
    except OSError as e:
        # Folders that cannot be made on a read-only or full disk: a command
        # that writes says so in one line when it opens the library.
        if e.errno in UNWRITABLE_ERRNOS:
            return paths
        raise


def _library(args: argparse.Namespace, *, read: bool = False):
    """The library, for writing; read=True for a command that only reads:
    on a full disk or a read-only filesystem it is then opened read-only,
    with one line on stderr saying so."""
    from hark.store.library import Library

    lib = Library(_paths(args).library, fall_back=read)
    if lib.read_only:
        _err(f"the library at {lib.path} is read-only ({lib.read_only_why}): showing it as it is; changes are off")
    return lib


def _transcript_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a transcript id (see `hark list`)") from None


# -- progress ----------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal (stderr); nothing when piped."""

    def __init__(self, label: str, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, done: int, total: int, path: Path | None = None) -> None:
        if not self.enabled or total <= 0:
            return
        width = max(10, min(30, shutil.get_terminal_size((80, 24)).columns - 50))
        filled = int(width * done / total)
        name = clean_line(path.name if path and path.name else "")[:30]
        self.stream.write(f"\r\x1b[2K{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


# -- commands ----------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from hark.store.formats import names
    from hark.store.importer import import_paths

    if args.format and args.format not in names():
        raise CommandError(f"unknown format {args.format!r}; known: {', '.join(names())}", code=2)
    with _library(args) as lib:
        bar = Progress("importing")
        try:
            report = import_paths(lib, args.paths, fmt=args.format, wpm=args.wpm, progress=bar)
        finally:
            bar.close()
        _sync_index(args, lib, quiet=args.json)
    if args.json:
        _json(report.to_json())
    else:
        for path, reason in report.skipped:
            _out(f"skipped {safe(path)}: {safe(reason)}")
        for path, error in report.failed:
            _err(f"{safe(path)}: {safe(error)}")
        parts = [
            f"{len(report.imported)} imported",
            f"{len(report.updated)} updated",
            f"{len(report.unchanged)} unchanged",
        ]
        if report.failed:
            parts.append(f"{len(report.failed)} failed")
        if report.skipped:
            parts.append(f"{len(report.skipped)} skipped")
        _out(", ".join(parts))
    return 1 if report.failed else 0


def _sync_index(args: argparse.Namespace, lib, *, quiet: bool = False, index: Path | None = None) -> None:
    """Bring the search index (the home's, or `index`) in line with the library."""
    try:
        from hark.store import index as index_mod
    except ImportError:
        return
    where = index if index is not None else _paths(args).index
    index_mod.sync_quietly(lib, where, message=None if quiet else lambda m: _err(m))


def cmd_list(args: argparse.Namespace) -> int:
    with _library(args, read=True) as lib:
        rows = lib.list()
    if args.json:
        _json([r.to_json() for r in rows])
        return 0
    if not rows:
        _out("The library is empty. Import transcripts with: hark import PATH...")
        return 0
    idw = max(len(str(r.id)) for r in rows)
    for r in rows:
        timing = "≈" if r.timing == "estimated" else " "
        _out(
            f"{r.id:>{idw}}  {timing}{format_time(r.duration):>8}  {r.segment_count:>6} seg  "
            f"{r.format:<14} {safe(clean_line(r.title))}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    tid = _transcript_id(args.id)
    with _library(args, read=True) as lib:
        t = lib.get(tid)
    if t is None:
        raise CommandError(f"no transcript {tid} (see `hark list`)")
    if args.json:
        _json(t.to_json())
        return 0
    info = t.info
    approx = "≈" if info.timing == "estimated" else ""
    _out(safe(clean_line(info.title)))
    meta = [info.format, f"{approx}{format_time(info.duration)}", f"{info.segment_count} segments"]
    if info.timing == "estimated":
        meta.append("times estimated")
    if info.speakers:
        meta.append(", ".join(safe(clean_line(s)) for s in info.speakers[:6]))
    _out(" · ".join(meta))
    url = info.metadata.get("url")
    if isinstance(url, str):
        _out(safe(clean_line(url)))
    _out()
    hours = info.duration >= 3600
    chapters = {c.segment: c.title for c in t.chapters}
    speaker = None
    for i, s in enumerate(t.segments):
        if i in chapters:
            _out(f"\n## {safe(clean_line(chapters[i]))}\n")
        stamp = approx + format_time(s.start, always_hours=hours)
        label = ""
        if s.speaker and s.speaker != speaker:
            label = f"{safe(clean_line(s.speaker))}: "
        speaker = s.speaker or speaker
        text = safe(s.text).replace("\n", " ")
        if s.kind == "nonspeech":
            text = f"({text})" if not text.startswith(("[", "(")) else text
        _out(f"[{stamp:>8}] {label}{text}")
    if t.set_aside:
        _out("\n-- set aside at import (not transcript) --")
        for block in t.set_aside:
            _out(safe(block))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from hark.store.annotations import count_by_transcript

    tid = _transcript_id(args.id)
    with _library(args) as lib:
        info = lib.info(tid)
        if info is None:
            raise CommandError(f"no transcript {tid} (see `hark list`)")
        kept = count_by_transcript(lib).get(tid, 0)
        title = safe(clean_line(info.title))
        if kept and not args.yes and sys.stdin.isatty():
            answer = input(f"Remove {tid}: {title}? Its {kept} annotations are kept (hark annotations export). [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                _out("not removed")
                return 1
        lib.remove(tid)
        _sync_index(args, lib)
    plural = "s are" if kept != 1 else " is"
    note = f"; its {kept} annotation{plural} kept (hark annotations export)" if kept else ""
    _out(f"removed {tid}: {title}{note}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    if args.demo:
        return _run_demo(args)
    paths = _paths(args)
    return _run_app(args, paths)


def _run_app(
    args: argparse.Namespace, paths, *, demo: bool = False, open_id: int | None = None, media: str | None = None
) -> int:
    from hark.tui.app import run_app

    return run_app(paths, demo=demo, open_id=open_id, mouse=not args.no_mouse, media=media)


def cmd_open(args: argparse.Namespace) -> int:
    tid = _transcript_id(args.id)
    # Reading a transcript works on a read-only library (the app says so);
    # giving it media is a change.
    with _library(args, read=args.media is None) as lib:
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
    return _run_app(args, _paths(args), open_id=tid, media=media)


def samples_dir() -> Path:
    from importlib.resources import files

    return Path(str(files("hark.store") / "samples"))


def _run_demo(args: argparse.Namespace) -> int:
    """The samples in a throwaway home: nothing of the user's is touched."""
    from hark.store.importer import import_paths
    from hark.store.library import Library
    from hark.store.paths import resolve

    with tempfile.TemporaryDirectory(prefix="hark-demo-") as tmp:
        paths = resolve(tmp).ensure()
        with Library(paths.library) as lib:
            report = import_paths(lib, [samples_dir()])
            if report.failed:
                raise CommandError(f"the demo library did not import: {report.failed[0][0]}: {report.failed[0][1]}")
            # The demo's own index: the user's is not touched.
            _sync_index(args, lib, quiet=True, index=paths.index)
        return _run_app(args, paths, demo=True)


# -- the parser --------------------------------------------------------------


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
    p.set_defaults(func=cmd_app)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("import", help="import transcript files and folders (recursive)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--format", metavar="F", help="force a format instead of detecting it")
    s.add_argument("--wpm", type=float, default=150.0, help="speaking rate for untimed text (default 150)")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("list", help="the transcripts in the library")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("show", help="one transcript, segment by segment")
    s.add_argument("id", metavar="ID")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("remove", help="take a transcript out of the library (its annotations are kept)")
    s.add_argument("id", metavar="ID")
    s.add_argument("--yes", "-y", action="store_true", help="do not ask, even on a terminal")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("open", help="open the app on one transcript, optionally with its audio or video")
    s.add_argument("id", metavar="ID")
    s.add_argument("--media", metavar="FILE", help="the audio or video to play with p (mpv)")
    s.set_defaults(func=cmd_open)

    s = sub.add_parser("formats", help="the formats hark reads")
    s.set_defaults(func=cmd_formats)

    from hark.tui import annotations_cli, search_cli

    search_cli.register(sub)
    annotations_cli.register(sub)
    return p


def cmd_formats(args: argparse.Namespace) -> int:
    from hark.store.formats import registry

    for f in registry().values():
        _out(f"{f.name:<18} {f.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # Everything hark creates is private to the user (shared SSH hosts).
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CommandError as e:
        _err(str(e))
        return e.code
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        # `hark show 3 | head`: the reader went away; not an error.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # the last line of defence: one line, no trace
        from hark.store.library import LibraryError

        if args.debug:
            raise
        if isinstance(e, LibraryError):
            _err(str(e))
            return 1
        if isinstance(e, OSError):
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            _err(f"{e.strerror or e}{where}")
            return 1
        _err(f"unexpected error: {type(e).__name__}: {e} (rerun with --debug for the trace)")
        return 1


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    # Run as `python -m tui.cli`: load this file once, as tui.cli, so the
    # subcommand modules and this one share CommandError and friends.
    from hark.tui.cli import entry as _entry

    _entry()

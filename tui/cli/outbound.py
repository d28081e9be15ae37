"""`hark annotations export --format readwise|obsidian`: notes out to where
people keep them (hark.store.annotations.outbound).

    hark annotations export --format readwise [-o FILE]   Readwise's CSV
    hark annotations export --format obsidian DIR         one note a transcript

Used by tui/cli/annotations.py's `export`; never imports Textual.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .common import CommandError, safe

if TYPE_CHECKING:
    from hark.store.library import Library
    from hark.store.model import Annotation

FORMATS = ("md", "json", "readwise", "obsidian")
FORMAT_HELP = "md (default), json (W3C), readwise (Readwise's CSV) or obsidian (a folder of notes: DIR)"


def add_arguments(e: argparse.ArgumentParser) -> None:
    """The export's --format and its DIR, for `hark annotations export`."""
    e.add_argument("--format", choices=FORMATS, default="md", help=FORMAT_HELP)
    e.add_argument("dir", metavar="DIR", nargs="?", help="with --format obsidian: the folder (in your vault) to write")


def obsidian_folder(args: argparse.Namespace) -> Path | None:
    """The folder an Obsidian export writes (DIR, or -o DIR); None for the
    other formats. CommandError when DIR and the format do not go together."""
    folder = getattr(args, "dir", None)
    if args.format != "obsidian":
        if folder:
            raise CommandError(f"DIR is for --format obsidian; write a {args.format} file with -o FILE", code=2)
        return None
    folder = folder or args.output
    if not folder:
        raise CommandError("--format obsidian writes a folder: hark annotations export --format obsidian DIR", code=2)
    return Path(folder).expanduser()


def export_text(args: argparse.Namespace, lib: Library, tid: int | None, anns: list[Annotation]) -> str:
    """The export of a format that is one text (md, json, readwise)."""
    from hark.store import annotations as A
    from hark.store.annotations.outbound import export_readwise

    if args.format == "json":
        return A.export_json(lib, tid, anns)
    if args.format == "readwise":
        return export_readwise(lib, tid, anns)
    return A.export_markdown(lib, tid, anns)


def write_obsidian(folder: Path, lib: Library, tid: int | None, anns: list[Annotation]) -> str:
    """Write the Obsidian notes; the line that says what was written."""
    from hark.store.annotations.outbound import export_obsidian

    r = export_obsidian(lib, folder, tid, anns)
    n = r.highlights
    parts = [f"{len(r.created)} created", f"{len(r.updated)} updated", f"{len(r.unchanged)} unchanged"]
    return safe(f"wrote {n} highlight{'s' if n != 1 else ''} to {r.folder}: notes {', '.join(parts)}")

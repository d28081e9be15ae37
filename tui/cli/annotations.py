"""`hark annotations`: list, export and import annotations.

    hark annotations [--in ID] [--json]
    hark annotations export [--format md|json|readwise] [--in ID] [-o FILE]
    hark annotations export --format obsidian DIR [--in ID]
    hark annotations import FILE

On a damaged library, listing and exporting give every annotation that can
still be read, and say how many could not be. An import leaves a fresh copy
of all the notes in backups/ (see hark.store.annotations.backup).

Registered by tui/cli/parser.py's build_parser (`annotations.register(sub)`).
Never imports Textual: these commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hark.store.library import is_database_error
from hark.store.text import clean_line, format_time

from . import outbound
from .common import CommandError, err, home_paths, json_safe, open_library, out, print_json, safe, sync_index


def register(sub) -> None:
    s = sub.add_parser(
        "annotations",
        help="your annotations: list them, export them, import them",
        description="List your annotations, or export / import them.",
    )
    s.add_argument("--in", dest="in_id", metavar="ID", help="only those of transcript ID")
    s.add_argument("--json", action="store_true", help="print them as JSON")
    s.set_defaults(func=cmd_annotations)
    acts = s.add_subparsers(dest="action", metavar="ACTION")

    e = acts.add_parser(
        "export",
        help="export as Markdown (with links to each moment) or W3C Web Annotation JSON",
        description="Export annotations: Markdown grouped by transcript, or JSON in the W3C Web Annotation model.",
    )
    outbound.add_arguments(e)  # --format md|json|readwise|obsidian, and obsidian's DIR
    e.add_argument("--in", dest="export_in", metavar="ID", help="only those of transcript ID")
    e.add_argument("-o", "--output", metavar="FILE", help="write to FILE (private, 0600) instead of printing")
    e.set_defaults(func=cmd_export)

    i = acts.add_parser(
        "import",
        help="import a JSON export, placing each annotation in the matching transcript",
        description="Import annotations from a JSON export; importing the same file twice changes nothing.",
    )
    i.add_argument("file", metavar="FILE")
    i.set_defaults(func=cmd_import)


def _in(lib, value: str | None) -> int | None:
    """--in ID: a transcript of the library."""
    from hark.store.annotations import AnnotationError

    if value is None:
        return None
    try:
        tid = int(value)
    except ValueError:
        raise AnnotationError(f"{value!r} is not a transcript id (see `hark list`)") from None
    if lib.info(tid) is None:
        raise AnnotationError(f"no transcript {tid} (see `hark list`)")
    return tid


def _clip(text: str, width: int) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _salvaged(lost: int, read: int) -> None:
    """Say on stderr that the library is damaged and what was read of it;
    CommandError when nothing could be."""
    if not lost:
        return
    what = f"{lost} annotation{'s' if lost != 1 else ''} could not be read"
    if not read:
        raise CommandError(f"the library is damaged: {what}, and none could")
    err(f"the library is damaged: {what}; the {read} that could are shown (run `hark check`)")


def cmd_annotations(args: argparse.Namespace) -> int:
    from hark.store import annotations as A

    with open_library(args, read=True) as lib:
        tid = _in(lib, args.in_id)
        anns, lost = A.readable(lib, tid)
    _salvaged(lost, len(anns))
    if args.json:
        print_json([a.to_json() for a in anns])
        return 0
    if not anns:
        out("No annotations yet. Select a span in the reader (v) and press h or a.")
        return 0
    for a in anns:
        where = str(a.transcript_id) if a.transcript_id is not None else "-"
        line = f"{a.id[:8]}  {where:>4}  {format_time(a.start):>8}  “{_clip(a.quote, 60)}”"
        if a.note.strip():
            line += f"  {_clip(a.note, 50)}"
        extra = A.tags_beyond_note(a)
        if extra:
            line += "  " + " ".join(f"#{t}" for t in extra)
        if a.status != A.ANCHORED:
            line += f"  [{a.status}]"
        out(safe(line))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hark.store import annotations as A
    from hark.store.paths import write_private

    folder = outbound.obsidian_folder(args)
    with open_library(args, read=True) as lib:
        tid = _in(lib, args.export_in or args.in_id)
        anns, lost = A.readable(lib, tid)
        count = len(anns)
        if folder is not None:  # --format obsidian DIR: a note a transcript, updated in place
            _salvaged(lost, count)
            out(outbound.write_obsidian(folder, lib, tid, anns))
            return 0
        text = outbound.export_text(args, lib, tid, anns)
    _salvaged(lost, count)
    if args.output:
        target = Path(args.output).expanduser()
        try:
            write_private(target, text.encode("utf-8"))
        except OSError as e:
            # The error comes from the temp file (or has no name): say which file.
            raise CommandError(f"cannot write {target}: {e.strerror or e}") from None
        out(f"wrote {count} annotation{'s' if count != 1 else ''} to {target}")
    else:
        # To a terminal: nothing in a title or note may act on it.
        sys.stdout.write(json_safe(text) if args.format == "json" else safe(text))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from hark.store import annotations as A

    path = Path(args.file).expanduser()
    if not path.is_file():
        raise A.AnnotationError(f"no such file {path}")
    with open_library(args) as lib:
        result = A.import_annotations(lib, path)
        c = result.counts
        if c["imported"] or c["updated"] or c["came_back"]:
            sync_index(args, lib, quiet=True)
        backup_problem = _backup(args, lib)
    for line in result.problems:
        out(safe(line))
    parts = [f"{c['imported']} imported", f"{c['updated']} updated", f"{c['unchanged']} unchanged"]
    if c["skipped"]:
        parts.append(f"{c['skipped']} skipped (no quote)")
    if c["too_large"]:
        parts.append(f"{c['too_large']} skipped as too large")
    if c["still_orphaned"]:
        parts.append(f"{c['still_orphaned']} still orphaned (their transcript is not in the library)")
    line = ", ".join(parts)
    if c["imported"]:
        line += f" ({c['anchored']} anchored, {c['moved']} moved, {c['orphaned']} orphaned)"
    out(line)
    for title, n in result.came_back.items():
        out(safe(f"{n} annotation{'s' if n != 1 else ''} came back to '{clean_line(title)}'"))
    if backup_problem:
        err(backup_problem)
    return 0


def _backup(args: argparse.Namespace, lib) -> str | None:
    """Leave a fresh copy of every note in backups/; a line to say when it
    could not be written (the import itself went in)."""
    from hark.store import annotations as A

    folder = A.backup_dir(home_paths(args))
    try:
        A.write_backup(lib, folder)
    except OSError as e:
        return f"warning: the notes backup in {folder} could not be written: {e.strerror or e}"
    except Exception as e:
        if not is_database_error(e):
            raise
        # a damaged library: the older backups stay as they are
        return f"warning: the notes backup in {folder} was not written (the library could not be read: {e})"
    return None

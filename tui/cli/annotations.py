"""`hark annotations`: list, export and import annotations.

    hark annotations [--in ID] [--json]
    hark annotations export [--format md|json] [--in ID] [-o FILE]
    hark annotations import FILE

Registered by tui/cli/parser.py's build_parser (`annotations.register(sub)`).
Never imports Textual: these commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hark.store.text import clean_line, format_time

from .common import CommandError, json_safe, open_library, out, print_json, safe, sync_index


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
    e.add_argument("--format", choices=("md", "json"), default="md", help="md (default) or json")
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


def cmd_annotations(args: argparse.Namespace) -> int:
    from hark.store import annotations as A

    with open_library(args, read=True) as lib:
        tid = _in(lib, args.in_id)
        anns = A.list_annotations(lib, tid)
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

    with open_library(args, read=True) as lib:
        tid = _in(lib, args.export_in or args.in_id)
        count = len(A.list_annotations(lib, tid))
        text = A.export_json(lib, tid) if args.format == "json" else A.export_markdown(lib, tid)
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
        c = A.import_file(lib, path)
        if c["imported"] or c["updated"]:
            sync_index(args, lib, quiet=True)
    parts = [f"{c['imported']} imported", f"{c['updated']} updated", f"{c['unchanged']} unchanged"]
    if c["skipped"]:
        parts.append(f"{c['skipped']} skipped (no quote)")
    line = ", ".join(parts)
    if c["imported"]:
        line += f" ({c['anchored']} anchored, {c['moved']} moved, {c['orphaned']} orphaned)"
    out(line)
    return 0

"""`hark import`, `list`, `show`, `remove` and `formats`: the transcripts
in the library. Registered by tui/cli/parser.py."""

from __future__ import annotations

import argparse
import sys

from hark.store.text import clean_line, format_time
from hark.tui.views import TIME_MARKS

from . import copies
from .common import CommandError, Progress, err, open_library, out, print_json, safe, sync_index, transcript_id


def cmd_import(args: argparse.Namespace) -> int:
    from hark.store.formats import names
    from hark.store.importer import import_paths

    if args.format and args.format not in names():
        raise CommandError(f"unknown format {args.format!r}; known: {', '.join(names())}", code=2)
    with open_library(args) as lib:
        bar = Progress("importing")
        try:
            limit = {"max_bytes": args.max_size} if args.max_size else {}
            report = import_paths(lib, args.paths, fmt=args.format, wpm=args.wpm, progress=bar, **limit)
        finally:
            bar.close()
        sync_index(args, lib, quiet=args.json)
    if args.json:
        print_json(report.to_json())
    else:
        for path, reason in report.skipped:
            out(f"skipped {safe(path)}: {safe(reason)}")
        for path, note in report.repaired:
            out(f"imported {safe(path)} ({safe(note)})")
        for path, error in report.failed:
            err(f"{safe(path)}: {safe(error)}")
        parts = [
            f"{len(report.imported)} imported",
            f"{len(report.updated)} updated",
            f"{len(report.unchanged)} unchanged",
        ]
        if report.failed:
            parts.append(f"{len(report.failed)} failed")
        if report.skipped:
            parts.append(f"{len(report.skipped)} skipped")
        out(", ".join(parts))
        for _, title, n in report.came_back:
            out(f"{n} annotation{'s' if n != 1 else ''} came back to '{safe(clean_line(title))}'")
        for line in copies.import_lines(report):
            out(safe(line))
    return 1 if report.failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_library(args, read=True) as lib:
        copies.find_copies_once(lib)
        rows = lib.list()
    if args.json:
        print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        out("The library is empty. Import transcripts with: hark import PATH...")
        return 0
    idw = max(len(str(r.id)) for r in rows)
    for r in rows:
        timing, same = copies.list_marks(r.timing, r.same_talk)
        out(
            f"{r.id:>{idw}}  {timing}{format_time(r.duration):>8}  {r.segment_count:>6} seg  "
            f"{r.format:<14} {safe(clean_line(r.title))}{same}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from hark.store.names import display_speakers, speaker_name

    tid = transcript_id(args.id)
    with open_library(args, read=True) as lib:
        t = lib.get(tid)
    if t is None:
        raise CommandError(f"no transcript {tid} (see `hark list`)")
    if args.json:
        print_json(t.to_json())
        return 0
    info = t.info
    approx = TIME_MARKS.get(info.timing, "")
    marks = copies.segment_marks(t)
    out(safe(clean_line(info.title)))
    meta = [info.format, f"{approx}{format_time(info.duration)}", f"{info.segment_count} segments"]
    timing = copies.timing_note(t)
    if timing:
        meta.append(timing)
    if info.speakers:
        meta.append(", ".join(safe(clean_line(s)) for s in display_speakers(info.speakers, info.metadata)[:6]))
    out(" · ".join(meta))
    url = info.metadata.get("url")
    if isinstance(url, str):
        out(safe(clean_line(url)))
    out()
    hours = info.duration >= 3600
    chapters = {c.segment: c.title for c in t.chapters}
    speaker = None
    for i, s in enumerate(t.segments):
        if i in chapters:
            out(f"\n## {safe(clean_line(chapters[i]))}\n")
        stamp = marks[i] + format_time(s.start, always_hours=hours)
        label = ""
        if s.speaker and s.speaker != speaker:
            label = f"{safe(clean_line(speaker_name(s.speaker, info.metadata) or ''))}: "
        speaker = s.speaker or speaker
        text = safe(s.text).replace("\n", " ")
        if s.kind == "nonspeech":
            text = f"({text})" if not text.startswith(("[", "(")) else text
        out(f"[{stamp:>8}] {label}{text}")
    if t.set_aside:
        out("\n-- set aside at import (not transcript) --")
        for block in t.set_aside:
            out(safe(block))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from hark.store.annotations import count_by_transcript

    tid = transcript_id(args.id)
    with open_library(args) as lib:
        info = lib.info(tid)
        if info is None:
            raise CommandError(f"no transcript {tid} (see `hark list`)")
        kept = count_by_transcript(lib).get(tid, 0)
        title = safe(clean_line(info.title))
        # Kept, orphaned, and placed again when this transcript is imported again.
        many = kept != 1
        fate = (
            f"its {kept} annotation{'s are' if many else ' is'} kept, orphaned: "
            f"{'they come' if many else 'it comes'} back if you import the transcript again"
        )
        if kept and not args.yes and sys.stdin.isatty():
            answer = input(f"Remove {tid}: {title}? {fate[0].upper()}{fate[1:]}. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                out("not removed")
                return 1
        lib.remove(tid)
        sync_index(args, lib)
    note = f"; {fate}" if kept else ""
    out(f"removed {tid}: {title}{note}")
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    from hark.store.formats import registry

    for f in registry().values():
        out(f"{f.name:<18} {f.description}")
    return 0
